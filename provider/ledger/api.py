"""JSON API for closing the ledger: a financial year's months, and closing one month or the whole year."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from provider.base import UtcDateTime
from provider.clock import today
from provider.db import unit_of_work
from provider.ledger import periods
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["ledger"])
FINANCE = allow(Role.finance)


class MonthOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    label: str
    ends_on: date
    closed: bool
    closed_at: UtcDateTime | None
    closed_by: str | None = Field(description="Who closed it; none when closed from the command line or still open")


class YearOut(BaseModel):
    year: int = Field(description="The year the financial year starts in: 2026 for 2026/27")
    label: str
    months: list[MonthOut]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str | None = Field(default=None, description="Close this month, written YYYY-MM")
    year: int | None = Field(default=None, description="Close every open month of the financial year starting in "
                                                       "this year, in order")


class ClosedOut(BaseModel):
    closed: list[str] = Field(description="The months closed, YYYY-MM, in order")
    year: YearOut


def _year(db, year: int) -> YearOut:
    return YearOut(year=year, label=periods.year_label(db, year),
                   months=[MonthOut(month=m.code, label=m.label, ends_on=m.last, closed=m.is_closed,
                                    closed_at=m.closed_at, closed_by=m.closed_by)
                           for m in periods.months_of_year(db, year)])


@router.get("/ledger/periods", response_model=YearOut)
def read_periods(db: DB, year: str | None = None, _: User = FINANCE):
    """The twelve months of a financial year (this one when no year is given), each open or closed."""
    return _year(db, periods.parse_year(year) if year is not None else periods.year_of(db, today(db)))


@router.post("/ledger/periods/close", response_model=ClosedOut)
def close_periods(db: DB, shape: CloseIn, user: User = FINANCE):
    """Close one ended month whose earlier months are closed, or every open month of an ended financial year."""
    with unit_of_work(db):
        closed = periods.close_asked(db, month=shape.month, year=shape.year, actor_id=user.id)
    first = date(closed[0].year, closed[0].month, 1)
    return ClosedOut(closed=[f"{p.year:04d}-{p.month:02d}" for p in closed], year=_year(db, periods.year_of(db, first)))
