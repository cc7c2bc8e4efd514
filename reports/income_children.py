"""The children each line of the trustees' income report came from, kept month by month (reports/trustee.py).

Three kinds of row, each a count for (month, source, code, payer account, child):
- "care": every income line of a care entry (delivered or reversed) counts once for the child it names, under the
  month it was posted, its income account and its payer's account, as income_months keys them;
- "fee": every ISF account's line on an entry that takes an ISF management fee counts once for the child it names
  (the ISF's), under the month it was posted;
- "block": every current charge a block contract pays part of counts once for its child, under the month of the
  charge's day and the contract's id; a superseded charge counts no more.
A line's children over whole months are those with a row in them: a row goes when its count comes to nought.
Postings and charges keep the rows up to date in the same transaction; `rebuild` makes them again from the ledger
and the charges (for bulk-written data), and `differences` is `lantern check`'s proof that they agree.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import String, UniqueConstraint, delete, select
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel

from provider import references
from provider.base import id_field
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.ledger import accounts
from reports.income_months import CARE_KINDS, Posted, add_to_kept, care_lines
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine

CARE, FEE, BLOCK = "care", "fee", "block"
FEES = accounts.ISF_FEES_CODE
Key = tuple[date, str, str, str, uuid.UUID]   # month, source, code, payer account ("" for none or a block), child
BATCH = 1000


class IncomeChildMonth(SQLModel, table=True):
    __tablename__ = "income_children"
    __table_args__ = (UniqueConstraint("month", "source", "code", "payer_code", "child_id",
                                       name="uq_income_children_key"),)
    id: uuid.UUID = id_field()
    month: date
    source: str = Field(sa_type=String(10))
    code: str = Field(sa_type=String(120))
    payer_code: str = Field(default="", sa_type=String(120))
    child_id: uuid.UUID
    count: int = 0


def of_entry(kind: str, posted_on: date, lines: Iterable[Posted]) -> dict[Key, int]:
    """What one entry adds, from its lines as (account code, debit, credit, payer, child): care for the child each
    income line names, or an ISF fee for the child each ISF account's line names."""
    lines = list(lines)
    found: dict[Key, int] = defaultdict(int)
    month = posted_on.replace(day=1)
    if kind in CARE_KINDS:
        for code, payer, _, child in care_lines(lines):
            if child is not None:
                found[(month, CARE, code, payer, child)] += 1
    if any(line[0] == FEES for line in lines):
        for code, _, _, _, child in lines:
            if accounts.is_isf_held(code) and child is not None:
                found[(month, FEE, FEES, code, child)] += 1
    return found


def for_entries(db: Session, entries: Iterable[tuple[str, date, uuid.UUID, list[Posted]]]) -> dict[Key, int]:
    """What entries being posted add, each as (kind, posted on, group id, lines)."""
    found: dict[Key, int] = defaultdict(int)
    for kind, posted_on, _group, lines in entries:
        _merge(found, of_entry(kind, posted_on, lines))
    return found


def of_charges(charges: Iterable[tuple[uuid.UUID, date, Iterable[str]]], sign: int = 1) -> dict[Key, int]:
    """What current charges add (or, with sign -1, take away when superseded): each as (child, day, the
    arrangement refs of its block parts)."""
    found: dict[Key, int] = defaultdict(int)
    for child_id, day, refs in charges:
        for ref in set(refs):
            found[(day.replace(day=1), BLOCK, str(references.contract_of(ref)), "", child_id)] += sign
    return found


def add(db: Session, found: dict[Key, int]) -> None:
    """Add to the kept counts, making any rows that do not exist yet (safe against another posting at the same time)."""
    table = IncomeChildMonth.__table__
    add_to_kept(db, table, ["month", "source", "code", "payer_code", "child_id"], "count", found)
    gone = [k for k, v in found.items() if v < 0]
    if gone:    # a superseded charge's last count: the row goes, so that a period's rows are its children
        db.connection().execute(delete(table).where(table.c.count <= 0,
                                                    table.c.month.in_({k[0] for k in gone}),
                                                    table.c.child_id.in_({k[4] for k in gone})))


def recomputed(db: Session) -> dict[Key, int]:
    """The counts as the ledger and the charges give them."""
    total: dict[Key, int] = defaultdict(int)
    fee_line, fee_account = aliased(LedgerLine), aliased(LedgerAccount)
    fee_entries = (select(fee_line.entry_id).join(fee_account, fee_account.id == fee_line.account_id)
                   .where(fee_account.code == FEES))
    rows = db.execute(select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.posted_on, LedgerAccount.code,
                             LedgerLine.debit_pence, LedgerLine.credit_pence, LedgerLine.payer_ref,
                             LedgerLine.child_id)
                      .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
                      .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                      .where(LedgerEntry.kind.in_(CARE_KINDS) | LedgerEntry.id.in_(fee_entries))
                      .order_by(LedgerEntry.id))
    entries, current = [], None
    for entry_id, kind, posted_on, code, debit, credit, payer, child_id in rows:
        if entry_id != current:
            current = entry_id
            entries.append((kind, posted_on, []))
        entries[-1][2].append((code, debit, credit, payer, child_id))
    for kind, posted_on, lines in entries:
        _merge(total, of_entry(kind, posted_on, lines))
    refs: dict[uuid.UUID, tuple[uuid.UUID, date, set[str]]] = {}
    for charge_id, child_id, day, ref in db.execute(
            select(Charge.id, Charge.child_id, Charge.day, ChargePart.arrangement_ref)
            .join(ChargePart, ChargePart.charge_id == Charge.id)
            .where(Charge.state == ChargeState.current, ChargePart.kind == "block")):
        refs.setdefault(charge_id, (child_id, day, set()))[2].add(ref)
    _merge(total, of_charges(refs.values()))
    return {k: v for k, v in total.items() if v}


def _merge(total: dict[Key, int], found: dict[Key, int]) -> None:
    for key, count in found.items():
        total[key] += count


def kept(db: Session) -> dict[Key, int]:
    return {(r.month, r.source, r.code, r.payer_code, r.child_id): r.count
            for r in db.execute(select(IncomeChildMonth)).scalars()}


def rebuild(db: Session) -> int:
    """Make every row again from the ledger and the charges; returns how many."""
    db.execute(delete(IncomeChildMonth))
    found = recomputed(db)
    add(db, found)
    return len(found)


def between(db: Session, first: date, last: date) -> tuple[dict[tuple[str, str], set], set, dict[str, set]]:
    """The children over the months from `first` to `last`: of care, by (income account, payer account); of the ISF
    fees; of each block contract, by its id."""
    care: dict[tuple[str, str], set] = defaultdict(set)
    fees: set = set()
    blocks: dict[str, set] = defaultdict(set)
    rows = db.execute(select(IncomeChildMonth.source, IncomeChildMonth.code, IncomeChildMonth.payer_code,
                             IncomeChildMonth.child_id).distinct()
                      .where(IncomeChildMonth.month.between(first, last)))
    for source, code, payer, child_id in rows:
        if source == CARE:
            care[(code, payer)].add(child_id)
        elif source == FEE:
            fees.add(child_id)
        else:
            blocks[code].add(child_id)
    return care, fees, blocks


def differences(db: Session) -> list[str]:
    """Where the kept counts and the ledger and charges disagree, one line each."""
    want, have = recomputed(db), kept(db)
    return [f"children kept for {k[0]:%B %Y}, {k[1]} {k[2]} ({k[3] or 'no payer'}), child {k[4]}: {have.get(k, 0)}, "
            f"the {'charges' if k[1] == BLOCK else 'ledger'} say {want.get(k, 0)}"
            for k in sorted(set(want) | set(have), key=str) if want.get(k) != have.get(k)]
