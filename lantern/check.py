"""`lantern check`: every domain's checks over the whole database; each failure is a sentence."""
from __future__ import annotations

from sqlmodel import Session

from invoicing import check as invoicing_checks
from invoicing.payments import check as payment_checks
from isf import check as isf_checks
from provider.charges import check as charge_checks
from provider.ledger import check as ledger_checks
from reports import check as report_checks

CHECKS = (*ledger_checks.CHECKS, *charge_checks.CHECKS, *report_checks.CHECKS, *invoicing_checks.CHECKS,
          *payment_checks.CHECKS, *isf_checks.CHECKS)


def run_all(db: Session) -> list[str]:
    """Every check of the ledger, the charges, the report tables and the documents."""
    return [failure for check in CHECKS for failure in check(db)]
