"""`lantern backup` and `lantern restore`: the demo and a data dir file go through one file and come back whole.

The commands run in a subprocess through an app built from `lantern.backup_cli.register`, so these tests do not
depend on provider/cli.py calling it; `test_the_lantern_command_backs_up` checks that it does."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import text

from invoicing.rendering import render_pending
from provider import backup as backups
from lantern import demo
from provider.db import make_engine, open_session, unit_of_work
from tests.conftest import ENGINE_NAME
from tests.test_cli import LANTERN, one_line_reason

BACKUP_APP = ("import typer; from lantern.backup_cli import register; "
              "app = typer.Typer(pretty_exceptions_enable=False); register(app); app()")
KEY_TABLES = ["users", "children", "bookings", "charges", "invoices", "credit_notes", "ledger_entries",
              "ledger_lines", "payments", "allocations", "isf_agreements", "isf_evidence", "documents",
              "audit_events"]
RECEIPT = b"%PDF-1.4 a scanned receipt kept in the data dir\n" + bytes(range(256)) * 40


@pytest.fixture
def run(tmp_path):
    def run_command(url: str, data_dir: Path, *args: str, lantern: bool = False, path: str | None = None):
        env = {**os.environ, "DATABASE_URL": url, "LANTERN_DATA_DIR": str(data_dir),
               "LANTERN_SECRET_KEY": "backup-test-secret", "LANTERN_PASSWORD_HASHING": "fast"}
        if path is not None:
            env["PATH"] = path
        command = [LANTERN] if lantern else [sys.executable, "-c", BACKUP_APP]
        return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)

    return run_command


@pytest.fixture(scope="module")
def willow(_fresh_urls) -> str:
    """The demo, committed to a database of its own, with its documents' PDFs stored (as `lantern demo` leaves it,
    which `lantern check` requires); tests only read it."""
    url = _fresh_urls("backupwillow")
    engine = make_engine(url)
    with open_session(engine) as session:
        with unit_of_work(session):
            demo.build(session)
        render_pending(session)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def willow_data(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("willow-data")
    (data_dir / "receipts" / "2027").mkdir(parents=True)
    (data_dir / "receipts" / "2027" / "taxi-0412.pdf").write_bytes(RECEIPT)
    (data_dir / "secret.key").write_text("the source installation's own key")
    return data_dir


@pytest.fixture(scope="module")
def willow_backup(willow, willow_data, tmp_path_factory) -> Path:
    file = tmp_path_factory.mktemp("backups") / "willow.tar.gz"
    backups.backup(willow, willow_data, file)
    return file


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar() for name in KEY_TABLES}
    finally:
        engine.dispose()


def digests(url: str, query: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(hashlib.sha256(bytes(blob)).hexdigest() for (blob,) in connection.execute(text(query)))
    finally:
        engine.dispose()


def emails(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(text("SELECT email FROM users")).scalars())
    finally:
        engine.dispose()


def holding_rows(url: str) -> list[str]:
    return backups._inspect(url)[1]


def rewritten(file: Path, into: Path, manifest: dict | None = None, members: dict[str, bytes] | None = None) -> Path:
    """A copy of a backup with some of its manifest's keys and some members' bytes changed."""
    with tarfile.open(file) as tar:
        contents = {info.name: tar.extractfile(info).read() for info in tar.getmembers()}
    contents["manifest.json"] = json.dumps({**json.loads(contents["manifest.json"]), **(manifest or {})}).encode()
    contents.update(members or {})
    with tarfile.open(into, "w") as tar:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return into


def test_a_backup_restores_into_a_fresh_database_and_data_dir(run, willow, willow_data, fresh_database_url,
                                                              tmp_path):
    file = tmp_path / "willow.tar"
    backed_up = run(willow, willow_data, "backup", str(file))
    assert backed_up.returncode == 0, backed_up.stderr
    assert "1 file(s)" in backed_up.stdout and str(file) in backed_up.stdout

    restored_data = tmp_path / "restored-data"
    restored = run(fresh_database_url, restored_data, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and "1 file(s)" in restored.stdout

    checked = run(fresh_database_url, restored_data, "check", lantern=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Every check passed" in checked.stdout
    assert counts(fresh_database_url) == counts(willow)
    assert counts(fresh_database_url)["documents"] > 0 and counts(fresh_database_url)["isf_evidence"] > 0
    for query in ("SELECT pdf FROM documents", "SELECT content FROM isf_evidence"):
        assert digests(fresh_database_url, query) == digests(willow, query)
    assert (restored_data / "receipts" / "2027" / "taxi-0412.pdf").read_bytes() == RECEIPT
    assert not (restored_data / "secret.key").exists()   # the installation's key stays behind


def test_restore_refuses_a_database_holding_data_and_replaces_it_with_force(run, willow, willow_backup,
                                                                            fresh_database_url, tmp_path):
    data_dir = tmp_path / "data"
    made = run(fresh_database_url, data_dir, "users", "create", "--email", "nell@example.org", "--name", "Nell",
               "--role", "finance", "--password", "a long enough password", lantern=True)
    assert made.returncode == 0, made.stderr

    refused = run(fresh_database_url, data_dir, "restore", str(willow_backup))
    assert refused.returncode == 1
    reason = one_line_reason(refused)
    assert "already holds data" in reason and "users" in reason and "--force" in reason
    assert emails(fresh_database_url) == ["nell@example.org"]
    assert not (data_dir / "receipts").exists()

    forced = run(fresh_database_url, data_dir, "restore", str(willow_backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert emails(fresh_database_url) == emails(willow)
    assert counts(fresh_database_url) == counts(willow)
    assert (data_dir / "receipts" / "2027" / "taxi-0412.pdf").read_bytes() == RECEIPT
    checked = run(fresh_database_url, data_dir, "check", lantern=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_restore_refuses_a_data_dir_file_that_differs_unless_forced(run, willow_backup, fresh_database_url,
                                                                    tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "receipts" / "2027").mkdir(parents=True)
    (data_dir / "receipts" / "2027" / "taxi-0412.pdf").write_bytes(b"another receipt")

    refused = run(fresh_database_url, data_dir, "restore", str(willow_backup))
    assert refused.returncode == 1
    assert "taxi-0412.pdf" in one_line_reason(refused) and "--force" in refused.stderr
    assert holding_rows(fresh_database_url) == []
    assert (data_dir / "receipts" / "2027" / "taxi-0412.pdf").read_bytes() == b"another receipt"

    forced = run(fresh_database_url, data_dir, "restore", str(willow_backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (data_dir / "receipts" / "2027" / "taxi-0412.pdf").read_bytes() == RECEIPT


OTHER_ENGINE = {"sqlite": "postgresql", "postgresql": "sqlite"}[ENGINE_NAME]


@pytest.mark.parametrize("kind, words", [
    ("missing", ["does not exist"]),
    ("text", ["is not a Lantern backup"]),
    ("no manifest", ["is not a Lantern backup", "manifest.json"]),
    ("another format", ["is not a Lantern backup"]),
    ("damaged", ["is damaged", "checksum"]),
    ("unknown revision", ["9999_from_the_future", "does not know"]),
    ("other engine", ["SQLite", "PostgreSQL"]),
])
def test_restore_refuses_what_is_not_a_whole_lantern_backup_and_changes_nothing(
        run, willow_backup, fresh_database_url, tmp_path, kind, words):
    file = tmp_path / "given.tar"
    if kind == "text":
        file.write_text("Dear finance team, please find attached...\n")
    elif kind == "no manifest":
        with tarfile.open(file, "w") as tar:
            tar.add(__file__, "test_backup.py")
    elif kind == "another format":
        rewritten(willow_backup, file, manifest={"format": "somebody-else"})
    elif kind == "damaged":
        rewritten(willow_backup, file, members={"files/receipts/2027/taxi-0412.pdf": RECEIPT[:-1] + b"!"})
    elif kind == "unknown revision":
        rewritten(willow_backup, file, manifest={"revision": "9999_from_the_future"})
    elif kind == "other engine":
        dump = backups.DUMPS[ENGINE_NAME]
        with tarfile.open(willow_backup) as tar:
            data = tar.extractfile(dump).read()
        rewritten(willow_backup, file, manifest={"engine": OTHER_ENGINE, "database": backups.DUMPS[OTHER_ENGINE]},
                  members={backups.DUMPS[OTHER_ENGINE]: data})
    data_dir = tmp_path / "data"

    result = run(fresh_database_url, data_dir, "restore", str(file), "--force")
    assert result.returncode == 1
    reason = one_line_reason(result)
    assert all(word in reason for word in words), reason
    assert holding_rows(fresh_database_url) == []
    assert not data_dir.exists()


@pytest.mark.parametrize("where", ["no such folder", "under a file", "a folder"])
def test_backup_refuses_a_path_it_cannot_write(run, willow, willow_data, tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder")
    file = {"no such folder": tmp_path / "missing" / "willow.tar", "under a file": tmp_path / "a-file" / "willow.tar",
            "a folder": tmp_path}[where]
    before = sorted(tmp_path.rglob("*"))

    result = run(willow, willow_data, "backup", str(file))
    assert result.returncode == 1
    reason = one_line_reason(result)
    assert "cannot write" in reason or "is a folder" in reason
    assert sorted(tmp_path.rglob("*")) == before


if ENGINE_NAME == "postgresql":  # pg_dump and pg_restore: a PostgreSQL database only
    def test_backup_and_restore_say_when_the_postgresql_tools_are_missing(run, willow, willow_data, willow_backup,
                                                                         fresh_database_url, tmp_path):
        empty_path = tmp_path / "bin"
        empty_path.mkdir()
        backed_up = run(willow, willow_data, "backup", str(tmp_path / "willow.tar"), path=str(empty_path))
        assert backed_up.returncode == 1
        assert "pg_dump is not installed" in one_line_reason(backed_up)
        assert not (tmp_path / "willow.tar").exists()

        restored = run(fresh_database_url, tmp_path / "data", "restore", str(willow_backup), path=str(empty_path))
        assert restored.returncode == 1
        assert "pg_restore is not installed" in one_line_reason(restored)
        assert holding_rows(fresh_database_url) == []


if ENGINE_NAME == "sqlite":  # a SQLite file only
    def test_restore_makes_a_new_sqlite_file_and_its_folder(run, willow_backup, tmp_path):
        target = tmp_path / "new" / "folder" / "lantern.db"
        url = f"sqlite:///{target}"
        refused = run(url, tmp_path / "data", "restore", str(tmp_path / "missing.tar"))
        assert refused.returncode == 1
        assert not target.exists()

        restored = run(url, tmp_path / "data", "restore", str(willow_backup))
        assert restored.returncode == 0, restored.stderr
        assert target.is_file()
        checked = run(url, tmp_path / "data", "check", lantern=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


if ENGINE_NAME == "sqlite":  # a SQLite file only
    def test_a_sqlite_backup_is_taken_while_the_app_holds_a_write_lock(willow, willow_data, fresh_database_url, tmp_path):
        import sqlite3

        app = sqlite3.connect(backups._sqlite_path(willow), isolation_level=None)
        app.execute("BEGIN IMMEDIATE")
        app.execute("UPDATE system_state SET id = id")   # a writer mid-transaction, its change not committed
        try:
            backups.backup(willow, willow_data, tmp_path / "during.tar")
        finally:
            app.execute("ROLLBACK")
            app.close()
        backups.restore(fresh_database_url, tmp_path / "data", tmp_path / "during.tar")
        assert counts(fresh_database_url) == counts(willow)


def test_the_lantern_command_backs_up(run, willow, willow_data, tmp_path):
    """Passes once provider/cli.py calls lantern.backup_cli.register(app)."""
    result = run(willow, willow_data, "backup", str(tmp_path / "willow.tar"), lantern=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "willow.tar").is_file()


# ---------------------------------------------------------------------------------------------------------------
# Hostile archives and data dirs (issue 20, item 9): a cap on what a restore unpacks, no links in a backup, and
# never a write through a link already in the data dir.


def crafted(file: Path, into: Path, extra: list[tarfile.TarInfo], payload: dict[str, bytes] | None = None) -> Path:
    """A gzipped copy of a backup with members added (links, or files listed in its manifest)."""
    with tarfile.open(file) as tar:
        contents = {info.name: tar.extractfile(info).read() for info in tar.getmembers()}
    manifest = json.loads(contents["manifest.json"])
    for name, data in (payload or {}).items():
        manifest["files"][name.removeprefix("files/")] = hashlib.sha256(data).hexdigest()
        contents[name] = data
    contents["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(into, "w:gz") as tar:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return into


def unpacked_mb(file: Path) -> int:
    with tarfile.open(file) as tar:
        return -(-sum(info.size for info in tar.getmembers()) // (1024 * 1024))


def test_restore_refuses_a_backup_that_would_unpack_beyond_the_cap_before_writing_anything(
        run, willow_backup, fresh_database_url, tmp_path, monkeypatch):
    cap = unpacked_mb(willow_backup) + 8
    bomb = crafted(willow_backup, tmp_path / "bomb.tar.gz", [],
                   {"files/receipts/big.pdf": b"%PDF" + bytes(16 * 1024 * 1024)})
    assert bomb.stat().st_size < 2 * 1024 * 1024 + willow_backup.stat().st_size
    monkeypatch.setenv("LANTERN_RESTORE_MAX_MB", str(cap))
    data_dir = tmp_path / "data"
    refused = run(fresh_database_url, data_dir, "restore", str(bomb), "--force")
    assert refused.returncode == 1
    reason = one_line_reason(refused)
    assert f"more than the {cap:,} MB a restore may unpack (LANTERN_RESTORE_MAX_MB)" in reason, reason
    assert holding_rows(fresh_database_url) == [] and not data_dir.exists()
    within = run(fresh_database_url, data_dir, "restore", str(willow_backup))      # the same cap lets the real one in
    assert within.returncode == 0, within.stderr


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE], ids=["symlink", "hardlink"])
def test_restore_refuses_a_backup_holding_a_link(run, willow_backup, fresh_database_url, tmp_path, kind):
    link = tarfile.TarInfo("files/receipts/passwd")
    link.type, link.linkname = kind, "/etc/passwd" if kind == tarfile.SYMTYPE else "manifest.json"
    file = crafted(willow_backup, tmp_path / "linked.tar.gz", [link])
    data_dir = tmp_path / "data"
    refused = run(fresh_database_url, data_dir, "restore", str(file), "--force")
    assert refused.returncode == 1
    reason = one_line_reason(refused)
    assert "files/receipts/passwd is a link" in reason and "holds none" in reason
    assert holding_rows(fresh_database_url) == [] and not data_dir.exists()


@pytest.mark.parametrize("linked", ["folder", "file"])
def test_restore_never_writes_through_a_link_already_in_the_data_dir(run, willow_backup, fresh_database_url,
                                                                     tmp_path, linked):
    data_dir, outside = tmp_path / "data", tmp_path / "outside"
    outside.mkdir()
    (outside / "taxi-0412.pdf").write_bytes(b"not to be touched")
    if linked == "folder":
        (data_dir / "receipts").mkdir(parents=True)
        (data_dir / "receipts" / "2027").symlink_to(outside, target_is_directory=True)
    else:
        (data_dir / "receipts" / "2027").mkdir(parents=True)
        (data_dir / "receipts" / "2027" / "taxi-0412.pdf").symlink_to(outside / "taxi-0412.pdf")
    refused = run(fresh_database_url, data_dir, "restore", str(willow_backup), "--force")
    assert refused.returncode == 1
    reason = one_line_reason(refused)
    assert "is a link: a restore never writes through a link" in reason and "receipts/2027" in reason
    assert (outside / "taxi-0412.pdf").read_bytes() == b"not to be touched"
    assert [p.name for p in outside.iterdir()] == ["taxi-0412.pdf"]
    assert holding_rows(fresh_database_url) == []
