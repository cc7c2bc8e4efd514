"""Cookies, tokens and CSRF: the signed browser token, login sessions and bearer tokens."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from provider.base import utcnow
from provider.users.models import ApiToken, LoginSession, User

COOKIE = "lantern_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, token: str) -> str:
    return URLSafeSerializer(secret, salt="lantern-browser").dumps(token)


def unsign(secret: str, value: str | None) -> str | None:
    if not value:
        return None
    try:
        token = URLSafeSerializer(secret, salt="lantern-browser").loads(value)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def csrf_token_for(secret: str, browser_token: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{browser_token}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str, browser_token: str | None, offered: str | None) -> bool:
    if not browser_token or not offered:
        return False
    return hmac.compare_digest(csrf_token_for(secret, browser_token), offered)


def start_login_session(db: Session, user: User, hours: int) -> str:
    token = new_token()
    now = utcnow()
    db.add(LoginSession(token_hash=token_hash(token), user_id=user.id, created_at=now,
                        expires_at=now + timedelta(hours=hours)))
    return token


def end_login_session(db: Session, token: str) -> None:
    row = db.get(LoginSession, token_hash(token))
    if row is not None:
        db.delete(row)


def user_for_session(db: Session, token: str | None) -> User | None:
    if not token:
        return None
    row = db.get(LoginSession, token_hash(token))
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def create_api_token(db: Session, user: User, name: str) -> str:
    token = "lt_" + new_token()
    db.add(ApiToken(user_id=user.id, name=name, token_hash=token_hash(token)))
    return token


def user_for_bearer(db: Session, token: str) -> User | None:
    row = db.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def _aware(moment):
    # SQLite hands timezone-aware columns back naive (in UTC).
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
