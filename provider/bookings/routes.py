"""Booking pages: care coordinators book, see who pays, confirm, cancel and mark attendance; finance may read.

Booking rules of a service: finance and administrators change them; coordinators may read them.
The day's list (/today) is in views.py; it marks attendance by posting to /attendance here.
"""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.datastructures import FormData

from provider.audit.routes import register_history
from provider.bookings import planning, queries, recurrence, rule_settings, schemas, service as bookings
from provider.bookings.attendance import cancel_booking, mark_attendance, mark_booking
from provider.bookings.models import Booking, Recurrence
from provider.catalogue.models import Service
from provider.catalogue.service import get_service, list_services
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.people.models import Child, ChildRelationship, FamilyMember, Relationship
from provider.users.models import Role, User
from provider.web.deps import DB, allow, sent_form
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
COORDINATOR = allow(Role.coordinator)
CAN_READ = allow(Role.coordinator, Role.finance)
RULES_EDIT = allow(Role.finance, Role.admin)
RULES_READ = allow(Role.finance, Role.admin, Role.coordinator)

for _table in ("bookings", "booking_units", "recurrences"):
    register_history(_table, Role.coordinator, Role.finance)
register_history("booking_rules", Role.finance, Role.coordinator)

WEEKDAYS = [(str(i), name) for i, name in enumerate(recurrence.WEEKDAY_NAMES)]
MARK_CHOICES = [("delivered", "Delivered"), ("did_not_attend", "Did not attend"), ("cancelled", "Cancelled")]
LABELS = {"status": schemas.STATUS_LABELS, "unit_status": schemas.UNIT_STATUS_LABELS,
          "reasons": dict(schemas.cancel_reason_choices())}


def _optional_uuid(name: str, value: str | None, errors: dict) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        errors[name] = "is not a known record"
        return None


def _optional_date(name: str, value: str | None, errors: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a real date, like 2026-10-19"
        return None


def _children(db) -> list[tuple[str, str]]:
    rows = db.exec(select(Child).order_by(Child.last_name, Child.first_name))
    return [(str(c.id), f"{c.display_name}") for c in rows]


def _services(db, active_only: bool = True) -> list[tuple[str, str]]:
    return [(str(s.id), s.name) for s in list_services(db) if s.is_active or not active_only]


@router.get("/bookings")
def bookings_list(request: Request, db: DB, child_id: str | None = None, service_id: str | None = None,
                  status: str | None = None, first: str | None = None, last: str | None = None,
                  user: User = CAN_READ):
    errors: dict[str, str] = {}
    filters = {"child_id": _optional_uuid("child_id", child_id, errors),
               "service_id": _optional_uuid("service_id", service_id, errors),
               "first": _optional_date("first", first, errors), "last": _optional_date("last", last, errors)}
    if status and status not in schemas.STATUS_LABELS:
        errors["status"] = "is not one of the allowed choices"
    if errors:
        raise FieldErrors(errors)
    rows = queries.list_bookings(db, status=status or None, **filters)
    values = {"child_id": child_id or "", "service_id": service_id or "", "status": status or "",
              "first": first or "", "last": last or ""}
    return render(request, "bookings/list.html", {
        "rows": rows, "values": values, "children": _children(db), "services": _services(db, active_only=False),
        "statuses": [(s.value, label) for s, label in schemas.STATUS_LABELS.items()], "labels": LABELS,
        "can_edit": user.role == Role.coordinator, "filtered": any(values.values())})


def _siblings(db, child_id) -> list[tuple[str, str]]:
    if not child_id:
        return []
    try:
        child_uuid = uuid.UUID(str(child_id))
    except ValueError:
        return []
    rows = db.exec(select(FamilyMember).join(ChildRelationship, ChildRelationship.family_member_id == FamilyMember.id)
                   .where(ChildRelationship.child_id == child_uuid,
                          ChildRelationship.relationship == Relationship.sibling).order_by(FamilyMember.name))
    return [(str(m.id), m.name) for m in rows]


def _booking_form(request: Request, db, values: dict, errors: dict, preview: dict | None = None, status: int = 200):
    child = None
    if values.get("child_id"):
        try:
            child = db.get(Child, uuid.UUID(str(values["child_id"])))
        except ValueError:
            child = None
    weekdays = values.get("repeat_weekdays") or []
    return render(request, "bookings/form.html", {
        "values": values, "errors": errors, "preview": preview, "child": child, "children": _children(db),
        "services": _services(db), "siblings": _siblings(db, values.get("child_id")), "weekdays": WEEKDAYS,
        "chosen_weekdays": {str(d) for d in weekdays}}, status)


@router.get("/bookings/new")
def booking_new(request: Request, db: DB, child_id: str | None = None, service_id: str | None = None,
                _: User = COORDINATOR):
    return _booking_form(request, db, {"child_id": child_id or "", "service_id": service_id or "", "quantity": "1",
                                       "repeat_every_weeks": "1"}, {})


@router.post("/bookings/new")
def booking_create(request: Request, db: DB, user: User = COORDINATOR):
    data = form_data(request, lists=("repeat_weekdays",))
    action = data.pop("action", None) or "book"
    if action == "preview":
        try:
            preview = planning.preview_booking(db, data)
        except FieldErrors as exc:
            return _booking_form(request, db, data, exc.errors, status=422)
        return _booking_form(request, db, data, {}, preview)
    try:
        with unit_of_work(db):
            made = bookings.create_booking(db, data, user)
    except FieldErrors as exc:
        return _booking_form(request, db, data, exc.errors, status=422)
    suffix = f"?made={len(made.bookings)}" if len(made.bookings) > 1 else "?made=1"
    return RedirectResponse(f"/bookings/{made.bookings[0].id}{suffix}", status_code=303)


def _view(request: Request, db, booking: Booking, user: User, errors: dict | None = None, values: dict | None = None,
          status: int = 200):
    units = queries.units_of(db, booking)
    service = db.get(Service, booking.service_id)
    child = db.get(Child, booking.child_id)
    participant = db.get(FamilyMember, booking.participant_id) if booking.participant_id else None
    series, series_count = None, 0
    if booking.recurrence_id:
        series = db.get(Recurrence, booking.recurrence_id)
        series_count = len(db.exec(select(Booking.id).where(Booking.recurrence_id == booking.recurrence_id)).all())
    still_booked = any(u.status == "booked" for u in units)
    preview = planning.preview_out(planning.booking_who_pays(db, booking)) if still_booked else None
    return render(request, "bookings/view.html", {
        "booking": booking, "units": units, "service": service, "child": child, "participant": participant,
        "series": series, "series_count": series_count, "preview": preview, "today": today(db),
        "findings": planning.booking_findings(db, booking), "labels": LABELS, "errors": errors or {},
        "values": values or {}, "reasons": schemas.cancel_reason_choices(), "marks": MARK_CHOICES,
        "can_edit": user.role == Role.coordinator, "band_label": schemas.band_label,
        "made": request.query_params.get("made")}, status)


@router.get("/bookings/{booking_id}")
def booking_view(request: Request, db: DB, booking_id: uuid.UUID, user: User = CAN_READ):
    return _view(request, db, queries.get_booking(db, booking_id), user)


def _act(request: Request, db, booking_id: uuid.UUID, user: User, action, done: str):
    """A change to one booking from its page: back to the page, saying what was done, or the page with errors."""
    data = form_data(request)
    booking = queries.get_booking(db, booking_id)
    try:
        with unit_of_work(db):
            action(db, booking, data, user)
    except FieldErrors as exc:
        db.refresh(booking)
        return _view(request, db, booking, user, exc.errors, data, 422)
    return RedirectResponse(f"/bookings/{booking.id}?{done}=1", status_code=303)


@router.post("/bookings/{booking_id}/confirm")
def booking_confirm(request: Request, db: DB, booking_id: uuid.UUID, user: User = COORDINATOR):
    return _act(request, db, booking_id, user,
                      lambda db, booking, data, _: bookings.confirm_booking(db, booking, data), "confirmed")


@router.post("/bookings/{booking_id}/cancel")
def booking_cancel(request: Request, db: DB, booking_id: uuid.UUID, user: User = COORDINATOR):
    return _act(request, db, booking_id, user, cancel_booking, "cancelled")


@router.post("/bookings/{booking_id}/attendance")
def booking_attendance(request: Request, db: DB, booking_id: uuid.UUID, user: User = COORDINATOR):
    return _act(request, db, booking_id, user, mark_booking, "marked")


def _local(path: str | None) -> str | None:
    """Only a path on this site: never another site's address."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


@router.post("/attendance")
def attendance(request: Request, db: DB, user: User = COORDINATOR):
    """Mark attendance from the day's list or a booking's page.

    Form fields: `unit_id` (repeatable) with `status` and `cancel_reason` marks those units alike; or per row
    `status-<unit id>` and `reason-<unit id>` (blank rows are left alone); or neither, with `day` and `status`
    (and `cancel_reason`), every unit of that day still booked. `next` is the page to return to.
    """
    form = sent_form(request) or FormData()
    data = form_data(request, lists=("unit_id",))
    marks = []
    for unit_id in data.get("unit_id", []):
        marks.append({"unit_id": unit_id, "status": data.get("status"), "cancel_reason": data.get("cancel_reason")})
    for key in form.keys():
        if key.startswith("status-") and form.get(key):
            unit_id = key.removeprefix("status-")
            marks.append({"unit_id": unit_id, "status": form.get(key),
                          "cancel_reason": form.get(f"reason-{unit_id}") or None})
    payload = {"day": data.get("day"), "marks": marks}
    if not marks:
        payload.update(status=data.get("status"), cancel_reason=data.get("cancel_reason"))
    try:
        with unit_of_work(db):
            changed = mark_attendance(db, payload, user)
    except FieldErrors as exc:
        db.refresh(user)
        back = _local(data.get("next")) or (f"/today?day={data['day']}" if data.get("day") else "/today")
        return render(request, "bookings/attendance_refused.html", {"errors": exc.errors, "back": back}, 422)
    target = _local(data.get("next"))
    if target is None:
        day = data.get("day") or (changed[0].day.isoformat() if changed else today(db).isoformat())
        target = f"/today?day={day}"
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}marked={len(changed)}", status_code=303)


# ---------------------------------------------------------------------------------------------------------------
# Booking rules of a service


def _rules_values(row) -> dict:
    values = {name: getattr(row, name) for name in schemas.BookingRulesIn.model_fields}
    return {k: "" if v is None else (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


def _rules_page(request: Request, service: Service, values: dict, errors: dict, can_edit: bool, status: int = 200):
    return render(request, "bookings/rules.html", {"service": service, "values": values, "errors": errors,
                                                   "can_edit": can_edit}, status)


@router.get("/services/{service_id}/booking-rules")
def rules_view(request: Request, db: DB, service_id: uuid.UUID, user: User = RULES_READ):
    service = get_service(db, service_id)
    return _rules_page(request, service, _rules_values(rule_settings.booking_rules_of(db, service)), {},
                       user.role in (Role.finance, Role.admin))


@router.post("/services/{service_id}/booking-rules")
def rules_save(request: Request, db: DB, service_id: uuid.UUID, _: User = RULES_EDIT):
    data = form_data(request)
    service = get_service(db, service_id)
    try:
        with unit_of_work(db):
            rule_settings.save_booking_rules(db, service, data)
    except FieldErrors as exc:
        return _rules_page(request, service, data, exc.errors, True, 422)
    return RedirectResponse(f"/services/{service.id}/booking-rules?saved=1", status_code=303)

