"""Beds by night: how many beds each bed-based service has taken each night of a month, against its beds.

Reads only. A bed is taken by a night of a booking that holds a place (requested, confirmed or delivered), unless
that night was cancelled or not attended.
"""
from __future__ import annotations

import calendar
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from provider.bookings.models import Booking, BookingStatus, BookingUnit
from provider.bookings.queries import COUNTING_UNITS, HOLDING
from provider.catalogue.models import Service
from provider.money import percent_text


@dataclass(frozen=True)
class Night:
    day: date
    taken: int
    requested: int          # of `taken`, beds held by bookings only requested so far
    capacity: int | None

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.taken > self.capacity


@dataclass(frozen=True)
class ServiceOccupancy:
    service: Service
    nights: list[Night]

    @property
    def taken(self) -> int:
        return sum(n.taken for n in self.nights)

    @property
    def capacity_nights(self) -> int | None:
        return None if self.service.capacity is None else self.service.capacity * len(self.nights)

    @property
    def percent(self) -> str:
        return percent_text(self.taken, self.capacity_nights or 0)


@dataclass(frozen=True)
class Occupancy:
    first: date
    last: date
    services: list[ServiceOccupancy]

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def totals(self) -> list[tuple[date, int, int]]:
        """(night, beds taken, beds) over every bed-based service."""
        beds = sum(s.service.capacity or 0 for s in self.services)
        return [(day, sum(s.nights[i].taken for s in self.services), beds) for i, day in enumerate(self.days)]

    @property
    def taken(self) -> int:
        return sum(s.taken for s in self.services)

    @property
    def capacity_nights(self) -> int:
        return sum(s.capacity_nights or 0 for s in self.services)

    @property
    def percent(self) -> str:
        return percent_text(self.taken, self.capacity_nights)


def occupancy(db: Session, first: date) -> Occupancy:
    """Beds taken each night of the month starting `first`, per active bed-based service."""
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    services = db.exec(select(Service).where(Service.bed_based, Service.is_active)
                       .order_by(Service.name)).all()
    ids = [s.id for s in services]
    taken: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    requested: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    if ids:
        query = (select(BookingUnit.day, Booking.service_id, Booking.status)
                 .join(Booking, Booking.id == BookingUnit.booking_id)
                 .where(Booking.service_id.in_(ids), Booking.status.in_(HOLDING),
                        BookingUnit.status.in_(COUNTING_UNITS), BookingUnit.day >= first, BookingUnit.day <= last))
        for day, service_id, status in db.exec(query):
            taken[(service_id, day)] += 1   # a child in a bed, whatever the unit's quantity
            if status == BookingStatus.requested:
                requested[(service_id, day)] += 1
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return Occupancy(first, last, [
        ServiceOccupancy(s, [Night(d, taken[(s.id, d)], requested[(s.id, d)], s.capacity) for d in days])
        for s in services])
