"""JSON API for bookings, who pays for them, attendance, and each service's booking rules: the pages' rules."""
from __future__ import annotations

import uuid
from datetime import date, time

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from provider.bookings import attendance, planning, queries, rule_settings, service as bookings
from provider.bookings.models import BookingStatus
from provider.bookings.schemas import (
    AttendanceIn, BookingDetail, BookingIn, BookingOut, BookingRulesIn, BookingRulesOut, CancelIn, ConfirmIn, MarkIn,
    UnitOut,
)
from provider.catalogue.service import get_service
from provider.clock import today
from provider.db import unit_of_work
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS)
COORDINATOR = allow(Role.coordinator)
CAN_READ = allow(Role.coordinator, Role.finance)
RULES_EDIT = allow(Role.finance, Role.admin)
RULES_READ = allow(Role.finance, Role.admin, Role.coordinator)


class PartOut(BaseModel):
    payer_name: str
    kind: str
    pence: int
    amount: str
    reason: str
    left: str
    memorandum_pence: int


class LineOut(BaseModel):
    day: date
    band: str
    quantity: int
    parts: list[PartOut]
    charity_pence: int
    memorandum_pence: int
    passed_over: list[str]


class PayerTotal(BaseModel):
    payer_name: str
    units: int
    pence: int
    amount: str
    left: str


class WhoPaysOut(BaseModel):
    lines: list[LineOut]
    payers: list[PayerTotal]
    hard_limits: list[str]
    notices: list[str] = Field(default=[], description="An arrangement the child had that no longer pays, e.g. a "
                                                         "budget with no nominee from a day: finance acts on it")


class PlannedOut(BaseModel):
    starts_on: date
    ends_on: date
    units: int


class PreviewOut(WhoPaysOut):
    bookings: list[PlannedOut]
    repeat: str | None
    refusals: list[str]
    warnings: list[str]


class CreatedOut(BaseModel):
    bookings: list[BookingOut]
    warnings: list[str]
    repeat: str | None


class MarkedOut(BaseModel):
    marked: list[UnitOut]


class DayEntryOut(BaseModel):
    unit: UnitOut
    booking_id: uuid.UUID
    booking_status: BookingStatus
    kind: str
    child_id: uuid.UUID
    child_name: str
    participant_name: str | None
    service_id: uuid.UUID
    service_name: str
    start_time: time | None
    end_time: time | None


@router.get("/bookings", response_model=list[BookingOut], tags=["bookings"])
def list_bookings(db: DB, child_id: uuid.UUID | None = None, service_id: uuid.UUID | None = None,
                  status: BookingStatus | None = None,
                  first: date | None = Query(None, description="Bookings that end on or after this day"),
                  last: date | None = Query(None, description="Bookings that start on or before this day"),
                  _: User = CAN_READ):
    return [row.booking for row in queries.list_bookings(db, child_id=child_id, service_id=service_id, status=status,
                                                          first=first, last=last)]


@router.post("/bookings", response_model=CreatedOut, status_code=201, tags=["bookings"])
def create_booking(body: BookingIn, db: DB, user: User = COORDINATOR):
    """A booking (requested), or with `repeat_until` a weekly series; a booking-rule refusal needs `override_by`
    and `override_reason`. Warnings (nights in a row, council-arranged days) come back with the bookings."""
    with unit_of_work(db):
        made = bookings.create_booking(db, body, user)
    return {"bookings": made.bookings, "warnings": made.warnings,
            "repeat": made.recurrence.description if made.recurrence else None}


@router.post("/bookings/preview", response_model=PreviewOut, tags=["bookings"])
def preview_booking(body: BookingIn, db: DB, _: User = COORDINATOR):
    """What the booking would be, who would pay for each night or session, and what the rules say; nothing is saved."""
    return planning.preview_booking(db, body)


@router.get("/bookings/{booking_id}", response_model=BookingDetail, tags=["bookings"])
def get_booking(booking_id: uuid.UUID, db: DB, _: User = CAN_READ):
    return queries.detail(db, queries.get_booking(db, booking_id))


@router.get("/bookings/{booking_id}/who-pays", response_model=WhoPaysOut, tags=["bookings"])
def who_pays(booking_id: uuid.UUID, db: DB, _: User = CAN_READ):
    """Who would pay for each unit still booked, and what is left on each arrangement afterwards."""
    return planning.preview_out(planning.booking_who_pays(db, queries.get_booking(db, booking_id)))


@router.post("/bookings/{booking_id}/confirm", response_model=BookingDetail, tags=["bookings"])
def confirm_booking(booking_id: uuid.UUID, db: DB, body: ConfirmIn | None = None, _: User = COORDINATOR):
    """Requested → confirmed; a funding arrangement's hard limit needs `override_by` and `override_reason`."""
    with unit_of_work(db):
        booking = bookings.confirm_booking(db, queries.get_booking(db, booking_id), body)
    return queries.detail(db, booking)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingDetail, tags=["bookings"])
def cancel_booking(booking_id: uuid.UUID, body: CancelIn, db: DB, user: User = COORDINATOR):
    with unit_of_work(db):
        booking = queries.get_booking(db, booking_id)
        attendance.cancel_booking(db, booking, body, user)
    return queries.detail(db, booking)


@router.post("/bookings/{booking_id}/attendance", response_model=BookingDetail, tags=["attendance"])
def mark_booking(booking_id: uuid.UUID, body: MarkIn, db: DB, user: User = COORDINATOR):
    """Every unit of the booking still booked (up to today, unless cancelling) marked alike."""
    with unit_of_work(db):
        booking = queries.get_booking(db, booking_id)
        attendance.mark_booking(db, booking, body, user)
    return queries.detail(db, booking)


@router.post("/booking-units/{unit_id}/attendance", response_model=BookingDetail, tags=["attendance"])
def mark_unit(unit_id: uuid.UUID, body: MarkIn, db: DB, user: User = COORDINATOR):
    """One night, session or band of hours; a unit already marked may be changed (delivered in error → cancelled)."""
    with unit_of_work(db):
        unit = queries.get_unit(db, unit_id)
        attendance.mark_unit(db, unit, body, user)
    return queries.detail(db, queries.get_booking(db, unit.booking_id))


@router.get("/attendance", response_model=list[DayEntryOut], tags=["attendance"])
def day_list(db: DB, day: date | None = Query(None, description="Default: today"), _: User = CAN_READ):
    """A day's arrivals, stays and sessions (of bookings confirmed or since marked), each unit with its id."""
    entries = queries.day_list(db, day or today(db))
    return [{"unit": e.unit, "booking_id": e.booking.id, "booking_status": e.booking.status, "kind": e.kind,
             "child_id": e.child.id, "child_name": e.child.display_name,
             "participant_name": e.participant.name if e.participant else None, "service_id": e.service.id,
             "service_name": e.service.name, "start_time": e.booking.start_time, "end_time": e.booking.end_time}
            for e in entries]


@router.post("/attendance", response_model=MarkedOut, tags=["attendance"])
def mark_attendance(body: AttendanceIn, db: DB, user: User = COORDINATOR):
    """A day's list at once: `marks` one by one, or `day` and `status` for every unit of that day still booked."""
    with unit_of_work(db):
        changed = attendance.mark_attendance(db, body, user)
    return {"marked": changed}


@router.get("/services/{service_id}/booking-rules", response_model=BookingRulesOut, tags=["bookings"])
def get_booking_rules(service_id: uuid.UUID, db: DB, _: User = RULES_READ):
    return rule_settings.booking_rules_of(db, get_service(db, service_id))


@router.put("/services/{service_id}/booking-rules", response_model=BookingRulesOut, tags=["bookings"])
def save_booking_rules(service_id: uuid.UUID, body: BookingRulesIn, db: DB, _: User = RULES_EDIT):
    """All of a service's booking rules at once; a blank (null) limit is no limit."""
    with unit_of_work(db):
        return rule_settings.save_booking_rules(db, get_service(db, service_id), body)
