"""Cookies, tokens and CSRF: the signed browser token, login sessions and bearer tokens."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from provider.base import utcnow
from provider.users import sign_ins
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
                        expires_at=now + timedelta(hours=hours), epoch=user.sign_in_epoch or 0))
    return token


def end_login_session(db: Session, token: str) -> None:
    row = db.get(LoginSession, token_hash(token))
    if row is not None:
        db.delete(row)


def user_for_session(db: Session, token: str | None) -> User | None:
    if not token:
        return None
    row = db.get(LoginSession, token_hash(token))
    if row is None:
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and sign_ins.session_is_live(row, user, utcnow()) else None


def create_api_token(db: Session, user: User, name: str, days: int | None = None,
                     now: datetime | None = None) -> str:
    """A new bearer token for `user`, returned once; only its hash is kept."""
    token = "lt_" + new_token()
    db.add(sign_ins.new_token_row(user, name, token_hash(token), now or utcnow(), sign_ins.token_days(days)))
    db.flush()
    return token


def bearer_token(db: Session, token: str, now: datetime) -> tuple[User, ApiToken] | tuple[None, None]:
    """The live token's owner and row, or (None, None)."""
    row = db.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).first()
    user = db.get(User, row.user_id) if row is not None else None
    if user is None or not sign_ins.token_is_live(row, user, now):
        return None, None
    return user, row


def user_for_bearer(db: Session, token: str, now: datetime | None = None) -> User | None:
    return bearer_token(db, token, now or utcnow())[0]
