"""`lantern check` on ISFs: each balance equals receipts less draw-downs, spend, fees and returns, and equals its
account in the ledger; none is below zero; together they equal the ledger's ISF liability; and the ISF client
account's statements are fully explained by the ISFs' records."""
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


def isf_liability(db: Session) -> list[str]:
    """The ledger's ISF accounts against the ISFs: each account with no agreement named, then the totals."""
    from isf import reconcile
    from provider.ledger.models import LedgerAccount

    held = reconcile.liability_by_account(db)
    names = dict(db.exec(select(LedgerAccount.code, LedgerAccount.name).where(LedgerAccount.code.in_(list(held)))).all())
    agreed = {service.ledger_code(a) for a in db.exec(select(IsfAgreement))}
    failures = [f"{names[code]}: the ledger holds {format_gbp(pence)} for it, but it has no ISF agreement."
                for code, pence in sorted(held.items()) if code not in agreed and pence]
    total, ledger = reconcile.isf_total(db), sum(p for code, p in held.items() if code in agreed)
    if total != ledger:
        failures.append(f"ISFs: their balances add up to {format_gbp(total)} but the ledger holds "
                        f"{format_gbp(ledger)} for them.")
    return failures


def client_account(db: Session) -> list[str]:
    from isf import reconcile
    from provider.errors import NotFound

    try:
        found = reconcile.reconcile(db)
    except NotFound:
        return []
    if found.unexplained:
        return [f"ISF client account: {format_gbp(found.unexplained)} of its statement balance is not explained by "
                "the ISFs' records."]
    return []


CHECKS = (isf_balances, isf_liability, client_account)
