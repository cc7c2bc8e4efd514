"""Single-use, expiring links emailed to a family member: an invitation to set a first password, or a reset."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from sqlalchemy import DateTime, String
from sqlmodel import Field, Session, SQLModel, select

from provider.base import id_field, timestamp_field
from provider.errors import FieldErrors, NotFound
from provider.people.models import FamilyMember
from provider.users.models import Role, User
from provider.users.service import create_user, find_by_email, set_password


class LinkPurpose(StrEnum):
    invitation = "invitation"
    password_reset = "password_reset"


class EmailedLink(SQLModel, table=True):
    __tablename__ = "emailed_links"
    id: uuid.UUID = id_field()
    purpose: LinkPurpose = Field(sa_type=String(20))
    token_hash: str = Field(sa_type=String(64), unique=True)     # the link's token is never stored, only its hash
    family_member_id: uuid.UUID | None = Field(default=None, foreign_key="family_members.id", index=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    email: str = Field(sa_type=String(254))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()


INVITATION_DAYS = 7
RESET_HOURS = 2


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(db: Session, purpose: LinkPurpose, email: str, now: datetime, *, member: FamilyMember | None = None,
              user: User | None = None, actor: User | None = None) -> str:
    """A new single-use link's token (kept only as its hash); an earlier unused link of the same kind for the same
    person stops working."""
    for old in db.exec(select(EmailedLink).where(EmailedLink.purpose == purpose, EmailedLink.used_at.is_(None),
                                                 EmailedLink.email == email.lower())):
        old.used_at = now
        db.add(old)
    token = secrets.token_urlsafe(32)
    life = timedelta(days=INVITATION_DAYS) if purpose == LinkPurpose.invitation else timedelta(hours=RESET_HOURS)
    db.add(EmailedLink(purpose=purpose, token_hash=_hash(token), family_member_id=member.id if member else None,
                       user_id=user.id if user else None, email=email.lower(), expires_at=now + life,
                       created_by_id=actor.id if actor else None))
    db.flush()
    return token


def live_link(db: Session, token: str, purpose: LinkPurpose, now: datetime, *, lock: bool = False) -> EmailedLink:
    """The link, if it is this kind, unused and unexpired; otherwise one message for every reason, revealing none."""
    query = select(EmailedLink).where(EmailedLink.token_hash == _hash(token or ""), EmailedLink.purpose == purpose)
    link = db.exec(query.with_for_update() if lock else query).first()
    if link is None or link.used_at is not None:
        raise NotFound(SPENT)
    expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=timezone.utc)
    if expires <= now:
        raise NotFound(SPENT)
    return link


def invite(db: Session, member: FamilyMember, actor: User, now: datetime) -> str:
    """An invitation for a family member with an email address and no login yet, or FieldErrors saying why not."""
    if member.user_id is not None:
        raise FieldErrors({"email": f"is already a login: {member.name} can sign in, or reset their password"})
    if not member.email:
        raise FieldErrors({"email": f"is not recorded for {member.name}: add it to their details first"})
    if find_by_email(db, member.email) is not None:
        raise FieldErrors({"email": f"{member.email} is already used by another login"})
    return make_link(db, LinkPurpose.invitation, member.email, now, member=member, actor=actor)


def accept(db: Session, token: str, password: str, confirm: str, now: datetime) -> User:
    """The family member's login made from the invitation, the link used up; or FieldErrors / NotFound."""
    link = live_link(db, token, LinkPurpose.invitation, now, lock=True)
    if password != confirm:
        raise FieldErrors({"confirm": "does not match the password"})
    member = db.get(FamilyMember, link.family_member_id)
    if member is None or member.user_id is not None:
        raise NotFound(SPENT)
    user = create_user(db, {"email": link.email, "name": member.name, "role": Role.family, "password": password})
    member.user_id = user.id
    link.used_at = now
    db.add_all([member, link])
    db.flush()
    return user


def reset(db: Session, token: str, password: str, confirm: str, now: datetime) -> User:
    """A new password from a reset link, the link used up and every session of the user ended."""
    link = live_link(db, token, LinkPurpose.password_reset, now, lock=True)
    if password != confirm:
        raise FieldErrors({"confirm": "does not match the password"})
    user = db.get(User, link.user_id)
    if user is None or not user.is_active:
        raise NotFound(SPENT)
    set_password(db, user, password)  # which ends every session and token of the user
    link.used_at = now
    db.add(link)
    db.flush()
    return user


SPENT = "This link has expired or has already been used. Ask the hospice for a new one."
