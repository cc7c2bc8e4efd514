"""Single-use, expiring links emailed to a family member: an invitation to set a first password, or a reset."""
from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, String
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field


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
