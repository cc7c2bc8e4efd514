"""The hospice keeping the books: its legal details, bank accounts and calendars."""
from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from provider.base import id_field
from provider.money import StoredPence


class ProviderSettings(SQLModel, table=True):
    """One row (id 1): what every invoice and letter says about the hospice."""

    __tablename__ = "provider_settings"
    __audited__ = True
    id: int = Field(default=1, primary_key=True)
    name: str = Field(sa_type=String(200))
    address: str = Field(sa_type=Text)
    phone: str = Field(default="", sa_type=String(40))
    email: str = Field(default="", sa_type=String(254))
    website: str = Field(default="", sa_type=String(200))
    charity_number: str = Field(sa_type=String(20))
    company_number: str | None = Field(default=None, sa_type=String(20))
    registered_office: str | None = Field(default=None, sa_type=Text)
    vat_number: str | None = Field(default=None, sa_type=String(20))
    financial_year_start_month: int = 4
    payment_terms_days: int = 30
    write_off_limit_pence: StoredPence = 2_500      # a finance user may write off or waive up to this alone


class AccountPurpose(StrEnum):
    operating = "operating"
    isf_client = "isf_client"
    other = "other"


class ColumnMap(SQLModel, table=True):
    """How one bank lays out its CSV statements: a setting, so a new bank needs no code."""

    __tablename__ = "bank_column_maps"
    __audited__ = True
    id: uuid.UUID = id_field()
    name: str = Field(sa_type=String(100), unique=True)
    date_column: str = Field(sa_type=String(100))
    date_format: str = Field(default="%d/%m/%Y", sa_type=String(40))
    amount_column: str | None = Field(default=None, sa_type=String(100))      # signed: money in is positive
    paid_in_column: str | None = Field(default=None, sa_type=String(100))     # or two columns
    paid_out_column: str | None = Field(default=None, sa_type=String(100))
    reference_column: str = Field(sa_type=String(100))
    description_column: str | None = Field(default=None, sa_type=String(100))
    transaction_id_column: str | None = Field(default=None, sa_type=String(100))
    delimiter: str = Field(default=",", sa_type=String(1))


class BankAccount(SQLModel, table=True):
    __tablename__ = "bank_accounts"
    __audited__ = True
    id: uuid.UUID = id_field()
    purpose: AccountPurpose = Field(sa_type=String(20))
    bank_name: str = Field(sa_type=String(100))
    account_name: str = Field(sa_type=String(100))
    sort_code: str = Field(sa_type=String(6))
    account_number: str = Field(sa_type=String(8))
    label: str | None = Field(default=None, sa_type=String(60), unique=True)   # what finance calls it: "Operating"
    column_map_id: uuid.UUID | None = Field(default=None, foreign_key="bank_column_maps.id")   # its CSV layout
    is_active: bool = True


class HolidayKind(StrEnum):
    bank_holiday = "bank_holiday"
    school_holiday = "school_holiday"


class Holiday(SQLModel, table=True):
    """A bank holiday (one day) or a school holiday (a run of days)."""

    __tablename__ = "holidays"
    __table_args__ = (
        UniqueConstraint("kind", "starts_on", name="uq_holidays_kind_starts_on"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    kind: HolidayKind = Field(sa_type=String(20))
    name: str = Field(sa_type=String(100))
    starts_on: date
    ends_on: date
