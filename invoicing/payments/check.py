"""`lantern check` on money in: no allocation above its payment or above what the invoice owed, and each payer's
credit on account in the ledger equal to what its payments still hold."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing.models import CreditNote, Invoice
from invoicing.payments.models import Allocation, DebtAdjustment, Payment, Refund
from provider.dates import short_date
from provider.ledger import accounts
from provider.ledger.post import balances
from provider.money import format_gbp


def payments_not_overspent(db: Session) -> list[str]:
    given: dict = defaultdict(int)
    for payment_id, pence in db.exec(select(Allocation.payment_id, func.sum(Allocation.pence))
                                     .group_by(Allocation.payment_id)):
        given[payment_id] += int(pence)
    for payment_id, pence in db.exec(select(Refund.payment_id, func.sum(Refund.pence)).group_by(Refund.payment_id)):
        given[payment_id] += int(pence)
    return [f"Payment from {p.payer_name} of {format_gbp(p.amount_pence)} on {short_date(p.received_on)}: "
            f"{format_gbp(given[p.id])} allocated and refunded, more than it was."
            for p in db.exec(select(Payment).where(Payment.id.in_(list(given)))) if given[p.id] > p.amount_pence] \
        if given else []


def invoices_not_overpaid(db: Session) -> list[str]:
    taken: dict = defaultdict(int)
    for model, column, extra in ((CreditNote, CreditNote.total_pence, ()), (Allocation, Allocation.pence, ()),
                                 (DebtAdjustment, DebtAdjustment.pence, (DebtAdjustment.approved_on.is_not(None),))):
        for invoice_id, pence in db.exec(select(model.invoice_id, func.sum(column)).where(*extra)
                                         .group_by(model.invoice_id)):
            taken[invoice_id] += int(pence)
    return [f"Invoice {i.number}: credited, paid and written off {format_gbp(taken[i.id])}, more than its "
            f"{format_gbp(i.total_pence)}." for i in db.exec(select(Invoice).where(Invoice.id.in_(list(taken))))
            if taken[i.id] > i.total_pence] if taken else []


def credit_held_matches_payments(db: Session) -> list[str]:
    held: dict[str, int] = defaultdict(int)
    names = {}
    for p in db.exec(select(Payment)):
        held[p.payer_ref] += p.amount_pence
        names[p.payer_ref] = p.payer_name
    for ref, pence in db.exec(select(Payment.payer_ref, func.sum(Allocation.pence))
                              .join(Allocation, Allocation.payment_id == Payment.id).group_by(Payment.payer_ref)):
        held[ref] -= int(pence)
    for ref, pence in db.exec(select(Payment.payer_ref, func.sum(Refund.pence))
                              .join(Refund, Refund.payment_id == Payment.id).group_by(Payment.payer_ref)):
        held[ref] -= int(pence)
    ledger = {accounts.payer_of_credit(code): -value for code, value in balances(db).items()
              if accounts.is_credit_held(code)}
    return [f"Credit held for {names.get(ref, ref)}: the ledger holds {format_gbp(ledger.get(ref, 0))} but its "
            f"payments say {format_gbp(held.get(ref, 0))}." for ref in sorted(set(held) | set(ledger))
            if ledger.get(ref, 0) != held.get(ref, 0)]


CHECKS = (payments_not_overspent, invoices_not_overpaid, credit_held_matches_payments)
