"""JSON API for debt: aged debt at a date, the overdue list, reminder letters, a payer's statement of account."""
from __future__ import annotations

import json
import uuid
from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from provider import references
from provider.mail import SentMessage
from invoicing.payments import debt, reminders, statements
from invoicing.payments.debt_routes import as_of_date
from invoicing.payments.models import Reminder
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import NotFound
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["debt"])
FINANCE = allow(Role.finance)


class RowOut(BaseModel):
    label: str
    payer_ref: str | None
    bands_pence: list[int] = Field(description="Current, 1–30, 31–60, 61–90 and over 90 days past due")
    disputed_pence: int
    total_pence: int


class KindOut(RowOut):
    kind: str
    payers: list[RowOut]


class DebtOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    payer_ref: str
    payer_name: str
    due_on: date
    days_overdue: int
    outstanding_pence: int
    disputed_since: date | None = None
    dispute_reason: str | None = None


class AgedDebtOut(BaseModel):
    as_of: date
    bands: list[str]
    kinds: list[KindOut]
    total: RowOut
    disputed: list[DebtOut] = Field(description="Shown apart: not in the bands")
    ledger_pence: int = Field(description="The debtor accounts in the ledger, posted up to as_of")
    agrees: bool


class OverduePayerOut(BaseModel):
    payer_ref: str
    payer_name: str
    kind: str
    total_pence: int
    reminder_allowed: bool
    refusal: str | None
    may_claim_interest: bool
    last_reminded: date | None
    invoices: list[DebtOut]


class OverdueOut(BaseModel):
    as_of: date
    payers: list[OverduePayerOut]
    disputed: list[DebtOut] = Field(description="Overdue but disputed: never reminded")


class ReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payer_ref: str
    claim_interest: bool = Field(default=False, description="Statutory interest and compensation: commissioners only")
    invoice_ids: list[uuid.UUID] | None = Field(default=None, description="Default: every overdue invoice of the "
                                                                          "payer that is not disputed")


class ReminderOut(BaseModel):
    id: uuid.UUID
    payer_ref: str
    payer_name: str
    sent_on: date
    total_pence: int
    interest_pence: int = Field(description="Statutory interest and compensation claimed")
    route: str | None = Field(description="smtp, outbox or post")
    recipient: str | None
    document: dict = Field(description="The letter exactly as sent (its frozen data)")
    data_sha256: str
    pdf_url: str


def _row(row: debt.Row) -> dict:
    return {"label": row.label, "payer_ref": row.ref, "bands_pence": list(row.bands), "disputed_pence": row.disputed,
            "total_pence": row.total}


def _debt(d: debt.Debt) -> DebtOut:
    return DebtOut(invoice_id=d.invoice.id, number=d.invoice.number, payer_ref=d.payer.ref, payer_name=d.payer.name,
                   due_on=d.invoice.due_on, days_overdue=d.days_overdue, outstanding_pence=d.outstanding,
                   disputed_since=d.dispute.opened_on if d.dispute else None,
                   dispute_reason=d.dispute.reason if d.dispute else None)


def _reminder(db, reminder: Reminder) -> ReminderOut:
    how = db.exec(select(SentMessage).where(SentMessage.source_ref == references.source_ref("reminder",
                                                                                            reminder.id))).first()
    return ReminderOut(id=reminder.id, payer_ref=reminder.payer_ref, payer_name=reminder.payer_name,
                       sent_on=reminder.sent_on, total_pence=reminder.total_pence,
                       interest_pence=reminder.interest_pence, route=how.route if how else None,
                       recipient=how.recipient if how else None, document=json.loads(reminder.data),
                       data_sha256=reminder.data_sha256, pdf_url=f"/debt/reminders/{reminder.id}.pdf")


@router.get("/debt/aged", response_model=AgedDebtOut)
def aged_debt(db: DB, as_of: str | None = None, _: User = FINANCE):
    report = debt.aged_debt(db, as_of_date(db, as_of))
    return AgedDebtOut(as_of=report.as_of, bands=list(debt.BANDS),
                       kinds=[KindOut(**_row(kind), kind=kind.kind, payers=[RowOut(**_row(p)) for p in payers])
                              for kind, payers in report.kinds],
                       total=RowOut(**_row(report.total)), disputed=[_debt(d) for d in report.disputed],
                       ledger_pence=report.ledger_pence, agrees=report.agrees)


@router.get("/debt/overdue", response_model=OverdueOut)
def overdue(db: DB, _: User = FINANCE):
    found = debt.overdue(db, today(db))
    return OverdueOut(as_of=found.as_of, disputed=[_debt(d) for d in found.disputed], payers=[
        OverduePayerOut(payer_ref=p.payer.ref, payer_name=p.payer.name, kind=p.payer.kind, total_pence=p.total,
                        reminder_allowed=p.refusal is None, refusal=p.refusal, may_claim_interest=p.commissioner,
                        last_reminded=p.last_reminded, invoices=[_debt(d) for d in p.debts]) for p in found.payers])


@router.post("/debt/reminders", response_model=ReminderOut, status_code=201)
def send_reminder(request: Request, db: DB, shape: ReminderIn, user: User = FINANCE):
    with unit_of_work(db):
        sent = reminders.send_reminder(db, request.app.state.settings, shape.payer_ref, today(db),
                                       shape.claim_interest, shape.invoice_ids, user.id)
    return _reminder(db, sent.reminder)


@router.get("/debt/reminders/{reminder_id}", response_model=ReminderOut)
def reminder(db: DB, reminder_id: uuid.UUID, _: User = FINANCE):
    found = db.get(Reminder, reminder_id)
    if found is None:
        raise NotFound("No such reminder")
    return _reminder(db, found)


@router.get("/debt/payers/{payer_ref}/statement")
def statement(db: DB, payer_ref: str, as_of: str | None = None, _: User = FINANCE) -> dict:
    """The payer's statement of account as data: each line with its running balance, open invoices, credit held."""
    document = statements.statement(db, payer_ref, as_of_date(db, as_of))
    return {key: value for key, value in document.items() if key not in ("supplier", "title", "number")}
