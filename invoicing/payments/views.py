"""What the payment pages show: who pays, a payment's remittance (the payer's open invoices), an invoice's money."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from invoicing.models import Invoice
from invoicing.payments.balances import Owed, held, open_disputes, owed
from invoicing.payments.models import Allocation, DebtAdjustment, Dispute, Payment, Refund
from provider import references
from provider.errors import FieldErrors
from provider.money import MoneyError, parse_gbp
from provider.organisation.models import BankAccount


def payers(db: Session) -> list[tuple[str, str]]:
    """Everyone Lantern has invoiced, by name: only they pay it."""
    rows = db.exec(select(Invoice.payer_ref, Invoice.payer_name).distinct().order_by(Invoice.payer_name)).all()
    return [(ref, name) for ref, name in rows]


def banks(db: Session) -> list[tuple[str, str]]:
    return [(str(b.id), f"{b.label or b.account_name} ({b.sort_code[:2]}-{b.sort_code[2:4]}-{b.sort_code[4:]} "
                        f"{b.account_number})") for b in db.exec(select(BankAccount).where(BankAccount.is_active))]


def same_funder(ref: str) -> list[str]:
    """The payer refs whose invoices a payment from `ref` may pay: a council's departments are one payer."""
    return [references.payer_group(ref)]


def open_invoices(db: Session, payer_ref: str) -> list[Owed]:
    """The invoices a payment from this payer may still pay, oldest first."""
    query = select(Invoice).order_by(Invoice.issued_on, Invoice.number)
    if references.is_kind(payer_ref, references.FUNDER):
        funder = references.payer_group(payer_ref)
        query = query.where((Invoice.payer_ref == funder)
                            | Invoice.payer_ref.startswith(references.departments_prefix(funder)))
    else:
        query = query.where(Invoice.payer_ref == payer_ref)
    return [o for o in owed(db, db.exec(query)).values() if o.outstanding > 0]


def children_of(invoice: Invoice) -> str:
    """Whom an invoice is for, as its frozen lines say it (an ICB's name no child)."""
    data = json.loads(invoice.data)
    return "; ".join(line["description"] for line in data["lines"])


@dataclass(frozen=True)
class Remittance:
    payment: Payment
    bank: BankAccount
    left: int
    open: list[Owed]
    allocations: list[tuple[Allocation, Invoice, bool]]     # (allocation, its invoice, undone already)
    refunds: list[Refund]


def remittance(db: Session, payment: Payment) -> Remittance:
    allocations = db.exec(select(Allocation, Invoice).join(Invoice, Invoice.id == Allocation.invoice_id)
                          .where(Allocation.payment_id == payment.id).order_by(Allocation.created_at)).all()
    undone = {a.undoes_id for a, _ in allocations if a.undoes_id}
    return Remittance(payment, db.get(BankAccount, payment.bank_account_id), held(db,
                                                                                  [payment])[payment.id].unallocated,
                      open_invoices(db, payment.payer_ref),
                      [(a, i, a.id in undone) for a, i in allocations if a.pence > 0],
                      list(db.exec(select(Refund).where(Refund.payment_id == payment.id))))


def amounts_from_form(data: dict) -> dict[uuid.UUID, int]:
    """`amount-<invoice id>` fields in pounds; blank ones pay nothing."""
    amounts, errors = {}, {}
    for key, value in data.items():
        if not key.startswith("amount-") or value in (None, ""):
            continue
        try:
            invoice_id = uuid.UUID(key.removeprefix("amount-"))
        except ValueError:
            errors[key] = "is not an invoice"
            continue
        try:
            amounts[invoice_id] = parse_gbp(value)
        except MoneyError as exc:
            errors[key] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return amounts


@dataclass(frozen=True)
class InvoiceMoney:
    owed: Owed
    payments: list[tuple[Allocation, Payment]]
    disputes: list[Dispute]
    adjustments: list[DebtAdjustment]
    disputed: bool


def invoice_money(db: Session, invoice: Invoice) -> InvoiceMoney:
    return InvoiceMoney(
        owed(db, [invoice])[invoice.id],
        db.exec(select(Allocation, Payment).join(Payment, Payment.id == Allocation.payment_id)
                .where(Allocation.invoice_id == invoice.id).order_by(Allocation.created_at)).all(),
        list(db.exec(select(Dispute).where(Dispute.invoice_id == invoice.id).order_by(Dispute.opened_on))),
        list(db.exec(select(DebtAdjustment).where(DebtAdjustment.invoice_id == invoice.id)
                     .order_by(DebtAdjustment.created_at))),
        invoice.id in open_disputes(db, [invoice.id]))
