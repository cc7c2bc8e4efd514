"""Booking units as the engine sees them."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

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


def units_with_bookings(db: Session, unit_ids: Iterable[uuid.UUID]) -> list[tuple[BookingUnit, Booking]]:
    ids = list(unit_ids)
    if not ids:
        return []
    return list(db.exec(select(BookingUnit, Booking).join(Booking, Booking.id == BookingUnit.booking_id)
                        .where(BookingUnit.id.in_(ids))))


def reservations(db: Session, child_id: uuid.UUID, first: date, last: date,
                 exclude_booking_id: uuid.UUID | None = None) -> list[UnitOfCare]:
    """Units of this child's confirmed bookings not yet marked: they reserve against caps."""
    query = (select(BookingUnit, Booking).join(Booking, Booking.id == BookingUnit.booking_id)
             .where(Booking.child_id == child_id, Booking.status == BookingStatus.confirmed,
                    BookingUnit.status == UnitStatus.booked, BookingUnit.day >= first, BookingUnit.day <= last))
    if exclude_booking_id is not None:
        query = query.where(Booking.id != exclude_booking_id)
    return [unit_of_care(u, b) for u, b in db.exec(query)]
