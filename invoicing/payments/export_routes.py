"""Accounting exports for finance: a period's Xero and Sage 50 files and its payments, and the nominal codes they
use. `router` serves the pages and their downloads; `api` the same under /api."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from invoicing.payments import exports
from provider.clock import financial_year_start, today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.downloads import download
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["exports"], responses=API_ERRORS)
FINANCE = allow(Role.finance)
FILES = {"xero": (exports.xero_csv, "xero-sales-invoices"), "sage": (exports.sage_csv, "sage-audit-trail"),
         "payments": (exports.payments_csv, "payments")}
From = Annotated[str | None, Query(alias="from", description="The first day: 2026-04-01 or 01/04/2026")]
To = Annotated[str | None, Query(alias="to", description="The last day")]
LABELS = {"from": "Start of the period", "to": "End of the period"}


def _default_period(db) -> tuple[date, date]:
    """The financial year of last month, to today: in April the year just ended is still there to export."""
    now = today(db)
    return financial_year_start(now.replace(day=1) - timedelta(days=1)), now


@router.get("/exports")
def exports_page(request: Request, db: DB, first: From = None, last: To = None, _: User = FINANCE):
    if first is None and last is None:
        first, last = (d.isoformat() for d in _default_period(db))
    values = {"from": first or "", "to": last or ""}
    try:
        start, end = exports.period(first, last)
    except FieldErrors as exc:
        return render(request, "exports/index.html", {"values": values, "errors": exc.errors, "labels": LABELS,
                                                      "summary": None}, 422)
    return render(request, "exports/index.html", {
        "values": {"from": start.isoformat(), "to": end.isoformat()}, "errors": {}, "labels": LABELS, "summary": exports.summary(db, start, end),
        "start": start, "end": end, "query": f"from={start.isoformat()}&to={end.isoformat()}"})


def _download(db, kind: str, first: str | None, last: str | None) -> Response:
    start, end = exports.period(first, last)
    make, name = FILES[kind]
    return download(make(db, start, end), "text/csv; charset=utf-8", f"{name}-{start}-to-{end}.csv")


def _csv_route(kind: str):
    def download(db: DB, first: From = None, last: To = None, _: User = FINANCE):
        return _download(db, kind, first, last)

    return download


for _kind in FILES:
    router.add_api_route(f"/exports/{_kind}.csv", _csv_route(_kind), methods=["GET"])
    api.add_api_route(f"/exports/{_kind}.csv", _csv_route(_kind), methods=["GET"], response_class=Response,
                      summary=f"The {_kind} CSV of a period", responses={200: {"content": {"text/csv": {}}}})


def _codes_page(request: Request, db, values: dict, errors: dict, status: int = 200):
    keys = exports.code_keys(db)
    groups: dict[str, list] = {}
    for key in keys:
        groups.setdefault(key.group, []).append(key)
    return render(request, "exports/nominal_codes.html", {
        "groups": groups, "values": values, "errors": errors,
        "labels": {k.key: f"{k.group}: {k.label}" for k in keys}}, status)


@router.get("/settings/nominal-codes")
def codes_page(request: Request, db: DB, _: User = FINANCE):
    return _codes_page(request, db, exports.saved_codes(db), {})


@router.post("/settings/nominal-codes")
def codes_save(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            exports.save_codes(db, data)
    except FieldErrors as exc:
        return _codes_page(request, db, data, exc.errors, 422)
    return RedirectResponse("/settings/nominal-codes?saved=1", status_code=303)


class SummaryOut(BaseModel):
    first: date
    last: date
    invoices: int
    invoiced_pence: int
    credits: int
    credited_pence: int
    net_pence: int
    payments: int
    received_pence: int
    sage_accounts: dict[str, str]      # Sage customer A/C reference: payer


@api.get("/exports", response_model=SummaryOut, summary="What a period's exports hold")
def exports_summary(db: DB, first: From = None, last: To = None, _: User = FINANCE):
    start, end = exports.period(first, last)
    s = exports.summary(db, start, end)
    return SummaryOut(first=start, last=end, invoices=s.invoices, invoiced_pence=s.invoiced, credits=s.credits,
                      credited_pence=s.credited, net_pence=s.net, payments=s.payments, received_pence=s.received,
                      sage_accounts={ref: name for name, ref in s.accounts})


class CodeOut(BaseModel):
    key: str
    label: str
    group: str
    code: str | None
    when_unset: str


class CodesIn(BaseModel):
    codes: dict[str, str | None]


def _codes_out(db) -> list[CodeOut]:
    saved = exports.saved_codes(db)
    return [CodeOut(key=k.key, label=k.label, group=k.group, code=saved.get(k.key), when_unset=k.when_unset)
            for k in exports.code_keys(db)]


@api.get("/nominal-codes", response_model=list[CodeOut])
def codes_list(db: DB, _: User = FINANCE):
    return _codes_out(db)


@api.put("/nominal-codes", response_model=list[CodeOut], summary="Set nominal codes (null or blank: unset)")
def codes_update(shape: CodesIn, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        exports.save_codes(db, shape.codes)
    return _codes_out(db)
