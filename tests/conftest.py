"""Test set-up for both engines.

DATABASE_URL picks the engine: unset means a fresh SQLite file; `make test` passes a fresh PostgreSQL
database. The schema is built once by migrating. Each test runs inside one outer transaction that is
rolled back at its end, so tests never see each other's rows; the app under test gets sessions bound
to that same connection (commits become savepoints).

On SQLite the outer transaction holds the write lock: never open a second connection on `engine`
inside a test (it would wait for the lock). Use `fresh_database_url` for anything that needs its own
committed database, such as a live server.
"""
from __future__ import annotations

import os

os.environ.setdefault("LANTERN_PASSWORD_HASHING", "fast")  # argon2's cheapest profile: tests create many users

import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlmodel import Session

import lantern  # noqa: F401  (connects the hooks, as the app and the CLI do)
from provider.config import Settings
from provider.db import make_engine
from provider.migrate import upgrade
from provider.web import security

hypothesis_settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hypothesis_settings.register_profile(
    "dev", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

TEST_SECRET = "test-secret-key-for-lantern"
PUBLIC_URL = "https://lantern.willow.example"     # where the tests' emailed links point (LANTERN_PUBLIC_URL)
ENGINE_NAME = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "sqlite"


def pytest_report_header(config):
    return f"database: {ENGINE_NAME}"


@pytest.fixture(scope="session")
def output_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-output"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def _fresh_urls(tmp_path_factory):
    """Makes empty, migrated databases of the engine under test; drops them at the end."""
    made: list[str] = []
    base = os.environ.get("DATABASE_URL")

    def make(label: str) -> str:
        if base and base.startswith("postgresql"):
            name = f"{_database_name(base)}_{label}_{uuid.uuid4().hex[:6]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = base.rsplit("/", 1)[0] + "/" + name
            made.append(url)
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp(label) / 'lantern.db'}"
        upgrade(url)
        return url

    yield make
    if base and base.startswith("postgresql") and made:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for url in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


@pytest.fixture
def fresh_database_url(_fresh_urls, request) -> str:
    """An empty, migrated database of its own, committed to for real (for a live server or a CLI)."""
    return _fresh_urls(re.sub(r"[^a-z0-9]", "", request.node.name.lower())[:20] or "db")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The engine under test's database; with pytest-xdist, each worker's own PostgreSQL database, dropped after."""
    base = os.environ.get("DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not (base and base.startswith("postgresql") and worker):
        url = base or f"sqlite:///{tmp_path_factory.mktemp('db') / 'lantern.db'}"
        upgrade(url)
        yield url
        return
    name = f"{_database_name(base)}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def test_settings(database_url, tmp_path_factory) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, data_dir=tmp_path_factory.mktemp("data"),
                    public_url=PUBLIC_URL)


@pytest.fixture
def connection(engine):
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


def demo_once_per_module(**flags):
    """For a module whose tests each start from the demo: `demo_connection, connection = demo_once_per_module(...)`.

    The demo (built with `flags`, as `demo.build` takes them) is built once, in a transaction the module holds open
    and rolls back at its end; each test then runs in a savepoint of it, rolled back when the test ends, so tests
    still never see each other's rows. On SQLite the module holds the write lock throughout, as a test does."""

    @pytest.fixture(scope="module")
    def demo_connection(engine):
        from lantern import demo
        from provider.db import unit_of_work

        conn = engine.connect()
        outer = conn.begin()
        session = _bound_session(conn)
        with unit_of_work(session):
            demo.build(session, **flags)
        session.close()
        yield conn
        outer.rollback()
        conn.close()

    @pytest.fixture
    def connection(demo_connection):
        with undone(demo_connection, "each_test"):
            yield demo_connection

    return demo_connection, connection


def _bound_session(connection) -> Session:
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection):
    session = _bound_session(connection)
    yield session
    session.close()


@pytest.fixture
def app(test_settings, engine, connection):
    from lantern.app import create_app

    return create_app(test_settings, engine, session_factory=lambda read_only: _bound_session(connection),
                      check_schema=False)


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def anon(app):
    """A second browser that never signs in."""
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_token(client: TestClient) -> str:
    """The CSRF token the pages render for this browser (visits /login first if it has no cookie)."""
    if security.COOKIE not in client.cookies:
        client.get("/login")
    token = security.unsign(TEST_SECRET, client.cookies.get(security.COOKIE))
    return security.csrf_token_for(TEST_SECRET, token)


def post_form(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """Submit an HTML form as a browser would, CSRF token included."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def api(client: TestClient, method: str, url: str, **kwargs):
    """Call the JSON API with the session cookie and the X-CSRF-Token header."""
    headers = {"X-CSRF-Token": csrf_token(client), **kwargs.pop("headers", {})}
    return client.request(method, url, headers=headers, **kwargs)


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(db):
    from provider.db import unit_of_work
    from provider.users.service import create_user

    def make(role: str, name: str | None = None, email: str | None = None):
        with unit_of_work(db):
            return create_user(db, {"email": email or f"{role}-{uuid.uuid4().hex[:8]}@example.org",
                                    "name": name or f"Test {role}", "role": role, "password": PASSWORD})

    return make


def sign_in(client: TestClient, user) -> TestClient:
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def signed_in(client, make_user):
    """sign in the test browser as a new user of `role`: `signed_in("finance")`."""

    def as_role(role: str, **kwargs):
        user = make_user(role, **kwargs)
        sign_in(client, user)
        return user

    return as_role


@contextmanager
def undone(connection, name: str):
    """Every write made inside undone at the end, and the savepoint released: ROLLBACK TO leaves a savepoint open,
    and on PostgreSQL each one left open nests the next and keeps its locks until the whole transaction ends, so
    thousands of examples in one module's transaction once filled the server's lock table ("out of shared memory")."""
    connection.exec_driver_sql(f"SAVEPOINT {name}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {name}")


@contextmanager
def rolled_back(connection):
    """For one hypothesis example: a fresh session whose every write, committed or not, is undone at the end."""
    with undone(connection, "each_example"):
        session = _bound_session(connection)
        try:
            yield session
        finally:
            session.close()
