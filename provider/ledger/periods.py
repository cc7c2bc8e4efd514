"""Closing months of the ledger: only once ended, in order within the financial year, each closed by someone.

The CLI, the pages and the API all close through `close`, `close_year` or `close_asked`; every refusal is a
FieldErrors naming the field, raised before anything is written.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import Session, select

from provider import dates, hooks
from provider.clock import financial_year_label, financial_year_start, today as clock_today
from provider.dates import long_date, month_last_day
from provider.errors import FieldErrors
from provider.ledger.models import AccountingPeriod, LedgerAccount, LedgerEntry, LedgerLine
from provider.organisation.models import ProviderSettings
from provider.users.models import User

YEAR_FORMAT = "must be the year a financial year starts in, like 2026"


@dataclass(frozen=True)
class MonthState:
    first: date
    last: date
    closed_at: datetime | None
    closed_by: str | None  # a name; None when closed from the command line or still open

    @property
    def code(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.first:%B %Y}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True)
class BalanceRow:
    account: str
    debit: int
    credit: int


def start_month(db: Session) -> int:
    settings = db.get(ProviderSettings, 1)
    return getattr(settings, "financial_year_start_month", None) or 4


def year_of(db: Session, day: date) -> int:
    """The financial year `day` falls in, by the year it starts in: 2026 for any day of 2026/27."""
    return financial_year_start(day, start_month(db)).year


def year_label(db: Session, year: int) -> str:
    return financial_year_label(date(year, start_month(db), 1), start_month(db))


def parse_month(text: str | None, field: str = "month") -> date:
    """A month of the ledger, written 'YYYY-MM', from 2000 to 2100: its first day, or FieldErrors."""
    return dates.parse_month(text, field, years=(2000, 2100))


def parse_year(value: str | int | None, field: str = "year") -> int:
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or not 2000 <= int(text) <= 2100:  # "²" is a digit int() refuses
        raise FieldErrors({field: YEAR_FORMAT})
    return int(text)


def _closed(db: Session) -> dict[tuple[int, int], AccountingPeriod]:
    return {(p.year, p.month): p for p in db.exec(select(AccountingPeriod))}


def months_of_year(db: Session, year: int) -> list[MonthState]:
    """The twelve months of the financial year starting in `year`, each open or closed, and by whom."""
    closed = _closed(db)
    names = {u.id: u.name for u in db.exec(select(User).where(
        User.id.in_([p.closed_by_id for p in closed.values() if p.closed_by_id])))}
    first = date(year, start_month(db), 1)
    states = []
    for n in range(12):
        month = first + relativedelta(months=n)
        period = closed.get((month.year, month.month))
        states.append(MonthState(month, month_last_day(month), period.closed_at if period else None,
                                 names.get(period.closed_by_id) if period else None))
    return states


def close(db: Session, months: list[date], today: date, actor_id: uuid.UUID | None,
          field: str = "month") -> list[AccountingPeriod]:
    """Close `months` in order, or refuse (FieldErrors on `field`) before writing anything: each must have ended
    by `today`, be open, and have every earlier month of its financial year closed or closed with it. The block
    contracts' deferred income for those months is released before they close."""
    closed, start = _closed(db), start_month(db)
    closing: set[date] = set()
    for month in sorted({m.replace(day=1) for m in months}):
        if (month.year, month.month) in closed:
            raise FieldErrors({field: f"is already closed: {month:%B %Y}"})
        if month_last_day(month) > today:
            raise FieldErrors({field: f"has not ended yet: {month:%B %Y} ends on {long_date(month_last_day(month))}"})
        earlier = financial_year_start(month, start)
        while earlier < month:
            if (earlier.year, earlier.month) not in closed and earlier not in closing:
                raise FieldErrors({field: f"cannot be closed yet: {earlier:%B %Y} is still open, and the months of "
                                          f"{financial_year_label(month, start)} close in order"})
            earlier += relativedelta(months=1)
        closing.add(month)
    # A month closes with its block contracts' income in it: what was invoiced in advance is released first.
    if closing:
        hooks.month_closing(db, month_last_day(max(closing)), today, actor_id)
    periods = [AccountingPeriod(year=m.year, month=m.month, closed_by_id=actor_id) for m in sorted(closing)]
    db.add_all(periods)
    db.flush()
    return periods


def close_year(db: Session, year: int, today: date, actor_id: uuid.UUID | None) -> list[AccountingPeriod]:
    """Every still-open month of the financial year starting in `year`, in order."""
    still_open = [m.first for m in months_of_year(db, year) if not m.is_closed]
    if not still_open:
        raise FieldErrors({"year": f"is already closed: every month of {year_label(db, year)} is closed"})
    return close(db, still_open, today, actor_id, field="year")


def close_asked(db: Session, *, month: str | None = None, year: str | int | None = None,
                actor_id: uuid.UUID | None = None) -> list[AccountingPeriod]:
    """What a page or the API asks for: one month written YYYY-MM, or a whole financial year."""
    month = (month or "").strip() or None
    if month is not None and year is not None:
        raise FieldErrors({"month": "and a year were both given: close one month or one financial year"})
    if year is not None:
        return close_year(db, parse_year(year), clock_today(db), actor_id)
    if month is None:
        raise FieldErrors({"month": "is required: give a month written YYYY-MM, or a financial year"})
    return close(db, [parse_month(month)], clock_today(db), actor_id)


def trial_balance(db: Session, through: date) -> list[BalanceRow]:
    """Every account with a balance from the entries posted on or before `through`, by name."""
    rows = db.exec(select(LedgerAccount.name, func.sum(LedgerLine.debit_pence), func.sum(LedgerLine.credit_pence))
                   .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                   .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                   .where(LedgerEntry.posted_on <= through)
                   .group_by(LedgerAccount.id, LedgerAccount.name))
    balances = [(name, int(debit) - int(credit)) for name, debit, credit in rows]
    return [BalanceRow(name, max(amount, 0), max(-amount, 0)) for name, amount in sorted(balances) if amount]
