"""Bookings: making them (one or a recurring series) and confirming them.

Every check runs before anything is written (provider.bookings.planning); a refusal names its field. Call these
inside the caller's unit of work: nothing here commits. Attendance and cancelling are in
provider.bookings.attendance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from provider.bookings import recurrence
from provider.bookings.models import Booking, BookingStatus, BookingUnit, Recurrence
from provider.bookings.planning import booking_who_pays, override_errors, plan_booking
from provider.bookings.schemas import STATUS_LABELS, BookingIn, ConfirmIn
from provider.catalogue.models import Service
from provider.errors import FieldErrors
from provider.organisation.changes import validate_new
from provider.people.models import Child
from provider.users.models import User


def _lock(db: Session, shape: BookingIn) -> None:
    """Hold the service and the child until this transaction ends, so that two bookings made at the same moment
    cannot both take the last bed or place, or overlap for one child (PostgreSQL; SQLite writes one at a time)."""
    db.exec(select(Service.id).where(Service.id == shape.service_id).with_for_update()).first()
    db.exec(select(Child.id).where(Child.id == shape.child_id).with_for_update()).first()


@dataclass
class Created:
    bookings: list[Booking]
    warnings: list[str]
    recurrence: Recurrence | None = None


def create_booking(db: Session, data: dict | BookingIn, actor: User | None = None,
                   today: date | None = None) -> Created:
    """A new booking, or a recurring series, all requested. A booking-rule refusal needs a named override."""
    shape: BookingIn = validate_new(BookingIn, data)
    _lock(db, shape)
    plan = plan_booking(db, shape, today=today)
    shape = plan.shape
    if errors := override_errors(shape.override_by, shape.override_reason, plan.findings.refusals,
                                  "the booking rules"):
        raise FieldErrors(errors)
    overridden = bool(plan.findings.refusals)
    series = None
    if plan.repeat is not None:
        series = Recurrence(rule=recurrence.rule_text(plan.repeat), description=recurrence.describe(plan.repeat),
                            term_time_only=plan.repeat.term_time_only)
        db.add(series)
        db.flush()
    bookings, pending_units = [], []
    for stay in plan.stays:
        booking = Booking(child_id=plan.child.id, participant_id=plan.participant.id if plan.participant else None,
                          service_id=plan.service.id, starts_on=stay.starts_on, ends_on=stay.ends_on,
                          start_time=stay.start_time, end_time=stay.end_time, status=BookingStatus.requested,
                          recurrence_id=series.id if series else None,
                          override_by=shape.override_by if overridden else None,
                          override_reason=(shape.override_reason or None) if overridden else None,
                          notes=shape.notes, created_by_id=actor.id if actor else None)
        bookings.append(booking)
        pending_units += [BookingUnit(booking_id=booking.id, day=d, time_band=band, quantity=q)
                          for d, band, q in stay.units]
    db.add_all(bookings)
    db.flush()
    db.add_all(pending_units)
    db.flush()
    return Created(bookings, plan.findings.warnings, series)


def confirm_booking(db: Session, booking: Booking, data: dict | ConfirmIn | None = None) -> Booking:
    """Requested → confirmed. A funding arrangement's hard limit needs a named person's override and a reason."""
    shape: ConfirmIn = validate_new(ConfirmIn, data or {})
    if booking.status != BookingStatus.requested:
        raise FieldErrors({"status": f"is {STATUS_LABELS[booking.status].lower()}: only a requested booking can be "
                                     f"confirmed"})
    preview = booking_who_pays(db, booking)
    if errors := override_errors(shape.override_by, shape.override_reason, list(preview.hard_limits),
                                  "a funding arrangement's hard limit"):
        raise FieldErrors(errors)
    if shape.override_by:
        booking.override_by = shape.override_by
        booking.override_reason = "; ".join(r for r in (booking.override_reason, shape.override_reason) if r)
    booking.status = BookingStatus.confirmed
    booking.confirmed_at = datetime.now(UTC)
    db.add(booking)
    db.flush()
    return booking
