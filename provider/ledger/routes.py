"""Finance closes months and financial years of the ledger, in order, and reads a closed month's trial balance."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.clock import today
from provider.dates import month_last_day
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.ledger import periods
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)


def _shown_year(db, data: dict) -> int:
    """The year a refused form asked about, else this financial year."""
    try:
        if data.get("year") is not None:
            return periods.parse_year(data["year"])
        if data.get("month") is not None:
            return periods.year_of(db, periods.parse_month(data["month"]))
    except FieldErrors:
        pass
    return periods.year_of(db, today(db))


def _page(request: Request, db, year: int, *, at: date | None = None, errors: dict | None = None,
          values: dict | None = None, closed: list[str] | None = None, status: int = 200):
    months = periods.months_of_year(db, year)
    on = today(db)
    if at is None and any(m.is_closed for m in months):
        at = [m for m in months if m.is_closed][-1].first
    still_open = [m for m in months if not m.is_closed]
    next_open = still_open[0] if still_open and still_open[0].last <= on else None
    return render(request, "ledger/periods.html", {
        "year": year, "label": periods.year_label(db, year), "months": months, "today": on,
        "previous_label": periods.year_label(db, year - 1), "next_label": periods.year_label(db, year + 1),
        "errors": errors or {}, "values": values or {"month": next_open.code if next_open else ""},
        "year_can_close": bool(still_open) and still_open[-1].last <= on, "still_open": still_open,
        "closed": closed or [], "at": at, "at_last": month_last_day(at) if at else None,
        "balance": periods.trial_balance(db, month_last_day(at)) if at else []}, status)


@router.get("/ledger/periods")
def periods_page(request: Request, db: DB, year: str | None = None, at: str | None = None,
                 closed: str | None = None, _: User = FINANCE):
    errors, shown_at = {}, None
    try:
        shown_year = periods.parse_year(year) if year is not None else periods.year_of(db, today(db))
    except FieldErrors as exc:
        errors, shown_year = exc.errors, periods.year_of(db, today(db))
    if at is not None:
        try:
            shown_at = periods.parse_month(at, "at")
        except FieldErrors as exc:
            errors = {**errors, **exc.errors}
    labels = []
    for code in (closed or "").split(","):
        try:
            labels.append(f"{periods.parse_month(code):%B %Y}")
        except FieldErrors:
            pass
    return _page(request, db, shown_year, at=shown_at, errors=errors, closed=labels, status=422 if errors else 200)


@router.post("/ledger/periods/close")
def close_periods(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            closed = periods.close_asked(db, month=data.get("month"), year=data.get("year"), actor_id=user.id)
    except FieldErrors as exc:
        return _page(request, db, _shown_year(db, data), errors=exc.errors,
                     values={"month": data.get("month") or ""}, status=422)
    codes = [f"{p.year:04d}-{p.month:02d}" for p in closed]
    year = periods.year_of(db, date(closed[0].year, closed[0].month, 1))
    return RedirectResponse(f"/ledger/periods?year={year}&closed={','.join(codes)}", status_code=303)
