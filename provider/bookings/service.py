"""Bookings: making them (one or a recurring series), confirming, cancelling, and marking attendance.

Every check runs before anything is written; a refusal names its field. Call these inside the caller's
unit of work: nothing here commits. After any change to a unit's attendance the charges follow in the same
unit of work (provider.charges.service.attendance_changed).
"""
from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import or_
from sqlmodel import Session, select

from provider.base import Count, Day, UtcDateTime
from provider.bookings import recurrence, rules as booking_rules
from provider.bookings.models import (
    CANCEL_REASON_LABELS, Booking, BookingRules, BookingStatus, BookingUnit, CancelReason, Recurrence, UnitStatus,
)
from provider.bookings.units import NotWholeHours, UnitKey, expand
from provider.catalogue.models import Service, Unit
from provider.clock import today as clock_today
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.funders.models import Funder, FunderKind
from provider.funding.models import (
    Arrangement, ArrangementService, ArrangementShare, ArrangementStatus, BlockContract, BlockContractChild,
    BlockContractService,
)
from provider.money import format_gbp
from provider.organisation.calendar import bank_holidays_between
from provider.organisation.changes import validate_new
from provider.organisation.models import Holiday, HolidayKind
from provider.fields import Name, Text, blank_is_none
from provider.people.models import Child, ChildRelationship, ChildStatus, FamilyMember, Relationship
from provider.users.models import User

DAY = timedelta(days=1)

# Services that may be booked for a child on or after the day they died: care after death (the cool bedroom)
# and the family's bereavement support. Both must also be free to families in the catalogue, so a service
# given one of these codes but charged to families is still refused.
AFTER_DEATH_SERVICE_CODES = frozenset({"CARE_AFTER_DEATH_NIGHT", "BEREAVEMENT_SUPPORT"})

STATUS_LABELS = {
    BookingStatus.requested: "Requested",
    BookingStatus.confirmed: "Confirmed",
    BookingStatus.delivered: "Delivered",
    BookingStatus.cancelled: "Cancelled",
    BookingStatus.did_not_attend: "Did not attend",
}
UNIT_STATUS_LABELS = {
    UnitStatus.booked: "Booked",
    UnitStatus.delivered: "Delivered",
    UnitStatus.cancelled: "Cancelled",
    UnitStatus.did_not_attend: "Did not attend",
}
BAND_LABELS = {"all": "", "weekday": "weekday", "evening": "evening", "night": "night", "weekend": "weekend",
               "bank_holiday": "bank holiday"}
# Bookings that hold a bed or a place, and units that still count towards limits and rules.
HOLDING = (BookingStatus.requested, BookingStatus.confirmed, BookingStatus.delivered)
COUNTING_UNITS = (UnitStatus.booked, UnitStatus.delivered)


def _weekday(value: int) -> int:
    if not 0 <= value <= 6:
        raise ValueError("must be a day of the week, 0 (Monday) to 6 (Sunday)")
    return value


def _between(low: int, high: int):
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return AfterValidator(check)


def _one_is_default(value):
    return 1 if value is None or (isinstance(value, str) and value.strip() == "") else value


def _false_if_blank(value):
    return False if value is None else value


Weekday = Annotated[int, AfterValidator(_weekday)]
OptionalId = Annotated[uuid.UUID | None, BeforeValidator(blank_is_none)]
OptionalDate = Annotated[Day | None, BeforeValidator(blank_is_none)]
OptionalTime = Annotated[time | None, BeforeValidator(blank_is_none)]
One = Annotated[int, BeforeValidator(_one_is_default)]
Flag = Annotated[bool, BeforeValidator(_false_if_blank)]


class BookingIn(BaseModel):
    """A booking, or with `repeat_until` a weekly series of them (each like the first, moved to its day)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    child_id: uuid.UUID
    service_id: uuid.UUID
    participant_id: OptionalId = Field(default=None, description="A sibling of the child, for sibling services")
    starts_on: Day = Field(description="The first night of a stay, or the day of a session, a day or hours")
    ends_on: OptionalDate = Field(default=None, description="A stay: the morning the child goes home. Hours: the "
                                                             "day they end (the same or the next). Otherwise blank")
    start_time: OptionalTime = Field(default=None, description="Hours of care: on the hour, e.g. 09:00")
    end_time: OptionalTime = Field(default=None, description="Hours of care: on the hour, e.g. 13:00")
    quantity: Annotated[Count, BeforeValidator(_one_is_default)] = Field(
        default=1, description="Sessions or days on the day (not for stays or hours)")
    repeat_until: OptionalDate = Field(default=None, description="Repeat weekly until this day (inclusive)")
    repeat_weekdays: list[Weekday] = Field(default_factory=list, description="0 = Monday; default: the first day's")
    repeat_every_weeks: Annotated[One, _between(1, 52)] = Field(default=1, description="1 = every week")
    term_time_only: Flag = Field(default=False, description="Leave out the provider's school holidays")
    override_by: Name = Field(default=None, description="Who agrees to go beyond the booking rules")
    override_reason: Text = Field(default="", description="Why: end-of-life care, an emergency …")
    notes: Text = ""


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    override_by: Name = Field(default=None, description="Needed when a funding arrangement's hard limit is reached")
    override_reason: Text = ""


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: CancelReason


MarkStatus = Literal["delivered", "did_not_attend", "cancelled"]


class MarkIn(BaseModel):
    """Attendance for a night, session or band of hours (or every one of a booking still to mark)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    status: MarkStatus
    cancel_reason: Annotated[CancelReason | None, BeforeValidator(blank_is_none)] = None


class UnitMark(MarkIn):
    unit_id: uuid.UUID


class AttendanceIn(BaseModel):
    """A day's list: each unit marked on its own (`marks`), or with `day` and `status` every unit still booked."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    day: OptionalDate = None
    status: Annotated[MarkStatus | None, BeforeValidator(blank_is_none)] = None
    cancel_reason: Annotated[CancelReason | None, BeforeValidator(blank_is_none)] = None
    marks: list[UnitMark] = Field(default_factory=list)


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    day: date
    time_band: str
    quantity: int
    status: UnitStatus
    cancel_reason: CancelReason | None
    marked_at: UtcDateTime | None


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    child_id: uuid.UUID
    participant_id: uuid.UUID | None
    service_id: uuid.UUID
    starts_on: date
    ends_on: date
    start_time: time | None
    end_time: time | None
    status: BookingStatus
    cancel_reason: CancelReason | None
    recurrence_id: uuid.UUID | None
    override_by: str | None
    override_reason: str | None
    notes: str


class BookingDetail(BookingOut):
    child_name: str
    participant_name: str | None
    service_name: str
    units: list[UnitOut]


# ---------------------------------------------------------------------------------------------------------------
# Reading


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


# ---------------------------------------------------------------------------------------------------------------
# Planning a booking: every check, nothing written


@dataclass
class PlannedStay:
    starts_on: date
    ends_on: date
    start_time: time | None
    end_time: time | None
    units: list[UnitKey]


@dataclass
class Plan:
    shape: BookingIn
    child: Child
    service: Service
    participant: FamilyMember | None
    stays: list[PlannedStay]
    repeat: recurrence.Repeat | None
    findings: booking_rules.Findings = field(default_factory=booking_rules.Findings)

    @property
    def units(self) -> list[UnitKey]:
        return [u for stay in self.stays for u in stay.units]


def school_holidays(db: Session, first: date, last: date) -> list[tuple[date, date]]:
    query = select(Holiday).where(Holiday.kind == HolidayKind.school_holiday, Holiday.starts_on <= last,
                                  Holiday.ends_on >= first)
    return [(h.starts_on, h.ends_on) for h in db.exec(query.order_by(Holiday.starts_on))]


def allowed_after_death(service: Service) -> bool:
    return service.code in AFTER_DEATH_SERVICE_CODES and service.free_to_families


def rules_for(db: Session, service: Service) -> BookingRules | None:
    return db.get(BookingRules, service.id)


def _participant_problem(db: Session, child: Child, service: Service, rules_row: BookingRules | None,
                         participant_id: uuid.UUID | None) -> tuple[FamilyMember | None, str | None]:
    if participant_id is None:
        return None, None
    member = db.get(FamilyMember, participant_id)
    link = db.exec(select(ChildRelationship).where(ChildRelationship.child_id == child.id,
                                                   ChildRelationship.family_member_id == participant_id)).first()
    if member is None or link is None or link.relationship != Relationship.sibling:
        return None, f"must be a brother or sister of {child.display_name}"
    if rules_row is None or not rules_row.for_siblings:
        return None, f"{service.name} is for the child only, not for a sibling"
    return member, None


def _dates(shape: BookingIn, service: Service) -> tuple[date, time | None, time | None, dict[str, str]]:
    """The booking's end day and times for its kind of unit, or the problems with them."""
    start, errors = shape.starts_on, {}
    if shape.ends_on is not None and shape.ends_on < start:
        return start, None, None, {"ends_on": "must not be before the start"}
    if service.unit == Unit.night:
        if shape.ends_on is None:
            errors["ends_on"] = "is required: the morning the child goes home"
        elif shape.ends_on == start:
            errors["ends_on"] = "must be after the first night: a stay ends on the morning after its last night"
        if shape.quantity < 1:
            errors["quantity"] = "must be at least 1"
        elif shape.quantity != 1:
            errors["quantity"] = "must be 1: a stay takes one bed a night"
        return shape.ends_on or start, None, None, errors
    if service.unit == Unit.hour:
        ends_on = shape.ends_on or start
        if shape.start_time is None:
            errors["start_time"] = "is required for hours of care"
        if shape.end_time is None:
            errors["end_time"] = "is required for hours of care"
        if ends_on > start + DAY:
            errors["ends_on"] = "may be at most the next day: book each day's hours separately"
        if errors:
            return ends_on, None, None, errors
        for name in ("start_time", "end_time"):
            value = getattr(shape, name)
            if value.minute or value.second:
                errors[name] = "must be on the hour: hours are booked in whole hours"
        if not errors and datetime.combine(ends_on, shape.end_time) <= datetime.combine(start, shape.start_time):
            errors["end_time"] = "must be after the start: zero or negative hours cannot be booked"
        return ends_on, shape.start_time, shape.end_time, errors
    if shape.ends_on is not None and shape.ends_on != start:
        errors["ends_on"] = f"must be left blank or the same day: a {service.unit} is on one day"
    if shape.quantity < 1:
        errors["quantity"] = "must be at least 1"
    return start, None, None, errors


def _occurrences(db: Session, shape: BookingIn) -> tuple[list[date], recurrence.Repeat | None, dict[str, str]]:
    if shape.repeat_until is None:
        if shape.repeat_weekdays or shape.term_time_only:
            return [], None, {"repeat_until": "is required to repeat a booking"}
        return [shape.starts_on], None, {}
    if shape.repeat_until < shape.starts_on:
        return [], None, {"repeat_until": "must not be before the first booking"}
    repeat = recurrence.Repeat(shape.starts_on, shape.repeat_until, tuple(shape.repeat_weekdays),
                               shape.repeat_every_weeks, shape.term_time_only)
    holidays = school_holidays(db, shape.starts_on, shape.repeat_until) if shape.term_time_only else []
    try:
        days = recurrence.occurrences(repeat, holidays)
    except recurrence.TooMany as exc:
        return [], None, {"repeat_until": str(exc)}
    if not days:
        return [], None, {"repeat_until": "makes no bookings: every day it falls on is in a school holiday"}
    return days, repeat, {}


def _holding_units(db: Session, *, first: date, last: date, service_ids: Iterable[uuid.UUID] | None = None,
                   child_id: uuid.UUID | None = None, exclude: uuid.UUID | None = None):
    """(unit, booking) of bookings that hold a place, units not cancelled, from `first` to `last`."""
    query = (select(BookingUnit, Booking).join(Booking, Booking.id == BookingUnit.booking_id)
             .where(Booking.status.in_(HOLDING), BookingUnit.status.in_(COUNTING_UNITS),
                    BookingUnit.day >= first, BookingUnit.day <= last))
    if service_ids is not None:
        query = query.where(Booking.service_id.in_(list(service_ids)))
    if child_id is not None:
        query = query.where(Booking.child_id == child_id)
    if exclude is not None:
        query = query.where(Booking.id != exclude)
    return list(db.exec(query))


def _overlap_problem(db: Session, plan: Plan, service_names: dict[uuid.UUID, str]) -> dict[str, str]:
    nights = [d for d, _, _ in plan.units]
    seen: set[date] = set()
    for night in nights:
        if night in seen:
            return {"repeat_until": f"makes stays that overlap each other on the night of {short_date(night)}"}
        seen.add(night)
    bed_services = [sid for sid in service_names]
    clash = _holding_units(db, first=min(nights), last=max(nights), service_ids=bed_services,
                           child_id=plan.child.id)
    for unit, booking in sorted(clash, key=lambda pair: pair[0].day):
        if unit.day in seen and booking.participant_id is None:
            return {"starts_on": f"overlaps {plan.child.display_name}'s {service_names[booking.service_id].lower()} "
                                 f"stay from {short_date(booking.starts_on)} to {short_date(booking.ends_on)} (the night of "
                                 f"{short_date(unit.day)})"}
    return {}


def _capacity_problem(db: Session, plan: Plan) -> dict[str, str]:
    service = plan.service
    if service.capacity is None or not (service.bed_based or service.group):
        return {}
    wanted = Counter()
    for day, _, quantity in plan.units:
        wanted[day] += 1 if service.bed_based else quantity
    taken = Counter()
    for unit, _ in _holding_units(db, first=min(wanted), last=max(wanted), service_ids=[service.id]):
        taken[unit.day] += 1 if service.bed_based else unit.quantity
    for day in sorted(wanted):
        if taken[day] + wanted[day] > service.capacity:
            if service.bed_based:
                return {"starts_on": f"has no bed free on the night of {short_date(day)}: {taken[day]} of "
                                     f"{service.capacity} beds for {service.name.lower()} are booked"}
            return {"starts_on": f"has no place free on {short_date(day)}: {taken[day]} of {service.capacity} places "
                                 f"in {service.name.lower()} are booked"}
    return {}


def _stays_of(pairs: Sequence[tuple[BookingUnit, Booking]]) -> list[booking_rules.Stay]:
    by_booking: dict[uuid.UUID, tuple[Booking, list[tuple[date, int]]]] = {}
    for unit, booking in pairs:
        by_booking.setdefault(booking.id, (booking, []))[1].append((unit.day, unit.quantity))
    return [booking_rules.Stay(b.starts_on, b.ends_on, tuple(sorted(units))) for b, units in by_booking.values()]


def council_periods(db: Session, child: Child, service: Service) -> list[tuple[date, date]]:
    """When a council arranges (pays for) this child's use of the service: its arrangements and block contracts."""
    councils = set(db.exec(select(Funder.id).where(Funder.kind == FunderKind.local_authority)))
    periods: list[tuple[date, date]] = []
    arrangements = db.exec(
        select(Arrangement).join(ArrangementService, ArrangementService.arrangement_id == Arrangement.id)
        .where(Arrangement.child_id == child.id, Arrangement.status == ArrangementStatus.active,
               ArrangementService.service_id == service.id))
    for a in arrangements:
        payers = {a.funder_id} | set(db.exec(select(ArrangementShare.funder_id)
                                             .where(ArrangementShare.arrangement_id == a.id)))
        if payers & councils:
            periods.append((a.starts_on, a.ends_on or date.max))
    named = set(db.exec(select(BlockContractChild.contract_id).where(BlockContractChild.child_id == child.id)))
    contracts = db.exec(
        select(BlockContract).join(BlockContractService, BlockContractService.contract_id == BlockContract.id)
        .where(BlockContract.status == ArrangementStatus.active, BlockContractService.service_id == service.id,
               BlockContract.funder_id.in_(councils or {uuid.uuid4()})))
    for c in contracts:
        area = c.covers_area_id is not None and c.covers_area_id in (child.home_authority_id, child.icb_id)
        if area or c.id in named:
            periods.append((c.starts_on, c.ends_on))
    return periods


def rules_of(rules_row: BookingRules | None, service: Service) -> booking_rules.Rules | None:
    if rules_row is None:
        return None
    return booking_rules.Rules(
        service_name=service.name, unit=str(service.unit), units_per_year=rules_row.units_per_year,
        year_start=(rules_row.year_start_month, rules_row.year_start_day),
        future_stays_at_once=rules_row.future_stays_at_once, min_stay_nights=rules_row.min_stay_nights,
        max_stay_nights=rules_row.max_stay_nights,
        school_holiday_nights_per_year=rules_row.school_holiday_nights_per_year,
        nights_in_a_row=rules_row.nights_in_a_row, council_days_warning=rules_row.council_days_warning)


def _findings(db: Session, plan: Plan, rules_row: BookingRules | None, today: date,
              exclude: uuid.UUID | None = None) -> booking_rules.Findings:
    rules = rules_of(rules_row, plan.service)
    if rules is None:
        return booking_rules.Findings()
    days = [d for d, _, _ in plan.units]
    first, last = min(days) - timedelta(days=800), max(days) + timedelta(days=800)
    participant_id = plan.participant.id if plan.participant else None
    mine = [(u, b) for u, b in _holding_units(db, first=date.min, last=date.max, service_ids=[plan.service.id],
                                              child_id=plan.child.id, exclude=exclude)
            if b.participant_id == participant_id]
    proposed = [booking_rules.Stay(s.starts_on, s.ends_on, tuple((d, q) for d, _, q in s.units)) for s in plan.stays]
    nights = plan.service.unit == Unit.night
    council: list[date] = []
    proposed_council: list[date] = []
    if nights and rules.council_days_warning is not None:
        periods = council_periods(db, plan.child, plan.service)
        council = [u.day for u, _ in mine if booking_rules.in_holidays(u.day, periods)]
        proposed_council = [d for d in days if booking_rules.in_holidays(d, periods)]
    holidays = school_holidays(db, first, last) if nights and rules.school_holiday_nights_per_year else []
    return booking_rules.check(rules, proposed, _stays_of(mine), today=today, nights=nights,
                               school_holidays=holidays, proposed_council=proposed_council,
                               existing_council=council)


def plan_booking(db: Session, data: dict | BookingIn, *, today: date | None = None) -> Plan:
    """Every check of a new booking (or series); raises FieldErrors for what can never be booked.

    Booking-rule refusals are not raised here: they are in `plan.findings` for the caller to show or to
    require an override for.
    """
    shape: BookingIn = validate_new(BookingIn, data)
    today = today or clock_today(db)
    child, service = db.get(Child, shape.child_id), db.get(Service, shape.service_id)
    errors: dict[str, str] = {}
    if child is None:
        errors["child_id"] = "is not a known child"
    if service is None:
        errors["service_id"] = "is not a known service"
    elif not service.is_active:
        errors["service_id"] = f"{service.name} is no longer offered"
    if errors:
        raise FieldErrors(errors)
    rules_row = rules_for(db, service)
    participant, problem = _participant_problem(db, child, service, rules_row, shape.participant_id)
    if problem:
        errors["participant_id"] = problem
    ends_on, start_time, end_time, date_errors = _dates(shape, service)
    errors.update(date_errors)
    if errors:
        raise FieldErrors(errors)
    days, repeat, repeat_errors = _occurrences(db, shape)
    if repeat_errors:
        raise FieldErrors(repeat_errors)
    length = ends_on - shape.starts_on
    bank_holidays = (bank_holidays_between(db, days[0], days[-1] + length) if service.unit == Unit.hour else set())
    stays = []
    for day in days:
        try:
            units = expand(str(service.unit), day, day + length, start_time=start_time, end_time=end_time,
                           quantity=shape.quantity, bank_holidays=bank_holidays)
        except NotWholeHours as exc:
            raise FieldErrors({"start_time": str(exc)}) from None
        stays.append(PlannedStay(day, day + length, start_time, end_time, units))
    plan = Plan(shape, child, service, participant, stays, repeat)
    if child.status == ChildStatus.died and child.status_date is not None and not allowed_after_death(service):
        after = [d for d, _, _ in plan.units if d >= child.status_date]
        if after:
            raise FieldErrors({"child_id": f"{child.display_name} died on {short_date(child.status_date)}: only care after "
                                           f"death and bereavement support can be booked from that day"})
    if service.bed_based:
        bed_services = {s.id: s.name for s in db.exec(select(Service).where(Service.bed_based == True))}  # noqa: E712
        if problem := _overlap_problem(db, plan, bed_services):
            raise FieldErrors(problem)
    if problem := _capacity_problem(db, plan):
        raise FieldErrors(problem)
    plan.findings = _findings(db, plan, rules_row, today)
    return plan


def booking_findings(db: Session, booking: Booking, today: date | None = None) -> booking_rules.Findings:
    """What the booking rules say about this booking beside the child's others (its units still counting)."""
    units = [u for u in units_of(db, booking) if u.status in COUNTING_UNITS]
    service = db.get(Service, booking.service_id)
    if not units:
        return booking_rules.Findings()
    participant = db.get(FamilyMember, booking.participant_id) if booking.participant_id else None
    stay = PlannedStay(booking.starts_on, booking.ends_on, booking.start_time, booking.end_time, unit_keys(units))
    plan = Plan(None, db.get(Child, booking.child_id), service, participant, [stay], None)
    return _findings(db, plan, rules_for(db, service), today or clock_today(db), exclude=booking.id)


def _override_errors(by: str | None, reason: str, problems: list[str], what: str) -> dict[str, str]:
    if not problems:
        return {}
    if not by:
        return {"override_by": f"is needed to go beyond {what}: " + " ".join(problems)}
    if not reason:
        return {"override_reason": "is required with an override: say why"}
    return {}


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
    if errors := _override_errors(shape.override_by, shape.override_reason, plan.findings.refusals,
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


# ---------------------------------------------------------------------------------------------------------------
# Who pays


def unit_keys(units: Iterable[BookingUnit]) -> list[UnitKey]:
    return [(u.day, u.time_band, u.quantity) for u in units]


def who_pays(db: Session, child_id: uuid.UUID, service_id: uuid.UUID, units: list[UnitKey],
             exclude_booking_id: uuid.UUID | None = None):
    from provider.funding.preview import who_pays as preview

    return preview(db, child_id=child_id, service_id=service_id, units=units, exclude_booking_id=exclude_booking_id)


def booking_who_pays(db: Session, booking: Booking):
    """Who would pay for the booking's units still booked, beside every other reservation of the child."""
    units = [u for u in units_of(db, booking) if u.status == UnitStatus.booked]
    return who_pays(db, booking.child_id, booking.service_id, unit_keys(units), exclude_booking_id=booking.id)


def band_label(band: str) -> str:
    return BAND_LABELS.get(band, band.replace("_", " "))


def preview_out(preview) -> dict[str, Any]:
    """The who-pays preview as plain data: per night or session each payer, the amount, why, and what is left."""
    lines, totals = [], {}
    for line in preview.lines:
        parts = []
        for p in line.parts:
            parts.append({"payer_name": p.payer_name, "kind": p.kind, "pence": p.pence, "amount": format_gbp(p.pence),
                          "reason": p.reason, "left": p.left, "memorandum_pence": p.memorandum_pence})
            total = totals.setdefault(p.payer_name, {"payer_name": p.payer_name, "pence": 0, "units": 0, "left": ""})
            total["pence"] += p.pence
            total["units"] += p.units
            total["left"] = p.left
        lines.append({"day": line.day, "band": line.band, "band_label": band_label(line.band),
                      "quantity": line.quantity, "parts": parts, "charity_pence": line.charity_pence,
                      "memorandum_pence": line.memorandum_pence, "passed_over": list(line.passed_over)})
    payers = [{**t, "amount": format_gbp(t["pence"])} for t in totals.values()]
    return {"lines": lines, "payers": payers, "hard_limits": list(preview.hard_limits)}


def preview_booking(db: Session, data: dict | BookingIn, today: date | None = None) -> dict[str, Any]:
    """What a new booking would be, who would pay, and what the booking rules say, without writing anything."""
    plan = plan_booking(db, data, today=today)
    shown = who_pays(db, plan.child.id, plan.service.id, plan.units)
    return {"bookings": [{"starts_on": s.starts_on, "ends_on": s.ends_on, "units": len(s.units)} for s in plan.stays],
            "repeat": recurrence.describe(plan.repeat) if plan.repeat else None,
            "refusals": plan.findings.refusals, "warnings": plan.findings.warnings, **preview_out(shown)}


# ---------------------------------------------------------------------------------------------------------------
# Confirming and cancelling


def confirm_booking(db: Session, booking: Booking, data: dict | ConfirmIn | None = None) -> Booking:
    """Requested → confirmed. A funding arrangement's hard limit needs a named person's override and a reason."""
    shape: ConfirmIn = validate_new(ConfirmIn, data or {})
    if booking.status != BookingStatus.requested:
        raise FieldErrors({"status": f"is {STATUS_LABELS[booking.status].lower()}: only a requested booking can be "
                                     f"confirmed"})
    preview = booking_who_pays(db, booking)
    if errors := _override_errors(shape.override_by, shape.override_reason, list(preview.hard_limits),
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
            errors.setdefault(field_of(index, "status"), f"cannot be marked for {short_date(unit.day)} yet: it is still to "
                                                         f"come (only a cancellation can be marked ahead)")
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


def cancel_reason_choices() -> list[tuple[str, str]]:
    return [(r.value, label) for r, label in CANCEL_REASON_LABELS.items()]


# ---------------------------------------------------------------------------------------------------------------
# Booking rules of a service


def _at_least(low: int):
    def check(value: int | None) -> int | None:
        if value is not None and value < low:
            raise ValueError(f"must be a whole number of at least {low}, or blank for no limit")
        return value

    return Annotated[Annotated[Count | None, AfterValidator(check)], BeforeValidator(blank_is_none)]


class BookingRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    units_per_year: _at_least(1) = Field(default=None, description="Nights, sessions or days a year for each child")
    year_start_month: Annotated[int, BeforeValidator(lambda v: 4 if v in (None, "") else v), _between(1, 12)] = 4
    year_start_day: Annotated[One, _between(1, 28)] = 1
    future_stays_at_once: _at_least(1) = None
    min_stay_nights: _at_least(1) = None
    max_stay_nights: _at_least(1) = None
    school_holiday_nights_per_year: _at_least(0) = None
    nights_in_a_row: _at_least(1) = Field(default=None, description="A warning above this (17 is usual)")
    council_days_warning: _at_least(1) = Field(default=None, description="A warning above this in any 12 months "
                                                                         "of council-arranged short breaks (75)")
    for_siblings: Flag = Field(default=False, description="Siblings of the child may be booked in")


class BookingRulesOut(BookingRulesIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    service_id: uuid.UUID


def booking_rules_of(db: Session, service: Service) -> BookingRules:
    """The service's rules, or (unsaved) the defaults: no limits but the warnings at 17 nights and 75 days."""
    return rules_for(db, service) or BookingRules(service_id=service.id)


def save_booking_rules(db: Session, service: Service, data: dict | BookingRulesIn) -> BookingRules:
    shape: BookingRulesIn = validate_new(BookingRulesIn, data)
    if (shape.min_stay_nights is not None and shape.max_stay_nights is not None
            and shape.max_stay_nights < shape.min_stay_nights):
        raise FieldErrors({"max_stay_nights": "must not be fewer than the shortest stay"})
    row = rules_for(db, service)
    if row is None:
        # An INSERT fills a None from the column's default (17 nights, 75 days); the update below clears it.
        row = BookingRules(service_id=service.id)
        db.add(row)
        db.flush()
    for name, value in shape.model_dump().items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    db.add(row)
    db.flush()
    return row
