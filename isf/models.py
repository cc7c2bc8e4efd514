"""Individual Service Funds: a child's money the hospice holds and spends for the family (DOMAIN.md §5).

The agreement sits on the child's ISF arrangement (the who-pays engine caps the ISF by that arrangement's budget).
Receipts, spend and returns are posted money: never changed or deleted; a mistake is corrected by a new record
that names the old one. A supplier's bank details change only when a second person confirms the change.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

import provider.bank.models  # noqa: F401  (the tables these refer to by foreign key)
import provider.funding.models  # noqa: F401
from provider.base import id_field, timestamp_field
from provider.money import OptionalStoredPence, StoredPence


class Frequency(StrEnum):
    four_weekly = "four_weekly"
    monthly = "monthly"
    quarterly = "quarterly"


class FeeKind(StrEnum):
    fixed = "fixed"              # a fixed amount at the start of each period
    percent = "percent"          # a share of each period's spend


class OwedTo(StrEnum):
    commissioner = "commissioner"          # an ISF under contract
    recipient = "recipient"                # a direct payment the hospice holds as nominee or managed account


class IsfAgreement(SQLModel, table=True):
    __tablename__ = "isf_agreements"
    __table_args__ = (
        CheckConstraint("instalment_count > 0", name="instalments_positive"),
        CheckConstraint("fee_pence >= 0 AND fee_basis_points >= 0", name="fee_not_negative"),
        CheckConstraint("contingency_pence >= 0", name="contingency_not_negative"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    arrangement_id: uuid.UUID = Field(foreign_key="arrangements.id", unique=True)
    frequency: Frequency = Field(sa_type=String(20))
    first_instalment_on: date
    instalment_count: int
    instalment_pence: StoredPence                    # each instalment, in advance
    fee_kind: FeeKind = Field(default=FeeKind.fixed, sa_type=String(20))
    fee_pence: StoredPence = 0                       # a fixed fee each period
    fee_basis_points: int = 0                # or a share of spend: 500 is 5%
    fee_vat: str = Field(default="exempt", sa_type=String(20))
    surplus_weeks: int | None = None         # the surplus limit as weeks of funding, or
    surplus_pence: OptionalStoredPence = None         # as an amount
    contingency_pence: StoredPence = 0               # held back: spent only with approval
    owed_to: OwedTo = Field(default=OwedTo.commissioner, sa_type=String(20))
    family_contribution_first: bool = False
    key_worker_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    next_review_on: date | None = None
    closed_on: date | None = None
    closed_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp_field()


class IsfSource(SQLModel, table=True):
    """Where the money comes from: social care, health or education, the law each falls under, its permitted
    uses."""

    __tablename__ = "isf_sources"
    __audited__ = True
    id: uuid.UUID = id_field()
    agreement_id: uuid.UUID = Field(foreign_key="isf_agreements.id", index=True)
    source: str = Field(sa_type=String(20))
    law: str = Field(sa_type=String(30))
    yearly_pence: StoredPence
    permitted: str = Field(default="", sa_type=Text)


class IsfOutcome(SQLModel, table=True):
    """An outcome of the child's plan: every spend line names one."""

    __tablename__ = "isf_outcomes"
    __audited__ = True
    id: uuid.UUID = id_field()
    agreement_id: uuid.UUID = Field(foreign_key="isf_agreements.id", index=True)
    text: str = Field(sa_type=Text)
    source: str = Field(default="", sa_type=String(20))
    review_on: date | None = None
    service_id: uuid.UUID | None = Field(default=None, foreign_key="services.id")   # the hospice's own service
    # whose draw-downs serve this outcome: its nights or sessions name the outcome on the family's statement


class IsfReceipt(SQLModel, table=True):
    """Money in: an instalment (or a family's contribution) received into the ISF client account."""

    __tablename__ = "isf_receipts"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),)
    id: uuid.UUID = id_field()
    agreement_id: uuid.UUID = Field(foreign_key="isf_agreements.id", index=True)
    instalment_number: int | None = None
    received_on: date
    pence: StoredPence
    source: str = Field(sa_type=String(30))          # social_care, health, education, family_contribution
    reference: str = Field(default="", sa_type=String(140))
    bank_line_id: uuid.UUID | None = Field(default=None, foreign_key="bank_lines.id", unique=True)
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class Supplier(SQLModel, table=True):
    __tablename__ = "isf_suppliers"
    __audited__ = True
    id: uuid.UUID = id_field()
    name: str = Field(sa_type=String(200), unique=True)
    sort_code: str | None = Field(default=None, sa_type=String(6))
    account_number: str | None = Field(default=None, sa_type=String(8))
    pending_sort_code: str | None = Field(default=None, sa_type=String(6))      # a change waiting for a second
    pending_account_number: str | None = Field(default=None, sa_type=String(8))  # person to confirm it
    pending_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class Evidence(SQLModel, table=True):
    """A receipt or invoice for a spend, stored in the database so that a backup carries it."""

    __tablename__ = "isf_evidence"
    id: uuid.UUID = id_field()
    filename: str = Field(sa_type=String(200))
    content_type: str = Field(sa_type=String(60))
    content: bytes = Field(sa_type=LargeBinary)
    sha256: str = Field(sa_type=String(64))
    created_at: datetime = timestamp_field()


class SpendStatus(StrEnum):
    asked = "asked"
    approved = "approved"        # and posted
    refused = "refused"


class IsfSpend(SQLModel, table=True):
    """Money out to another supplier (a taxi, tickets, equipment), asked for, then approved by someone allowed that
    amount who did not ask; posted when approved. Fees and returns are spend too, posted by Lantern."""

    __tablename__ = "isf_spend"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),
                      UniqueConstraint("agreement_id", "kind", "period_number", name="uq_isf_spend_fee_period"))
    id: uuid.UUID = id_field()
    agreement_id: uuid.UUID = Field(foreign_key="isf_agreements.id", index=True)
    kind: str = Field(sa_type=String(20))              # supplier, fee, return
    period_number: int | None = None                   # the period a fee is for: one fee per period
    spent_on: date
    pence: StoredPence
    description: str = Field(sa_type=Text)
    outcome_id: uuid.UUID | None = Field(default=None, foreign_key="isf_outcomes.id")
    supplier_id: uuid.UUID | None = Field(default=None, foreign_key="isf_suppliers.id")
    evidence_id: uuid.UUID | None = Field(default=None, foreign_key="isf_evidence.id")
    from_contingency: bool = False
    status: SpendStatus = Field(default=SpendStatus.asked, sa_type=String(20))
    asked_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decided_on: date | None = None
    created_at: datetime = timestamp_field()


class NoticeState(StrEnum):
    open = "open"
    reconsideration = "reconsideration"      # the family or the hospice asked the commissioner to reconsider
    repaid = "repaid"
    withheld = "withheld"                    # kept back from future instalments instead
    withdrawn = "withdrawn"


class RepaymentNotice(SQLModel, table=True):
    """A commissioner's statutory repayment notice, recorded as issued: reasons, amount, deadline, who repays."""

    __tablename__ = "isf_repayment_notices"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    agreement_id: uuid.UUID = Field(foreign_key="isf_agreements.id", index=True)
    issued_on: date
    pence: StoredPence
    reasons: str = Field(sa_type=Text)
    deadline: date
    repaid_by: str = Field(default="hospice", sa_type=String(20))     # the hospice, from the ISF; or the recipient
    state: NoticeState = Field(default=NoticeState.open, sa_type=String(20))
    settled_on: date | None = None
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class Advance(SQLModel, table=True):
    """Money a charitable fund advances to an ISF that would otherwise go below zero, approved, and recovered from
    the next instalments."""

    __tablename__ = "isf_advances"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),)
    id: uuid.UUID = id_field()
    agreement_id: uuid.UUID = Field(foreign_key="isf_agreements.id", index=True)
    fund_id: uuid.UUID = Field(foreign_key="charitable_funds.id")
    pence: StoredPence
    advanced_on: date
    reason: str = Field(sa_type=Text)
    asked_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = timestamp_field()


class ClearanceKind(StrEnum):
    spend = "spend"              # a supplier's payment or a return, seen leaving the bank
    transfer = "transfer"        # the hospice's own money (draw-downs, fees, advances repaid) moved to its operating account


class IsfClearance(SQLModel, table=True):
    """A line of money out on the ISF client account's statement, matched to what it paid: a posted record, never
    changed."""

    __tablename__ = "isf_clearances"
    __table_args__ = (CheckConstraint("pence > 0", name="pence_positive"),)
    id: uuid.UUID = id_field()
    bank_line_id: uuid.UUID = Field(foreign_key="bank_lines.id", unique=True)
    kind: ClearanceKind = Field(sa_type=String(20))
    spend_id: uuid.UUID | None = Field(default=None, foreign_key="isf_spend.id", unique=True)
    pence: StoredPence
    cleared_on: date
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
