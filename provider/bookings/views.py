"""Views of bookings and funding use: beds by night, the day's list, a child's bookings, block contracts' volume.

Pages (`router`) and the matching JSON (`api`, under /api) read the same functions in
provider.bookings.occupancy, provider.bookings.day_sheet and provider.funding.usage; nothing here writes. Care
coordinators and finance may see them; trustees and families may not.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from provider.bookings import day_sheet, occupancy
from provider.bookings.models import CANCEL_REASON_LABELS, BookingStatus, CancelReason, UnitStatus
from provider.clock import today
from provider.dates import month_bounds
from provider.errors import FieldErrors
from provider.funding import usage
from provider.money import format_gbp
from provider.people.models import Child
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", responses=API_ERRORS, tags=["views"])
CAN_READ = allow(Role.coordinator, Role.finance)

STATUS_LABELS = {
    UnitStatus.booked: "Booked", UnitStatus.delivered: "Delivered", UnitStatus.cancelled: "Cancelled",
    UnitStatus.did_not_attend: "Did not attend", BookingStatus.requested: "Requested",
    BookingStatus.confirmed: "Confirmed",
}
ONE_DAY = timedelta(days=1)
# What the day's list offers for each night or session (the form posts to /attendance).
MARKS = [("delivered", "Delivered"), ("did_not_attend", "Did not attend"), ("cancelled", "Cancelled")]


def parse_day(text: str | None, name: str) -> date:
    try:
        day = datetime.strptime(text or "", "%Y-%m-%d").date()
    except ValueError:
        raise FieldErrors({name: "must be a real date written YYYY-MM-DD, like 2026-11-16"}) from None
    if not 1900 <= day.year <= 2999:
        raise FieldErrors({name: "must be a date from 1900 to 2999"})
    return day


def _day_or_today(db, text: str | None, name: str) -> date:
    return today(db) if text in (None, "") else parse_day(text, name)


def _labels() -> dict:
    return {"status": STATUS_LABELS, "reasons": CANCEL_REASON_LABELS, "marks": MARKS,
            "reason_choices": [(r.value, label) for r, label in CANCEL_REASON_LABELS.items()]}


# ---------------------------------------------------------------------------------------------------------------
# Pages


@router.get("/occupancy")
def occupancy_page(request: Request, db: DB, month: str | None = None, _: User = CAN_READ):
    month = month if month not in (None, "") else f"{today(db):%Y-%m}"
    try:
        first, _last = month_bounds(month)
    except FieldErrors as exc:
        return render(request, "bookings/views/occupancy.html", {"month": month, "errors": exc.errors,
                                                                 "grid": None}, 422)
    grid = occupancy.occupancy(db, first)
    previous = f"{(first.replace(day=1) - ONE_DAY):%Y-%m}"
    following = f"{(grid.last + ONE_DAY):%Y-%m}"
    return render(request, "bookings/views/occupancy.html", {
        "month": month, "errors": {}, "grid": grid, "first": first, "previous": previous, "following": following})


@router.get("/today")
def today_page(request: Request, db: DB, day: str | None = None, marked: int | None = None, _: User = CAN_READ):
    try:
        on = _day_or_today(db, day, "day")
    except FieldErrors as exc:
        return render(request, "bookings/views/today.html", {"day_text": day, "errors": exc.errors, "sheet": None,
                                                             **_labels()}, 422)
    sheet = day_sheet.day_sheet(db, on)
    return render(request, "bookings/views/today.html", {
        "day_text": on.isoformat(), "errors": {}, "sheet": sheet, "marked": marked, "is_today": on == today(db),
        "previous": (on - ONE_DAY).isoformat(), "following": (on + ONE_DAY).isoformat(),
        "next_url": f"/today?day={on.isoformat()}", **_labels()})


@router.get("/children/{child_id}/bookings")
def child_bookings_page(request: Request, db: DB, child_id: uuid.UUID, on: str | None = None, _: User = CAN_READ):
    now = today(db)
    try:
        as_of = _day_or_today(db, on, "on")
    except FieldErrors as exc:
        view = usage.child_bookings(db, child_id, now)
        return render(request, "bookings/views/child.html", {"view": view, "usage": [], "errors": exc.errors,
                                                             "on": on, **_labels()}, 422)
    view = usage.child_bookings(db, child_id, now)
    return render(request, "bookings/views/child.html", {
        "view": view, "usage": usage.arrangement_usage(db, child_id, as_of), "errors": {},
        "on": as_of.isoformat(), **_labels()})


@router.get("/contracts/usage")
def contracts_usage_page(request: Request, db: DB, _: User = CAN_READ):
    return render(request, "bookings/views/contracts.html", {
        "contracts": usage.contracts_usage(db, today(db)), "overage_text": usage.OVERAGE_TEXT})


# ---------------------------------------------------------------------------------------------------------------
# JSON


class NightOut(BaseModel):
    day: date
    taken: int = Field(description="Beds taken: nights of requested, confirmed or delivered bookings")
    requested: int = Field(description="Of those, beds held by bookings not yet confirmed")
    capacity: int | None
    free: int | None


class ServiceNightsOut(BaseModel):
    service_id: uuid.UUID
    service_name: str
    capacity: int | None
    nights: list[NightOut]
    taken: int
    capacity_nights: int | None
    percent: str


class TotalNightOut(BaseModel):
    day: date
    taken: int
    beds: int


class OccupancyOut(BaseModel):
    month: str
    first: date
    last: date
    services: list[ServiceNightsOut]
    totals: list[TotalNightOut]
    taken: int
    capacity_nights: int
    percent: str


@api.get("/occupancy", response_model=OccupancyOut)
def occupancy_json(db: DB, month: str = Query(..., description="YYYY-MM"), _: User = CAN_READ):
    """Beds taken each night of the month, per bed-based service, against its beds, with the occupancy."""
    first, _last = month_bounds(month)
    grid = occupancy.occupancy(db, first)
    return OccupancyOut(
        month=month, first=grid.first, last=grid.last, taken=grid.taken, capacity_nights=grid.capacity_nights,
        percent=grid.percent, totals=[TotalNightOut(day=d, taken=t, beds=b) for d, t, b in grid.totals()],
        services=[ServiceNightsOut(
            service_id=s.service.id, service_name=s.service.name, capacity=s.service.capacity, taken=s.taken,
            capacity_nights=s.capacity_nights, percent=s.percent,
            nights=[NightOut(day=n.day, taken=n.taken, requested=n.requested, capacity=n.capacity, free=n.free)
                    for n in s.nights]) for s in grid.services])


class DayEntryOut(BaseModel):
    unit_id: uuid.UUID | None = Field(description="The night or session to mark; empty for a departure")
    booking_id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    participant_id: uuid.UUID | None
    participant_name: str | None
    service_id: uuid.UUID
    service_name: str
    status: str
    cancel_reason: CancelReason | None
    time_band: str | None
    quantity: int | None
    start_time: str | None
    end_time: str | None
    night: int | None = Field(description="Which night of the stay (1 for an arrival); empty for sessions")
    nights: int | None
    starts_on: date
    ends_on: date


class DaySheetOut(BaseModel):
    day: date
    arrivals: list[DayEntryOut]
    stays: list[DayEntryOut]
    departures: list[DayEntryOut]
    sessions: list[DayEntryOut]


def _entry_out(e: day_sheet.DayEntry) -> DayEntryOut:
    b, u = e.booking, e.unit
    return DayEntryOut(
        unit_id=u.id if u else None, booking_id=b.id, child_id=e.child.id, child_name=e.child.display_name,
        participant_id=e.participant.id if e.participant else None,
        participant_name=e.participant.name if e.participant else None, service_id=e.service.id,
        service_name=e.service.name, status=e.status, cancel_reason=(u.cancel_reason if u else b.cancel_reason),
        time_band=u.time_band if u else None, quantity=u.quantity if u else None,
        start_time=b.start_time.strftime("%H:%M") if b.start_time else None,
        end_time=b.end_time.strftime("%H:%M") if b.end_time else None,
        night=e.night or None, nights=e.nights or None, starts_on=b.starts_on, ends_on=b.ends_on)


@api.get("/today", response_model=DaySheetOut)
def today_json(db: DB, day: str | None = Query(None, description="YYYY-MM-DD; today when left out"),
               _: User = CAN_READ):
    """Arrivals, stays in progress, departures, and sessions and hours on the day."""
    sheet = day_sheet.day_sheet(db, _day_or_today(db, day, "day"))
    return DaySheetOut(day=sheet.day, arrivals=[_entry_out(e) for e in sheet.arrivals],
                       stays=[_entry_out(e) for e in sheet.stays],
                       departures=[_entry_out(e) for e in sheet.departures],
                       sessions=[_entry_out(e) for e in sheet.sessions])


class ServiceCapOut(BaseModel):
    service_id: uuid.UUID
    service_name: str
    cap_units: int
    used_units: int
    reserved_units: int
    remaining_units: int


class LimitOut(BaseModel):
    label: str
    starts_on: date
    ends_on: date
    cap_pence: int
    used_pence: int
    reserved_pence: int
    remaining_pence: int
    remaining: str


class ArrangementUsageOut(BaseModel):
    ref: str = Field(description='"arrangement:<id>", "block:<id>" or "fund:<id>"')
    kind: str
    kind_label: str
    name: str
    payers: list[str]
    year: str
    year_first: date
    year_last: date
    used_units: int
    reserved_units: int
    cap_units: int | None
    remaining_units: int | None
    used_pence: int
    reserved_pence: int
    cap_pence: int | None
    remaining_pence: int | None
    used: str = Field(description="used_pence as £1,234.56")
    remaining: str | None = Field(description="remaining_pence as £1,234.56")
    service_caps: list[ServiceCapOut]
    limits: list[LimitOut]


class ChildUsageOut(BaseModel):
    child_id: uuid.UUID
    child_name: str
    on: date
    arrangements: list[ArrangementUsageOut]


def _usage_out(u: usage.ArrangementUsage) -> ArrangementUsageOut:
    return ArrangementUsageOut(
        ref=u.ref, kind=u.kind, kind_label=u.kind_label, name=u.name, payers=list(u.payers), year=u.year,
        year_first=u.year_first, year_last=u.year_last, used_units=u.used_units, reserved_units=u.reserved_units,
        cap_units=u.cap_units, remaining_units=u.remaining_units, used_pence=u.used_pence,
        reserved_pence=u.reserved_pence, cap_pence=u.cap_pence, remaining_pence=u.remaining_pence,
        used=format_gbp(u.used_pence), remaining=None if u.remaining_pence is None else format_gbp(u.remaining_pence),
        service_caps=[ServiceCapOut(service_id=c.service_id, service_name=c.service_name, cap_units=c.cap_units,
                                    used_units=c.used_units, reserved_units=c.reserved_units,
                                    remaining_units=c.remaining_units) for c in u.service_caps],
        limits=[LimitOut(label=m.label, starts_on=m.starts_on, ends_on=m.ends_on, cap_pence=m.cap_pence,
                         used_pence=m.used_pence, reserved_pence=m.reserved_pence, remaining_pence=m.remaining_pence,
                         remaining=format_gbp(m.remaining_pence)) for m in u.limits])


@api.get("/children/{child_id}/usage", response_model=ChildUsageOut)
def child_usage_json(db: DB, child_id: uuid.UUID,
                     on: str | None = Query(None, description="YYYY-MM-DD: each arrangement's year holding this "
                                                              "day (today when left out)"),
                     _: User = CAN_READ):
    """Each arrangement that may pay for the child: used, reserved by confirmed bookings, and remaining."""
    as_of = _day_or_today(db, on, "on")
    found = usage.arrangement_usage(db, child_id, as_of)  # refuses an unknown child first
    row = db.get(Child, child_id)
    return ChildUsageOut(child_id=child_id, child_name=row.display_name, on=as_of,
                         arrangements=[_usage_out(u) for u in found])


class ChildAllowanceOut(BaseModel):
    child_id: uuid.UUID
    child_name: str
    allowance_units: int | None
    used_units: int
    reserved_units: int
    remaining_units: int | None


class ContractUsageOut(BaseModel):
    contract_id: uuid.UUID
    reference: str
    funder_name: str
    starts_on: date
    ends_on: date
    as_of: date
    volume_units: int
    value_pence: int
    used_units: int
    remaining_units: int
    reserved_units: int
    overage_units: int
    overage_pence: int
    expected_to_date_units: int = Field(description="The volume spread evenly over the contract's days, to date")
    projected_units: int = Field(description="Used to date, continued at the same rate to the contract's end")
    used_percent: str
    allowance_year: str
    children: list[ChildAllowanceOut]


@api.get("/contracts/usage", response_model=list[ContractUsageOut])
def contracts_usage_json(db: DB, _: User = CAN_READ):
    """Each block contract: volume used against contracted, remaining, projected to its end, and per child."""
    return [ContractUsageOut(
        contract_id=c.contract.id, reference=c.contract.reference, funder_name=c.funder_name,
        starts_on=c.contract.starts_on, ends_on=c.contract.ends_on, as_of=c.as_of, volume_units=c.volume_units,
        value_pence=c.contract.value_pence, used_units=c.used_units, remaining_units=c.remaining_units,
        reserved_units=c.reserved_units, overage_units=c.overage_units, overage_pence=c.overage_pence,
        expected_to_date_units=c.expected_to_date_units, projected_units=c.projected_units,
        used_percent=c.used_percent, allowance_year=c.allowance_year,
        children=[ChildAllowanceOut(child_id=a.child_id, child_name=a.child_name, allowance_units=a.allowance_units,
                                    used_units=a.used_units, reserved_units=a.reserved_units,
                                    remaining_units=a.remaining_units) for a in c.children])
        for c in usage.contracts_usage(db, today(db))]
