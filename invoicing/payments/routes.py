"""Payment pages for finance: record money in, set one remittance against many invoices at once, undo, refund;
dispute an invoice; write off or waive what it owes, and approve what is above the limit."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from invoicing.models import Invoice
from invoicing.payments import service, views
from invoicing.payments.models import Allocation, DebtAdjustment, Dispute, Payment, PaymentMethod, RefundTo
from provider import references
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import date_field, form_data, id_field, pounds_field
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
APPROVER = allow(Role.finance, Role.admin)
METHODS = [(m.value, m.value.replace("_", " ").capitalize()) for m in PaymentMethod]
REFUND_TO = {RefundTo.payer: "The payer's own account", RefundTo.direct_payment_account: "The direct-payment account",
             RefundTo.commissioner: "The commissioner that funds the direct payment"}


@router.get("/payments")
def payments_list(request: Request, db: DB, _: User = FINANCE):
    found = db.exec(select(Payment).order_by(Payment.received_on.desc(), Payment.created_at.desc()).limit(200)).all()
    return render(request, "payments/list.html", {"payments": found, "held": views.held(db, found)})


def _form(request: Request, db, values: dict, errors: dict, status: int = 200):
    return render(request, "payments/form.html", {"values": values, "errors": errors, "payers": views.payers(db),
                                                  "banks": views.banks(db), "methods": METHODS}, status)


@router.get("/payments/new")
def payment_new(request: Request, db: DB, _: User = FINANCE):
    return _form(request, db, {"received_on": today(db).isoformat(), "method": "bank_transfer"}, {})


@router.post("/payments/new")
def payment_create(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    malformed, amount, received = {}, None, None
    try:
        amount = pounds_field(data.get("amount"), "amount_pence")
    except FieldErrors as exc:
        malformed |= exc.errors
    try:
        received = date_field(data.get("received_on"), "received_on")
    except FieldErrors as exc:
        malformed |= exc.errors
    shape = service.PaymentIn(data.get("payer_ref") or "", id_field(data.get("bank_account_id")), received, amount,
                              data.get("method") or "", data.get("reference") or "", data.get("notes") or "")
    try:
        if malformed:
            raise FieldErrors({**service.payment_problems(db, shape, today(db)), **malformed})
        with unit_of_work(db):
            payment = service.record_payment(db, shape, today(db), user.id)
    except FieldErrors as exc:
        return _form(request, db, data, _named(exc.errors), 422)
    return RedirectResponse(f"/payments/{payment.id}?recorded=1", status_code=303)


def _named(errors: dict) -> dict:
    return {{"amount_pence": "amount"}.get(k, k): v for k, v in errors.items()}


def _remittance(request: Request, db, payment: Payment, errors: dict | None = None, values: dict | None = None,
                status: int = 200):
    return render(request, "payments/remittance.html", {
        "r": views.remittance(db, payment), "errors": errors or {}, "values": values or {},
        "describe": views.children_of, "refund_to": REFUND_TO,
        "family": references.is_kind(payment.payer_ref, references.FAMILY)}, status)


@router.get("/payments/{payment_id}")
def payment_view(request: Request, db: DB, payment_id: uuid.UUID, _: User = FINANCE):
    return _remittance(request, db, service.get_payment(db, payment_id))


@router.post("/payments/{payment_id}/allocate")
def payment_allocate(request: Request, db: DB, payment_id: uuid.UUID, user: User = FINANCE):
    payment = service.get_payment(db, payment_id)
    data = form_data(request)
    try:
        amounts = views.amounts_from_form(data)
        with unit_of_work(db):
            made = service.allocate(db, payment, amounts, today(db), user.id)
    except FieldErrors as exc:
        return _remittance(request, db, payment, exc.errors, data, 422)
    return RedirectResponse(f"/payments/{payment.id}?allocated={len(made)}", status_code=303)


@router.post("/payments/{payment_id}/allocations/{allocation_id}/undo")
def allocation_undo(request: Request, db: DB, payment_id: uuid.UUID, allocation_id: uuid.UUID, user: User = FINANCE):
    payment = service.get_payment(db, payment_id)
    allocation = db.get(Allocation, allocation_id)
    if allocation is None or allocation.payment_id != payment.id:
        raise NotFound("No such allocation of this payment")
    try:
        with unit_of_work(db):
            service.undo_allocation(db, allocation, today(db), user.id)
    except FieldErrors as exc:
        return _remittance(request, db, payment, exc.errors, {}, 422)
    return RedirectResponse(f"/payments/{payment.id}", status_code=303)


@router.post("/payments/{payment_id}/refund")
def payment_refund(request: Request, db: DB, payment_id: uuid.UUID, user: User = FINANCE):
    payment = service.get_payment(db, payment_id)
    data = form_data(request)
    try:
        pence = pounds_field(data.get("refund_amount"), "pence")
        with unit_of_work(db):
            service.refund(db, payment, pence, data.get("to") or "", data.get("to_details") or "",
                           data.get("reason") or "", today(db), user.id)
    except FieldErrors as exc:
        return _remittance(request, db, payment, {{"pence": "refund_amount"}.get(k, k): v
                                                  for k, v in exc.errors.items()}, data, 422)
    return RedirectResponse(f"/payments/{payment.id}?refunded=1", status_code=303)


def _invoice(db, invoice_id: uuid.UUID) -> Invoice:
    invoice = db.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice")
    return invoice


def _back(invoice: Invoice, errors: dict | None = None) -> RedirectResponse:
    return RedirectResponse(f"/invoices/{invoice.id}", status_code=303)


@router.post("/invoices/{invoice_id}/dispute")
def invoice_dispute(request: Request, db: DB, invoice_id: uuid.UUID, user: User = FINANCE):
    from invoicing.routes import _view

    invoice = _invoice(db, invoice_id)
    data = form_data(request)
    try:
        with unit_of_work(db):
            service.open_dispute(db, invoice, data.get("dispute_reason") or "", today(db), user.id)
    except FieldErrors as exc:
        return _view(request, db, invoice, {"dispute_reason": exc.errors.get("reason", "")}, data, 422)
    return _back(invoice)


@router.post("/invoices/{invoice_id}/dispute/{dispute_id}/close")
def invoice_dispute_close(request: Request, db: DB, invoice_id: uuid.UUID, dispute_id: uuid.UUID,
                                user: User = FINANCE):
    from invoicing.routes import _view

    invoice = _invoice(db, invoice_id)
    dispute = db.get(Dispute, dispute_id)
    if dispute is None or dispute.invoice_id != invoice.id:
        raise NotFound("No such dispute on this invoice")
    data = form_data(request)
    try:
        with unit_of_work(db):
            service.close_dispute(db, dispute, data.get("outcome") or "", today(db), user.id)
    except FieldErrors as exc:
        return _view(request, db, invoice, exc.errors, data, 422)
    return _back(invoice)


@router.post("/invoices/{invoice_id}/adjust")
def invoice_adjust(request: Request, db: DB, invoice_id: uuid.UUID, user: User = FINANCE):
    from invoicing.routes import _view

    invoice = _invoice(db, invoice_id)
    data = form_data(request)
    try:
        pence = pounds_field(data.get("adjust_amount"), "pence")
        with unit_of_work(db):
            service.ask_adjustment(db, invoice, data.get("kind") or "", pence, data.get("adjust_reason") or "",
                                   today(db), user)
    except FieldErrors as exc:
        return _view(request, db, invoice, {{"pence": "adjust_amount", "reason": "adjust_reason"}.get(k, k): v
                                            for k, v in exc.errors.items()}, data, 422)
    return _back(invoice)


def _approvals(request: Request, db, user: User, errors: dict | None = None, status: int = 200):
    pending = db.exec(select(DebtAdjustment, Invoice).join(Invoice, Invoice.id == DebtAdjustment.invoice_id)
                      .where(DebtAdjustment.approved_on.is_(None), DebtAdjustment.refused_on.is_(None))
                      .order_by(DebtAdjustment.created_at)).all()
    return render(request, "payments/approvals.html", {
        "pending": pending, "names": {u.id: u.name for u in db.exec(select(User))}, "me": user,
        "limit": service.write_off_limit(db), "errors": errors or {}}, status)


@router.get("/payments-approvals")
def approvals(request: Request, db: DB, user: User = APPROVER):
    return _approvals(request, db, user)


@router.post("/payments-approvals/{adjustment_id}")
def approve(request: Request, db: DB, adjustment_id: uuid.UUID, user: User = APPROVER):
    adjustment = db.get(DebtAdjustment, adjustment_id)
    if adjustment is None:
        raise NotFound("No such write-off or waiver")
    data = form_data(request)
    try:
        with unit_of_work(db):
            if data.get("decision") == "refuse":
                service.refuse_adjustment(db, adjustment, user, today(db))
            else:
                service.approve_adjustment(db, adjustment, user, today(db))
    except FieldErrors as exc:
        return _approvals(request, db, user, exc.errors, 422)
    return RedirectResponse("/payments-approvals", status_code=303)
