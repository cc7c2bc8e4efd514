"""JSON API for charitable income: finance records it (one at a time, or a fundraising system's CSV export) and lists
it; the administrator reads it; trustees read totals by month, type and fund only, with no donor."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import select

from provider.charity import importing, service
from provider.charity.models import CharitableIncome, IncomeType, SorpHead
from provider.charity.schemas import IncomeIn
from provider.base import UtcDateTime
from provider.clock import today
from provider.db import unit_of_work
from provider.funders.models import CharitableFund
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow, sent_body

router = APIRouter(prefix="/api/charity", responses=API_ERRORS, tags=["charitable income"])
FINANCE = allow(Role.finance)
RECORD_READERS = allow(Role.finance)
READERS = allow(Role.finance, Role.trustee)
YEAR = Query(default=None, description="The financial year by the year it starts in: 2026 for 2026/27")
MONTH = Query(default=None, description="One month, written YYYY-MM")
FUND = Query(default=None, description="One charitable fund's id")
TYPE = Query(default=None, alias="type", description="One type of income")


class IncomeOut(BaseModel):
    id: uuid.UUID
    received_on: date
    amount_pence: int
    income_type: IncomeType
    sorp_head: SorpHead
    exchange: bool
    fund_id: uuid.UUID
    fund_name: str
    restricted: bool
    donor_ref: str
    gift_aid: bool
    external_id: str | None
    corrects_id: uuid.UUID | None
    net_pence: int | None = Field(description="With its corrections; none for a correction itself")
    notes: str
    source: str
    created_at: UtcDateTime


class TotalOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    income_type: IncomeType
    sorp_head: SorpHead
    exchange: bool
    fund_id: uuid.UUID
    fund_name: str
    restricted: bool
    amount_pence: int


class TotalsOut(BaseModel):
    period: str
    first: date
    last: date
    total_pence: int
    restricted_pence: int
    unrestricted_pence: int
    rows: list[TotalOut]


class ImportOut(BaseModel):
    filename: str
    gifts: int = Field(description="Gifts in the file")
    added: int
    held_already: int = Field(description="Gifts imported before, left out")
    added_pence: int
    message: str


def _names(db) -> dict[uuid.UUID, str]:
    return {f.id: f.name for f in db.exec(select(CharitableFund))}


def _out(record: CharitableIncome, names: dict, corrected: dict) -> IncomeOut:
    net = None if record.corrects_id else record.amount_pence + corrected.get(record.id, 0)
    return IncomeOut(**{name: getattr(record, name) for name in IncomeOut.model_fields
                        if name not in ("fund_name", "net_pence")},
                     fund_name=names[record.fund_id], net_pence=net)


def _period(db, year: int | None, month: str | None) -> service.Period | None:
    return service.period(db, year, month, today(db)) if year is not None or month else None


@router.post("/income", response_model=IncomeOut, status_code=201)
def record_income(db: DB, shape: IncomeIn, user: User = FINANCE):
    with unit_of_work(db):
        record = service.record_income(db, shape, today(db), user.id, source="api")
    return _out(record, _names(db), service.corrected_by(db, [record.id]))


@router.get("/income", response_model=list[IncomeOut])
def list_income(db: DB, year: int | None = YEAR, month: str | None = MONTH, fund_id: uuid.UUID | None = FUND,
                income_type: IncomeType | None = TYPE, _: User = RECORD_READERS):
    """Every record (corrections too) in the year or month; without either, every record."""
    records = service.list_income(db, _period(db, year, month), fund_id, income_type)
    corrected = service.corrected_by(db, [r.id for r in records if r.corrects_id is None])
    names = _names(db)
    return [_out(r, names, corrected) for r in records]


@router.get("/income/{income_id}", response_model=IncomeOut)
def read_income(db: DB, income_id: uuid.UUID, _: User = RECORD_READERS):
    record = service.get_income(db, income_id)
    return _out(record, _names(db), service.corrected_by(db, [record.id]))


@router.post("/imports", response_model=ImportOut, status_code=201)
def import_gifts(request: Request, db: DB, filename: str = Query(default="export.csv"), user: User = FINANCE):
    """The fundraising system's CSV export as the request body (text/csv): the columns of
    `provider.charity.importing`. Nothing is recorded if any line is wrong; a gift imported before is left out."""
    content = sent_body(request)
    with unit_of_work(db):
        result = importing.import_file(db, filename, content, today(db), user.id)
    return ImportOut(filename=result.filename, gifts=result.gifts, added=result.added,
                     held_already=result.held_already, added_pence=result.added_pence, message=result.message)


@router.get("/totals", response_model=TotalsOut)
def income_totals(db: DB, year: int | None = YEAR, month: str | None = MONTH, fund_id: uuid.UUID | None = FUND,
                  income_type: IncomeType | None = TYPE, _: User = READERS):
    """Totals by month, type, SORP head, exchange and fund for the year or month (by default the latest financial
    year with income)."""
    when = service.period(db, year, month, today(db))
    names = _names(db)
    rows = [TotalOut(month=t.month, income_type=t.income_type, sorp_head=t.sorp_head, exchange=t.exchange,
                     fund_id=t.fund_id, fund_name=names[t.fund_id], restricted=t.restricted, amount_pence=t.pence)
            for t in service.totals(db, when, fund_id, income_type)]
    restricted = sum(r.amount_pence for r in rows if r.restricted)
    return TotalsOut(period=when.label, first=when.first, last=when.last, total_pence=sum(r.amount_pence for r in rows),
                     restricted_pence=restricted, unrestricted_pence=sum(r.amount_pence for r in rows) - restricted,
                     rows=rows)
