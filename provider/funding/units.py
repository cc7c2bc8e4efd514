"""Booking units as the engine sees them."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import Session, select

from provider.bookings.models import Booking, BookingStatus, BookingUnit, CancelReason, UnitStatus
from provider.funding.engine import UnitOfCare

# A cancellation is chargeable only when the family cancelled or the child did not attend: never for
# illness, a hospital admission or the hospice's own cancellation. Funders opt in (Funder.charges_cancellations).
CHARGEABLE_CANCELLATIONS = frozenset({CancelReason.family_cancelled})


def chargeable(unit: BookingUnit, booking: Booking) -> str | None:
    """'delivered', 'cancelled' (a chargeable cancellation) or None when nothing is charged for the unit.

    Only a booking the hospice confirmed can be charged as a cancellation: withdrawing a request costs nothing.
    """
    if unit.status == UnitStatus.delivered:
        return "delivered"
    if booking.confirmed_at is None:
        return None
    if unit.status == UnitStatus.did_not_attend or (
            unit.status == UnitStatus.cancelled and unit.cancel_reason in CHARGEABLE_CANCELLATIONS):
        return "cancelled"
    return None


def unit_of_care(unit: BookingUnit, booking: Booking, *, cancelled: bool = False) -> UnitOfCare:
    return UnitOfCare(str(unit.id), str(booking.child_id), str(booking.service_id), unit.day, unit.time_band,
                      unit.quantity, (booking.created_at.isoformat(), str(booking.id)), cancelled)


class UnitFacts(NamedTuple):
    """What charging reads of a booking unit."""
    id: uuid.UUID
    day: date
    time_band: str
    quantity: int
    status: str
    cancel_reason: str | None


class BookingFacts(NamedTuple):
    """What charging reads of a booking."""
    id: uuid.UUID
    child_id: uuid.UUID
    service_id: uuid.UUID
    created_at: datetime
    confirmed_at: datetime | None


def unit_facts(db: Session, unit_ids: Iterable[uuid.UUID]) -> list[tuple[UnitFacts, BookingFacts]]:
    """Each unit with its booking as plain tuples: a month's attendance is charged without loading objects."""
    ids = list(unit_ids)
    if not ids:
        return []
    query = (select(BookingUnit.id, BookingUnit.day, BookingUnit.time_band, BookingUnit.quantity, BookingUnit.status,
                    BookingUnit.cancel_reason, Booking.id, Booking.child_id, Booking.service_id, Booking.created_at,
                    Booking.confirmed_at)
             .join(Booking, Booking.id == BookingUnit.booking_id).where(BookingUnit.id.in_(ids)))
    return [(UnitFacts(*row[:6]), BookingFacts(*row[6:])) for row in db.execute(query)]


def reservations(db: Session, child_id: uuid.UUID, first: date, last: date,
                 exclude_booking_id: uuid.UUID | None = None) -> list[UnitOfCare]:
    """Units of this child's confirmed bookings not yet marked: they reserve against caps."""
    query = (select(BookingUnit, Booking).join(Booking, Booking.id == BookingUnit.booking_id)
             .where(Booking.child_id == child_id, Booking.status == BookingStatus.confirmed,
                    BookingUnit.status == UnitStatus.booked, BookingUnit.day >= first, BookingUnit.day <= last))
    if exclude_booking_id is not None:
        query = query.where(Booking.id != exclude_booking_id)
    return [unit_of_care(u, b) for u, b in db.exec(query)]
