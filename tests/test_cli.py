"""The `lantern` console script: exit 0 on success, non-zero with a one-line reason on failure."""
import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import select

from provider.db import make_engine, open_session
from provider.migrate import ensure_up_to_date
from provider.users.models import User
from tests.test_database import unmigrated_url  # noqa: F401  (fixture)

LANTERN = str(Path(sys.executable).parent / "lantern")


@pytest.fixture
def run(tmp_path):
    def run_lantern(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": url, "LANTERN_DATA_DIR": str(tmp_path / "data"),
               "LANTERN_SECRET_KEY": "cli-test-secret", "LANTERN_PASSWORD_HASHING": "fast"}
        return subprocess.run([LANTERN, *args], env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=tmp_path)  # from any folder, not just the project's

    return run_lantern


def one_line_reason(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lantern: ")
    return lines[0]


def users_in(url: str) -> list[User]:
    engine = make_engine(url)
    try:
        with open_session(engine, read_only=True) as session:
            return list(session.exec(select(User)))
    finally:
        engine.dispose()


def test_db_upgrade_exits_zero_and_can_run_again(run, fresh_database_url):
    for _ in range(2):
        result = run(fresh_database_url, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def test_db_upgrade_brings_an_unmigrated_database_up_to_date(run, unmigrated_url):  # noqa: F811
    result = run(unmigrated_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    engine = make_engine(unmigrated_url)
    ensure_up_to_date(engine)
    engine.dispose()


def test_users_create_adds_a_user_who_can_sign_in(run, fresh_database_url):
    result = run(fresh_database_url, "users", "create", "--email", "Nell@Example.org", "--name", "Nell Nurse",
                 "--role", "coordinator", "--password", "a long enough password")
    assert result.returncode == 0, result.stderr
    assert "nell@example.org" in result.stdout
    [user] = users_in(fresh_database_url)
    assert (user.email, user.name, user.role) == ("nell@example.org", "Nell Nurse", "coordinator")
    assert user.password_hash.startswith("$argon2")


@pytest.mark.parametrize("field, value", [("--email", "not-an-email"), ("--role", "king"), ("--password", "short")])
def test_users_create_refuses_bad_input_with_one_line_and_writes_nothing(run, fresh_database_url, field, value):
    args = {"--email": "someone@example.org", "--name": "Someone", "--role": "finance",
            "--password": "a long enough password", field: value}
    result = run(fresh_database_url, "users", "create", *[part for pair in args.items() for part in pair])
    assert result.returncode != 0
    reason = one_line_reason(result)
    assert field.lstrip("-") in reason
    assert "Traceback" not in result.stderr
    assert users_in(fresh_database_url) == []


def test_demo_loads_once_and_prints_the_logins(run, fresh_database_url):
    first = run(fresh_database_url, "demo")
    assert first.returncode == 0, first.stderr
    assert "Demo logins" in first.stdout and "admin@willow.example" in first.stdout
    assert "willow-demo-2027" in first.stdout
    again = run(fresh_database_url, "demo")
    assert again.returncode != 0
    assert "not empty" in one_line_reason(again)
    quietly = run(fresh_database_url, "demo", "--if-empty")
    assert quietly.returncode == 0, quietly.stderr
    assert "admin@willow.example" in quietly.stdout


def test_report_prints_the_statutory_income_table_as_csv(run, fresh_database_url):
    assert run(fresh_database_url, "demo").returncode == 0
    result = run(fresh_database_url, "report", "--year", "2026", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["Section", "Source", "Income", "Reference", "Income recognised", "Cash received", "Note"]
    grant = next(r for r in rows if r[3] == "NHS-CHF-2627")
    assert (grant[1], grant[4], grant[5]) == ("Riverside ICB", "310000.00", "232500.00")
    tie = next(r for r in rows if r[0] == "Income in the ledger")
    assert tie[6] == "agrees with the ledger"
    refused = run(fresh_database_url, "report", "--year", "1999")
    assert refused.returncode == 1 and one_line_reason(refused).startswith("lantern: year:")


@pytest.mark.parametrize("command", [["serve"], ["demo"], ["users", "create", "--email", "a@example.org",
                                                            "--name", "A", "--role", "admin", "--password",
                                                            "a long enough password"]])
def test_commands_refuse_an_unmigrated_database_naming_the_fix(run, unmigrated_url, command):  # noqa: F811
    result = run(unmigrated_url, *command, timeout=60)
    assert result.returncode != 0
    assert "lantern db upgrade" in one_line_reason(result)


@pytest.mark.parametrize("url, command", [("sqlite:///{tmp}", ["demo"]),
                                          ("postgresql+psycopg://nobody@127.0.0.1:1/nothing", ["db", "upgrade"])])
def test_an_unreachable_database_is_one_line_not_a_traceback(run, tmp_path, url, command):
    result = run(url.format(tmp=tmp_path), *command)  # a folder is not a database; nothing listens on port 1
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    one_line_reason(result)


def test_serve_serves_the_login_page(run, fresh_database_url, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": fresh_database_url, "LANTERN_DATA_DIR": str(tmp_path / "data"),
           "LANTERN_SECRET_KEY": "cli-test-secret"}
    server = subprocess.Popen([LANTERN, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    assert page.status == 200 and "Sign in to Lantern" in page.read().decode()
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "lantern serve did not answer within 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output


def test_no_command_shows_the_help(run, fresh_database_url):
    result = run(fresh_database_url)
    assert "db" in result.stdout + result.stderr and "serve" in result.stdout + result.stderr
