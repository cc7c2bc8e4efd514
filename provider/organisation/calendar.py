"""Which days are bank holidays and school holidays, for pricing hours and for booking rules."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from provider.organisation.models import Holiday, HolidayKind


def is_bank_holiday(db: Session, day: date) -> bool:
    query = select(Holiday.id).where(Holiday.kind == HolidayKind.bank_holiday, Holiday.starts_on <= day,
                                     Holiday.ends_on >= day)
    return db.exec(query).first() is not None


def bank_holidays_between(db: Session, first: date, last: date) -> set[date]:
    """Every bank holiday from `first` to `last`, both included (one query for a run of days)."""
    query = select(Holiday.starts_on).where(Holiday.kind == HolidayKind.bank_holiday, Holiday.starts_on >= first,
                                            Holiday.starts_on <= last)
    return set(db.exec(query))


def school_holiday_on(db: Session, day: date) -> Holiday | None:
    """The school holiday that `day` falls in, or None in term time."""
    query = select(Holiday).where(Holiday.kind == HolidayKind.school_holiday, Holiday.starts_on <= day,
                                  Holiday.ends_on >= day)
    return db.exec(query.order_by(Holiday.starts_on)).first()
