"""The NHS children's hospice funding: a yearly award, income when the hospice becomes entitled to it, paid by an
ICB on NHS England's behalf, against grant invoices (never per child) or on a schedule without them."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class GrantAward(SQLModel, table=True):
    __tablename__ = "grant_awards"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    reference: str = Field(sa_type=String(60), unique=True)
    name: str = Field(sa_type=String(200))
    paid_by_id: uuid.UUID = Field(foreign_key="funders.id", index=True)   # the ICB paying on NHS England's behalf
    starts_on: date
    ends_on: date
    amount_pence: StoredPence
    entitled_on: date                       # income then, however the money arrives
    instalments: str = Field(default="quarterly", sa_type=String(20))      # monthly or quarterly, in advance
    invoice_required: bool = True           # the paying ICB wants a grant invoice for each instalment
    po_number: str | None = Field(default=None, sa_type=String(60))
    notes: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class BilledGrantInstalment(SQLModel, table=True):
    """A grant instalment billed by an invoice line (or expected without one): each instalment once."""

    __tablename__ = "billed_grant_instalments"
    award_id: uuid.UUID = Field(foreign_key="grant_awards.id", primary_key=True)
    number: int = Field(primary_key=True)
    line_id: uuid.UUID | None = Field(default=None, foreign_key="invoice_lines.id", index=True)
    expected_id: uuid.UUID | None = Field(default=None, foreign_key="expected_payments.id")
    pence: StoredPence
