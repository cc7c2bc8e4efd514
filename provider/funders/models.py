"""Who pays: ICBs, councils, NHS England and others, with their codes and invoice rules; charitable funds."""
from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field, SQLModel

from provider.base import id_field


class FunderKind(StrEnum):
    icb = "icb"
    local_authority = "local_authority"
    nhs_england = "nhs_england"
    other = "other"


FUNDER_KIND_LABELS = {
    FunderKind.icb: "Integrated Care Board",
    FunderKind.local_authority: "Local authority",
    FunderKind.nhs_england: "NHS England",
    FunderKind.other: "Other",
}


class Funder(SQLModel, table=True):
    __tablename__ = "funders"
    __audited__ = True
    id: uuid.UUID = id_field()
    kind: FunderKind = Field(sa_type=String(20))
    name: str = Field(sa_type=String(200), index=True)
    billing_address: str = Field(sa_type=Text)
    contact_name: str | None = Field(default=None, sa_type=String(200))
    phone: str | None = Field(default=None, sa_type=String(40))
    invoice_email: str | None = Field(default=None, sa_type=String(254))
    secure_email: str | None = Field(default=None, sa_type=String(254))
    payment_terms_days: int = 30
    po_required: bool = False
    pays_without_invoice: bool = False
    charges_cancellations: bool = False
    invoice_number_max_length: int | None = None
    po_number_max_length: int | None = None     # the longest purchase order number the payer's system takes
    max_days_dated_ahead: int | None = None
    successor_id: uuid.UUID | None = Field(default=None, foreign_key="funders.id")
    is_active: bool = True
    notes: str = Field(default="", sa_type=Text)


class CodeKind(StrEnum):
    organisation_code = "organisation_code"
    payables_code = "payables_code"


class FunderCode(SQLModel, table=True):
    """An ICB's organisation or payables code, in force from `starts_on` to `ends_on`."""

    __tablename__ = "funder_codes"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    funder_id: uuid.UUID = Field(foreign_key="funders.id", index=True)
    kind: CodeKind = Field(sa_type=String(30))
    value: str = Field(sa_type=String(40))
    starts_on: date
    ends_on: date | None = None


class DepartmentKind(StrEnum):
    social_care = "social_care"
    education = "education"
    health = "health"
    other = "other"


class FunderDepartment(SQLModel, table=True):
    """A council's children's social care or education team: invoiced separately."""

    __tablename__ = "funder_departments"
    __audited__ = True
    id: uuid.UUID = id_field()
    funder_id: uuid.UUID = Field(foreign_key="funders.id", index=True)
    kind: DepartmentKind = Field(sa_type=String(20))
    name: str = Field(sa_type=String(200))
    invoice_email: str | None = Field(default=None, sa_type=String(254))
    billing_address: str | None = Field(default=None, sa_type=Text)


class CharitableFund(SQLModel, table=True):
    __tablename__ = "charitable_funds"
    __audited__ = True
    id: uuid.UUID = id_field()
    name: str = Field(sa_type=String(200), unique=True)
    restricted: bool = False
    purpose: str = Field(default="", sa_type=Text)
    is_active: bool = True


class FundService(SQLModel, table=True):
    """A service a restricted fund may pay for."""

    __tablename__ = "fund_services"
    __audited__ = True
    fund_id: uuid.UUID = Field(foreign_key="charitable_funds.id", primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="services.id", primary_key=True)
