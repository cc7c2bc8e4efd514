"""Charitable income pages: finance records and imports it; finance, the administrator and trustees read the totals
by month and fund (trustees see no donor)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func
from sqlmodel import select

from provider.charity import importing, service
from provider.charity.models import HEAD_LABELS, TYPE_LABELS, CharitableIncome, IncomeType, SorpHead
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import CharitableFund
from provider.ledger import periods
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data, read_upload
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
READERS = allow(Role.finance, Role.trustee)
RECORD_READERS = allow(Role.finance)
MONEY = {"amount": "amount_pence"}
LABELS = {"received_on": "Date received", "amount": "Amount", "income_type": "Type", "fund_id": "Fund",
          "sorp_head": "SORP head", "exchange": "Exchange or non-exchange", "donor_ref": "Donor or source",
          "external_id": "Fundraising system's id", "corrects_id": "The record corrected", "notes": "Notes",
          "bank_account": "The operating bank account", "year": "Year", "month": "Month"}


@dataclass
class Sums:
    restricted: int = 0
    unrestricted: int = 0
    by_fund: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.restricted + self.unrestricted

    def add(self, row: service.Total) -> None:
        if row.restricted:
            self.restricted += row.pence
        else:
            self.unrestricted += row.pence
        self.by_fund[row.fund_id] = self.by_fund.get(row.fund_id, 0) + row.pence


@dataclass
class HeadSums:
    exchange: int = 0
    non_exchange: int = 0

    @property
    def total(self) -> int:
        return self.exchange + self.non_exchange


def _summary(when: service.Period, rows: list[service.Total]) -> dict:
    months, first = [], when.first
    while first <= when.last:
        months.append((f"{first:%Y-%m}", f"{first:%B %Y}"))
        first += relativedelta(months=1)
    by_month = {code: Sums() for code, _ in months}
    by_type = {kind: Sums() for kind in IncomeType}
    by_head = {head: HeadSums() for head in SorpHead}
    whole = Sums()
    for row in rows:
        for sums in (by_month[row.month], by_type[row.income_type], whole):
            sums.add(row)
        if row.exchange:
            by_head[row.sorp_head].exchange += row.pence
        else:
            by_head[row.sorp_head].non_exchange += row.pence
    return {"months": [(code, label, by_month[code]) for code, label in months],
            "by_type": [(TYPE_LABELS[k], s) for k, s in by_type.items() if s.restricted or s.unrestricted],
            "by_head": [(HEAD_LABELS[h], s) for h, s in by_head.items() if s.exchange or s.non_exchange],
            "whole": whole}


def _years(db, current: int) -> list[int]:
    first, last = db.exec(select(func.min(CharitableIncome.received_on), func.max(CharitableIncome.received_on))).one()
    years = {current} | ({periods.year_of(db, first), periods.year_of(db, last)} if first else set())
    return list(range(max(years), min(years) - 1, -1))


def _id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@router.get("/charity")
def income_page(request: Request, db: DB, user: User = READERS):
    query, errors, status = request.query_params, {}, 200
    fund_id, kind = _id(query.get("fund")), query.get("type") or None
    if kind not in (None, *IncomeType):
        errors["type"], kind = "is not a type of charitable income", None
    try:
        year = int(query["year"]) if query.get("year") else None
    except ValueError:
        errors["year"], year = periods.YEAR_FORMAT, None
    try:
        when = service.period(db, year, query.get("month") or None, today(db))
    except FieldErrors as exc:
        errors |= exc.errors
        when = service.period(db, None, None, today(db))
    if errors:
        status = 422
    funds = list(db.exec(select(CharitableFund).order_by(CharitableFund.restricted, CharitableFund.name)))
    rows = service.totals(db, when, fund_id, IncomeType(kind) if kind else None)
    shown = [f for f in funds if f.is_active or any(r.fund_id == f.id for r in rows)]
    records = corrected = None
    if user.role == Role.finance:
        records = service.list_income(db, when, fund_id, IncomeType(kind) if kind else None)
        corrected = service.corrected_by(db, [r.id for r in records if r.corrects_id is None])
    return render(request, "charity/list.html", {
        "when": when, "funds": shown, "all_funds": funds, "names": {f.id: f.name for f in funds},
        "years": _years(db, periods.year_of(db, today(db))), "types": TYPE_LABELS, "labels": LABELS,
        "filters": {"year": str(when.year), "month": query.get("month") or "", "fund": query.get("fund") or "",
                    "type": kind or ""},
        "errors": errors, "records": records, "corrected": corrected or {},
        "can_record": user.role == Role.finance, **_summary(when, rows)}, status)


def _fund_options(db) -> list[tuple[str, str]]:
    funds = db.exec(select(CharitableFund).where(CharitableFund.is_active)
                    .order_by(CharitableFund.restricted, CharitableFund.name))
    return [(str(f.id), f"{f.name} ({'restricted' if f.restricted else 'unrestricted'})") for f in funds]


def _form(request: Request, db, values: dict, errors: dict, status: int = 200):
    errors = {next((k for k, v in MONEY.items() if v == name), name): message for name, message in errors.items()}
    return render(request, "charity/form.html", {
        "values": values, "errors": errors, "labels": LABELS, "funds": _fund_options(db),
        "types": [(k.value, v) for k, v in TYPE_LABELS.items()],
        "heads": [("", "As its type")] + [(k.value, v) for k, v in HEAD_LABELS.items()],
        "exchange": [("", "As its type"), ("false", "Non-exchange: a gift or a grant"),
                     ("true", "Exchange: tickets, goods or services sold")]}, status)


@router.get("/charity/new")
def income_form(request: Request, db: DB, _: User = FINANCE):
    return _form(request, db, {"received_on": today(db).isoformat(), "income_type": "donation"}, {})


@router.post("/charity/new")
def income_record(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    shape = {MONEY.get(k, k): v for k, v in data.items()}
    try:
        with unit_of_work(db):
            record = service.record_income(db, shape, today(db), user.id, pounds=True, source="form")
    except FieldErrors as exc:
        return _form(request, db, data, exc.errors, 422)
    return RedirectResponse(f"/charity/{record.id}?saved=1", status_code=303)


def _import_page(request: Request, db, errors: dict | None = None, done: str | None = None, status: int = 200):
    return render(request, "charity/import.html", {"columns": importing.COLUMNS, "errors": errors or {},
                                                    "done": done}, status)


@router.get("/charity/import")
def import_page(request: Request, db: DB, _: User = FINANCE):
    return _import_page(request, db)


@router.post("/charity/import")
def import_upload(request: Request, db: DB, user: User = FINANCE):
    upload = (form_data(request)).get("file")
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise FieldErrors({"file": "was not chosen: choose the fundraising system's export to import"})
        content = read_upload(upload, "file", importing.MAX_BYTES,
                                    "is larger than 5 MB: export a month or a quarter at a time")
        with unit_of_work(db):
            result = importing.import_file(db, upload.filename, content, today(db), user.id)
    except FieldErrors as exc:
        return _import_page(request, db, exc.errors, status=422)
    return _import_page(request, db, done=result.message)


def _view(request: Request, db, income_id: uuid.UUID, values: dict | None = None,
          errors: dict | None = None, status: int = 200):
    record = service.get_income(db, income_id)
    errors = {next((k for k, v in MONEY.items() if v == name), name): m for name, m in (errors or {}).items()}
    return render(request, "charity/view.html", {
        "record": record, "fund": db.get(CharitableFund, record.fund_id), "types": TYPE_LABELS,
        "heads": HEAD_LABELS, "original": db.get(CharitableIncome, record.corrects_id) if record.corrects_id else None,
        "corrections": service.corrections_of(db, record), "net": service.net_of(db, record),
        "can_correct": request.state.user_seen.role == Role.finance and record.corrects_id is None, "labels": LABELS,
        "values": values or {"received_on": today(db).isoformat()}, "errors": errors}, status)


@router.get("/charity/{income_id}")
def income_view(request: Request, db: DB, income_id: uuid.UUID, _: User = RECORD_READERS):
    return _view(request, db, income_id)


@router.post("/charity/{income_id}/corrections")
def income_correct(request: Request, db: DB, income_id: uuid.UUID, user: User = FINANCE):
    data = form_data(request)
    service.get_income(db, income_id)
    shape = {MONEY.get(k, k): v for k, v in data.items() if k in ("received_on", "amount", "notes")}
    try:
        with unit_of_work(db):
            service.record_income(db, {**shape, "corrects_id": str(income_id)}, today(db), user.id, pounds=True,
                                  source="form")
    except FieldErrors as exc:
        return _view(request, db, income_id, data, exc.errors, 422)
    return RedirectResponse(f"/charity/{income_id}?corrected=1", status_code=303)
