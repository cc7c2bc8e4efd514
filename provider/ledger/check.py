"""The ledger's checks for `lantern check`: every entry balances; each returns every failure as a sentence."""
from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from provider.ledger.models import LedgerEntry, LedgerLine


def unbalanced_entries(db: Session) -> list[str]:
    rows = db.exec(select(LedgerEntry.id, LedgerEntry.description,
                          func.coalesce(func.sum(LedgerLine.debit_pence), 0),
                          func.coalesce(func.sum(LedgerLine.credit_pence), 0))
                   .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id, isouter=True)
                   .group_by(LedgerEntry.id, LedgerEntry.description))
    return [f"Ledger entry {entry_id} ({description}) does not balance: debits {debit}, credits {credit}."
            for entry_id, description, debit, credit in rows if debit != credit or debit == 0]


CHECKS = (unbalanced_entries,)


def run_all(db: Session) -> list[str]:
    return [failure for check in CHECKS for failure in check(db)]
