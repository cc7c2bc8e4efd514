"""What every table shares: constraint names Alembic can rely on, unguessable ids, UTC timestamps."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_field() -> uuid.UUID:
    return Field(default_factory=new_id, primary_key=True)


def timestamp_field(**kwargs) -> datetime:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kwargs)


class SystemState(SQLModel, table=True):
    """One row: the as-of date of a demo database. A real database leaves it empty."""

    __tablename__ = "system_state"
    id: int = Field(default=1, primary_key=True)
    as_of_date: date | None = None
