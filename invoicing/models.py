"""Issued invoices and their lines: frozen when issued, never changed or deleted.

A draft is not stored: it is what `invoicing.runs.draft_run` works out from the charges, shown to finance,
and issued (worked out again inside the issuing transaction) or simply left. `BilledPart` holds each charge
part that an issued invoice bills, keyed by the part, so that no part can be billed twice.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import LargeBinary, String, Text
from sqlmodel import Field, SQLModel

import provider.catalogue.models  # noqa: F401  (the tables these refer to by foreign key)
import provider.charges.models  # noqa: F401
import provider.funding.models  # noqa: F401
import provider.people.models  # noqa: F401
import provider.users.models  # noqa: F401
from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    id: uuid.UUID = id_field()
    number: str = Field(sa_type=String(18), unique=True)
    kind: str = Field(default="invoice", sa_type=String(20))
    payer_ref: str = Field(sa_type=String(120), index=True)
    payer_name: str = Field(sa_type=String(300))
    period_start: date = Field(index=True)
    period_end: date
    issued_on: date
    due_on: date
    total_pence: StoredPence
    po_number: str | None = Field(default=None, sa_type=String(60))
    data: str = Field(sa_type=Text)          # the document as issued: canonical JSON
    data_sha256: str = Field(sa_type=String(64))
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_lines"
    id: uuid.UUID = id_field()
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    position: int
    child_id: uuid.UUID | None = Field(default=None, foreign_key="children.id", index=True)
    service_id: uuid.UUID | None = Field(default=None, foreign_key="services.id")   # none on a grant invoice
    description: str = Field(sa_type=Text)
    quantity: int
    unit_price_pence: StoredPence
    amount_pence: StoredPence
    vat_treatment: str = Field(sa_type=String(20))
    first_day: date
    last_day: date


class BilledPart(SQLModel, table=True):
    """A charge part billed by an issued invoice line: at most one open bill per part."""

    __tablename__ = "billed_parts"
    part_id: uuid.UUID = Field(foreign_key="charge_parts.id", primary_key=True)
    line_id: uuid.UUID = Field(foreign_key="invoice_lines.id", index=True)


class CreditNote(SQLModel, table=True):
    """A credit against an issued invoice, with its own number series (CN…) and a reason; never changed."""

    __tablename__ = "credit_notes"
    id: uuid.UUID = id_field()
    number: str = Field(sa_type=String(18), unique=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    payer_ref: str = Field(sa_type=String(120), index=True)
    payer_name: str = Field(sa_type=String(300))
    issued_on: date
    reason: str = Field(sa_type=Text)
    total_pence: StoredPence
    data: str = Field(sa_type=Text)
    data_sha256: str = Field(sa_type=String(64))
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class CreditNoteLine(SQLModel, table=True):
    __tablename__ = "credit_note_lines"
    id: uuid.UUID = id_field()
    credit_note_id: uuid.UUID = Field(foreign_key="credit_notes.id", index=True)
    invoice_line_id: uuid.UUID = Field(foreign_key="invoice_lines.id", index=True)
    description: str = Field(sa_type=Text)
    amount_pence: StoredPence


class Document(SQLModel, table=True):
    """A stored file of an issued document (its PDF, a backing schedule as PDF or CSV), with its hash; never
    rendered again."""

    __tablename__ = "documents"
    id: uuid.UUID = id_field()
    source_ref: str = Field(sa_type=String(120), unique=True)   # invoice:, credit_note:, backing:, backing-csv:<id>
    filename: str = Field(sa_type=String(120))
    pdf: bytes = Field(sa_type=LargeBinary)
    sha256: str = Field(sa_type=String(64))
    created_at: datetime = timestamp_field()


class BilledInstalment(SQLModel, table=True):
    """A block contract's instalment billed by an invoice line: each instalment once."""

    __tablename__ = "billed_instalments"
    contract_id: uuid.UUID = Field(foreign_key="block_contracts.id", primary_key=True)
    number: int = Field(primary_key=True)
    line_id: uuid.UUID = Field(foreign_key="invoice_lines.id", index=True)
    covers_from: date
    covers_to: date
    in_advance: bool


class ExpectedPayment(SQLModel, table=True):
    """What a funder that pays on a schedule, without invoices, is expected to pay for a period's care."""

    __tablename__ = "expected_payments"
    id: uuid.UUID = id_field()
    payer_ref: str = Field(sa_type=String(120), index=True)
    payer_name: str = Field(sa_type=String(300))
    period_start: date = Field(index=True)
    period_end: date
    pence: StoredPence
    expected_on: date
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class ExpectedPart(SQLModel, table=True):
    """A charge part that an expected payment covers: recorded once, so it is never expected or billed twice."""

    __tablename__ = "expected_parts"
    part_id: uuid.UUID = Field(foreign_key="charge_parts.id", primary_key=True)
    expected_id: uuid.UUID = Field(foreign_key="expected_payments.id", index=True)


class ContractSettlement(SQLModel, table=True):
    """A block contract's use against its volume settled at its end, as the contract says; made once, never
    changed. The money, if any, moves by the credit notes it names."""

    __tablename__ = "contract_settlements"
    id: uuid.UUID = id_field()
    contract_id: uuid.UUID = Field(foreign_key="block_contracts.id", unique=True)
    settled_on: date
    volume_units: int
    used_delivered: int
    used_cancelled: int
    overage_units: int
    overage_billed_pence: StoredPence
    unused_units: int
    under_use: str = Field(sa_type=String(20))
    settled_pence: StoredPence                      # credited or clawed back
    carried_units: int                      # carried forward to `carried_to_id`
    carried_to_id: uuid.UUID | None = Field(default=None, foreign_key="block_contracts.id")
    data: str = Field(sa_type=Text)         # the statement as made: canonical JSON
    data_sha256: str = Field(sa_type=String(64))
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
