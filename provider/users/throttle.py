"""Sign-in throttling, kept in the audit table (no table of its own).

Every refused sign-in is an audit event "login_failed" of entity "login", whose id is the email as typed,
lower-cased, with the client address in its changes. 5 failures for one email within 15 minutes lock that
email for 15 minutes; 20 failures from one client address within 15 minutes, whatever the emails, lock the
address for 15 minutes. Each lockout is itself an event, "login_locked" (of entity "login" for an email,
"login_address" for an address). While an email is locked, even the right password is refused without being
checked. An address's lockout holds back only the emails that are unknown, switched off or have failed within the
window: many people share one address behind a hospice's NAT, and someone else's guessing there must not keep a
colleague with the right password out. Refusals during a lockout are recorded as failures too, so tries made
during a lockout count towards the next one.

A successful sign-in is recorded as "signed_in". It restarts its email's count (the earlier failures no
longer count towards locking that email), but never an address's count: otherwise signing in to one's own
account between guesses at another would keep an address under its limit. An email's count also restarts
when a lockout begins. Otherwise counts fall only with time.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from provider.audit.models import AuditEvent
from provider.users.service import find_by_email

EMAIL_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

EMAIL, ADDRESS = "login", "login_address"
FAILED, LOCKED, SIGNED_IN = "login_failed", "login_locked", "signed_in"
NOBODY = "not signed in"


def _utc(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive (in UTC).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def typed(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]


def email_key(email: str | None) -> str:
    """The email as the audit's entity id: as typed, lower-cased; a digest when too long for the column."""
    key = typed(email)
    return key if len(key) <= 120 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _last(db: Session, entity: str, entity_id: str, actions: tuple[str, ...]) -> datetime | None:
    at = db.exec(select(AuditEvent.at).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id,
                                             AuditEvent.action.in_(actions))
                 .order_by(AuditEvent.at.desc()).limit(1)).first()
    return _utc(at) if at is not None else None


def _locked(db: Session, entity: str, entity_id: str, now: datetime) -> bool:
    began = _last(db, entity, entity_id, (LOCKED,))
    return began is not None and began > now - LOCKOUT


def is_locked(db: Session, email: str | None, address: str, now: datetime) -> bool:
    """Whether a sign-in as `email` from `address` is refused now without checking its password."""
    now = _utc(now)
    if _locked(db, EMAIL, email_key(email), now):
        return True
    return _locked(db, ADDRESS, _address(address), now) and not _in_good_standing(db, email, now)


def _in_good_standing(db: Session, email: str | None, now: datetime) -> bool:
    """An active account with no failure counting against it: an address's lockout does not hold it back."""
    user = find_by_email(db, typed(email)) if typed(email) else None
    return user is not None and user.is_active and email_failures(db, email, now) == 0


def _since(now: datetime, restart: datetime | None) -> datetime:
    return max(now - WINDOW, restart) if restart else now - WINDOW


def email_failures(db: Session, email: str | None, now: datetime) -> int:
    """The failures that count towards locking this email now."""
    now, key = _utc(now), email_key(email)
    since = _since(now, _last(db, EMAIL, key, (LOCKED, SIGNED_IN)))
    return db.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == EMAIL, AuditEvent.entity_id == key, AuditEvent.action == FAILED,
        AuditEvent.at > since, AuditEvent.at <= now)).one()


def address_failures(db: Session, address: str, now: datetime) -> int:
    """The failures from this client address, whatever the email, that count towards locking it now."""
    now = _utc(now)
    address = _address(address)
    since = _since(now, _last(db, ADDRESS, address, (LOCKED,)))
    return db.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == EMAIL, AuditEvent.action == FAILED, AuditEvent.at > since, AuditEvent.at <= now,
        AuditEvent.changes[("address", 1)].as_string() == address)).one()


def _event(action: str, entity: str, entity_id: str, now: datetime, changes: dict, user=None) -> AuditEvent:
    return AuditEvent(at=now, actor_id=user.id if user else None, actor_name=user.name if user else NOBODY,
                      action=action, entity=entity, entity_id=entity_id,
                      changes={name: [None, value] for name, value in changes.items()})


def record_failure(db: Session, email: str | None, address: str, now: datetime, *, while_locked: bool) -> None:
    """Records a refused sign-in; locks the email or the address when this failure reaches its limit."""
    now, key, address = _utc(now), email_key(email), _address(address)
    seen = {"email": typed(email), "address": address}
    db.add(_event(FAILED, EMAIL, key, now, {**seen, "refused": "locked" if while_locked else "not recognised"}))
    if while_locked:
        return
    db.flush()
    until = (now + LOCKOUT).isoformat()
    if (count := email_failures(db, email, now)) >= EMAIL_FAILURES:
        db.add(_event(LOCKED, EMAIL, key, now, {**seen, "failures": count, "locked_until": until}))
    if (count := address_failures(db, address, now)) >= ADDRESS_FAILURES:
        db.add(_event(LOCKED, ADDRESS, address, now, {"address": address, "failures": count,
                                                             "locked_until": until}))


def record_success(db: Session, user, email: str | None, address: str, now: datetime) -> None:
    db.add(_event(SIGNED_IN, EMAIL, email_key(email), _utc(now), {"email": typed(email), "address": _address(address)},
                  user))
