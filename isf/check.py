"""`lantern check` on ISFs: each balance equals receipts less draw-downs, spend, fees and returns, and equals its
account in the ledger; none is below zero (advances from a charitable fund come later)."""
from __future__ import annotations

from sqlmodel import Session, select

from isf import service
from isf.models import IsfAgreement
from provider.funding.models import Arrangement
from provider.money import format_gbp


def isf_balances(db: Session) -> list[str]:
    failures = []
    for agreement in db.exec(select(IsfAgreement)):
        name = db.get(Arrangement, agreement.arrangement_id).name
        position = service.position(db, agreement, None)
        ledger = service.ledger_balance(db, agreement)
        if position.balance != ledger:
            failures.append(f"ISF {name}: its records say {format_gbp(position.balance)} but the ledger holds "
                            f"{format_gbp(ledger)}.")
        if position.balance < 0:
            failures.append(f"ISF {name}: below zero ({format_gbp(position.balance)}) with no advance from a "
                            "charitable fund to cover it.")
    return failures


CHECKS = (isf_balances,)
