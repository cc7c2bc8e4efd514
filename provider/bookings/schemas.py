"""Bookings' shapes and labels: what the API and the forms send (a booking, a confirmation, a cancellation, marks
of attendance, a service's booking rules) and what they get back, and the words pages show for statuses and bands.
"""
from __future__ import annotations

import uuid
from datetime import date, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from provider.base import Count, Day, UtcDateTime
from provider.bookings.models import CANCEL_REASON_LABELS, BookingStatus, CancelReason, UnitStatus
from provider.fields import Name, OptionalDate, OptionalId, Text, between, blank_is_none


STATUS_LABELS = {
    BookingStatus.requested: "Requested",
    BookingStatus.confirmed: "Confirmed",
    BookingStatus.delivered: "Delivered",
    BookingStatus.cancelled: "Cancelled",
    BookingStatus.did_not_attend: "Did not attend",
}
UNIT_STATUS_LABELS = {
    UnitStatus.booked: "Booked",
    UnitStatus.delivered: "Delivered",
    UnitStatus.cancelled: "Cancelled",
    UnitStatus.did_not_attend: "Did not attend",
}
BAND_LABELS = {"all": "", "weekday": "weekday", "evening": "evening", "night": "night", "weekend": "weekend",
               "bank_holiday": "bank holiday"}


def band_label(band: str) -> str:
    return BAND_LABELS.get(band, band.replace("_", " "))


def cancel_reason_choices() -> list[tuple[str, str]]:
    return [(r.value, label) for r, label in CANCEL_REASON_LABELS.items()]


# ---------------------------------------------------------------------------------------------------------------
# Field types


def _weekday(value: int) -> int:
    if not 0 <= value <= 6:
        raise ValueError("must be a day of the week, 0 (Monday) to 6 (Sunday)")
    return value


def _one_is_default(value):
    return 1 if value is None or (isinstance(value, str) and value.strip() == "") else value


def _false_if_blank(value):
    return False if value is None else value


Weekday = Annotated[int, AfterValidator(_weekday)]
OptionalTime = Annotated[time | None, BeforeValidator(blank_is_none)]
One = Annotated[int, BeforeValidator(_one_is_default)]
Flag = Annotated[bool, BeforeValidator(_false_if_blank)]


def _at_least(low: int):
    def check(value: int | None) -> int | None:
        if value is not None and value < low:
            raise ValueError(f"must be a whole number of at least {low}, or blank for no limit")
        return value

    return Annotated[Annotated[Count | None, AfterValidator(check)], BeforeValidator(blank_is_none)]


# ---------------------------------------------------------------------------------------------------------------
# Bookings and attendance


class BookingIn(BaseModel):
    """A booking, or with `repeat_until` a weekly series of them (each like the first, moved to its day)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    child_id: uuid.UUID
    service_id: uuid.UUID
    participant_id: OptionalId = Field(default=None, description="A sibling of the child, for sibling services")
    starts_on: Day = Field(description="The first night of a stay, or the day of a session, a day or hours")
    ends_on: OptionalDate = Field(default=None, description="A stay: the morning the child goes home. Hours: the "
                                                             "day they end (the same or the next). Otherwise blank")
    start_time: OptionalTime = Field(default=None, description="Hours of care: on the hour, e.g. 09:00")
    end_time: OptionalTime = Field(default=None, description="Hours of care: on the hour, e.g. 13:00")
    quantity: Annotated[Count, BeforeValidator(_one_is_default)] = Field(
        default=1, description="Sessions or days on the day (not for stays or hours)")
    repeat_until: OptionalDate = Field(default=None, description="Repeat weekly until this day (inclusive)")
    repeat_weekdays: list[Weekday] = Field(default_factory=list, description="0 = Monday; default: the first day's")
    repeat_every_weeks: Annotated[One, between(1, 52)] = Field(default=1, description="1 = every week")
    term_time_only: Flag = Field(default=False, description="Leave out the provider's school holidays")
    override_by: Name = Field(default=None, description="Who agrees to go beyond the booking rules")
    override_reason: Text = Field(default="", description="Why: end-of-life care, an emergency …")
    notes: Text = ""


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    override_by: Name = Field(default=None, description="Needed when a funding arrangement's hard limit is reached")
    override_reason: Text = ""


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: CancelReason


MarkStatus = Literal["delivered", "did_not_attend", "cancelled"]


class MarkIn(BaseModel):
    """Attendance for a night, session or band of hours (or every one of a booking still to mark)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    status: MarkStatus
    cancel_reason: Annotated[CancelReason | None, BeforeValidator(blank_is_none)] = None


class UnitMark(MarkIn):
    unit_id: uuid.UUID


class AttendanceIn(BaseModel):
    """A day's list: each unit marked on its own (`marks`), or with `day` and `status` every unit still booked."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    day: OptionalDate = None
    status: Annotated[MarkStatus | None, BeforeValidator(blank_is_none)] = None
    cancel_reason: Annotated[CancelReason | None, BeforeValidator(blank_is_none)] = None
    marks: list[UnitMark] = Field(default_factory=list)


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    day: date
    time_band: str
    quantity: int
    status: UnitStatus
    cancel_reason: CancelReason | None
    marked_at: UtcDateTime | None


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    child_id: uuid.UUID
    participant_id: uuid.UUID | None
    service_id: uuid.UUID
    starts_on: date
    ends_on: date
    start_time: time | None
    end_time: time | None
    status: BookingStatus
    cancel_reason: CancelReason | None
    recurrence_id: uuid.UUID | None
    override_by: str | None
    override_reason: str | None
    notes: str


class BookingDetail(BookingOut):
    child_name: str
    participant_name: str | None
    service_name: str
    units: list[UnitOut]


# ---------------------------------------------------------------------------------------------------------------
# Booking rules of a service


class BookingRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    units_per_year: _at_least(1) = Field(default=None, description="Nights, sessions or days a year for each child")
    year_start_month: Annotated[int, BeforeValidator(lambda v: 4 if v in (None, "") else v), between(1, 12)] = 4
    year_start_day: Annotated[One, between(1, 28)] = 1
    future_stays_at_once: _at_least(1) = None
    min_stay_nights: _at_least(1) = None
    max_stay_nights: _at_least(1) = None
    school_holiday_nights_per_year: _at_least(0) = None
    nights_in_a_row: _at_least(1) = Field(default=None, description="A warning above this (17 is usual)")
    council_days_warning: _at_least(1) = Field(default=None, description="A warning above this in any 12 months "
                                                                         "of council-arranged short breaks (75)")
    for_siblings: Flag = Field(default=False, description="Siblings of the child may be booked in")


class BookingRulesOut(BookingRulesIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    service_id: uuid.UUID
