"""JSON API for money in: payments, allocating one across many invoices, undoing, refunds, disputes, write-offs."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from invoicing.models import Invoice
from invoicing.payments import service, views
from invoicing.payments.balances import held
from invoicing.payments.models import Allocation, DebtAdjustment, Dispute, Payment
from provider.base import Day
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import NotFound
from provider.fields import PenceIn
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["payments"])
FINANCE = allow(Role.finance)
APPROVER = allow(Role.finance, Role.admin)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    payer_ref: str = Field(max_length=120, description="Whom Lantern invoiced, e.g. funder:<id>")
    bank_account_id: uuid.UUID
    received_on: Day
    amount_pence: PenceIn = Field(description="Whole pence, more than nothing")
    method: str = Field(description="bank_transfer, cheque, card or direct_debit")
    reference: str = Field(default="", max_length=140)
    notes: str = Field(default="", max_length=10_000)


class AllocationOut(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_number: str
    pence: int
    allocated_on: date
    undoes_id: uuid.UUID | None


class PaymentOut(BaseModel):
    id: uuid.UUID
    payer_ref: str
    payer_name: str
    bank_account_id: uuid.UUID
    received_on: date
    amount_pence: int
    method: str
    reference: str
    unallocated_pence: int = Field(description="Held as credit on account")
    allocations: list[AllocationOut]


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_id: uuid.UUID
    pence: PenceIn


class AllocateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allocations: list[AllocationIn] = Field(max_length=5_000)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    pence: PenceIn
    to: str = Field(description="payer; or for a family's direct payment direct_payment_account or commissioner")
    to_details: str = Field(max_length=300)
    reason: str = Field(max_length=10_000)


class OpenInvoiceOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    payer_name: str
    due_on: date
    outstanding_pence: int


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(max_length=10_000)


class DisputeOut(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    opened_on: date
    reason: str
    closed_on: date | None
    outcome: str | None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    outcome: str = Field(max_length=10_000)


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: str = Field(description="write_off or waiver")
    pence: PenceIn
    reason: str = Field(max_length=10_000)


class AdjustmentOut(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    kind: str
    pence: int
    reason: str
    approved_on: date | None
    refused_on: date | None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool


def _out(db, payment: Payment) -> PaymentOut:
    rows = db.exec(select(Allocation, Invoice.number).join(Invoice, Invoice.id == Allocation.invoice_id)
                   .where(Allocation.payment_id == payment.id).order_by(Allocation.created_at)).all()
    return PaymentOut(id=payment.id, payer_ref=payment.payer_ref, payer_name=payment.payer_name,
                      bank_account_id=payment.bank_account_id, received_on=payment.received_on,
                      amount_pence=payment.amount_pence, method=str(payment.method), reference=payment.reference,
                      unallocated_pence=held(db, [payment])[payment.id].unallocated,
                      allocations=[AllocationOut(id=a.id, invoice_id=a.invoice_id, invoice_number=number, pence=a.pence,
                                                 allocated_on=a.allocated_on, undoes_id=a.undoes_id)
                                   for a, number in rows])


def _adjustment(a: DebtAdjustment) -> AdjustmentOut:
    return AdjustmentOut(id=a.id, invoice_id=a.invoice_id, kind=str(a.kind), pence=a.pence, reason=a.reason,
                         approved_on=a.approved_on, refused_on=a.refused_on)


def _invoice(db, invoice_id: uuid.UUID) -> Invoice:
    invoice = db.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice")
    return invoice


@router.get("/payments", response_model=list[PaymentOut])
def list_payments(db: DB, _: User = FINANCE, payer_ref: str | None = None):
    query = select(Payment).order_by(Payment.received_on, Payment.created_at)
    if payer_ref:
        query = query.where(Payment.payer_ref == payer_ref)
    return [_out(db, p) for p in db.exec(query)]


@router.post("/payments", response_model=PaymentOut, status_code=201)
def record_payment(db: DB, shape: PaymentIn, user: User = FINANCE):
    with unit_of_work(db):
        payment = service.record_payment(db, service.PaymentIn(**shape.model_dump()), today(db), user.id)
    return _out(db, payment)


@router.get("/payments/{payment_id}", response_model=PaymentOut)
def read_payment(db: DB, payment_id: uuid.UUID, _: User = FINANCE):
    return _out(db, service.get_payment(db, payment_id))


@router.post("/payments/{payment_id}/allocations", response_model=PaymentOut, status_code=201)
def allocate(db: DB, payment_id: uuid.UUID, shape: AllocateIn, user: User = FINANCE):
    payment = service.get_payment(db, payment_id)
    amounts: dict[uuid.UUID, int] = {}
    for item in shape.allocations:
        amounts[item.invoice_id] = amounts.get(item.invoice_id, 0) + item.pence
    with unit_of_work(db):
        service.allocate(db, payment, amounts, today(db), user.id)
    return _out(db, payment)


@router.post("/allocations/{allocation_id}/undo", response_model=PaymentOut, status_code=201)
def undo(db: DB, allocation_id: uuid.UUID, user: User = FINANCE):
    allocation = db.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound("No such allocation")
    with unit_of_work(db):
        service.undo_allocation(db, allocation, today(db), user.id)
    return _out(db, service.get_payment(db, allocation.payment_id))


@router.post("/payments/{payment_id}/refunds", response_model=PaymentOut, status_code=201)
def refund(db: DB, payment_id: uuid.UUID, shape: RefundIn, user: User = FINANCE):
    payment = service.get_payment(db, payment_id)
    with unit_of_work(db):
        service.refund(db, payment, shape.pence, shape.to, shape.to_details, shape.reason, today(db), user.id)
    return _out(db, payment)


@router.get("/payers/{payer_ref}/open-invoices", response_model=list[OpenInvoiceOut])
def open_invoices(db: DB, payer_ref: str, _: User = FINANCE):
    """The invoices a payment from this payer may pay, oldest first, with what each still owes."""
    return [OpenInvoiceOut(invoice_id=o.invoice.id, number=o.invoice.number, payer_name=o.invoice.payer_name,
                           due_on=o.invoice.due_on, outstanding_pence=o.outstanding)
            for o in views.open_invoices(db, payer_ref)]


@router.post("/invoices/{invoice_id}/disputes", response_model=DisputeOut, status_code=201)
def dispute(db: DB, invoice_id: uuid.UUID, shape: DisputeIn, user: User = FINANCE):
    invoice = _invoice(db, invoice_id)
    with unit_of_work(db):
        found = service.open_dispute(db, invoice, shape.reason, today(db), user.id)
    return DisputeOut(**found.model_dump())


@router.post("/disputes/{dispute_id}/close", response_model=DisputeOut)
def close_dispute(db: DB, dispute_id: uuid.UUID, shape: CloseIn, user: User = FINANCE):
    found = db.get(Dispute, dispute_id)
    if found is None:
        raise NotFound("No such dispute")
    with unit_of_work(db):
        service.close_dispute(db, found, shape.outcome, today(db), user.id)
    return DisputeOut(**found.model_dump())


@router.post("/invoices/{invoice_id}/adjustments", response_model=AdjustmentOut, status_code=201)
def adjust(db: DB, invoice_id: uuid.UUID, shape: AdjustmentIn, user: User = FINANCE):
    invoice = _invoice(db, invoice_id)
    with unit_of_work(db):
        made = service.ask_adjustment(db, invoice, shape.kind, shape.pence, shape.reason, today(db), user)
    return _adjustment(made)


@router.post("/adjustments/{adjustment_id}/decision", response_model=AdjustmentOut)
def decide(db: DB, adjustment_id: uuid.UUID, shape: DecisionIn, user: User = APPROVER):
    found = db.get(DebtAdjustment, adjustment_id)
    if found is None:
        raise NotFound("No such write-off or waiver")
    with unit_of_work(db):
        if shape.approve:
            service.approve_adjustment(db, found, user, today(db))
        else:
            service.refuse_adjustment(db, found, user, today(db))
    return _adjustment(found)
