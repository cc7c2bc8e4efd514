"""The database engine and the one unit of work around each business operation.

Both engines wait for another's lock at most LANTERN_LOCK_WAIT_SECONDS (30 s by default; SQLite's busy timeout,
PostgreSQL's lock_timeout); a lock held longer rolls the work back, and a request answers "try again" (`is_locked`).
SQLite: WAL, foreign keys on every connection, and every transaction that may
write opened with BEGIN IMMEDIATE so that two processes cannot both read a counter and write
duplicates. Read-only sessions (GET requests) open with a plain BEGIN. PostgreSQL uses row locks
(SELECT ... FOR UPDATE) where it counts.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import functions
from sqlmodel import Session

from provider.config import get_settings

READ_ONLY = "lantern_read_only"


@compiles(functions.sum, "postgresql")
def _sum_of_pence(element, compiler, **kw) -> str:
    """PostgreSQL sums BIGINT (every pence column) into NUMERIC, which would reach Python as a Decimal: a sum of whole
    pence is whole, so it is cast back to BIGINT and stays an int, as on SQLite."""
    return f"CAST({compiler.visit_function(element, **kw)} AS BIGINT)"


def make_engine(url: str, *, lock_wait_seconds: float = 30.0) -> Engine:
    wait_ms = round(lock_wait_seconds * 1000)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": lock_wait_seconds, "check_same_thread": False})
        _configure_sqlite(engine, wait_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"options": f"-c lock_timeout={wait_ms}"})


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions open.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, lock_wait_seconds=settings.lock_wait_seconds)


LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_timeout ran out


def is_locked(error: BaseException) -> bool:
    """True when the database gave up waiting for another's lock: the work was rolled back and may be tried again."""
    if not isinstance(error, OperationalError):
        return False
    cause = getattr(error, "orig", None)
    return getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE or "database is locked" in str(cause)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def open_session(engine: Engine | None = None, *, read_only: bool = False) -> Session:
    session = Session(engine or get_engine(), expire_on_commit=False)
    if read_only:
        session.connection(execution_options={READ_ONLY: True})
    return session


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit everything done inside the block, or nothing if it raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
