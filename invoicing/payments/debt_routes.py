"""Debt pages for finance: aged debt at a date, the overdue list with reminder letters, statements of account."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from invoicing.models import Document
from provider import references
from provider import mail
from invoicing.payments import debt, reminders, statements
from invoicing.payments.models import Reminder
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.downloads import download
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)


def as_of_date(db, text: str | None) -> date:
    """The date a page or the API is asked for, today by default."""
    if not text:
        return today(db)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldErrors({"as_of": "must be a date written YYYY-MM-DD, like 2027-04-10"}) from None


@router.get("/debt")
def aged_debt_page(request: Request, db: DB, as_of: str | None = None, _: User = FINANCE):
    try:
        day = as_of_date(db, as_of)
    except FieldErrors as exc:
        return render(request, "payments/aged_debt.html", {"as_of": as_of, "errors": exc.errors, "report": None}, 422)
    return render(request, "payments/aged_debt.html", {"as_of": day.isoformat(), "errors": {}, "bands": debt.BANDS,
                                                       "report": debt.aged_debt(db, day)})


def _overdue(request: Request, db, errors: dict | None = None, failed: str | None = None, status: int = 200,
             sent: Reminder | None = None):
    how = mail.latest(db, references.source_ref("reminder", sent.id), "reminder") if sent else None
    return render(request, "payments/overdue.html", {"overdue": debt.overdue(db, today(db)), "errors": errors or {},
                                                     "failed": failed, "sent": sent, "how": how}, status)


@router.get("/debt/overdue")
def overdue_page(request: Request, db: DB, sent: uuid.UUID | None = None, _: User = FINANCE):
    return _overdue(request, db, sent=db.get(Reminder, sent) if sent else None)


@router.post("/debt/reminders")
def send_reminder(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    payer_ref = data.get("payer_ref") or ""
    try:
        with unit_of_work(db):
            sent = reminders.send_reminder(db, request.app.state.settings, payer_ref, today(db),
                                           data.get("claim_interest") == "true", actor_id=user.id)
    except FieldErrors as exc:
        return _overdue(request, db, exc.errors, payer_ref, 422)
    return RedirectResponse(f"/debt/overdue?sent={sent.reminder.id}", status_code=303)


@router.get("/debt/reminders/{reminder_id}.pdf")
def reminder_pdf(db: DB, reminder_id: uuid.UUID, _: User = FINANCE):
    found = db.exec(select(Document).where(
        Document.source_ref == references.source_ref("reminder", reminder_id))).first()
    if found is None:
        raise NotFound("No such reminder letter")
    return download(found.pdf, "application/pdf", found.filename, inline=True)


@router.get("/debt/payers/{payer_ref}/statement.pdf")
def statement_pdf(db: DB, payer_ref: str, as_of: str | None = None, _: User = FINANCE):
    document = statements.statement(db, payer_ref, as_of_date(db, as_of))
    return download(statements.statement_pdf(document), "application/pdf", f"Statement-{document['as_of']}.pdf",
                    inline=True)
