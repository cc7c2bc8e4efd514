"""Planning a booking: every check of a new booking or series (nothing written), what the booking rules say, and
who would pay (the who-pays preview).
"""
from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from provider.bookings import recurrence, rules as booking_rules
from provider.bookings.models import Booking, BookingRules, BookingUnit, UnitStatus
from provider.bookings.queries import COUNTING_UNITS, HOLDING, rules_for, units_of
from provider.bookings.schemas import BookingIn, band_label
from provider.bookings.units import NotWholeHours, UnitKey, expand
from provider.catalogue.models import Service, Unit
from provider.clock import today as clock_today
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funders.models import Funder, FunderKind
from provider.funding.models import (
    Arrangement, ArrangementService, ArrangementShare, ArrangementStatus, BlockContract, BlockContractChild,
    BlockContractService,
)
from provider.money import format_gbp
from provider.organisation.calendar import bank_holidays_between
from provider.organisation.changes import validate_new
from provider.organisation.models import Holiday, HolidayKind
from provider.people.models import Child, ChildRelationship, ChildStatus, FamilyMember, Relationship


DAY = timedelta(days=1)

# Services that may be booked for a child on or after the day they died: care after death (the cool bedroom)
# and the family's bereavement support. Both must also be free to families in the catalogue, so a service
# given one of these codes but charged to families is still refused.
AFTER_DEATH_SERVICE_CODES = frozenset({"CARE_AFTER_DEATH_NIGHT", "BEREAVEMENT_SUPPORT"})


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
                                 f"stay from {short_date(booking.starts_on)} to {short_date(booking.ends_on)} "
                                 f"(the night of {short_date(unit.day)})"}
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
            raise FieldErrors({"child_id": f"{child.display_name} died on {short_date(child.status_date)}: only care "
                                           f"after death and bereavement support can be booked from that day"})
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


def override_errors(by: str | None, reason: str, problems: list[str], what: str) -> dict[str, str]:
    if not problems:
        return {}
    if not by:
        return {"override_by": f"is needed to go beyond {what}: " + " ".join(problems)}
    if not reason:
        return {"override_reason": "is required with an override: say why"}
    return {}


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
    return {"lines": lines, "payers": payers, "hard_limits": list(preview.hard_limits),
            "notices": list(preview.notices)}


def preview_booking(db: Session, data: dict | BookingIn, today: date | None = None) -> dict[str, Any]:
    """What a new booking would be, who would pay, and what the booking rules say, without writing anything."""
    plan = plan_booking(db, data, today=today)
    shown = who_pays(db, plan.child.id, plan.service.id, plan.units)
    return {"bookings": [{"starts_on": s.starts_on, "ends_on": s.ends_on, "units": len(s.units)} for s in plan.stays],
            "repeat": recurrence.describe(plan.repeat) if plan.repeat else None,
            "refusals": plan.findings.refusals, "warnings": plan.findings.warnings, **preview_out(shown)}
