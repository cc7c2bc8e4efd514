"""How a sign-in ends: API tokens with an expiry and a last-used time, listed and revoked by their owner or an
administrator, and every session and token of a user ended at once.

A user's `sign_in_epoch` is copied into each login session and API token made for them. Ending every sign-in raises
the epoch, so nothing made before counts again, even if the user is switched off and on (reactivation revives
nothing); the sessions are deleted and the tokens marked revoked, with the reason, for the owner's list.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from provider.base import as_utc
from provider.errors import FieldErrors, NotFound
from provider.users.models import ApiToken, LoginSession, Role, User

TOKEN_DAYS = 90           # a new token's life unless its maker chooses another
TOKEN_DAYS_MOST = 365
LAST_USED_EVERY = timedelta(minutes=1)   # a token's last use is written at most this often, not on every request

PASSWORD_CHANGED = "the password was changed"
TWO_FACTOR_CHANGED = "two-factor sign-in was changed"
SWITCHED_OFF = "the user was switched off"
REVOKED = "revoked by {name}"


def _utc(moment: datetime | None) -> datetime | None:
    return as_utc(moment) if moment is not None else None


def end_every_sign_in(db: Session, user: User, reason: str, now: datetime) -> None:
    """Every login session and API token of `user` ends now, for good."""
    user.sign_in_epoch = (user.sign_in_epoch or 0) + 1
    db.add(user)
    for session in db.exec(select(LoginSession).where(LoginSession.user_id == user.id)):
        db.delete(session)
    for token in db.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at, token.revoked_reason = now, reason
        db.add(token)
    db.flush()


def token_days(value) -> int:
    """The life asked for a new token, in days: 1 to 365, 90 when not given."""
    if value in (None, ""):
        return TOKEN_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise FieldErrors({"days": "must be a whole number of days"}) from None
    if not 1 <= days <= TOKEN_DAYS_MOST:
        raise FieldErrors({"days": f"must be from 1 to {TOKEN_DAYS_MOST} days"})
    return days


def new_token_row(user: User, name: str, token_hash: str, now: datetime, days: int = TOKEN_DAYS) -> ApiToken:
    name = (name or "").strip()
    if not name:
        raise FieldErrors({"name": "is required: say where the token is used"})
    if len(name) > 100:
        raise FieldErrors({"name": "must be at most 100 characters"})
    return ApiToken(user_id=user.id, name=name, token_hash=token_hash, created_at=now,
                    expires_at=now + timedelta(days=token_days(days)), epoch=user.sign_in_epoch or 0)


def session_is_live(row: LoginSession, user: User, now: datetime) -> bool:
    return user.is_active and row.epoch == (user.sign_in_epoch or 0) and _utc(row.expires_at) > now


def token_is_live(row: ApiToken, user: User, now: datetime) -> bool:
    """Whether the token still signs its owner in. A token of a user with two-factor sign-in works only if it was
    made after they turned it on: made before, it never passed the second step."""
    if row.revoked_at is not None or not user.is_active or row.epoch != (user.sign_in_epoch or 0):
        return False
    if _utc(row.expires_at) <= now:
        return False
    if user.totp_secret and (user.two_factor_since is None or _utc(row.created_at) < _utc(user.two_factor_since)):
        return False
    return True


def needs_last_used(row: ApiToken, now: datetime) -> bool:
    last = _utc(row.last_used_at)
    return last is None or now - last >= LAST_USED_EVERY


@dataclass(frozen=True)
class TokenView:
    id: uuid.UUID
    name: str
    owner_id: uuid.UUID
    owner_name: str
    owner_email: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    status: str


def _status(row: ApiToken, user: User, now: datetime) -> str:
    if row.revoked_at is not None:
        return f"Ended: {row.revoked_reason}" if row.revoked_reason else "Ended"
    if _utc(row.expires_at) <= now:
        return "Expired"
    if not token_is_live(row, user, now):
        return "Ended"
    return "Active"


def list_tokens(db: Session, now: datetime, owner: User | None = None) -> list[TokenView]:
    """The tokens of `owner`, or everyone's, newest first."""
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id)
    if owner is not None:
        query = query.where(ApiToken.user_id == owner.id)
    rows = db.exec(query.order_by(ApiToken.created_at.desc(), ApiToken.name)).all()
    return [TokenView(t.id, t.name, u.id, u.name, u.email, _utc(t.created_at), _utc(t.expires_at),
                      _utc(t.last_used_at), _utc(t.revoked_at), t.revoked_reason, _status(t, u, now))
            for t, u in rows]


def revoke(db: Session, token_id: uuid.UUID, actor: User, now: datetime) -> ApiToken:
    """The owner revokes their own token; an administrator anyone's. Anyone else's answers as a missing one."""
    row = db.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.id and actor.role != Role.admin):
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_reason = now, REVOKED.format(name=actor.name)[:100]
        db.add(row)
        db.flush()
    return row
