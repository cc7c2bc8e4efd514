"""Invoicing pages for finance: a month's run (drafts, corrections, exceptions), issuing, documents, credit notes."""
from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.background import BackgroundTask

from invoicing import credits, hold_release, progress, rendering, runs, sending, views
from invoicing.documents import pdf_for_reading
from invoicing.sending import after_issue
from invoicing.models import CreditNote, Invoice
from provider import mail
from provider.mail import SentMessage
from invoicing.payments.views import invoice_money
from provider.charges.views import month_or_current
from provider.clock import today
from provider.dates import month_bounds
from provider.db import unit_of_work
from provider.errors import Conflict, FieldErrors, NotFound
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.downloads import download
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)


@router.get("/invoices")
def invoices_page(request: Request, db: DB, month: str | None = None, _: User = FINANCE):
    month = month_or_current(db, month)
    try:
        first, last = month_bounds(month)
    except FieldErrors as exc:
        return render(request, "invoicing/list.html", {"month": month, "errors": exc.errors, "documents": []}, 422)
    documents = views.documents(db, first, last)
    return render(request, "invoicing/list.html", {"month": month, "errors": {}, "documents": documents,
                                                   "sent": views.sent_for(db, documents),
                                                   "issued": request.query_params.get("issued"),
                                                   "just_sent": request.query_params.get("sent"),
                                                   "just_held": request.query_params.get("held"),
                                                   "just_failed": request.query_params.get("failed")})


@router.post("/invoices/send")
def send_month(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    month = data.get("month") or ""
    try:
        first, last = month_bounds(month)
    except FieldErrors as exc:
        return render(request, "invoicing/list.html", {"month": month, "errors": exc.errors, "documents": []}, 422)
    invoices = [d for d in views.documents(db, first, last) if isinstance(d, Invoice)]
    with unit_of_work(db):
        outcomes = sending.send_invoices(db, request.app.state.settings, invoices, user.id)
    sent = sum(1 for o in outcomes if o.route not in ("already", "held", "failed"))
    held = sum(1 for o in outcomes if o.route == "held")
    failed = sum(1 for o in outcomes if o.route == "failed")
    return RedirectResponse(f"/invoices?month={month}&sent={sent}" + (f"&held={held}" if held else "")
                            + (f"&failed={failed}" if failed else ""),
                            status_code=303)


@router.get("/invoices/paper")
def paper(request: Request, db: DB, month: str, _: User = FINANCE):
    first, last = month_bounds(month)
    invoices = [d for d in views.documents(db, first, last) if isinstance(d, Invoice)]
    pack = sending.paper_pack(db, invoices)
    return download(pack, "application/pdf", f"invoices-by-post-{month}.pdf", inline=True)


@router.get("/invoices/run")
def run_page(request: Request, db: DB, month: str | None = None, _: User = FINANCE):
    month = month_or_current(db, month)
    try:
        first, last = month_bounds(month)
    except FieldErrors as exc:
        return render(request, "invoicing/run.html", {"month": month, "errors": exc.errors, "run": None}, 422)
    return render(request, "invoicing/run.html", {"month": month, "errors": {}, "run": views.run(db, first, last)})


@router.post("/invoices/run")
def run_issue(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    month = data.get("month") or ""
    try:
        first, last = month_bounds(month)
        with unit_of_work(db):
            if views.run(db, first, last).fingerprint != data.get("fingerprint"):
                raise Conflict("The charges changed since you looked: check the drafts again before issuing.")
            result = runs.issue_run(db, first, last, user.id)
            # What to render: this run's documents and any an earlier run left unrendered. Read before the commit,
            # so that no transaction of this request is open while the background task writes.
            documents = rendering.pending(db)
    except FieldErrors as exc:
        return render(request, "invoicing/run.html", {"month": month, "errors": exc.errors, "run": None}, 422)
    # After the issuing commit, from the frozen data: rendered after the answer, the page following its progress.
    job = progress.start(f"Rendering the documents of {month}", len(documents),
                         f"/invoices?month={month}&issued={len(result.issued)}")
    return RedirectResponse(f"/invoices/progress/{job.id}", status_code=303, background=BackgroundTask(
        progress.render_in_background, request.app.state.session_factory, documents, job))


@router.post("/invoices/run/release")
def run_release(request: Request, db: DB, user: User = FINANCE):
    """Release one family's invoice for the month from a bereavement hold, on a named person's decision."""
    data = form_data(request)
    month = data.get("month") or ""
    try:
        first, last = month_bounds(month)
        with unit_of_work(db):
            decision = {"decided_by": data.get("decided_by") or "", "reason": data.get("reason") or ""}
            hold_release.release_invoice(db, data.get("payer_ref") or "", first, user.name, decision)
    except FieldErrors as exc:
        run = views.run(db, first, last) if "month" not in exc.errors else None
        return render(request, "invoicing/run.html", {"month": month, "errors": exc.errors, "run": run,
                                                      "values": data}, 422)
    return RedirectResponse(f"/invoices/run?month={month}", status_code=303)


@router.get("/invoices/progress/{job_id}")
def run_progress(request: Request, job_id: str, _: User = FINANCE):
    job = progress.get(job_id)
    if job is None:
        raise NotFound("No such run in progress: it may have finished before the server restarted. A document left "
                       "unrendered is rendered by the next run or by lantern render-pending, and shown meanwhile.")
    if job.finished and job.failed is None:
        return RedirectResponse(job.then, status_code=303)
    return render(request, "invoicing/progress.html", {"job": job})


def _document(db, document_id: uuid.UUID) -> Invoice | CreditNote:
    found = db.get(Invoice, document_id) or db.get(CreditNote, document_id)
    if found is None:
        raise NotFound("No such invoice or credit note")
    return found


def _view(request: Request, db, document, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render(request, "invoicing/view.html", {
        "document": document, "data": json.loads(document.data), "is_invoice": isinstance(document, Invoice),
        "lines": views.credit_lines(db, document) if isinstance(document, Invoice) else [],
        "notes": views.notes_for(db, document), "errors": errors or {}, "values": values or {},
        "money": invoice_money(db, document) if isinstance(document, Invoice) else None}, status)


@router.get("/invoices/{document_id}")
def invoice_view(request: Request, db: DB, document_id: uuid.UUID, _: User = FINANCE):
    return _view(request, db, _document(db, document_id))


@router.post("/invoices/{document_id}/credit")
def invoice_credit(request: Request, db: DB, document_id: uuid.UUID, user: User = FINANCE):
    invoice = db.get(Invoice, document_id)
    if invoice is None:
        raise NotFound("No such invoice")
    data = form_data(request)
    try:
        amounts = None if data.get("whole") == "yes" else views.amounts_from_form(db, invoice, data)
        with unit_of_work(db):
            note = credits.credit(db, invoice, data.get("reason", ""), amounts, user.id)
    except FieldErrors as exc:
        return _view(request, db, invoice, exc.errors, data, 422)
    with unit_of_work(db):
        after_issue(db, [note])
    return RedirectResponse(f"/invoices/{note.id}", status_code=303)


@router.get("/invoices/{document_id}/pdf")
def invoice_pdf(db: DB, document_id: uuid.UUID, _: User = FINANCE):
    filename, pdf = pdf_for_reading(db, _document(db, document_id))
    return download(pdf, "application/pdf", filename, inline=True)


ADMIN = allow(Role.admin)


@router.get("/outbox")
def outbox(request: Request, db: DB, _: User = ADMIN):
    return render(request, "invoicing/outbox.html", {"messages": views.outbox(db), "not_sent": mail.failures(db),
                                                     "interrupted": mail.INTERRUPTED})


@router.get("/outbox/{message_id}")
def outbox_message(request: Request, db: DB, message_id: uuid.UUID, _: User = ADMIN):
    found = db.get(SentMessage, message_id)
    if found is None or found.route != "outbox":
        raise NotFound("No such message in the outbox")
    return render(request, "invoicing/outbox_message.html", {"message": found, "email": views.parsed(found)})


@router.get("/outbox/{message_id}/eml")
def outbox_eml(db: DB, message_id: uuid.UUID, _: User = ADMIN):
    found = db.get(SentMessage, message_id)
    if found is None or found.route != "outbox":
        raise NotFound("No such message in the outbox")
    return download(found.eml, "message/rfc822", f"{found.id}.eml")


@router.get("/contracts/{contract_id}/activity")
def activity(request: Request, db: DB, contract_id: uuid.UUID, quarter: str | None = None, _: User = FINANCE):
    from invoicing.activity import activity_csv, activity_return, quarter_bounds
    from provider.funding.models import BlockContract

    contract = db.get(BlockContract, contract_id)
    if contract is None:
        raise NotFound("No such block contract")
    quarter = quarter or _current_quarter(db)
    try:
        first, last = quarter_bounds(quarter)
    except FieldErrors as exc:
        return render(request, "invoicing/activity.html", {"contract": contract, "quarter": quarter,
                                                           "errors": exc.errors, "report": None}, 422)
    report = activity_return(db, contract, first, last)
    if request.query_params.get("format") == "csv":
        return download(activity_csv(report), "text/csv", f"{contract.reference}-{quarter}.csv")
    return render(request, "invoicing/activity.html", {"contract": contract, "quarter": quarter, "errors": {},
                                                       "report": report})


def _current_quarter(db) -> str:
    day = today(db)
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-Q{((day.month - 4) % 12) // 3 + 1}"


def _contract(db, contract_id: uuid.UUID):
    from provider.funding.models import BlockContract

    contract = db.get(BlockContract, contract_id)
    if contract is None:
        raise NotFound("No such block contract")
    return contract


def _settlement_page(request: Request, db, contract, errors: dict | None = None, status: int = 200):
    from invoicing import settlement

    record = settlement.existing(db, contract)
    return render(request, "invoicing/settlement.html", {
        "contract": contract, "record": record,
        "statement": settlement.statement_of(record) if record else None,
        "preview": None if record else settlement.preview(db, contract, today(db)),
        "notes": views.settlement_notes(db, record) if record else [], "errors": errors or {}}, status)


@router.get("/contracts/{contract_id}/settlement")
def settlement_page(request: Request, db: DB, contract_id: uuid.UUID, _: User = FINANCE):
    return _settlement_page(request, db, _contract(db, contract_id))


@router.post("/contracts/{contract_id}/settlement")
def settle_contract(request: Request, db: DB, contract_id: uuid.UUID, user: User = FINANCE):
    from invoicing import settlement

    contract = _contract(db, contract_id)
    data = form_data(request)
    try:
        carried_to = uuid.UUID(data["carried_to_id"]) if data.get("carried_to_id") else None
    except ValueError:
        return _settlement_page(request, db, contract, {"carried_to_id": "is not a contract"}, 422)
    try:
        with unit_of_work(db):
            record = settlement.make(db, contract, today(db), user.id, carried_to)
            notes = views.settlement_notes(db, record)
    except FieldErrors as exc:
        return _settlement_page(request, db, contract, exc.errors, 422)
    with unit_of_work(db):
        after_issue(db, notes)
    return RedirectResponse(f"/contracts/{contract.id}/settlement", status_code=303)
