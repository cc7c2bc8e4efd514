"""Recording money in and setting it against invoices, each operation in the caller's one transaction.

Ledger: a payment is debited to its bank account and credited to the payer's credit on account; an allocation
moves it from credit on account to the payer's debtor; a refund pays credit on account back out of the bank; a
write-off is an expense and a waiver income given up, each against the debtor.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlmodel import Session, select

from invoicing import gather
from invoicing.models import Invoice
from invoicing.payments.balances import held, outstanding
from invoicing.payments.models import (
    AdjustmentKind, Allocation, DebtAdjustment, Dispute, Payment, PaymentMethod, Refund, RefundTo,
)
from provider import references
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.ledger import accounts
from provider.ledger.models import EntryKind
from provider.ledger.post import Line, post
from provider.money import format_gbp
from provider.organisation.models import BankAccount, ProviderSettings
from provider.users.models import Role, User

PAYMENT_LOCK = 7_202_612   # allocations to invoices take this advisory lock on PostgreSQL


def _credit_account(db: Session, payer_ref: str, payer_name: str):
    return accounts.open_account(db, accounts.credit_held(payer_ref, payer_name))


def _debtor(db: Session, payer_ref: str, payer_name: str):
    return accounts.open_account(db, accounts.debtor(payer_ref, payer_name))


def _lock(db: Session) -> None:
    """Allocations are serialised: on SQLite every write transaction already is (BEGIN IMMEDIATE)."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=PAYMENT_LOCK))


@dataclass(frozen=True)
class PaymentIn:
    """A payment as recorded by hand or from a bank line; a bank line's longer reference is cut to REFERENCE_MAX
    by the caller that takes it from the statement, never silently here."""

    payer_ref: str
    bank_account_id: uuid.UUID | None
    received_on: date | None
    amount_pence: int | None
    method: str
    reference: str = ""
    notes: str = ""


REFERENCE_MAX = 140   # the payments' reference column


def payment_problems(db: Session, shape: PaymentIn, today: date) -> dict[str, str]:
    errors = {}
    if len(shape.reference.strip()) > REFERENCE_MAX:
        errors["reference"] = f"is {len(shape.reference.strip()):,} characters long: at most {REFERENCE_MAX}"
    payer = gather.payers(db, {shape.payer_ref}).get(shape.payer_ref) if shape.payer_ref else None
    if payer is None or payer.kind == "none":
        errors["payer_ref"] = "is not a payer Lantern invoices: choose the funder, family member or nominee"
    bank = db.get(BankAccount, shape.bank_account_id) if shape.bank_account_id else None
    if bank is None or not bank.is_active:
        errors["bank_account_id"] = "must be one of the hospice's bank accounts in use"
    if shape.received_on is None:
        errors["received_on"] = "is required"
    elif shape.received_on > today:
        errors["received_on"] = f"is after today ({short_date(today)}): record money once it has arrived"
    if shape.amount_pence is None or shape.amount_pence <= 0:
        errors["amount_pence"] = "must be more than nothing"
    if shape.method not in PaymentMethod.__members__:
        errors["method"] = "must be bank transfer, cheque, card or direct debit"
    return errors


def record_payment(db: Session, shape: PaymentIn, today: date, actor_id: uuid.UUID | None = None,
                   bank_line_id: uuid.UUID | None = None) -> Payment:
    if errors := payment_problems(db, shape, today):
        raise FieldErrors(errors)
    payer = gather.payers(db, {shape.payer_ref})[shape.payer_ref]
    bank = db.get(BankAccount, shape.bank_account_id)
    payment = Payment(payer_ref=shape.payer_ref, payer_name=payer.name, bank_account_id=bank.id,
                      received_on=shape.received_on, amount_pence=shape.amount_pence, method=shape.method,
                      reference=shape.reference.strip(), notes=shape.notes.strip(), bank_line_id=bank_line_id,
                      created_by_id=actor_id)
    db.add(payment)
    db.flush()
    post(db, EntryKind.payment, [Line(accounts.open_account(db, accounts.bank(bank)), debit=payment.amount_pence),
                                 Line(_credit_account(db, payment.payer_ref, payment.payer_name),
                                      credit=payment.amount_pence)],
         service_date=payment.received_on, description=f"Payment from {payment.payer_name}",
         source_ref=references.source_ref("payment", payment.id), group_id=payment.id, actor_id=actor_id)
    return payment


def _same_payer(payment: Payment, invoice: Invoice) -> bool:
    """A council's remittance may pay any of its departments' invoices; anyone else pays only their own."""
    if payment.payer_ref == invoice.payer_ref:
        return True
    paid_by, billed = references.try_payer(payment.payer_ref), references.try_payer(invoice.payer_ref)
    return paid_by is not None and billed is not None and paid_by.kind == billed.kind == references.FUNDER \
        and paid_by.id == billed.id


def allocate(db: Session, payment: Payment, amounts: dict[uuid.UUID, int], on: date,
             actor_id: uuid.UUID | None = None) -> list[Allocation]:
    """Set parts of a payment against invoices; refused whole, naming each problem, if any invoice would be paid
    more than it owes or the payment would give more than it holds."""
    _lock(db)
    errors: dict[str, str] = {}
    invoices = {i.id: i for i in db.exec(select(Invoice).where(Invoice.id.in_(list(amounts))))} if amounts else {}
    if not amounts:
        errors["amounts"] = "choose at least one invoice to pay"
    for invoice_id, pence in amounts.items():
        field = f"amount-{invoice_id}"
        invoice = invoices.get(invoice_id)
        if invoice is None:
            errors[field] = "is for an invoice Lantern does not hold"
        elif not _same_payer(payment, invoice):
            errors[field] = f"is for invoice {invoice.number} to {invoice.payer_name}, not to {payment.payer_name}"
        elif pence <= 0:
            errors[field] = "must be more than nothing"
        elif pence > (owes := outstanding(db, invoice)):
            errors[field] = f"is more than invoice {invoice.number} owes ({format_gbp(owes)})"
    left = held(db, [payment])[payment.id].unallocated
    asked = sum(p for p in amounts.values() if p > 0)
    if asked > left:
        errors["amounts"] = f"add up to {format_gbp(asked)}, more than the payment has left ({format_gbp(left)})"
    if errors:
        raise FieldErrors(errors)
    made = []
    for invoice_id, pence in amounts.items():
        invoice = invoices[invoice_id]
        allocation = Allocation(payment_id=payment.id, invoice_id=invoice.id, pence=pence, allocated_on=on,
                                created_by_id=actor_id)
        db.add(allocation)
        db.flush()
        post(db, EntryKind.allocation, [Line(_credit_account(db, payment.payer_ref, payment.payer_name), debit=pence),
                                        Line(_debtor(db, invoice.payer_ref, invoice.payer_name), credit=pence)],
             service_date=on, description=f"{payment.payer_name}'s payment set against {invoice.number}",
             source_ref=references.source_ref("allocation", allocation.id), group_id=payment.id, actor_id=actor_id,
             on=on)
        made.append(allocation)
    return made


def undo_allocation(db: Session, allocation: Allocation, on: date, actor_id: uuid.UUID | None = None) -> Allocation:
    """An allocation made in error: its opposite, naming it; the money is credit on account again."""
    if allocation.pence < 0:
        raise FieldErrors({"allocation": "undoes another allocation: it cannot itself be undone"})
    if db.exec(select(Allocation).where(Allocation.undoes_id == allocation.id)).first() is not None:
        raise FieldErrors({"allocation": "is undone already"})
    payment, invoice = db.get(Payment, allocation.payment_id), db.get(Invoice, allocation.invoice_id)
    undo = Allocation(payment_id=payment.id, invoice_id=invoice.id, pence=-allocation.pence, allocated_on=on,
                      undoes_id=allocation.id, created_by_id=actor_id)
    db.add(undo)
    db.flush()
    post(db, EntryKind.allocation, [Line(_debtor(db, invoice.payer_ref, invoice.payer_name), debit=allocation.pence),
                                    Line(_credit_account(db, payment.payer_ref, payment.payer_name),
                                         credit=allocation.pence)],
         service_date=on, description=f"Allocation to {invoice.number} undone",
         source_ref=references.source_ref("allocation", undo.id),
         group_id=payment.id, actor_id=actor_id, on=on)
    return undo


def release(db: Session, invoice: Invoice, pence: int, on: date, actor_id: uuid.UUID | None, why: str) -> int:
    """Give back `pence` of what payments paid on an invoice, the latest payment first, as credit on account: a
    credit note on an invoice already paid leaves the payer in credit, to use or to be refunded. Returns how much
    was released (never more than was paid)."""
    rows = db.exec(select(Allocation, Payment).join(Payment, Payment.id == Allocation.payment_id)
                   .where(Allocation.invoice_id == invoice.id)).all()
    net: dict[uuid.UUID, int] = {}
    payments = {}
    for allocation, payment in rows:
        net[payment.id] = net.get(payment.id, 0) + allocation.pence
        payments[payment.id] = payment
    left = pence
    for payment_id in sorted(net, key=lambda p: (payments[p].received_on, payments[p].created_at), reverse=True):
        take = min(left, net[payment_id])
        if take <= 0:
            continue
        payment = payments[payment_id]
        back = Allocation(payment_id=payment.id, invoice_id=invoice.id, pence=-take, allocated_on=on,
                          created_by_id=actor_id)
        db.add(back)
        db.flush()
        post(db, EntryKind.allocation, [Line(_debtor(db, invoice.payer_ref, invoice.payer_name), debit=take),
                                        Line(_credit_account(db, payment.payer_ref, payment.payer_name), credit=take)],
             service_date=on, description=f"{invoice.number}: {why}; paid money held as credit",
             source_ref=references.source_ref("allocation", back.id), group_id=payment.id, actor_id=actor_id, on=on)
        left -= take
        if left == 0:
            break
    return pence - left


def refund(db: Session, payment: Payment, pence: int | None, to: str, to_details: str, reason: str, on: date,
           actor_id: uuid.UUID | None = None) -> Refund:
    """Pay back credit held from a payment. A family's direct payment goes back to the direct-payment account or to
    the commissioner, never to the parent's own account."""
    errors = {}
    left = held(db, [payment])[payment.id].unallocated
    if pence is None or pence <= 0:
        errors["pence"] = "must be more than nothing"
    elif pence > left:
        errors["pence"] = f"is more than the credit held from this payment ({format_gbp(left)})"
    family = references.is_kind(payment.payer_ref, references.FAMILY)
    allowed = (RefundTo.direct_payment_account, RefundTo.commissioner) if family else (RefundTo.payer,)
    if to not in allowed:
        errors["to"] = ("must be the direct-payment account or the commissioner: a direct payment is never refunded "
                        "to a parent's own account" if family else f"must be {payment.payer_name}'s own account")
    if not (to_details or "").strip():
        errors["to_details"] = "is required: the account the money goes to"
    if not (reason or "").strip():
        errors["reason"] = "is required"
    if errors:
        raise FieldErrors(errors)
    _lock(db)
    made = Refund(payment_id=payment.id, pence=pence, refunded_on=on, to=to, to_details=to_details.strip(),
                  reason=reason.strip(), created_by_id=actor_id)
    db.add(made)
    db.flush()
    bank = db.get(BankAccount, payment.bank_account_id)
    post(db, EntryKind.refund, [Line(_credit_account(db, payment.payer_ref, payment.payer_name), debit=pence),
                                Line(accounts.open_account(db, accounts.bank(bank)), credit=pence)],
         service_date=on, description=f"Refund to {payment.payer_name}",
         source_ref=references.source_ref("refund", made.id),
         group_id=payment.id, actor_id=actor_id, on=on)
    return made


def open_dispute(db: Session, invoice: Invoice, reason: str, on: date, actor_id: uuid.UUID | None = None) -> Dispute:
    if not (reason or "").strip():
        raise FieldErrors({"reason": "is required: say what the payer disputes"})
    if db.exec(select(Dispute).where(Dispute.invoice_id == invoice.id, Dispute.closed_on.is_(None))).first():
        raise FieldErrors({"reason": f"invoice {invoice.number} is disputed already"})
    dispute = Dispute(invoice_id=invoice.id, opened_on=on, reason=reason.strip(), created_by_id=actor_id)
    db.add(dispute)
    db.flush()
    return dispute


def close_dispute(db: Session, dispute: Dispute, outcome: str, on: date, actor_id: uuid.UUID | None = None) -> Dispute:
    if dispute.closed_on is not None:
        raise FieldErrors({"outcome": "the dispute is closed already"})
    if not (outcome or "").strip():
        raise FieldErrors({"outcome": "is required: say how it was settled"})
    dispute.closed_on, dispute.outcome, dispute.closed_by_id = on, outcome.strip(), actor_id
    db.add(dispute)
    db.flush()
    return dispute


def write_off_limit(db: Session) -> int:
    return db.get(ProviderSettings, 1).write_off_limit_pence


def ask_adjustment(db: Session, invoice: Invoice, kind: str, pence: int | None, reason: str, on: date,
                   asker: User) -> DebtAdjustment:
    """Write off or waive part of what an invoice owes: posted at once within the asker's limit, otherwise held
    until someone else allowed approves it."""
    errors = {}
    if kind not in AdjustmentKind.__members__:
        errors["kind"] = "must be a write-off or a waiver"
    owes = outstanding(db, invoice) - _pending(db, invoice)
    if pence is None or pence <= 0:
        errors["pence"] = "must be more than nothing"
    elif pence > owes:
        errors["pence"] = f"is more than invoice {invoice.number} owes ({format_gbp(owes)})"
    if not (reason or "").strip():
        errors["reason"] = "is required"
    if errors:
        raise FieldErrors(errors)
    adjustment = DebtAdjustment(invoice_id=invoice.id, kind=kind, pence=pence, reason=reason.strip(), asked_on=on,
                                asked_by_id=asker.id)
    db.add(adjustment)
    db.flush()
    if pence <= write_off_limit(db):
        _approve(db, adjustment, invoice, asker, on)
    return adjustment


def _pending(db: Session, invoice: Invoice) -> int:
    return sum(a.pence for a in db.exec(select(DebtAdjustment).where(
        DebtAdjustment.invoice_id == invoice.id, DebtAdjustment.approved_on.is_(None),
        DebtAdjustment.refused_on.is_(None))))


def approve_adjustment(db: Session, adjustment: DebtAdjustment, approver: User, on: date) -> DebtAdjustment:
    if adjustment.approved_on is not None or adjustment.refused_on is not None:
        raise FieldErrors({"adjustment": "has been decided already"})
    if approver.id == adjustment.asked_by_id:
        raise FieldErrors({"adjustment": "must be approved by someone other than the person who asked"})
    if approver.role not in (Role.finance, Role.admin):
        raise FieldErrors({"adjustment": "may be approved only by finance or an administrator"})
    invoice = db.get(Invoice, adjustment.invoice_id)
    if adjustment.pence > outstanding(db, invoice):
        raise FieldErrors({"adjustment": f"is more than invoice {invoice.number} now owes"})
    return _approve(db, adjustment, invoice, approver, on)


def refuse_adjustment(db: Session, adjustment: DebtAdjustment, approver: User, on: date) -> DebtAdjustment:
    if adjustment.approved_on is not None or adjustment.refused_on is not None:
        raise FieldErrors({"adjustment": "has been decided already"})
    adjustment.refused_on, adjustment.approved_by_id = on, approver.id
    db.add(adjustment)
    db.flush()
    return adjustment


def _approve(db: Session, adjustment: DebtAdjustment, invoice: Invoice, approver: User, on: date) -> DebtAdjustment:
    adjustment.approved_on, adjustment.approved_by_id = on, approver.id
    db.add(adjustment)
    db.flush()
    if adjustment.kind == AdjustmentKind.write_off:
        other = accounts.open_account(db, accounts.bad_debts())
    else:
        other = accounts.open_account(db, accounts.income_waived())
    post(db, EntryKind.debt_adjustment, [Line(other, debit=adjustment.pence),
                                         Line(_debtor(db, invoice.payer_ref, invoice.payer_name),
                                              credit=adjustment.pence)],
         service_date=on, description=f"{invoice.number}: {adjustment.kind.replace('_', ' ')} ({adjustment.reason})",
         source_ref=references.source_ref("adjustment", adjustment.id), group_id=invoice.id, actor_id=approver.id,
         on=on)
    return adjustment


def get_payment(db: Session, payment_id: uuid.UUID) -> Payment:
    payment = db.get(Payment, payment_id)
    if payment is None:
        raise NotFound("No such payment")
    return payment
