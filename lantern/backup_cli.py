"""`lantern backup FILE` and `lantern restore FILE [--force]`, added to the `lantern` app by `register(app)`."""
from __future__ import annotations

from pathlib import Path

import typer

from provider.config import get_settings


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def backup(file: Path = typer.Argument(..., help="The backup to write: a .tar (.tar.gz to compress it)"),
           ) -> None:
    """Back up the database (safe while Lantern runs) and the data dir's files into one file."""
    from provider import backup as backups
    from lantern.cli import fail

    settings = get_settings()
    try:
        manifest = backups.backup(settings.database_url, settings.data_dir, file)
    except backups.BackupError as exc:
        fail(str(exc))
    typer.echo(f"Backed up the {backups.ENGINES[manifest['engine']]} database {backups.describe(settings.database_url)}"
               f" (schema {manifest['revision']}) and {len(manifest['files'])} file(s) from {settings.data_dir} "
               f"to {file}.")


def restore(file: Path = typer.Argument(..., help="A backup written by `lantern backup`"),
            force: bool = typer.Option(False, "--force", help="Replace a database that already holds data, and "
                                                              "data dir files that differ from the backup's."),
            end_connections: bool = typer.Option(False, "--end-connections",
                                                 help="PostgreSQL: end other sessions connected to the database "
                                                      "(a Lantern still serving it) instead of refusing."),
            ) -> None:
    """Restore a backup into DATABASE_URL (made if it is a new SQLite file) and its files into the data dir. A
    database holding any row is refused unless --force is given, and a PostgreSQL database others are connected to
    unless --end-connections is; nothing is asked."""
    from provider import backup as backups
    from lantern.cli import fail
    from provider.migrate import head_revision

    settings = get_settings()
    try:
        restored = backups.restore(settings.database_url, settings.data_dir, file, force, settings.restore_max_mb,
                                   end_connections)
    except backups.BackupError as exc:
        fail(str(exc))
    manifest = restored.manifest
    typer.echo(f"Restored {file} (a {backups.ENGINES[manifest['engine']]} backup taken {manifest['created_at']}, "
               f"schema {manifest['revision']}) into {backups.describe(settings.database_url)}, and "
               f"{len(restored.files)} file(s) into {settings.data_dir}.")
    if restored.left_out:
        typer.echo(f"Not put back, as it would overwrite the database or the secret key: "
                   f"{', '.join(restored.left_out)}.")
    if manifest["revision"] != head_revision():
        typer.echo("The backup's schema is older than this Lantern's: run `lantern db upgrade` before using it.")
