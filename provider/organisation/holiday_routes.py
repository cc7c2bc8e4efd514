"""The calendars page: bank holidays and school holidays by year. Administrators add and remove them."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.organisation import holidays
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
ADMIN = allow(Role.admin)
CAN_READ = allow(Role.admin, Role.finance)


@router.get("/settings/holidays")
def holidays_page(request: Request, db: DB, year: int | None = Query(None, ge=1900, le=2999),
                  user: User = CAN_READ):
    this_year = today(db).year
    year = year or this_year
    found = holidays.holidays_in_year(db, year)
    years = set(holidays.years_recorded(db)) | {this_year - 1, this_year, this_year + 1, year}
    return render(request, "settings/holidays.html", {
        "year": year, "years": sorted(years),
        "bank": [h for h in found if h.kind == "bank_holiday"],
        "school": [h for h in found if h.kind == "school_holiday"],
        "describe": holidays.describe, "can_edit": user.role == Role.admin})


def _holiday_form(request: Request, values: dict, errors: dict, status: int = 200):
    kinds = [(k.value, label) for k, label in holidays.KIND_LABELS.items()]
    return render(request, "settings/holiday_form.html", {"values": values, "errors": errors, "kinds": kinds},
                  status)


@router.get("/settings/holidays/new")
def holiday_new(request: Request, kind: str = "bank_holiday", _: User = ADMIN):
    return _holiday_form(request, {"kind": kind}, {})


@router.post("/settings/holidays/new")
def holiday_create(request: Request, db: DB, _: User = ADMIN):
    data = form_data(request)
    try:
        with unit_of_work(db):
            holiday = holidays.add_holiday(db, data)
    except FieldErrors as exc:
        return _holiday_form(request, data, exc.errors, 422)
    return RedirectResponse(f"/settings/holidays?year={holiday.starts_on.year}&added=1", status_code=303)


@router.post("/settings/holidays/{holiday_id}/remove")
def holiday_remove(request: Request, db: DB, holiday_id: uuid.UUID, _: User = ADMIN):
    with unit_of_work(db):
        holiday = holidays.get_holiday(db, holiday_id)
        year = holiday.starts_on.year
        holidays.remove_holiday(db, holiday)
    return RedirectResponse(f"/settings/holidays?year={year}&removed=1", status_code=303)
