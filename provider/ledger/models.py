"""Double entry: accounts, entries of named kinds whose lines always balance, and accounting periods.

Debit and credit are two non-negative columns, exactly one of them set on each line. Entries and lines are
never updated or deleted (the database refuses it): a mistake is corrected by a reversing entry.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class AccountType(StrEnum):
    asset = "asset"
    liability = "liability"
    income = "income"
    expense = "expense"
    equity = "equity"


class EntryKind(StrEnum):
    care_delivered = "care_delivered"          # income accrued when care is delivered
    care_reversed = "care_reversed"            # a delivery charge withdrawn or superseded
    invoice = "invoice"
    credit_note = "credit_note"
    instalment_invoiced = "instalment_invoiced"
    deferred_released = "deferred_released"
    grant_entitlement = "grant_entitlement"
    payment = "payment"
    allocation = "allocation"
    refund = "refund"
    debt_adjustment = "debt_adjustment"
    isf_receipt = "isf_receipt"
    isf_drawdown = "isf_drawdown"
    isf_transfer = "isf_transfer"              # money of the hospice's own moved out of the ISF client account
    charitable_income = "charitable_income"    # donations, legacies, events, trading and trust grants
    reversal = "reversal"


class LedgerAccount(SQLModel, table=True):
    __tablename__ = "ledger_accounts"
    id: uuid.UUID = id_field()
    code: str = Field(sa_type=String(120), unique=True)
    name: str = Field(sa_type=String(250))
    type: AccountType = Field(sa_type=String(20))
    created_at: datetime = timestamp_field()


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    id: uuid.UUID = id_field()
    kind: EntryKind = Field(sa_type=String(30), index=True)
    posted_on: date = Field(index=True)
    service_date: date | None = None
    description: str = Field(sa_type=Text)
    group_id: uuid.UUID = Field(index=True)
    source_ref: str | None = Field(default=None, sa_type=String(120), index=True)
    reverses_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_entries.id", unique=True)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class LedgerLine(SQLModel, table=True):
    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("debit_pence >= 0 AND credit_pence >= 0", name="not_negative"),
        CheckConstraint("(debit_pence > 0) <> (credit_pence > 0)", name="one_side"),
    )
    id: uuid.UUID = id_field()
    entry_id: uuid.UUID = Field(foreign_key="ledger_entries.id", index=True)
    account_id: uuid.UUID = Field(foreign_key="ledger_accounts.id", index=True)
    debit_pence: StoredPence = 0
    credit_pence: StoredPence = 0
    payer_ref: str | None = Field(default=None, sa_type=String(120))             # the payer the line concerns
    child_id: uuid.UUID | None = Field(default=None, foreign_key="children.id")  # and the child, where there is one


class AccountingPeriod(SQLModel, table=True):
    """A closed month (or, with every month closed, a closed year): it takes no postings."""

    __tablename__ = "accounting_periods"
    __table_args__ = (UniqueConstraint("year", "month", name="uq_accounting_periods_month"),
                      CheckConstraint("month BETWEEN 1 AND 12", name="month_range"))
    id: uuid.UUID = id_field()
    year: int
    month: int
    closed_at: datetime = timestamp_field()
    closed_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
