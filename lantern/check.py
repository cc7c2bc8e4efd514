"""`lantern check`: every domain's checks over the whole database; each failure is a sentence.

`run_all` checks the books, which hold after every transaction (the tests run it after every scenario);
`work_left` finds what an interrupted process left undone (documents issued but not yet rendered). The command
runs both."""
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


WORK_LEFT = (*invoicing_checks.WORK_LEFT,)


def work_left(db: Session) -> list[str]:
    """What a crash or a kill left undone: each issued document with no stored file."""
    return [failure for check in WORK_LEFT for failure in check(db)]


def everything(db: Session) -> list[str]:
    """What `lantern check` prints: the books' checks, then the work left undone."""
    return run_all(db) + work_left(db)
