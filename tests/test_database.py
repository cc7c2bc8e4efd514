"""The database: pragmas, write locking, one unit of work, migrations, the clock. Both engines."""
import os
import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, func, select

from provider.audit.models import AuditEvent
from provider.clock import financial_year_label, financial_year_start, set_as_of_date, today
from provider.db import make_engine, open_session, unit_of_work
from provider.errors import FieldErrors
from provider.migrate import SchemaOutOfDate, check_models_match, ensure_up_to_date
from provider.users.models import LoginSession, User
from provider.users.service import create_user
from tests.conftest import ENGINE_NAME


@pytest.fixture
def unmigrated_url(tmp_path):
    """An empty database of the engine under test that has never been migrated; dropped at the end."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"{base.rsplit('/', 1)[1].split('?')[0]}_unmigrated_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def own_engine(fresh_database_url):
    engine = make_engine(fresh_database_url)
    yield engine
    engine.dispose()


def person(n: int = 1) -> dict:
    return {"email": f"person{n}@example.org", "name": f"Person {n}", "role": "finance",
            "password": "a long enough password"}


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_connection_settings_of_the_engine(own_engine):
    with own_engine.connect() as conn:
        if ENGINE_NAME == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30000
        else:
            assert conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"


def test_every_connection_enforces_foreign_keys(own_engine):
    for _ in range(2):  # a second pooled connection too
        with pytest.raises(IntegrityError):
            with Session(own_engine) as session, unit_of_work(session):
                session.add(LoginSession(token_hash=uuid.uuid4().hex, user_id=uuid.uuid4(),
                                         expires_at=date(2030, 1, 1)))


def test_a_second_writer_waits_while_a_reader_carries_on(own_engine):
    with open_session(own_engine) as setup, unit_of_work(setup):
        existing = create_user(setup, person(1))
    writer = open_session(own_engine)
    try:
        with unit_of_work(writer):
            create_user(writer, person(2))
            writer.flush()  # a write is under way and not committed
            if ENGINE_NAME == "sqlite":
                _second_writer_cannot_begin(own_engine)
            else:
                _second_writer_cannot_lock_the_same_row(own_engine, existing.id, writer)
            with open_session(own_engine, read_only=True) as reader:
                assert count(reader, User) == 1  # reads go on, and do not see the uncommitted user
        with open_session(own_engine, read_only=True) as reader:
            assert count(reader, User) == 2
    finally:
        writer.close()


def _second_writer_cannot_begin(engine):
    """SQLite: the first write transaction began with BEGIN IMMEDIATE, so a second cannot begin at all."""
    with engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA busy_timeout=100")
        with pytest.raises(OperationalError, match="locked"):
            conn.begin()  # the "begin" event issues BEGIN IMMEDIATE here, before any statement


def _second_writer_cannot_lock_the_same_row(engine, user_id, writer):
    """PostgreSQL: row locks. The writer locks a row; a second transaction cannot lock it, but can write others."""
    writer.exec(select(User).where(User.id == user_id).with_for_update()).one()
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL lock_timeout = '100ms'")
        with pytest.raises(OperationalError, match="lock"):
            conn.execute(select(User).where(User.id == user_id).with_for_update(nowait=True))
    with open_session(engine) as other, unit_of_work(other):
        create_user(other, person(3))
        other.delete(other.get(User, other.exec(select(User.id).where(User.email == "person3@example.org")).one()))


def test_a_second_writer_of_other_rows_waits_only_on_sqlite(own_engine):
    first = open_session(own_engine)
    with unit_of_work(first):
        create_user(first, person(1))
        done = threading.Event()
        result = {}

        def second_writer():
            with open_session(own_engine) as second, unit_of_work(second):
                create_user(second, person(2))
            result["count"] = 2
            done.set()

        thread = threading.Thread(target=second_writer)
        thread.start()
        if ENGINE_NAME == "sqlite":
            assert not done.wait(0.3)  # BEGIN IMMEDIATE: still waiting for the first writer
        else:
            assert done.wait(10)  # row locks only: a writer of other rows is not held up
    thread.join(10)
    assert result == {"count": 2}
    with open_session(own_engine, read_only=True) as reader:
        assert count(reader, User) == 2


def test_unit_of_work_rolls_back_everything_when_anything_fails(db):
    users, events = count(db, User), count(db, AuditEvent)
    with pytest.raises(RuntimeError):
        with unit_of_work(db):
            create_user(db, person(1))
            db.flush()
            raise RuntimeError("the lights went out")
    with pytest.raises(FieldErrors):
        with unit_of_work(db):
            create_user(db, person(2))
            create_user(db, {**person(3), "email": "person2@example.org"})  # duplicate: refused
    assert count(db, User) == users and count(db, AuditEvent) == events
    assert db.exec(select(User).where(User.email.in_(["person1@example.org", "person2@example.org"]))).all() == []


def test_the_migrations_match_the_models(fresh_database_url):
    check_models_match(fresh_database_url)  # alembic check: raises when they differ


def test_alembic_check_notices_a_schema_that_drifted(fresh_database_url):
    from alembic.util.exc import AutogenerateDiffsDetected

    engine = make_engine(fresh_database_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("ALTER TABLE system_state DROP COLUMN as_of_date")
        conn.commit()
    engine.dispose()
    with pytest.raises(AutogenerateDiffsDetected):
        check_models_match(fresh_database_url)


def test_an_unmigrated_database_is_refused_naming_the_command(unmigrated_url, tmp_path):
    from provider.config import Settings
    from lantern.app import create_app

    engine = make_engine(unmigrated_url)
    try:
        with pytest.raises(SchemaOutOfDate, match="lantern db upgrade"):
            ensure_up_to_date(engine)
        with pytest.raises(SchemaOutOfDate, match="lantern db upgrade"):
            create_app(Settings(database_url=unmigrated_url, secret_key="k", data_dir=tmp_path), engine)
    finally:
        engine.dispose()


def test_a_migrated_database_is_up_to_date(own_engine):
    ensure_up_to_date(own_engine)


def test_the_clock_uses_the_real_date_unless_the_database_has_its_own(db):
    assert today(db) == date.today()
    set_as_of_date(db, date(2027, 4, 10))
    db.flush()
    assert today(db) == date(2027, 4, 10)
    set_as_of_date(db, None)
    db.flush()
    assert today(db) == date.today()


@pytest.mark.parametrize("day, label, start", [
    (date(2026, 4, 1), "2026/27", date(2026, 4, 1)),
    (date(2027, 3, 31), "2026/27", date(2026, 4, 1)),
    (date(2026, 3, 31), "2025/26", date(2025, 4, 1)),
    (date(1999, 12, 31), "1999/00", date(1999, 4, 1)),
])
def test_financial_year_runs_april_to_march(day, label, start):
    assert financial_year_label(day) == label
    assert financial_year_start(day) == start


def test_tests_are_isolated_part_one(db):
    with unit_of_work(db):
        create_user(db, {**person(1), "email": "isolation@example.org"})
    assert db.exec(select(User).where(User.email == "isolation@example.org")).one()


def test_tests_are_isolated_part_two(db):
    assert db.exec(select(User).where(User.email == "isolation@example.org")).first() is None
