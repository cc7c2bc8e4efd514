"""Keeping the calendars: bank holidays (one day each) and school holidays (a run of days)."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider.dated import span
from provider.dates import long_date
from provider.errors import FieldErrors, NotFound
from provider.organisation.changes import validate_new
from provider.organisation.models import Holiday, HolidayKind
from provider.organisation.schemas import HolidayIn

KIND_LABELS = {HolidayKind.bank_holiday: "Bank holiday", HolidayKind.school_holiday: "School holiday"}


def holidays_in_year(db: Session, year: int | None, kind: HolidayKind | None = None) -> list[Holiday]:
    """Holidays that touch the calendar `year` (a Christmas holiday shows in both years); every year if None."""
    query = select(Holiday)
    if year is not None:
        query = query.where(Holiday.starts_on <= date(year, 12, 31), Holiday.ends_on >= date(year, 1, 1))
    if kind is not None:
        query = query.where(Holiday.kind == kind)
    return list(db.exec(query.order_by(Holiday.starts_on, Holiday.kind)))


def years_recorded(db: Session) -> list[int]:
    return sorted({day.year for day in db.exec(select(Holiday.starts_on))})


def get_holiday(db: Session, holiday_id: uuid.UUID) -> Holiday:
    holiday = db.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("No such holiday.")
    return holiday


def _problems(db: Session, shape: HolidayIn) -> dict[str, str]:
    same_kind = select(Holiday).where(Holiday.kind == shape.kind)
    if shape.kind == HolidayKind.bank_holiday:
        if shape.ends_on is not None and shape.ends_on != shape.starts_on:
            return {"ends_on": "must be left blank: a bank holiday is one day"}
        clash = db.exec(same_kind.where(Holiday.starts_on == shape.starts_on)).first()
        return {"starts_on": f"is already a bank holiday ({clash.name})"} if clash else {}
    if shape.ends_on is None:
        return {"ends_on": "is required for a school holiday"}
    if shape.ends_on < shape.starts_on:
        return {"ends_on": "must not be before the first day"}
    clash = db.exec(same_kind.where(Holiday.starts_on <= shape.ends_on, Holiday.ends_on >= shape.starts_on)).first()
    if clash:
        return {"starts_on": f"overlaps {clash.name}, {span(clash)}"}
    return {}


def add_holiday(db: Session, data: dict | HolidayIn) -> Holiday:
    shape: HolidayIn = validate_new(HolidayIn, data)
    if errors := _problems(db, shape):
        raise FieldErrors(errors)
    holiday = Holiday(kind=shape.kind, name=shape.name, starts_on=shape.starts_on,
                      ends_on=shape.ends_on or shape.starts_on)
    db.add(holiday)
    try:
        db.flush()
    except IntegrityError:  # the same holiday added twice at the same moment
        raise FieldErrors({"starts_on": "is already recorded"}) from None
    return holiday


def remove_holiday(db: Session, holiday: Holiday) -> None:
    db.delete(holiday)
    db.flush()


def describe(holiday: Holiday) -> str:
    if holiday.starts_on == holiday.ends_on:
        return long_date(holiday.starts_on)
    return f"{long_date(holiday.starts_on)} to {long_date(holiday.ends_on)}"
