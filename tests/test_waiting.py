"""Waiting for the database never stalls the server (issue 20, item 8): routes run in the thread pool, so a request
queued behind another's lock leaves every other page answering; a lock held past the wait is a clean "try again"
with nothing changed; a PostgreSQL restore refuses a database that is still being served."""
from __future__ import annotations

import inspect
import sqlite3
import threading
import uuid
from contextlib import contextmanager

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from provider.config import Settings
from provider.db import make_engine, open_session, unit_of_work
from provider.funders.models import CharitableFund
from provider.users.service import create_user
from tests.conftest import ENGINE_NAME, PASSWORD, TEST_SECRET, post_form, sign_in


@contextmanager
def another_writer(url: str):
    """Another process's write transaction holding the lock a new fund needs, until the block ends."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE charitable_funds IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            holder.rollback()
    engine.dispose()


@contextmanager
def served(url: str, tmp_path, lock_wait_seconds: float):
    from lantern.app import create_app

    engine = make_engine(url, lock_wait_seconds=lock_wait_seconds)
    with open_session(engine) as session, unit_of_work(session):
        user = create_user(session, {"email": f"finance-{uuid.uuid4().hex[:6]}@example.org", "name": "Fran Finance",
                                     "role": "finance", "password": PASSWORD})
    settings = Settings(database_url=url, secret_key=TEST_SECRET, data_dir=tmp_path,
                        lock_wait_seconds=lock_wait_seconds)
    with TestClient(create_app(settings, engine), follow_redirects=False) as client:
        yield sign_in(client, user), engine
    engine.dispose()


def funds_named(engine, name: str) -> int:
    with open_session(engine) as session:
        return len(session.exec(select(CharitableFund).where(CharitableFund.name == name)).all())


def test_a_request_waiting_for_another_writer_leaves_every_other_page_answering(fresh_database_url, tmp_path):
    with served(fresh_database_url, tmp_path, lock_wait_seconds=60) as (client, engine):
        answers = {}
        with another_writer(fresh_database_url):
            waiting = threading.Thread(target=lambda: answers.update(
                fund=post_form(client, "/funds/new", {"name": "Garden Fund", "restricted": "false"})))
            waiting.start()
            waiting.join(0.5)
            assert waiting.is_alive(), "the fund was saved although another writer held the lock"
            assert client.get("/healthz").json() == {"status": "ok"}
            assert client.get("/static/lantern.css").status_code == 200
            assert client.get("/login").headers["location"] == "/"  # signed in already: sent home
            assert waiting.is_alive(), "the other pages answered only once the waiting request had ended"
        waiting.join(60)
        assert answers["fund"].status_code == 303, answers["fund"].text
        assert funds_named(engine, "Garden Fund") == 1


def test_a_lock_held_past_the_wait_is_a_clean_try_again_that_changes_nothing(fresh_database_url, tmp_path):
    with served(fresh_database_url, tmp_path, lock_wait_seconds=0.5) as (client, engine):
        with another_writer(fresh_database_url):
            page = post_form(client, "/funds/new", {"name": "Garden Fund", "restricted": "false"})
            api = client.post("/api/funds", json={"name": "Garden Fund"},
                              headers={"X-CSRF-Token": _csrf(client)})
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert "try again" in page.text and "nothing was changed" in page.text
        assert api.status_code == 503
        assert api.json() == {"detail": "Another task is writing to the database just now, so nothing was changed. "
                                        "Wait a moment and try again."}
        assert funds_named(engine, "Garden Fund") == 0
        assert post_form(client, "/funds/new", {"name": "Garden Fund", "restricted": "false"}).status_code == 303
        assert funds_named(engine, "Garden Fund") == 1


def _csrf(client):
    from tests.conftest import csrf_token

    return csrf_token(client)


def test_no_route_runs_on_the_event_loop(app):
    """Every route and every dependency that is given a database session is a plain function, run in the thread
    pool; the one async dependency reads the request's body before any session is opened."""
    from provider.web.deps import read_content

    on_the_loop = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            call = dependant.call
            if call is None or call is read_content:
                continue
            if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(getattr(call, "__call__", None)):
                on_the_loop.append(f"{','.join(sorted(route.methods))} {route.path}: {call.__qualname__}")
    assert on_the_loop == []


if ENGINE_NAME == "postgresql":  # pg_restore into a database another Lantern is serving: PostgreSQL only
    def test_a_restore_refuses_a_database_still_being_served_unless_told_to_end_its_connections(
            fresh_database_url, tmp_path):
        from provider import backup as backups

        backups.backup(fresh_database_url, tmp_path / "data", tmp_path / "b.tar.gz")
        served_engine = create_engine(fresh_database_url, poolclass=NullPool)
        idle = served_engine.connect()
        idle.execute(text("SELECT 1 FROM users LIMIT 1"))  # idle in transaction, as a stuck request would be
        with pytest.raises(backups.BackupError, match=r"1 other connection\(s\) are open .* --end-connections"):
            backups.restore(fresh_database_url, tmp_path / "data", tmp_path / "b.tar.gz", force=True)
        restored = backups.restore(fresh_database_url, tmp_path / "data", tmp_path / "b.tar.gz", force=True,
                                   end_connections=True)
        assert restored.manifest["engine"] == "postgresql"
        with pytest.raises(Exception):
            idle.execute(text("SELECT 1"))
        served_engine.dispose()
