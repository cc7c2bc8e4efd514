"""`lantern backup` and `lantern restore`: one tar file holding the database, the data dir's files and a manifest.

The database goes in as SQLite's online backup (a consistent copy while the app runs) or pg_dump's custom format.
Issued PDFs, ISF evidence and outbox emails live in database tables (documents, isf_evidence, sent_messages), so
they travel with the database; whatever else is in the data dir goes under files/, apart from the database itself
and secret.key (the installation's cookie-signing key, not the hospice's data). A backup restores only into the
engine it was taken from. Every refusal is a BackupError with a one-line reason, raised before anything changes.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from provider.config import RESTORE_MAX_MB

FORMAT = "lantern-backup"
VERSION = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SECRET_KEY = "secret.key"
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
MANIFEST_MAX_BYTES = 16 * 1024 * 1024

# Empties the public schema (tables, views, sequences, functions, enum types; not an extension's) so that the
# restore script that follows, in the same transaction, rebuilds it exactly as backed up.
CLEAR_POSTGRESQL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                  WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.name);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typtype = 'e'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS public.%I CASCADE', r.typname);
  END LOOP;
END $$
"""


class BackupError(Exception):
    """Why a backup or restore was refused, in one line; nothing was changed."""


@dataclass(frozen=True)
class Restored:
    manifest: dict
    files: list[str]        # put back under the data dir
    left_out: list[str]     # in the backup, but they would have overwritten the database or secret.key


def backup(url: str, data_dir: Path, file: Path) -> dict:
    """Write the database and the data dir's files to `file` (a tar; gzipped if it ends .gz or .tgz)."""
    engine, file, data_dir = _engine(url), Path(file), Path(data_dir)
    if file.is_dir():
        raise BackupError(f"{file} is a folder: name the backup file to write")
    if not file.parent.is_dir():
        raise BackupError(f"cannot write {file}: the folder {file.parent} does not exist")
    source = _sqlite_path(url) if engine == "sqlite" else None
    if source is not None and not source.is_file():
        raise BackupError(f"there is nothing to back up: the database file {source} does not exist")
    args, env = _postgresql(url) if engine == "postgresql" else ([], None)
    if engine == "postgresql":
        _require_tools(env, "pg_dump")
    revision, _ = _inspect(url)
    if revision is None:
        raise BackupError("the database holds no Lantern schema (no Alembic revision): there is nothing to back up")
    try:
        work = Path(tempfile.mkdtemp(prefix=".lantern-backup-", dir=file.parent))
    except OSError as exc:
        raise BackupError(f"cannot write {file}: {exc.strerror or exc}") from None
    try:
        dump = work / DUMPS[engine]
        if source is not None:
            _dump_sqlite(source, dump)
        else:
            _run(["pg_dump", "--format=custom", "--file", str(dump), *args], env)
        leave = {file.resolve(), *(_companions(source) if source else ())}
        manifest = {"format": FORMAT, "version": VERSION, "engine": engine, "revision": revision,
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": DUMPS[engine], "database_sha256": _sha256(dump), "files": {}}
        partial = work / "backup.tar"
        with tarfile.open(partial, "w:gz" if file.name.endswith((".gz", ".tgz")) else "w") as tar:
            tar.add(dump, DUMPS[engine])
            for name, path in _data_files(data_dir, leave, work):
                manifest["files"][name] = _add_file(tar, path, f"files/{name}")
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        os.replace(partial, file)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        raise BackupError(f"cannot write {file}:{where} {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def restore(url: str, data_dir: Path, file: Path, force: bool = False,
            max_mb: int = RESTORE_MAX_MB, end_connections: bool = False) -> Restored:
    """Put a backup's database into `url` and its files under `data_dir`. Without `force`, refuses a database
    holding any row (Alembic's own revision apart) and a data dir file that differs from the backup's. Refuses a
    backup that would unpack to more than `max_mb` megabytes or holds a link, and never writes through a link. A
    PostgreSQL database others are connected to (a Lantern still serving it) is refused unless `end_connections`
    ends them: otherwise the restore would wait behind their locks while they read a database being replaced."""
    engine, file, data_dir = _engine(url), Path(file), Path(data_dir)
    with tempfile.TemporaryDirectory(prefix="lantern-restore-") as folder:
        work = Path(folder)
        manifest = _unpack(file, work, max_mb)
        if manifest["engine"] != engine:
            raise BackupError(f"{file} is a backup of a {ENGINES[manifest['engine']]} database and DATABASE_URL is "
                              f"{ENGINES[engine]}: a backup restores only into the engine it was taken from")
        _require_known(manifest["revision"], file)
        target = _sqlite_path(url) if engine == "sqlite" else None
        if target is not None and target.is_dir():
            raise BackupError(f"cannot restore into {target}: it is a folder")
        args, env = _postgresql(url) if engine == "postgresql" else ([], None)
        if engine == "postgresql":
            _require_tools(env, "pg_restore", "psql")
        holding = [] if target is not None and not target.exists() else _inspect(url)[1]
        if holding and not force:
            raise BackupError(f"the database already holds data ({len(holding)} table(s) with rows, "
                              f"{', '.join(holding[:3])}{', ...' if len(holding) > 3 else ''}): restore only into "
                              "an empty database, or give --force to replace everything in it")
        guarded = {(data_dir / SECRET_KEY).resolve(), *(_companions(target) if target else ())}
        files = [name for name in manifest["files"] if (data_dir / name).resolve() not in guarded]
        left_out = [name for name in manifest["files"] if name not in files]
        for name in files:
            _writable_inside(data_dir, name)
        if not force:
            for name in files:
                present = data_dir / name
                if present.exists() and (not present.is_file() or _sha256(present) != manifest["files"][name]):
                    raise BackupError(f"the data dir already holds {present}, different from the backup's: "
                                      "give --force to replace it")
        if files:
            _require_writable(data_dir)
        if target is None:
            _end_or_refuse_others(url, end_connections)
        if target is not None:
            _restore_sqlite(work / "database", target)
        else:
            script = work / "restore.sql"
            _run(["pg_restore", "--no-owner", "--no-privileges", "--file", str(script), str(work / "database")], env)
            _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", *args,
                  "-c", CLEAR_POSTGRESQL, "-f", str(script)], env)
        try:
            for name in files:
                _write_inside(data_dir, name, work / "files" / name)
        except OSError as exc:
            raise BackupError(f"restored the database, but could not put back {exc.filename}: "
                              f"{exc.strerror or exc}") from None
    return Restored(manifest, files, left_out)


def describe(url: str) -> str:
    """The database a URL names, for messages: its SQLite file, or the PostgreSQL URL without its password."""
    return str(_sqlite_path(url)) if _engine(url) == "sqlite" else make_url(url).render_as_string(hide_password=True)


def _engine(url: str) -> str:
    try:
        name = make_url(url).get_backend_name()
    except Exception:
        raise BackupError("DATABASE_URL is not a database URL") from None
    if name not in ENGINES:
        raise BackupError(f"DATABASE_URL is a {name} database: Lantern backs up only SQLite and PostgreSQL")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("DATABASE_URL must name a SQLite file, like sqlite:////path/to/lantern.db")
    return Path(database)


def _companions(database: Path) -> set[Path]:
    resolved = database.resolve()
    return {resolved.with_name(resolved.name + suffix) for suffix in SQLITE_COMPANIONS}


def _postgresql(url: str) -> tuple[list[str], dict]:
    """pg_dump's and psql's connection arguments for a SQLAlchemy URL; the password goes in the environment."""
    parts = make_url(url)
    keywords = {"dbname": parts.database, "user": parts.username, "host": parts.host, "port": parts.port,
                **{key: value for key, value in parts.query.items() if isinstance(value, str)}}
    conninfo = " ".join(f"{key}='{_quoted(value)}'" for key, value in keywords.items() if value not in (None, ""))
    env = {**os.environ, **({"PGPASSWORD": parts.password} if parts.password else {})}
    return (["--dbname", conninfo] if conninfo else []), env


def _quoted(value) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def _require_tools(env: dict, *tools: str) -> None:
    for tool in tools:
        if shutil.which(tool, path=env.get("PATH")) is None:
            raise BackupError(f"{tool} is not installed (it comes with the PostgreSQL client tools, "
                              "Debian's postgresql-client-15)")


def _run(args: list[str], env: dict | None) -> None:
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]  # not NOTICEs
        raise BackupError(f"{args[0]} failed: {(errors or lines or [f'exit status {done.returncode}'])[0]}")


def _inspect(url: str) -> tuple[str | None, list[str]]:
    """The database's Alembic revision, and its tables that hold a row (Alembic's own apart)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            quote = connection.dialect.identifier_preparer.quote
            revision = (connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                        if "alembic_version" in names else None)
            holding = [name for name in names if name != "alembic_version"
                       and connection.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first()]
    except Exception as exc:
        raise BackupError(f"cannot read the database {describe(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    return revision, holding


def _end_or_refuse_others(url: str, end_them: bool) -> None:
    """Refuses a PostgreSQL database other sessions are connected to, or ends those sessions when told to."""
    engine = create_engine(url, poolclass=NullPool)
    others = ("FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
              "AND backend_type = 'client backend'")
    try:
        with engine.connect() as connection:
            count = connection.execute(text(f"SELECT count(*) {others}")).scalar()
            if count and not end_them:
                raise BackupError(f"{count} other connection(s) are open to the database {describe(url)} (is Lantern "
                                  "still serving it?): stop the app first, or give --end-connections to end them")
            if count:
                connection.execute(text(f"SELECT pg_terminate_backend(pid) {others}"))
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(f"cannot read the database {describe(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def _first_line(exc: Exception) -> str:
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__


def _dump_sqlite(source: Path, dump: Path) -> None:
    try:
        src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(dump)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")   # one self-contained file, no -wal beside it
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database {source}: {exc}") from None


def _restore_sqlite(dump: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        src, dst = sqlite3.connect(dump), sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)    # page by page under SQLite's own locks: safe while the app has it open
        finally:
            dst.close()
            src.close()
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"cannot restore into {target}: {getattr(exc, 'strerror', None) or exc}") from None


def _data_files(data_dir: Path, leave: set[Path], work: Path) -> list[tuple[str, Path]]:
    """The data dir's regular files by their path inside it, apart from the database, the key and the backup."""
    found = []
    if not data_dir.is_dir():
        return found
    for folder, subfolders, names in os.walk(data_dir):
        subfolders[:] = sorted(name for name in subfolders if Path(folder, name).resolve() != work.resolve())
        for name in sorted(names):
            path = Path(folder, name)
            inside = path.relative_to(data_dir).as_posix()
            if path.is_symlink() or not path.is_file() or inside == SECRET_KEY or path.resolve() in leave:
                continue
            found.append((inside, path))
    return found


class _Hashing:
    """Reads a file, hashing exactly the bytes that went into the tar."""

    def __init__(self, stream):
        self.stream, self.digest = stream, hashlib.sha256()

    def read(self, size=-1):
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> str:
    try:
        info = tar.gettarinfo(path, name)
        stream = path.open("rb")
    except OSError as exc:
        raise BackupError(f"cannot read {path} in the data dir: {exc.strerror or exc}") from None
    with stream:
        reader = _Hashing(stream)
        tar.addfile(info, reader)
    return reader.digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(timezone.utc).timestamp()), 0o644
    tar.addfile(info, io.BytesIO(data))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _unpack(file: Path, work: Path, max_mb: int) -> dict:
    """Check that `file` is a whole Lantern backup; its database goes to work/database, its files under
    work/files."""
    if not file.exists():
        raise BackupError(f"{file} does not exist")
    if not file.is_file():
        raise BackupError(f"{file} is not a file")
    try:
        with tarfile.open(file, "r:*") as tar:
            _check_members(tar, file, work, max_mb)
            manifest = _manifest(tar, file)
            _extract(tar, manifest["database"], work / "database", manifest["database_sha256"], file)
            for name, digest in manifest["files"].items():
                _extract(tar, f"files/{name}", work / "files" / name, digest, file)
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"{file} is not a Lantern backup ({_first_line(exc)})") from None
    except OSError as exc:
        raise BackupError(f"cannot read {file}: {exc.strerror or exc}") from None
    return manifest


def _check_members(tar: tarfile.TarFile, file: Path, work: Path, max_mb: int) -> None:
    """Before anything is unpacked: no member is a link (or anything but a file or a folder), and the files add up
    to no more than the cap and than the space free where they are unpacked."""
    total = 0
    for info in tar.getmembers():
        if info.issym() or info.islnk():
            raise BackupError(f"{file} is not a Lantern backup: {info.name} is a link (to {info.linkname}), and a "
                              "Lantern backup holds none")
        if not (info.isfile() or info.isdir()):
            raise BackupError(f"{file} is not a Lantern backup: {info.name} is neither a file nor a folder")
        total += info.size
    if _mb(total) > max_mb:
        raise BackupError(f"{file} would unpack to {_mb(total):,} MB, more than the {max_mb:,} MB a restore may "
                          "unpack (LANTERN_RESTORE_MAX_MB)")
    if MANIFEST in tar.getnames() and tar.getmember(MANIFEST).size > MANIFEST_MAX_BYTES:
        raise BackupError(f"{file} is not a Lantern backup: its {MANIFEST} is larger than any Lantern writes")
    free = shutil.disk_usage(work).free
    if total > free:
        raise BackupError(f"{file} would unpack to {_mb(total):,} MB but only {_mb(free):,} MB is free in "
                          f"{work.parent}")


def _mb(size: int) -> int:
    """Bytes as whole megabytes, rounded up: a byte over a cap is over it."""
    return -(-size // (1024 * 1024))


def _writable_inside(data_dir: Path, name: str) -> Path:
    """data_dir/name, refused if it or any folder on the way to it is a link (writing would follow it) or it would
    land outside the data dir."""
    root = data_dir.resolve()
    path = data_dir
    for part in PurePosixPath(name).parts:
        path = path / part
        if path.is_symlink():
            raise BackupError(f"the data dir's {path} is a link: a restore never writes through a link; remove it "
                              "and restore again")
    target = (data_dir / name).resolve()
    if not target.is_relative_to(root):
        raise BackupError(f"{name} would be written outside the data dir {data_dir}")
    return data_dir / name


def _write_inside(data_dir: Path, name: str, source: Path) -> None:
    """Copy source to data_dir/name, checked again just before, and opened so that a link put there since is never
    followed."""
    target = _writable_inside(data_dir, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    _writable_inside(data_dir, name)
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(out, "wb") as stream, source.open("rb") as given:
        shutil.copyfileobj(given, stream)


def _manifest(tar: tarfile.TarFile, file: Path) -> dict:
    try:
        manifest = json.load(tar.extractfile(tar.getmember(MANIFEST)))
    except KeyError:
        raise BackupError(f"{file} is not a Lantern backup: it has no {MANIFEST}") from None
    except (ValueError, AttributeError, TypeError):
        raise BackupError(f"{file} is not a Lantern backup: its {MANIFEST} cannot be read") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{file} is not a Lantern backup: its {MANIFEST} is not Lantern's")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{file} is a Lantern backup of format {manifest.get('version')!r}, which this Lantern "
                          f"cannot read (it reads {VERSION})")
    files = manifest.get("files")
    if (manifest.get("engine") not in ENGINES or manifest.get("database") != DUMPS[manifest["engine"]]
            or not isinstance(manifest.get("revision"), str) or not isinstance(files, dict)
            or not all(isinstance(digest, str) and _safe(name) for name, digest in files.items())):
        raise BackupError(f"{file} is not a Lantern backup: its {MANIFEST} is incomplete")
    return manifest


def _safe(name: str) -> bool:
    """A relative path that stays inside the data dir."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and all(part not in ("", ".", "..") for part in name.split("/"))


def _extract(tar: tarfile.TarFile, member: str, into: Path, digest: str, file: Path) -> None:
    try:
        info = tar.getmember(member)
    except KeyError:
        raise BackupError(f"{file} is damaged: {member} is missing") from None
    if not info.isfile():
        raise BackupError(f"{file} is damaged: {member} is not a file")
    into.parent.mkdir(parents=True, exist_ok=True)
    with tar.extractfile(info) as stream, into.open("wb") as out:
        shutil.copyfileobj(stream, out)
    if _sha256(into) != digest:
        raise BackupError(f"{file} is damaged: {member} does not match its checksum")


def _require_known(revision: str, file: Path) -> None:
    from alembic.script import ScriptDirectory

    from provider.migrate import alembic_config

    try:
        known = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except Exception:
        known = False
    if not known:
        raise BackupError(f"{file} was taken at schema revision {revision}, which this Lantern does not know: "
                          "restore it with the Lantern that made it")


def _require_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        raise BackupError(f"cannot write to the data dir {data_dir}: {exc.strerror or exc}") from None
