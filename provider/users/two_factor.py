"""Optional two-factor sign-in for staff: a time-based code (TOTP, RFC 6238) from an authenticator app.

A member of staff turns it on by entering a code for a new secret, proving their app holds it; from then on the
password alone does not sign them in. Each code is accepted once (its time step is kept), within a step either side
of now. Family users sign in with their password only.
"""
from __future__ import annotations

from datetime import datetime

import pyotp
from sqlmodel import Session

from provider.errors import FieldErrors
from provider.users import sign_ins
from provider.users.models import Role, User

ISSUER = "Lantern"
STAFF = (Role.admin, Role.finance, Role.coordinator, Role.trustee)


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(user: User, secret: str, hospice: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=f"{ISSUER} ({hospice})")


def _step(secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` is right for, one either side of now, or None."""
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    here = totp.timecode(now)
    for step in (here, here - 1, here + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def check(db: Session, user: User, code: str, now: datetime) -> bool:
    """Whether `code` signs this user in now; a code already used is refused."""
    step = _step(user.totp_secret or "", code, now) if user.totp_secret else None
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.add(user)
    db.flush()
    return True


def turn_on(db: Session, user: User, secret: str, code: str, now: datetime) -> None:
    if user.role not in STAFF:
        raise FieldErrors({"code": "is for staff sign-in only"})
    step = _step(secret, code, now)
    if step is None:
        raise FieldErrors({"code": "is not the code your app shows now: enter the 6 digits it shows"})
    user.totp_secret, user.totp_last_step, user.two_factor_since = secret, step, now
    db.add(user)
    sign_ins.end_every_sign_in(db, user, sign_ins.TWO_FACTOR_CHANGED, now)


def turn_off(db: Session, user: User, code: str, now: datetime) -> None:
    if not check(db, user, code, now):
        raise FieldErrors({"code": "is not the code your app shows now: enter the 6 digits it shows"})
    _off(db, user, now)


def reset(db: Session, user: User, now: datetime) -> None:
    """An administrator turns a user's two-factor sign-in off (a lost phone): no code needed."""
    if not user.totp_secret:
        raise FieldErrors({"two_factor": f"is not on for {user.name}"})
    _off(db, user, now)


def _off(db: Session, user: User, now: datetime) -> None:
    user.totp_secret, user.totp_last_step, user.two_factor_since = None, None, None
    db.add(user)
    sign_ins.end_every_sign_in(db, user, sign_ins.TWO_FACTOR_CHANGED, now)
