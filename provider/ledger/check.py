"""Checks over the whole database that must always hold; each returns every failure as a sentence."""
from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from provider.charges.models import Charge, ChargeState
from provider.ledger import income_children, income_months
from provider.ledger.models import LedgerEntry, LedgerLine


def unbalanced_entries(db: Session) -> list[str]:
    rows = db.exec(select(LedgerEntry.id, LedgerEntry.description,
                          func.coalesce(func.sum(LedgerLine.debit_pence), 0),
                          func.coalesce(func.sum(LedgerLine.credit_pence), 0))
                   .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id, isouter=True)
                   .group_by(LedgerEntry.id, LedgerEntry.description))
    return [f"Ledger entry {entry_id} ({description}) does not balance: debits {debit}, credits {credit}."
            for entry_id, description, debit, credit in rows if debit != credit or debit == 0]


def units_charged_twice(db: Session) -> list[str]:
    rows = db.exec(select(Charge.unit_id, func.count()).where(Charge.state == ChargeState.current)
                   .group_by(Charge.unit_id).having(func.count() > 1))
    return [f"Unit of care {unit_id} has {count} current charges." for unit_id, count in rows]


def income_kept_by_month(db: Session) -> list[str]:
    """The income kept month by month (for the trustees' reports) is what the ledger's lines add up to."""
    return [f"The {difference}." for difference in income_months.differences(db)]


def children_kept_by_month(db: Session) -> list[str]:
    """The children kept month by month behind each line of the trustees' reports are those the ledger and the
    charges name."""
    return [f"The {difference}." for difference in income_children.differences(db)]


CHECKS = (unbalanced_entries, units_charged_twice, income_kept_by_month, children_kept_by_month)


def run_all(db: Session) -> list[str]:
    return [failure for check in CHECKS for failure in check(db)]
