"""People who log in, their roles, their login sessions and API tokens."""
from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, String
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field


class Role(StrEnum):
    admin = "admin"
    finance = "finance"
    coordinator = "coordinator"
    trustee = "trustee"
    family = "family"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.admin: "Administrator",
    Role.finance: "Finance",
    Role.coordinator: "Care coordinator",
    Role.trustee: "Trustee",
    Role.family: "Family member",
}
STAFF_ROLES = (Role.admin, Role.finance, Role.coordinator)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __audited__ = True
    __audit_hidden__ = ("password_hash", "totp_secret")
    __audit_skipped__ = ("sign_in_epoch",)

    id: uuid.UUID = id_field()
    email: str = Field(sa_type=String(254), unique=True, index=True)
    name: str = Field(sa_type=String(200))
    role: Role = Field(sa_type=String(20))
    password_hash: str = Field(sa_type=String(200))
    totp_secret: str | None = Field(default=None, sa_type=String(64))   # staff's second step at sign-in, when set
    totp_last_step: int | None = None                                     # the last code's time step: used once
    is_active: bool = True
    # Every login session and API token carries the epoch it was made in; raising it ends them all, for good.
    sign_in_epoch: int = 0
    two_factor_since: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = timestamp_field()

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries the token; only its hash is stored."""

    __tablename__ = "login_sessions"
    token_hash: str = Field(sa_type=String(64), primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    created_at: datetime = timestamp_field()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    epoch: int = 0


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API. Only its hash is stored."""

    __tablename__ = "api_tokens"
    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    name: str = Field(sa_type=String(100))
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = timestamp_field()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    epoch: int = 0
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_reason: str | None = Field(default=None, sa_type=String(100))
