"""Posting to the ledger: balanced entries only, into the first open month, corrected only by reversal."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert
from sqlmodel import Session, select

from provider import hooks
from provider.base import new_id, utcnow
from provider.ledger.accounts import payer_of
from provider.ledger.models import AccountingPeriod, EntryKind, LedgerAccount, LedgerEntry, LedgerLine
from provider.money import within_storage


class UnbalancedEntry(ValueError):
    """Debits and credits differ, a line has both or neither, or an entry has no lines."""


class PeriodClosed(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    account: LedgerAccount
    debit: int = 0
    credit: int = 0
    payer_ref: str | None = None     # whom the line concerns; when None, the payer its account names, if any
    child_id: uuid.UUID | None = None


def check_balanced(lines: Sequence[Line]) -> None:
    if not lines:
        raise UnbalancedEntry("an entry needs at least two lines")
    for line in lines:
        if line.debit < 0 or line.credit < 0 or (line.debit > 0) == (line.credit > 0):
            raise UnbalancedEntry(f"each line is a debit or a credit of more than nothing ({line.account.code})")
    debits, credits = sum(line.debit for line in lines), sum(line.credit for line in lines)
    for line in lines:
        within_storage(line.debit or line.credit, f"a line to {line.account.code}")
    if debits != credits:
        raise UnbalancedEntry(f"debits {debits} and credits {credits} differ")


def is_closed(db: Session, day: date) -> bool:
    return db.exec(select(func.count()).select_from(AccountingPeriod)
                   .where(AccountingPeriod.year == day.year, AccountingPeriod.month == day.month)).one() > 0


def _closed_months(db: Session) -> set[tuple[int, int]]:
    return {(p.year, p.month) for p in db.exec(select(AccountingPeriod))}


def _first_open(closed: set[tuple[int, int]], day: date) -> date:
    if (day.year, day.month) not in closed:
        return day
    month = day.replace(day=1)
    while (month.year, month.month) in closed:
        month += relativedelta(months=1)
    return month


def first_open_day(db: Session, day: date) -> date:
    """`day` if its month is open, else the first day of the first open month after it."""
    return _first_open(_closed_months(db), day)


@dataclass(frozen=True)
class Posting:
    """One entry to write with `post_many`."""
    kind: EntryKind
    lines: Sequence[Line]
    service_date: date
    description: str
    source_ref: str | None
    group_id: uuid.UUID


def post_many(db: Session, postings: Sequence[Posting], actor_id: uuid.UUID | None = None,
              on: date | None = None) -> int:
    """Many balanced entries written as `post` writes each one, in two bulk inserts; returns how many. Each is
    posted on `on` (or its service date) or, when that month is closed, the first open day after."""
    closed = _closed_months(db)
    entries, lines, now = [], [], utcnow()
    posted = []
    for posting in postings:
        check_balanced(posting.lines)
        entry_id = new_id()
        posted_on = _first_open(closed, on or posting.service_date)
        codes = _codes(posting.lines)
        posted.append((posting.kind, posted_on, posting.group_id, codes))
        entries.append({"id": entry_id, "kind": posting.kind.value,
                        "posted_on": posted_on,
                        "service_date": posting.service_date, "description": posting.description,
                        "group_id": posting.group_id, "source_ref": posting.source_ref, "reverses_id": None,
                        "created_at": now, "created_by_id": actor_id})
        lines += [{"id": new_id(), "entry_id": entry_id, "account_id": line.account.id, "debit_pence": line.debit,
                   "credit_pence": line.credit, "payer_ref": _payer(line), "child_id": line.child_id}
                  for line in posting.lines]
    if entries:
        connection = db.connection()
        connection.execute(insert(LedgerEntry.__table__), entries)
        connection.execute(insert(LedgerLine.__table__), lines)
        hooks.entries_posted(db, posted)
    return len(entries)


def _payer(line: Line) -> str | None:
    return line.payer_ref or payer_of(line.account.code)


def _codes(lines: Sequence[Line]) -> list[tuple[str, int, int, str | None, uuid.UUID | None]]:
    """Each line as the hooks see it: (account code, debit, credit, payer, child)."""
    return [(line.account.code, line.debit, line.credit, _payer(line), line.child_id) for line in lines]


def post(db: Session, kind: EntryKind, lines: Sequence[Line], *, service_date: date, description: str,
         source_ref: str | None = None, group_id: uuid.UUID | None = None, actor_id: uuid.UUID | None = None,
         reverses: LedgerEntry | None = None, on: date | None = None) -> LedgerEntry:
    """Write one balanced entry. A late change to a closed month posts in the first open one, its service date kept."""
    check_balanced(lines)
    entry = LedgerEntry(kind=kind, posted_on=first_open_day(db, on or service_date), service_date=service_date,
                        description=description, group_id=group_id or uuid.uuid4(), source_ref=source_ref,
                        reverses_id=reverses.id if reverses else None, created_by_id=actor_id)
    db.add(entry)
    db.flush()
    db.add_all([LedgerLine(entry_id=entry.id, account_id=line.account.id, debit_pence=line.debit,
                           credit_pence=line.credit, payer_ref=_payer(line), child_id=line.child_id) for line in lines])
    db.flush()
    codes = _codes(lines)
    hooks.entries_posted(db, [(kind, entry.posted_on, entry.group_id, codes)])
    return entry


def lines_of(db: Session, entry: LedgerEntry) -> list[tuple[LedgerAccount, LedgerLine]]:
    return list(db.exec(select(LedgerAccount, LedgerLine).join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                        .where(LedgerLine.entry_id == entry.id)))


def reverse(db: Session, entry: LedgerEntry, *, description: str, on: date, actor_id: uuid.UUID | None = None,
            kind: EntryKind = EntryKind.reversal) -> LedgerEntry:
    """The mirror image of `entry`, posted on `on` (or the first open day after), naming what it reverses."""
    mirrored = [Line(acc, debit=line.credit_pence, credit=line.debit_pence, payer_ref=line.payer_ref,
                     child_id=line.child_id) for acc, line in lines_of(db, entry)]
    return post(db, kind, mirrored, service_date=entry.service_date or entry.posted_on, description=description,
                source_ref=entry.source_ref, group_id=entry.group_id, actor_id=actor_id, reverses=entry, on=on)


def close_month(db: Session, year: int, month: int, actor_id: uuid.UUID | None = None) -> AccountingPeriod:
    if not 1 <= month <= 12:
        raise PeriodClosed("a month is numbered 1 to 12")
    if is_closed(db, date(year, month, 1)):
        raise PeriodClosed(f"{date(year, month, 1):%B %Y} is already closed")
    period = AccountingPeriod(year=year, month=month, closed_by_id=actor_id)
    db.add(period)
    db.flush()
    return period


def balances(db: Session) -> dict[str, int]:
    """Each account's balance as debits less credits, by code."""
    rows = db.exec(select(LedgerAccount.code, func.coalesce(func.sum(LedgerLine.debit_pence), 0),
                          func.coalesce(func.sum(LedgerLine.credit_pence), 0))
                   .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id, isouter=True)
                   .group_by(LedgerAccount.code))
    return {code: int(debit) - int(credit) for code, debit, credit in rows}


def trial_balance_text(db: Session) -> str:
    """Every account with a balance, by code, debits less credits as £: the readable ledger tests compare."""
    from provider.money import format_gbp

    names = {a.code: a.name for a in db.exec(select(LedgerAccount))}
    rows = sorted(((code, amount) for code, amount in balances(db).items() if amount), key=lambda r: names[r[0]])
    width = max([len(names[code]) for code, _ in rows] + [10])
    lines = [f"{names[code]:<{width}}  {format_gbp(amount) if amount > 0 else '':>14}  "
             f"{format_gbp(-amount) if amount < 0 else '':>14}" for code, amount in rows]
    debit = sum(a for _, a in rows if a > 0)
    lines.append(f"{'Total':<{width}}  {format_gbp(debit):>14}  {format_gbp(debit - sum(a for _, a in rows)):>14}")
    return "\n".join(line.rstrip() for line in lines) + "\n"
