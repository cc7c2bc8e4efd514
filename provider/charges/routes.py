"""Charge pages: a month's allocation, why each charge went where it did, and recalculation after a late change.

Finance recalculates; care coordinators may read.
"""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.charges import report, service as charges
from provider.charges.views import charge_view, charges_between, fingerprint, month_or_current
from provider.dates import month_bounds
from provider.db import unit_of_work
from provider.errors import Conflict, FieldErrors
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)


@router.get("/charges")
def charges_page(request: Request, db: DB, month: str | None = None, user: User = CAN_READ):
    month = month_or_current(db, month)
    try:
        first, last = month_bounds(month)
    except FieldErrors as exc:
        return render(request, "charges/list.html", {"month": month, "errors": exc.errors, "lines": [],
                                                     "charges": [], "can_recalculate": False}, 422)
    return render(request, "charges/list.html", {
        "month": month, "errors": {}, "first": first, "last": last,
        "lines": report.by_child_and_payer(db, first, last),
        "charges": charges_between(db, first, last),
        "can_recalculate": user.role == Role.finance})


@router.get("/charges/recalculate")
def recalculate_page(request: Request, db: DB, month: str | None = None, _: User = FINANCE):
    month = month_or_current(db, month)
    try:
        first, last = month_bounds(month)
    except FieldErrors as exc:
        return render(request, "charges/recalculate.html", {"month": month, "errors": exc.errors,
                                                            "differences": []}, 422)
    found = charges.recalculate(db, first, last)  # a dry run: reads only
    return render(request, "charges/recalculate.html", _recalculation_context(db, month, found))


def _recalculation_context(db, month: str, found: charges.Recalculation) -> dict:
    text = report.recalculation_text(db, found) if found.differences else []
    return {"month": month, "errors": {}, "differences": text[1:-1], "summary": text[-1] if text else "",
            "count": len(found.differences), "fingerprint": fingerprint(found)}


@router.post("/charges/recalculate")
def recalculate_apply(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    month = data.get("month") or ""
    try:
        first, last = month_bounds(month)
        with unit_of_work(db):
            found = charges.recalculate(db, first, last)
            if fingerprint(found) != data.get("fingerprint"):
                raise Conflict("The charges changed since you looked: check what a recalculation would change again.")
            charges.apply(db, found, user)
    except FieldErrors as exc:
        return render(request, "charges/recalculate.html", {"month": month, "errors": exc.errors,
                                                            "differences": []}, 422)
    return RedirectResponse(f"/charges?month={month}", status_code=303)


@router.get("/charges/{charge_id}")
def charge_page(request: Request, db: DB, charge_id: uuid.UUID, _: User = CAN_READ):
    return render(request, "charges/view.html", {"view": charge_view(db, charge_id)})
