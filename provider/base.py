"""What every table shares: constraint names Alembic can rely on, unguessable ids, UTC timestamps; the days and counts
sent in."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

import pydantic
from pydantic import AfterValidator
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


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timezone-aware columns back naive (they hold UTC): give such a moment its zone back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# A timestamp in an API answer: with its offset, as its OpenAPI "date-time" format requires, on either engine.
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def within_reach(day: date) -> date:
    """Lantern reckons months, years and windows around a day, which the calendar's ends (year 1, year 9999) break.
    The same years as a day or month in a query (provider.bookings.views.parse_day)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be a date from {FIRST_DAY.year} to {LAST_DAY.year}")
    return day


# A day sent in. A validator, not Field(ge=, le=): pydantic states no date's bounds in the OpenAPI document anyway.
Day = Annotated[date, AfterValidator(within_reach)]
# A count sent in (places, units, nights): well within the INTEGER column that keeps it. Each use says its least.
Count = Annotated[int, pydantic.Field(le=1_000_000)]


def id_field() -> uuid.UUID:
    return Field(default_factory=new_id, primary_key=True)


def timestamp_field(**kwargs) -> datetime:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kwargs)


class SystemState(SQLModel, table=True):
    """One row: the as-of date of a demo database. A real database leaves it empty."""

    __tablename__ = "system_state"
    id: int = Field(default=1, primary_key=True)
    as_of_date: date | None = None
