"""Attendance: marking a night, session or band of hours delivered, not attended or cancelled (one unit, a whole
booking, or a day's list), and cancelling a booking.

Every mark is checked before any is written. After any change to a unit's attendance the charges follow in the
same unit of work (provider.charges.service.attendance_changed); nothing here commits.
"""
from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlmodel import Session

from provider.bookings.models import Booking, BookingStatus, BookingUnit, CancelReason, UnitStatus
from provider.bookings.queries import day_list, units_of
from provider.bookings.schemas import AttendanceIn, CancelIn, MarkIn
from provider.clock import today as clock_today
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.organisation.changes import validate_new
from provider.users.models import User


def follow_units(booking: Booking, units: Sequence[BookingUnit]) -> None:
    """The booking's status from its units: still to come, delivered, cancelled or did not attend."""
    statuses = {u.status for u in units}
    if UnitStatus.booked in statuses:
        if booking.status not in (BookingStatus.requested, BookingStatus.confirmed):
            booking.status = BookingStatus.confirmed
    elif UnitStatus.delivered in statuses:
        booking.status = BookingStatus.delivered
    elif statuses == {UnitStatus.cancelled}:
        booking.status = BookingStatus.cancelled
        reasons = Counter(u.cancel_reason for u in units if u.cancel_reason)
        booking.cancel_reason = reasons.most_common(1)[0][0] if reasons else booking.cancel_reason
    else:
        booking.status = BookingStatus.did_not_attend
    if booking.status != BookingStatus.cancelled:
        booking.cancel_reason = None


def _apply_marks(db: Session, marks: Sequence[tuple[BookingUnit, MarkIn]], actor: User | None, today: date,
                 field_of=lambda index, name: name) -> list[BookingUnit]:
    """Check every mark, then write them all, the bookings' statuses, and the charges that follow."""
    bookings: dict[uuid.UUID, Booking] = {}
    errors: dict[str, str] = {}
    for index, (unit, mark) in enumerate(marks):
        booking = bookings.setdefault(unit.booking_id, db.get(Booking, unit.booking_id))
        if mark.status == "cancelled" and mark.cancel_reason is None:
            errors.setdefault(field_of(index, "cancel_reason"), "is required when cancelling: say why")
        elif mark.status != "cancelled" and mark.cancel_reason is not None:
            errors.setdefault(field_of(index, "cancel_reason"), "is only for a cancellation")
        elif mark.status != "cancelled" and booking.status == BookingStatus.requested:
            errors.setdefault(field_of(index, "status"), f"cannot be marked for {short_date(unit.day)}: the booking is "
                                                         f"not confirmed yet")
        elif mark.status != "cancelled" and unit.day > today:
            errors.setdefault(field_of(index, "status"), f"cannot be marked for {short_date(unit.day)} yet: it is "
                                                         f"still to come (only a cancellation can be marked ahead)")
    if errors:
        raise FieldErrors(errors)
    stamp = datetime.now(UTC)
    changed = []
    for unit, mark in marks:
        reason = CancelReason(mark.cancel_reason) if mark.cancel_reason else None
        if unit.status == mark.status and unit.cancel_reason == reason:
            continue
        unit.status, unit.cancel_reason = UnitStatus(mark.status), reason
        unit.marked_at, unit.marked_by_id = stamp, actor.id if actor else None
        db.add(unit)
        changed.append(unit)
    if not changed:
        return []
    db.flush()
    for booking in bookings.values():
        follow_units(booking, units_of(db, booking))
        db.add(booking)
    db.flush()
    from provider.charges.service import attendance_changed

    attendance_changed(db, [u.id for u in changed], actor)
    return changed


def cancel_booking(db: Session, booking: Booking, data: dict | CancelIn, actor: User | None = None,
                   today: date | None = None) -> list[BookingUnit]:
    """Every night or session still booked becomes cancelled, for the reason given."""
    shape: CancelIn = validate_new(CancelIn, data)
    booked = [u for u in units_of(db, booking) if u.status == UnitStatus.booked]
    if not booked:
        raise FieldErrors({"reason": "cannot be recorded: nothing is left to cancel (every night or session is "
                                     "marked already; change its attendance instead)"})
    mark = MarkIn(status="cancelled", cancel_reason=shape.reason)
    changed = _apply_marks(db, [(u, mark) for u in booked], actor, today or clock_today(db))
    booking.cancel_reason = shape.reason
    db.add(booking)
    db.flush()
    return changed


def mark_unit(db: Session, unit: BookingUnit, data: dict | MarkIn, actor: User | None = None,
              today: date | None = None) -> list[BookingUnit]:
    """One night, session or band of hours: delivered, did not attend, or cancelled with a reason.

    A unit already marked may be changed (a session marked delivered in error becomes cancelled).
    """
    shape: MarkIn = validate_new(MarkIn, data)
    return _apply_marks(db, [(unit, shape)], actor, today or clock_today(db))


def mark_booking(db: Session, booking: Booking, data: dict | MarkIn, actor: User | None = None,
                 today: date | None = None) -> list[BookingUnit]:
    """Every unit of the booking still booked (up to today, unless cancelling) marked the same way."""
    shape: MarkIn = validate_new(MarkIn, data)
    today = today or clock_today(db)
    booked = [u for u in units_of(db, booking) if u.status == UnitStatus.booked
              and (shape.status == "cancelled" or u.day <= today)]
    if not booked:
        raise FieldErrors({"status": "cannot be recorded: no night or session of this booking is left to mark"
                                     + ("" if shape.status == "cancelled" else " up to today")})
    return _apply_marks(db, [(u, shape) for u in booked], actor, today)


def mark_attendance(db: Session, data: dict | AttendanceIn, actor: User | None = None,
                    today: date | None = None) -> list[BookingUnit]:
    """A day's list: the marks given one by one, or every unit of `day` still booked marked with `status`."""
    shape: AttendanceIn = validate_new(AttendanceIn, data)
    today = today or clock_today(db)
    if shape.marks:
        pairs, errors = [], {}
        for index, mark in enumerate(shape.marks):
            unit = db.get(BookingUnit, mark.unit_id)
            if unit is None:
                errors[f"marks.{index}.unit_id"] = "is not a known night or session"
            elif shape.day is not None and unit.day != shape.day:
                errors[f"marks.{index}.unit_id"] = f"is on {short_date(unit.day)}, not on {short_date(shape.day)}"
            else:
                pairs.append((unit, MarkIn(status=mark.status, cancel_reason=mark.cancel_reason)))
        if errors:
            raise FieldErrors(errors)
        return _apply_marks(db, pairs, actor, today, field_of=lambda i, name: f"marks.{i}.{name}")
    errors = {}
    if shape.day is None:
        errors["day"] = "is required to mark a whole day"
    if shape.status is None:
        errors["status"] = "is required: delivered, did not attend or cancelled"
    if errors:
        raise FieldErrors(errors)
    units = [e.unit for e in day_list(db, shape.day) if e.unit.status == UnitStatus.booked]
    if not units:
        raise FieldErrors({"day": f"has nothing left to mark on {short_date(shape.day)}"})
    mark = MarkIn(status=shape.status, cancel_reason=shape.cancel_reason)
    return _apply_marks(db, [(u, mark) for u in units], actor, today)
