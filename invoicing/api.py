"""JSON API for invoicing: a month's run as drafts, issuing it, the issued documents, and credit notes."""
from __future__ import annotations

import json
import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from invoicing import credits, hold_release, runs, views
from invoicing.rendering import render_pending
from invoicing.sending import after_issue
from invoicing.drafting import Draft
from invoicing.models import CreditNote, Invoice
from provider.base import Day
from provider.clock import today
from provider.dates import month_bounds
from provider.db import unit_of_work
from provider.errors import Conflict, NotFound
from provider.fields import PenceIn
from provider.people.schemas import ReleaseIn
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["invoicing"])
FINANCE = allow(Role.finance)


class DraftLineOut(BaseModel):
    description: str
    quantity: int
    unit_price_pence: int
    amount_pence: int
    vat_treatment: str
    first_day: date
    last_day: date


class DraftOut(BaseModel):
    payer_ref: str
    payer_name: str
    payer_kind: str
    total_pence: int
    po_number: str | None
    exceptions: list[str]
    paid_on_schedule: bool
    lines: list[DraftLineOut]


class CorrectionOut(BaseModel):
    invoice_number: str
    payer_name: str
    line: str
    pence: int
    reason: str


class RunOut(BaseModel):
    month: str
    drafts: list[DraftOut]
    corrections: list[CorrectionOut]
    fingerprint: str = Field(description="Send it back to issue exactly what this run showed")


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fingerprint: str | None = Field(default=None, description="From the draft run; refused if the run has changed")
    payer_refs: list[str] | None = Field(default=None, description="Issue only these payers' drafts; one with an "
                                                                   "exception is refused")
    issued_on: Day | None = Field(default=None, description="The invoice date; default today")


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: str
    number: str
    payer_name: str
    issued_on: date
    total_pence: int
    document: dict = Field(description="The document exactly as issued (its frozen data)")
    data_sha256: str


class IssuedOut(BaseModel):
    invoices: list[DocumentOut]
    credit_notes: list[DocumentOut]
    left: list[DraftOut]


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str
    amounts: dict[uuid.UUID, PenceIn] | None = Field(default=None,
                                                    description="Pence per invoice line; none: everything")


def _draft(d: Draft) -> DraftOut:
    return DraftOut(payer_ref=d.payer.ref, payer_name=d.payer.name, payer_kind=d.payer.kind, total_pence=d.total_pence,
                    po_number=d.po_number, exceptions=list(d.exceptions), paid_on_schedule=d.scheduled,
                    lines=[DraftLineOut(description=l.description, quantity=l.quantity,
                                        unit_price_pence=l.unit_price_pence, amount_pence=l.amount_pence,
                                        vat_treatment=l.vat_treatment, first_day=l.first_day, last_day=l.last_day)
                           for l in d.lines])


def _document(d: Invoice | CreditNote) -> DocumentOut:
    return DocumentOut(id=d.id, kind="invoice" if isinstance(d, Invoice) else "credit_note", number=d.number,
                       payer_name=d.payer_name, issued_on=d.issued_on, total_pence=d.total_pence,
                       document=json.loads(d.data), data_sha256=d.data_sha256)


@router.get("/invoice-runs/{month}", response_model=RunOut)
def draft_run(db: DB, month: str, _: User = FINANCE):
    first, last = month_bounds(month)
    run = views.run(db, first, last)
    return RunOut(month=month, drafts=[_draft(d) for d in run.drafts], fingerprint=run.fingerprint,
                  corrections=[CorrectionOut(invoice_number=c.invoice.number, payer_name=c.invoice.payer_name,
                                             line=c.line.description, pence=c.pence, reason=c.reason)
                               for c in run.corrections])


@router.post("/invoice-runs/{month}/issue", response_model=IssuedOut)
def issue_run(db: DB, month: str, shape: IssueIn, user: User = FINANCE):
    first, last = month_bounds(month)
    with unit_of_work(db):
        if shape.fingerprint is not None and views.run(db, first, last).fingerprint != shape.fingerprint:
            raise Conflict("The charges changed since the draft run: look at it again before issuing.")
        result = runs.issue_run(db, first, last, user.id,
                                set(shape.payer_refs) if shape.payer_refs is not None else None, shape.issued_on)
    # After the issuing commit, from the frozen data: this run's documents and any an earlier run left unrendered.
    render_pending(db)
    return IssuedOut(invoices=[_document(i) for i in result.issued],
                     credit_notes=[_document(n) for n in result.credit_notes],
                     left=[_draft(d) for d in result.skipped])


class InvoiceReleaseIn(ReleaseIn):
    payer_ref: str = Field(description="The family member whose invoice for the month goes despite the hold")


class InvoiceReleaseOut(BaseModel):
    payer_ref: str
    decided_by: str
    reason: str
    decided_on: date


@router.post("/invoice-runs/{month}/release", response_model=InvoiceReleaseOut, status_code=201)
def release_held_invoice(db: DB, month: str, shape: InvoiceReleaseIn, user: User = FINANCE):
    """Release one family's invoice for the month from a bereavement hold, on a named person's decision."""
    first, _ = month_bounds(month)
    with unit_of_work(db):
        row = hold_release.release_invoice(db, shape.payer_ref, first, user.name,
                                           shape.model_dump(include={"decided_by", "reason"}))
    return InvoiceReleaseOut(payer_ref=shape.payer_ref, decided_by=row.decided_by, reason=row.reason,
                             decided_on=row.decided_on)


@router.get("/invoices", response_model=list[DocumentOut])
def list_documents(db: DB, month: str, _: User = FINANCE):
    first, last = month_bounds(month)
    return [_document(d) for d in views.documents(db, first, last)]


@router.get("/invoices/{document_id}", response_model=DocumentOut)
def read_document(db: DB, document_id: uuid.UUID, _: User = FINANCE):
    found = db.get(Invoice, document_id) or db.get(CreditNote, document_id)
    if found is None:
        raise NotFound("No such invoice or credit note")
    return _document(found)


@router.post("/invoices/{invoice_id}/credit-notes", response_model=DocumentOut, status_code=201)
def credit_invoice(db: DB, invoice_id: uuid.UUID, shape: CreditIn, user: User = FINANCE):
    invoice = db.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice")
    with unit_of_work(db):
        note = credits.credit(db, invoice, shape.reason, shape.amounts, user.id)
    with unit_of_work(db):
        after_issue(db, [note])
    return _document(note)



class SettlementOut(BaseModel):
    contract_reference: str
    settled: bool
    settled_on: date | None
    counts_as_used: str
    contracted_units: int
    carried_in_units: int
    delivered_units: int
    cancelled_units: int
    overage_units: int
    overage_pence: int
    unused_units: int
    under_use: str
    settled_pence: int = Field(description="Credited or clawed back at the end")
    carried_units: int
    credit_notes: list[str]
    problems: list[str] = Field(description="What stops the settlement now; empty once settled or when ready")


class SettleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carried_to_id: uuid.UUID | None = Field(default=None, description="The later contract unused units join")


def _settlement_out(db, contract) -> SettlementOut:
    from invoicing import settlement

    record = settlement.existing(db, contract)
    if record is not None:
        s = settlement.statement_of(record)
        return SettlementOut(contract_reference=contract.reference, settled=True, settled_on=record.settled_on,
                             counts_as_used=s["counts_as_used"], contracted_units=s["contracted"],
                             carried_in_units=s["carried_in"], delivered_units=s["delivered"],
                             cancelled_units=s["cancelled"], overage_units=s["overage_units"],
                             overage_pence=s["overage_pence"], unused_units=s["unused_units"],
                             under_use=s["under_use"], settled_pence=s["settled_pence"],
                             carried_units=s["carried_units"], credit_notes=s["credit_notes"], problems=[])
    found = settlement.preview(db, contract, today(db))
    st = found.settlement
    return SettlementOut(contract_reference=contract.reference, settled=False, settled_on=None,
                         counts_as_used=found.counts_as_used, contracted_units=st.use.contracted,
                         carried_in_units=st.use.carried_in, delivered_units=st.use.delivered,
                         cancelled_units=st.use.cancelled, overage_units=st.use.overage_units,
                         overage_pence=st.use.overage_pence, unused_units=st.unused_units, under_use=st.under_use,
                         settled_pence=st.pence, carried_units=st.carried_units, credit_notes=[],
                         problems=found.problems)


def _block_contract(db, contract_id: uuid.UUID):
    from provider.funding.models import BlockContract

    contract = db.get(BlockContract, contract_id)
    if contract is None:
        raise NotFound("No such block contract")
    return contract


@router.get("/contracts/{contract_id}/settlement", response_model=SettlementOut)
def read_settlement(db: DB, contract_id: uuid.UUID, _: User = FINANCE):
    return _settlement_out(db, _block_contract(db, contract_id))


@router.post("/contracts/{contract_id}/settlement", response_model=SettlementOut, status_code=201)
def settle_contract(db: DB, contract_id: uuid.UUID, shape: SettleIn, user: User = FINANCE):
    from invoicing import settlement

    contract = _block_contract(db, contract_id)
    with unit_of_work(db):
        record = settlement.make(db, contract, today(db), user.id, shape.carried_to_id)
        notes = views.settlement_notes(db, record)
    with unit_of_work(db):
        after_issue(db, notes)
    return _settlement_out(db, contract)
