"""The database engine and the one unit of work around each business operation.

SQLite: WAL, foreign keys on every connection, a 30 s busy timeout, and every transaction that may
write opened with BEGIN IMMEDIATE so that two processes cannot both read a counter and write
duplicates. Read-only sessions (GET requests) open with a plain BEGIN. PostgreSQL uses row locks
(SELECT ... FOR UPDATE) where it counts.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from provider.config import get_settings

READ_ONLY = "lantern_read_only"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions open.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


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
