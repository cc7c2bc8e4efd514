"""A day's sheet: arrivals, stays in progress, departures, and sessions and hours on one day. Reads only."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from provider.bookings.models import Booking, BookingStatus, BookingUnit
from provider.catalogue.models import Service, Unit
from provider.people.models import Child, FamilyMember


@dataclass(frozen=True)
class DayEntry:
    unit: BookingUnit | None        # None for a departure: the stay's last night was the day before
    booking: Booking
    child: Child
    service: Service
    participant: FamilyMember | None
    night: int = 0                  # which night of the stay (1 for an arrival)
    nights: int = 0                 # nights in the stay

    @property
    def status(self) -> str:
        return str(self.unit.status) if self.unit is not None else str(self.booking.status)


@dataclass(frozen=True)
class DaySheet:
    day: date
    arrivals: list[DayEntry]
    stays: list[DayEntry]
    departures: list[DayEntry]
    sessions: list[DayEntry]

    @property
    def unit_ids(self) -> list[uuid.UUID]:
        return [e.unit.id for e in self.arrivals + self.stays + self.sessions if e.unit is not None]


def _sort_key(entry: DayEntry) -> tuple:
    start = entry.booking.start_time.isoformat() if entry.booking.start_time else ""
    return (entry.service.name, start, entry.child.last_name, entry.child.first_name,
            entry.unit.time_band if entry.unit else "", str(entry.booking.id))


def day_sheet(db: Session, day: date) -> DaySheet:
    """Arrivals, stays in progress, departures, and sessions and hours on `day`.

    Bookings still only requested are left out (nobody is expected until they are confirmed); a night or session
    that was cancelled or not attended stays on the list with its status.
    """
    listed = (BookingStatus.confirmed, BookingStatus.delivered, BookingStatus.cancelled, BookingStatus.did_not_attend)
    query = (select(BookingUnit, Booking, Child, Service, FamilyMember)
             .join(Booking, Booking.id == BookingUnit.booking_id).join(Child, Child.id == Booking.child_id)
             .join(Service, Service.id == Booking.service_id)
             .outerjoin(FamilyMember, FamilyMember.id == Booking.participant_id)
             .where(BookingUnit.day == day, Booking.status.in_(listed)))
    arrivals, stays, sessions = [], [], []
    for unit, booking, child, service, participant in db.exec(query):
        if service.unit == Unit.night:
            nights = (booking.ends_on - booking.starts_on).days
            entry = DayEntry(unit, booking, child, service, participant, (day - booking.starts_on).days + 1, nights)
            (arrivals if day == booking.starts_on else stays).append(entry)
        else:
            sessions.append(DayEntry(unit, booking, child, service, participant))
    query = (select(Booking, Child, Service, FamilyMember).join(Child, Child.id == Booking.child_id)
             .join(Service, Service.id == Booking.service_id)
             .outerjoin(FamilyMember, FamilyMember.id == Booking.participant_id)
             .where(Booking.ends_on == day, Booking.starts_on < day, Service.unit == Unit.night,
                    Booking.status.in_((BookingStatus.confirmed, BookingStatus.delivered))))
    departures = []
    for booking, child, service, participant in db.exec(query):
        nights = (booking.ends_on - booking.starts_on).days
        departures.append(DayEntry(None, booking, child, service, participant, nights, nights))
    return DaySheet(day, sorted(arrivals, key=_sort_key), sorted(stays, key=_sort_key),
                    sorted(departures, key=_sort_key), sorted(sessions, key=_sort_key))
