"""Where Lantern finds its database, secret key and files: environment first, then defaults."""
from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

# The folder that holds the provider package: the source tree, or site-packages when installed.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _files_root(code_root: Path) -> Path:
    """Where templates/ and migrations/ are for code installed at code_root.

    In the source tree (and so in an editable install) they are top-level folders beside provider/.
    A wheel ships them inside the lantern package (pyproject.toml's package-dir), installed beside
    provider/ as lantern/templates and lantern/migrations. Looked for by path, not by importing
    lantern, which sits above provider; that copy is tried first so that some other distribution's
    top-level templates/ folder in site-packages is never taken for ours."""
    installed = code_root / "lantern"
    if (installed / "templates").is_dir() and (installed / "migrations").is_dir():
        return installed
    return code_root


TEMPLATES_DIR = _files_root(PROJECT_ROOT) / "templates"
MIGRATIONS_DIR = TEMPLATES_DIR.parent / "migrations"
STATIC_DIR = TEMPLATES_DIR / "static"
RESTORE_MAX_MB = 10 * 1024


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lantern"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    data_dir: Path
    session_hours: int = 8
    smtp_host: str | None = None     # no host: mail goes to the outbox, which an administrator reads
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str | None = None      # default: the hospice's email in Settings
    trusted_proxy: str | None = None  # the TLS proxy's address: only its X-Forwarded-* headers are believed
    public_url: str | None = None     # where emailed links point; none: no invitation or reset link is sent
    restore_max_mb: int = RESTORE_MAX_MB   # the most a restore may unpack
    lock_wait_seconds: float = 30.0  # how long work waits for another's lock before it says "try again"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _secret_key(data_dir: Path) -> str:
    explicit = os.environ.get("LANTERN_SECRET_KEY")
    if explicit:
        return explicit
    key_file = data_dir / "secret.key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    data_dir = Path(os.environ.get("LANTERN_DATA_DIR") or default_data_dir())
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'lantern.db'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=url,
        secret_key=_secret_key(data_dir),
        data_dir=data_dir,
        session_hours=int(os.environ.get("LANTERN_SESSION_HOURS", "8")),
        smtp_host=os.environ.get("LANTERN_SMTP_HOST") or None,
        smtp_port=int(os.environ.get("LANTERN_SMTP_PORT", "587")),
        smtp_user=os.environ.get("LANTERN_SMTP_USER") or None,
        smtp_password=os.environ.get("LANTERN_SMTP_PASSWORD") or None,
        smtp_starttls=os.environ.get("LANTERN_SMTP_STARTTLS", "true").lower() not in ("0", "false", "no"),
        mail_from=os.environ.get("LANTERN_MAIL_FROM") or None,
        trusted_proxy=_address(os.environ.get("LANTERN_TRUSTED_PROXY")),
        public_url=public_url(os.environ.get("LANTERN_PUBLIC_URL")),
        restore_max_mb=int(os.environ.get("LANTERN_RESTORE_MAX_MB") or RESTORE_MAX_MB),
        lock_wait_seconds=_seconds("LANTERN_LOCK_WAIT_SECONDS", 30.0),
    )


# Said wherever a link cannot be emailed: to the person asking, and on the administrator's home page and API.
PUBLIC_URL_MISSING = ("Lantern cannot email a link: LANTERN_PUBLIC_URL, the address people reach Lantern at (like "
                      "https://lantern.willow.example), is not set. The administrator sets it where Lantern is "
                      "started and restarts Lantern.")


def public_url(value: str | None) -> str | None:
    """LANTERN_PUBLIC_URL without its trailing slash: an http(s) address with a host and nothing after the path."""
    if not value or not value.strip():
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or \
            parts.username or parts.password:
        raise ValueError(f"LANTERN_PUBLIC_URL must be the address Lantern is reached at, like "
                         f"https://lantern.willow.example, not {value!r}")
    return value.strip().rstrip("/")


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 600:
        raise ValueError(f"{name} must be more than 0 and at most 600 seconds, not {value!r}")
    return seconds


def _address(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"LANTERN_TRUSTED_PROXY must be the proxy's IP address, not {value!r}") from None
