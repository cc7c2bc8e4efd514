"""What is owed and what is held, worked out from the records, never typed.

An invoice owes its total, less its credit notes, the allocations of payments to it, and the write-offs and
waivers approved on it. A payment holds as credit on account what is neither allocated nor refunded.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing.models import CreditNote, Invoice
from invoicing.payments.models import Allocation, DebtAdjustment, Dispute, Payment, Refund


@dataclass(frozen=True)
class Owed:
    invoice: Invoice
    credited: int
    paid: int
    adjusted: int

    @property
    def outstanding(self) -> int:
        return self.invoice.total_pence - self.credited - self.paid - self.adjusted


def _sums(db: Session, column, key, ids, *where) -> dict:
    if not ids:
        return {}
    return {k: int(v) for k, v in db.exec(select(key, func.sum(column)).where(key.in_(ids), *where).group_by(key))}


def owed(db: Session, invoices: Iterable[Invoice], as_of: date | None = None) -> dict[uuid.UUID, Owed]:
    """Each invoice's credits, payments and adjustments (up to `as_of` when given) and so what it still owes."""
    found = list(invoices)
    ids = [i.id for i in found]
    credit_where = (CreditNote.issued_on <= as_of,) if as_of else ()
    paid_where = (Allocation.allocated_on <= as_of,) if as_of else ()
    adjusted_where = (DebtAdjustment.approved_on.is_not(None),) + (
        (DebtAdjustment.approved_on <= as_of,) if as_of else ())
    credited = _sums(db, CreditNote.total_pence, CreditNote.invoice_id, ids, *credit_where)
    paid = _sums(db, Allocation.pence, Allocation.invoice_id, ids, *paid_where)
    adjusted = _sums(db, DebtAdjustment.pence, DebtAdjustment.invoice_id, ids, *adjusted_where)
    return {i.id: Owed(i, credited.get(i.id, 0), paid.get(i.id, 0), adjusted.get(i.id, 0)) for i in found}


def outstanding(db: Session, invoice: Invoice) -> int:
    return owed(db, [invoice])[invoice.id].outstanding


@dataclass(frozen=True)
class Held:
    payment: Payment
    allocated: int
    refunded: int

    @property
    def unallocated(self) -> int:
        """Credit on account: received, not set against an invoice, not paid back."""
        return self.payment.amount_pence - self.allocated - self.refunded


def held(db: Session, payments: Iterable[Payment]) -> dict[uuid.UUID, Held]:
    found = list(payments)
    ids = [p.id for p in found]
    allocated = _sums(db, Allocation.pence, Allocation.payment_id, ids)
    refunded = _sums(db, Refund.pence, Refund.payment_id, ids)
    return {p.id: Held(p, allocated.get(p.id, 0), refunded.get(p.id, 0)) for p in found}


def credit_held(db: Session, payer_ref: str | None = None) -> dict[str, int]:
    """Each payer's credit on account, by payer ref (payers with none left out)."""
    query = select(Payment)
    if payer_ref is not None:
        query = query.where(Payment.payer_ref == payer_ref)
    totals: dict[str, int] = defaultdict(int)
    for h in held(db, db.exec(query)).values():
        totals[h.payment.payer_ref] += h.unallocated
    return {ref: pence for ref, pence in totals.items() if pence}


def open_disputes(db: Session, invoice_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Dispute]:
    query = select(Dispute).where(Dispute.closed_on.is_(None))
    if invoice_ids is not None:
        query = query.where(Dispute.invoice_id.in_(list(invoice_ids)))
    return {d.invoice_id: d for d in db.exec(query)}
