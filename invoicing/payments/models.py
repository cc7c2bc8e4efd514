"""Money in: payments from payers, their allocations to invoices, refunds of credit held, disputes, write-offs
and waivers, and reminder letters.

Payments, allocations and refunds are posted money: never changed or deleted. An allocation made in error is
undone by an allocation of the opposite sign that names it. What an invoice still owes, and what credit a payer
holds, are worked out from these rows, never typed.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field, SQLModel

import provider.bank.models  # noqa: F401  (the tables these refer to by foreign key)
import invoicing.models  # noqa: F401
import provider.organisation.models  # noqa: F401
from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class PaymentMethod(StrEnum):
    bank_transfer = "bank_transfer"
    cheque = "cheque"
    card = "card"
    direct_debit = "direct_debit"


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)
    id: uuid.UUID = id_field()
    payer_ref: str = Field(sa_type=String(120), index=True)
    payer_name: str = Field(sa_type=String(300))
    bank_account_id: uuid.UUID = Field(foreign_key="bank_accounts.id", index=True)
    received_on: date = Field(index=True)
    amount_pence: StoredPence
    method: PaymentMethod = Field(sa_type=String(20))
    reference: str = Field(default="", sa_type=String(140))
    notes: str = Field(default="", sa_type=Text)
    bank_line_id: uuid.UUID | None = Field(default=None, foreign_key="bank_lines.id", unique=True)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class Allocation(SQLModel, table=True):
    """Part of a payment set against an invoice; a negative one undoes the allocation it names."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("pence <> 0", name="not_zero"),)
    id: uuid.UUID = id_field()
    payment_id: uuid.UUID = Field(foreign_key="payments.id", index=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    pence: StoredPence
    allocated_on: date = Field(index=True)   # the reports read a period's payments by it
    undoes_id: uuid.UUID | None = Field(default=None, foreign_key="allocations.id", unique=True)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class RefundTo(StrEnum):
    payer = "payer"                                   # a commissioner or a nominee, to its own account
    direct_payment_account = "direct_payment_account"  # a family's direct-payment account, never their own
    commissioner = "commissioner"                     # back to the commissioner that funds the direct payment


class Refund(SQLModel, table=True):
    """Credit held from a payment paid back out."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),)
    id: uuid.UUID = id_field()
    payment_id: uuid.UUID = Field(foreign_key="payments.id", index=True)
    pence: StoredPence
    refunded_on: date
    to: RefundTo = Field(sa_type=String(30))
    to_details: str = Field(sa_type=String(300))      # the account it went to, as written on the instruction
    reason: str = Field(sa_type=Text)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class Dispute(SQLModel, table=True):
    """An invoice the payer disputes: no reminders while open; shown apart in aged debt."""

    __tablename__ = "disputes"
    id: uuid.UUID = id_field()
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    opened_on: date
    reason: str = Field(sa_type=Text)
    closed_on: date | None = None
    outcome: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    closed_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class AdjustmentKind(StrEnum):
    write_off = "write_off"      # a bad debt or a small balance not worth chasing: an expense
    waiver = "waiver"            # the hospice chooses not to collect, e.g. from a bereaved family: income given up


class DebtAdjustment(SQLModel, table=True):
    """Part of an invoice written off or waived: posted once approved by someone allowed that amount, who did not
    ask for it (or at once when within the limit the asker may approve alone)."""

    __tablename__ = "debt_adjustments"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),)
    id: uuid.UUID = id_field()
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    kind: AdjustmentKind = Field(sa_type=String(20))
    pence: StoredPence
    reason: str = Field(sa_type=Text)
    asked_on: date
    asked_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    approved_on: date | None = None
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    refused_on: date | None = None
    created_at: datetime = timestamp_field()


class Reminder(SQLModel, table=True):
    """A reminder letter to a payer about its overdue invoices, frozen as sent."""

    __tablename__ = "reminders"
    id: uuid.UUID = id_field()
    payer_ref: str = Field(sa_type=String(120), index=True)
    payer_name: str = Field(sa_type=String(300))
    sent_on: date
    total_pence: StoredPence
    interest_pence: StoredPence = 0      # statutory late-payment interest and compensation claimed (commissioners only)
    data: str = Field(sa_type=Text)
    data_sha256: str = Field(sa_type=String(64))
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class NominalCode(SQLModel, table=True):
    """The accounting package's nominal code for a kind of income or account: settings, so exports need no code."""

    __tablename__ = "nominal_codes"
    id: uuid.UUID = id_field()
    key: str = Field(sa_type=String(120), unique=True)   # e.g. "service:<id>", "stream:spot", "bank:<id>", "debtors"
    code: str = Field(sa_type=String(20))
    __audited__ = True
