"""Who changed what, and when: one row per created or changed record."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    id: uuid.UUID = id_field()
    at: datetime = timestamp_field(index=True)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    actor_name: str = Field(default="system", sa_type=String(200))
    action: str = Field(sa_type=String(20))
    entity: str = Field(sa_type=String(60), index=True)
    entity_id: str = Field(sa_type=String(120), index=True)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
