"""Bookings, the units they expand into (a night, a session, a day, a band of hours), and booking rules."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field


class BookingStatus(StrEnum):
    requested = "requested"
    confirmed = "confirmed"
    delivered = "delivered"
    cancelled = "cancelled"
    did_not_attend = "did_not_attend"


class CancelReason(StrEnum):
    child_unwell = "child_unwell"
    hospital_admission = "hospital_admission"
    family_cancelled = "family_cancelled"
    hospice_cancelled = "hospice_cancelled"


CANCEL_REASON_LABELS = {
    CancelReason.child_unwell: "Child unwell",
    CancelReason.hospital_admission: "Hospital admission",
    CancelReason.family_cancelled: "Family cancelled",
    CancelReason.hospice_cancelled: "Hospice cancelled",
}


class Recurrence(SQLModel, table=True):
    """The rule a series of bookings came from, kept so that a person can see it."""

    __tablename__ = "recurrences"
    __audited__ = True
    id: uuid.UUID = id_field()
    rule: str = Field(sa_type=Text)
    description: str = Field(sa_type=Text)
    term_time_only: bool = False
    created_at: datetime = timestamp_field()


class Booking(SQLModel, table=True):
    """A child, or a sibling for sibling services, booked into a service.

    Nights run from `starts_on` to the morning of `ends_on`; other units are on `starts_on` (== `ends_on`),
    hours from `start_time` to `end_time`.
    """

    __tablename__ = "bookings"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    participant_id: uuid.UUID | None = Field(default=None, foreign_key="family_members.id", index=True)
    service_id: uuid.UUID = Field(foreign_key="services.id", index=True)
    starts_on: date = Field(index=True)
    ends_on: date
    start_time: time | None = None
    end_time: time | None = None
    status: BookingStatus = Field(default=BookingStatus.requested, sa_type=String(20))
    cancel_reason: CancelReason | None = Field(default=None, sa_type=String(30))
    recurrence_id: uuid.UUID | None = Field(default=None, foreign_key="recurrences.id")
    override_by: str | None = Field(default=None, sa_type=String(200))
    override_reason: str | None = Field(default=None, sa_type=Text)
    notes: str = Field(default="", sa_type=Text)
    confirmed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class UnitStatus(StrEnum):
    booked = "booked"
    delivered = "delivered"
    cancelled = "cancelled"
    did_not_attend = "did_not_attend"


class BookingUnit(SQLModel, table=True):
    """One night, session, day or band of hours of a booking, each with its own attendance."""

    __tablename__ = "booking_units"
    __table_args__ = (
        UniqueConstraint("booking_id", "day", "time_band", name="uq_booking_units_key"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    booking_id: uuid.UUID = Field(foreign_key="bookings.id", index=True)
    day: date = Field(index=True)
    time_band: str = Field(default="all", sa_type=String(20))
    quantity: int = 1
    status: UnitStatus = Field(default=UnitStatus.booked, sa_type=String(20))
    cancel_reason: CancelReason | None = Field(default=None, sa_type=String(30))
    marked_at: datetime | None = None
    marked_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class BookingRules(SQLModel, table=True):
    """Per-service booking rules (DOMAIN.md §4); empty values mean no limit."""

    __tablename__ = "booking_rules"
    __audited__ = True
    service_id: uuid.UUID = Field(foreign_key="services.id", primary_key=True)
    units_per_year: int | None = None
    year_start_month: int = 4
    year_start_day: int = 1
    future_stays_at_once: int | None = None
    min_stay_nights: int | None = None
    max_stay_nights: int | None = None
    school_holiday_nights_per_year: int | None = None
    nights_in_a_row: int | None = 17
    council_days_warning: int | None = 75
    for_siblings: bool = False
