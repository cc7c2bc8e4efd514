"""Reading bookings: one booking or unit, a booking's units and detail, a list of bookings, a day's units, a
service's booking rules. Nothing here writes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from provider.bookings.models import Booking, BookingRules, BookingStatus, BookingUnit, UnitStatus
from provider.bookings.schemas import BookingOut, UnitOut
from provider.catalogue.models import Service, Unit
from provider.errors import NotFound
from provider.people.models import Child, FamilyMember


# Bookings that hold a bed or a place, and units that still count towards limits and rules.
HOLDING = (BookingStatus.requested, BookingStatus.confirmed, BookingStatus.delivered)
COUNTING_UNITS = (UnitStatus.booked, UnitStatus.delivered)


def get_booking(db: Session, booking_id: uuid.UUID) -> Booking:
    booking = db.get(Booking, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def get_unit(db: Session, unit_id: uuid.UUID) -> BookingUnit:
    unit = db.get(BookingUnit, unit_id)
    if unit is None:
        raise NotFound("No such night, session or band of hours.")
    return unit


def units_of(db: Session, booking: Booking) -> list[BookingUnit]:
    query = select(BookingUnit).where(BookingUnit.booking_id == booking.id)
    return list(db.exec(query.order_by(BookingUnit.day, BookingUnit.time_band)))


def detail(db: Session, booking: Booking) -> dict[str, Any]:
    child = db.get(Child, booking.child_id)
    participant = db.get(FamilyMember, booking.participant_id) if booking.participant_id else None
    service = db.get(Service, booking.service_id)
    return {**BookingOut.model_validate(booking).model_dump(), "child_name": child.display_name,
            "participant_name": participant.name if participant else None, "service_name": service.name,
            "units": [UnitOut.model_validate(u) for u in units_of(db, booking)]}


@dataclass(frozen=True)
class Row:
    booking: Booking
    child: Child
    service: Service
    participant: FamilyMember | None


def list_bookings(db: Session, *, child_id: uuid.UUID | None = None, service_id: uuid.UUID | None = None,
                  status: BookingStatus | str | None = None, first: date | None = None, last: date | None = None,
                  limit: int = 500) -> list[Row]:
    """Bookings that touch [first, last], newest first."""
    query = (select(Booking, Child, Service, FamilyMember).join(Child, Child.id == Booking.child_id)
             .join(Service, Service.id == Booking.service_id)
             .outerjoin(FamilyMember, FamilyMember.id == Booking.participant_id))
    if child_id:
        query = query.where(Booking.child_id == child_id)
    if service_id:
        query = query.where(Booking.service_id == service_id)
    if status:
        query = query.where(Booking.status == status)
    if first:
        query = query.where(Booking.ends_on >= first)
    if last:
        query = query.where(Booking.starts_on <= last)
    query = query.order_by(Booking.starts_on.desc(), Booking.created_at.desc()).limit(limit)
    return [Row(b, c, s, p) for b, c, s, p in db.exec(query)]


@dataclass(frozen=True)
class DayEntry:
    """One line of a day's list: a unit with its booking, child, service and participant."""

    unit: BookingUnit
    booking: Booking
    child: Child
    service: Service
    participant: FamilyMember | None

    @property
    def kind(self) -> str:
        """'arrival' (the first night of a stay), 'stay' (a later night), or the service's unit."""
        if self.service.unit == Unit.night:
            return "arrival" if self.unit.day == self.booking.starts_on else "stay"
        return str(self.service.unit)


def day_list(db: Session, day: date) -> list[DayEntry]:
    """Everything booked for `day` (not cancelled bookings still requested): arrivals and stays, then sessions."""
    query = (select(BookingUnit, Booking, Child, Service, FamilyMember)
             .join(Booking, Booking.id == BookingUnit.booking_id).join(Child, Child.id == Booking.child_id)
             .join(Service, Service.id == Booking.service_id)
             .outerjoin(FamilyMember, FamilyMember.id == Booking.participant_id)
             .where(BookingUnit.day == day, Booking.status != BookingStatus.requested)
             .order_by(Service.name, Child.last_name, Child.first_name, BookingUnit.time_band))
    return [DayEntry(*row) for row in db.exec(query)]


def rules_for(db: Session, service: Service) -> BookingRules | None:
    return db.get(BookingRules, service.id)
