"""JSON API for bank statements: import a file, confirm a held one, list lines with suggestions, accept or ignore."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from provider.bank import importing

from invoicing.bank_lines import views

from invoicing.bank_lines import matching
from provider.bank.models import BankImport
from provider.base import UtcDateTime
from provider.clock import today
from provider.db import unit_of_work
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.forms import read_upload

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["bank"])
FINANCE = allow(Role.finance)
MAX_BYTES = 20 * 1024 * 1024
TOO_LARGE = "The file is larger than 20 MB: import a month or a quarter at a time."


class ImportOut(BaseModel):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    filename: str
    format: str
    lines_in_file: int
    lines_new: int
    lines_already_held: int
    status: str = Field(description="imported, held (for a person to confirm), confirmed or discarded")
    imported_at: UtcDateTime
    message: str


class PaysOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    pence: int
    outstanding_pence: int


class SuggestionOut(BaseModel):
    key: str = Field(description="Send it back to accept the suggestion")
    why: str
    payer_ref: str
    payer_name: str
    pays: list[PaysOut]
    credit_pence: int = Field(description="Left over, held as the payer's credit on account")


class LineOut(BaseModel):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    booked_on: date
    amount_pence: int = Field(description="Money in positive, money out negative")
    reference: str
    description: str
    transaction_id: str | None
    state: str = Field(description="unmatched, matched or ignored")
    ignored_reason: str | None
    payment_id: uuid.UUID | None
    suggestions: list[SuggestionOut]


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    suggestion: str | None = Field(default=None, max_length=2_000, description="A suggestion's key")
    invoices: list[str] | None = Field(default=None, max_length=500, description="Or the invoice numbers to pay")


class IgnoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(max_length=2_000)


def _import(db, record: BankImport) -> ImportOut:
    message = importing.summary(record, views.get_account(db, record.bank_account_id))
    return ImportOut(**record.model_dump(exclude={"pending", "sha256"}), message=message)


def _line(row: views.Row) -> LineOut:
    line = row.line
    return LineOut(**{k: v for k, v in line._mapping.items() if k in LineOut.model_fields}, state=row.state,
                   suggestions=[SuggestionOut(key=s.key, why=s.why, payer_ref=s.payer_ref, payer_name=s.payer_name,
                                              credit_pence=s.credit_pence,
                                              pays=[PaysOut(invoice_id=o.id, number=o.number, pence=pence,
                                                            outstanding_pence=o.outstanding) for o, pence in s.pays])
                                for s in row.suggestions])


def _account(db, account: str):
    try:
        return views.get_account(db, uuid.UUID(account))
    except ValueError:
        return importing.account_by_label(db, account)


@router.post("/bank-imports", response_model=ImportOut, status_code=201)
def import_statement(db: DB, file: UploadFile = File(description="The statement: CSV, OFX or camt.053"),
                           account: str = Form(description="The account's id or label"), user: User = FINANCE):
    content = read_upload(file, "file", MAX_BYTES, TOO_LARGE)
    with unit_of_work(db):
        record = importing.import_file(db, _account(db, account), file.filename or "statement", content, user.id)
    return _import(db, record)


@router.get("/bank-imports", response_model=list[ImportOut])
def list_imports(db: DB, status: Literal["imported", "held", "confirmed", "discarded"] | None = None,
                 _: User = FINANCE):
    return [_import(db, r) for r in views.imports(db, status, limit=500)]


@router.post("/bank-imports/{import_id}/confirm", response_model=ImportOut)
def confirm_import(db: DB, import_id: uuid.UUID, user: User = FINANCE):
    with unit_of_work(db):
        record = importing.confirm(db, import_id, user.id)
    return _import(db, record)


@router.post("/bank-imports/{import_id}/discard", response_model=ImportOut)
def discard_import(db: DB, import_id: uuid.UUID, user: User = FINANCE):
    with unit_of_work(db):
        record = importing.discard(db, import_id, user.id)
    return _import(db, record)


@router.get("/bank-lines", response_model=list[LineOut])
def list_lines(db: DB, account: str, state: Literal["unmatched", "matched", "ignored"] | None = None,
               _: User = FINANCE):
    """An account's lines in date order; each unmatched line of money in with its suggested matches."""
    return [_line(r) for r in views.rows(db, _account(db, account).id, state)]


@router.post("/bank-lines/{line_id}/accept", response_model=LineOut)
def accept(db: DB, line_id: uuid.UUID, shape: AcceptIn, user: User = FINANCE):
    """Record the line as a payment and allocate it: to a suggestion, or to the invoices named."""
    key = f"chosen:{'+'.join(shape.invoices)}" if shape.invoices else shape.suggestion or ""
    with unit_of_work(db):
        matching.accept(db, line_id, key, today(db), user.id)
    return _line(views.row(db, line_id))


@router.post("/bank-lines/{line_id}/ignore", response_model=LineOut)
def ignore(db: DB, line_id: uuid.UUID, shape: IgnoreIn, user: User = FINANCE):
    with unit_of_work(db):
        matching.ignore(db, line_id, shape.reason)
    return _line(views.row(db, line_id))


@router.post("/bank-lines/{line_id}/restore", response_model=LineOut)
def restore(db: DB, line_id: uuid.UUID, user: User = FINANCE):
    with unit_of_work(db):
        matching.restore(db, line_id)
    return _line(views.row(db, line_id))
