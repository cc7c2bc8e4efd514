"""The report tables' checks for `lantern check`: what is kept month by month agrees with the ledger and charges."""
from __future__ import annotations

from sqlmodel import Session

from reports import income_children, income_months


def income_kept_by_month(db: Session) -> list[str]:
    """The income kept month by month (for the trustees' reports) is what the ledger's lines add up to."""
    return [f"The {difference}." for difference in income_months.differences(db)]


def children_kept_by_month(db: Session) -> list[str]:
    """The children kept month by month behind each line of the trustees' reports are those the ledger and the
    charges name."""
    return [f"The {difference}." for difference in income_children.differences(db)]


CHECKS = (income_kept_by_month, children_kept_by_month)
