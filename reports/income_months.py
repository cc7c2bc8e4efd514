"""Income kept month by month as it is posted, for reports over whole months (the trustees' statutory income).

Each income line adds its net credit to one row: (month posted, income account, care or not, the payer's account).
For a care entry (care delivered or reversed) the payer is the one the line names, under the account that holds
what that payer owes for care (`provider.ledger.accounts.holding_code`). Every posting keeps the rows up to date in
the same transaction;
`rebuild` makes them again from the raw ledger (for bulk-written data), and `differences` is `lantern check`'s
proof that they agree with it.
"""
from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import String, UniqueConstraint, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from provider.base import id_field
from provider.ledger import accounts
from provider.ledger.models import EntryKind, LedgerAccount, LedgerEntry, LedgerLine
from provider.money import StoredPence

CARE_KINDS = (EntryKind.care_delivered, EntryKind.care_reversed)
Key = tuple[date, str, bool, str]          # month, income account code, care, payer account code ("" for none)
Posted = tuple[str, int, int, str | None, uuid.UUID | None]   # a line: account code, debit, credit, payer, child
BATCH = 1000


class IncomeMonth(SQLModel, table=True):
    __tablename__ = "income_months"
    __table_args__ = (UniqueConstraint("month", "income_code", "care", "payer_code", name="uq_income_months_key"),)
    id: uuid.UUID = id_field()
    month: date
    income_code: str = Field(sa_type=String(120))
    care: bool
    payer_code: str = Field(default="", sa_type=String(120))
    pence: StoredPence = 0


def amounts(kind: str, posted_on: date, lines: Iterable[Posted]) -> dict[Key, int]:
    """What one entry adds, from its lines as (account code, debit, credit, payer, child)."""
    month = posted_on.replace(day=1)
    found: dict[Key, int] = defaultdict(int)
    if kind not in CARE_KINDS:
        for code, debit, credit, *_ in lines:
            if accounts.is_income(code):
                found[(month, code, False, "")] += credit - debit
        return found
    for code, payer, pence, _ in care_lines(lines):
        found[(month, code, True, payer)] += pence
    return found


def care_lines(lines: Iterable[Posted]) -> list[tuple[str, str, int, uuid.UUID | None]]:
    """A care entry's income lines, each as (income account, the account holding what its payer owes or "",
    net credit, child)."""
    return [(code, accounts.holding_code(payer), credit - debit, child)
            for code, debit, credit, payer, child in lines if accounts.is_income(code)]


def add_to_kept(db: Session, table, keys: list[str], total: str, found: dict[tuple, int]) -> None:
    """Add each of `found` (key values in the order of `keys`: its amount) to the `total` column of a kept table's
    row, making any row that does not exist yet (safe against another posting at the same time). Ids are drawn
    without uuid.uuid4, which the benchmark data replaces with its own seeded series: kept rows must not shift the
    ids of the records being made."""
    rows = [{"id": uuid.UUID(bytes=os.urandom(16), version=4), **dict(zip(keys, key)), total: value}
            for key, value in found.items() if value]
    make = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    for start in range(0, len(rows), BATCH):
        statement = make(table).values(rows[start:start + BATCH])
        statement = statement.on_conflict_do_update(index_elements=keys,
                                                    set_={total: table.c[total] + statement.excluded[total]})
        db.connection().execute(statement)


def add(db: Session, found: dict[Key, int]) -> None:
    add_to_kept(db, IncomeMonth.__table__, ["month", "income_code", "care", "payer_code"], "pence", found)


def recomputed(db: Session) -> dict[Key, int]:
    """The rows as the raw ledger gives them, entry by entry."""
    rows = db.execute(select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.posted_on, LedgerAccount.code,
                             LedgerLine.debit_pence, LedgerLine.credit_pence, LedgerLine.payer_ref,
                             LedgerLine.child_id)
                      .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
                      .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                      .order_by(LedgerEntry.id))
    total: dict[Key, int] = defaultdict(int)
    current, kind, posted_on, lines = None, None, None, []

    def flush() -> None:
        if current is not None and any(accounts.is_income(line[0]) for line in lines):
            for key, pence in amounts(kind, posted_on, lines).items():
                total[key] += pence

    for entry_id, entry_kind, entry_posted_on, code, debit, credit, payer, child in rows:
        if entry_id != current:
            flush()
            current, kind, posted_on, lines = entry_id, entry_kind, entry_posted_on, []
        lines.append((code, debit, credit, payer, child))
    flush()
    return {k: v for k, v in total.items() if v}


def kept(db: Session) -> dict[Key, int]:
    return {(r.month, r.income_code, r.care, r.payer_code): r.pence
            for r in db.execute(select(IncomeMonth)).scalars() if r.pence}


def rebuild(db: Session) -> int:
    """Make every row again from the raw ledger; returns how many."""
    db.execute(delete(IncomeMonth))
    found = recomputed(db)
    add(db, found)
    return len(found)


def differences(db: Session) -> list[str]:
    """Where the kept rows and the raw ledger disagree, one line each."""
    want, have = recomputed(db), kept(db)
    return [f"income kept for {k[0]:%B %Y}, {k[1]} ({k[3] or 'no payer'}): {have.get(k, 0)} pence, the ledger says "
            f"{want.get(k, 0)}" for k in sorted(set(want) | set(have)) if want.get(k, 0) != have.get(k, 0)]
