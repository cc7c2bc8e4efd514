"""Willow's bookings and attendance for 2026/27: the scenarios of DOMAIN.md §10 and stays for other children."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, UTC

from sqlmodel import Session, select

from provider.bookings.models import Booking, BookingStatus, BookingUnit, CancelReason, UnitStatus
from provider.catalogue.models import Service
from provider.charges.service import apply, attendance_changed, recalculate
from provider.people.models import Child, ChildStatus, FamilyMember
from provider.users.models import User

DAY = timedelta(days=1)


class Diary:
    """Bookings written in the order they were made, each unit delivered unless told otherwise."""

    def __init__(self, session: Session, services: dict[str, Service], coordinator: User):
        self.session, self.services, self.coordinator = session, services, coordinator
        self.bookings: list[tuple[Booking, list[BookingUnit]]] = []
        self.made = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def _booking(self, child: Child, code: str, first: date, last: date, participant: FamilyMember | None,
                 days: list[date]) -> tuple[Booking, list[BookingUnit]]:
        self.made += timedelta(minutes=1)
        booking = Booking(child_id=child.id, participant_id=participant.id if participant else None,
                          service_id=self.services[code].id, starts_on=first, ends_on=last,
                          status=BookingStatus.delivered, confirmed_at=self.made, created_at=self.made,
                          created_by_id=self.coordinator.id)
        units = [BookingUnit(booking_id=booking.id, day=day, status=UnitStatus.delivered) for day in days]
        self.bookings.append((booking, units))
        return booking, units

    def stay(self, child: Child, code: str, first: date, nights: int) -> list[BookingUnit]:
        last = first + nights * DAY
        return self._booking(child, code, first, last, None, [first + i * DAY for i in range(nights)])[1]

    def session_on(self, child: Child, code: str, day: date, participant: FamilyMember | None = None) -> BookingUnit:
        return self._booking(child, code, day, day, participant, [day])[1][0]

    def write(self) -> list[BookingUnit]:
        self.session.add_all([b for b, _ in self.bookings])
        self.session.flush()
        units = [u for _, us in self.bookings for u in us]
        self.session.add_all(units)
        self.session.flush()
        return units


def _member(session: Session, name: str) -> FamilyMember:
    return session.exec(select(FamilyMember).where(FamilyMember.name == name)).one()


def build(session: Session, services: dict[str, Service], children: dict[str, Child], coordinator: User,
          council_budgets: list[Child] = ()) -> None:
    diary = Diary(session, services, coordinator)
    amira, ben, chloe, dev, ellie = (children[n] for n in ("Amira", "Ben", "Chloe", "Dev", "Ellie"))
    for first, nights in [(date(2026, 4, 20), 4), (date(2026, 6, 15), 3), (date(2026, 8, 17), 4),
                          (date(2026, 10, 19), 3), (date(2027, 1, 11), 2), (date(2027, 3, 15), 1)]:
        diary.stay(amira, "SHORT_BREAK_NIGHT", first, nights)
    january = diary.bookings[-2][1]
    january[1].status, january[1].cancel_reason = UnitStatus.cancelled, CancelReason.child_unwell  # 12 January
    sam = _member(session, "Sam Haddad")
    for day in ["2026-04-18", "2026-05-16", "2026-06-20", "2026-07-18", "2026-09-19", "2026-10-17", "2026-11-21",
                "2026-12-12", "2027-01-16", "2027-02-20"]:
        diary.session_on(amira, "SIBLING_SUPPORT", date.fromisoformat(day), sam)
    for day in ["2026-05-06", "2026-06-03", "2026-07-01", "2026-07-29", "2026-09-09", "2026-10-07", "2026-11-04",
                "2026-12-02", "2027-02-03"]:
        diary.session_on(amira, "HYDROTHERAPY", date.fromisoformat(day))
    diary.stay(ben, "SHORT_BREAK_NIGHT", date(2026, 10, 6), 3)
    for day in [3, 5, 7, 10, 12, 14, 17, 19, 21]:
        diary.session_on(chloe, "HYDROTHERAPY", date(2026, 8, day))
    diary.stay(dev, "SHORT_BREAK_NIGHT", date(2026, 9, 7), 2)
    diary.stay(ellie, "END_OF_LIFE_NIGHT", date(2026, 11, 16), 4)
    diary.stay(ellie, "CARE_AFTER_DEATH_NIGHT", date(2026, 11, 20), 3)
    grace = _member(session, "Grace Thompson")
    for day in [date(2026, 12, 10), date(2027, 1, 14), date(2027, 2, 11), date(2027, 3, 11)]:
        diary.session_on(ellie, "BEREAVEMENT_SUPPORT", day, grace)
    _other_children(session, diary, children)
    council_days(diary, list(council_budgets))
    units = diary.write()
    attendance_changed(session, [u.id for u in units], coordinator)


def council_days(diary: Diary, children: list[Child]) -> None:
    from lantern.demo_data.council_budgets import book

    book(diary, children)


def correct_the_hospital_day(session: Session, coordinator: User) -> None:
    """Scenario 6: the hydrotherapy session of 4 November was marked delivered though Amira was in hospital."""
    amira = session.exec(select(Child).where(Child.first_name == "Amira")).one()
    hospital_day = session.exec(select(BookingUnit).join(Booking).where(
        Booking.child_id == amira.id, BookingUnit.day == date(2026, 11, 4))).one()
    hospital_day.status, hospital_day.cancel_reason = UnitStatus.cancelled, CancelReason.hospital_admission
    hospital_booking = session.get(Booking, hospital_day.booking_id)
    hospital_booking.status, hospital_booking.cancel_reason = BookingStatus.cancelled, CancelReason.hospital_admission
    session.add_all([hospital_day, hospital_booking])
    session.flush()
    attendance_changed(session, [hospital_day.id], coordinator)
    # Finance recalculates after the correction; it changes nothing here and clears the flags it raised.
    recalculation = recalculate(session, date(2026, 4, 1), date(2027, 3, 31))
    if recalculation.differences:
        raise RuntimeError(f"the demo's allocations are not stable: {recalculation.differences}")
    apply(session, recalculation, coordinator)


def _other_children(session: Session, diary: Diary, named: dict[str, Child]) -> None:
    """Two or three short-break stays and some day care for each other active child, spread over the year."""
    rng = random.Random(2627)
    scenario = {c.id for c in named.values()}
    others = session.exec(select(Child).where(Child.status == ChildStatus.active).order_by(Child.last_name,
                                                                                          Child.first_name)).all()
    for index, child in enumerate(c for c in others if c.id not in scenario):
        start = date(2026, 4, 6) + timedelta(days=(index * 9) % 120)
        for stay in range(rng.choice([2, 3])):
            diary.stay(child, "SHORT_BREAK_NIGHT", start + timedelta(days=stay * 120 + rng.randrange(0, 5)),
                       rng.choice([2, 3, 4]))
        for _ in range(rng.choice([0, 1, 2])):
            diary.session_on(child, "DAY_CARE", date(2026, 5, 4) + timedelta(days=7 * rng.randrange(0, 40)))
