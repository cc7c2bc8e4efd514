"""The API's and forms' shapes for funders: funders, their dated codes and departments, and charitable funds.

No `from __future__ import annotations` here: CodeOut keeps another module's name for the API document, and pydantic
would look its annotations up in that module; evaluated as each class is made, they need no look-up."""
import re
import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from provider.base import Day
from provider.fields import Email, Name, Phone, Text, between, blank_is_none, optional
from provider.funders.models import CodeKind, DepartmentKind, FunderKind
from provider.organisation.schemas import PaymentTerms


# --- funders ---------------------------------------------------------------------------------------------------

def _between(low: int, high: int):
    return Annotated[Annotated[int, between(low, high)] | None, BeforeValidator(blank_is_none)]


class FunderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: FunderKind
    name: str = Field(min_length=1, max_length=200)
    billing_address: str = Field(min_length=1, max_length=2000,
                                 description="For an ICB, with its organisation and payables codes")
    contact_name: Name = None
    phone: Phone = None
    invoice_email: Email = None
    secure_email: Email = Field(default=None, description="Only for patient-level backing data; never invoices")
    payment_terms_days: PaymentTerms = 30
    po_required: bool = Field(default=False, description="No purchase order, no invoice")
    pays_without_invoice: bool = Field(default=False, description="Pays on a schedule; Lantern expects payments")
    charges_cancellations: bool = Field(default=False, description="Pays for a late cancellation by the family or a "
                                                                   "night the child did not attend")
    invoice_number_max_length: _between(6, 100) = Field(default=None, description="e.g. 30 for NHS SBS")
    po_number_max_length: _between(1, 60) = Field(default=None, description="The longest purchase order number "
                                                                          "the payer's system takes")
    max_days_dated_ahead: _between(0, 365) = Field(default=None, description="e.g. 14 for NHS SBS")
    successor_id: uuid.UUID | None = Field(default=None, description="The funder that replaced this one")
    is_active: bool = True
    notes: Text = ""


class FunderPatch(BaseModel):
    """A change to a funder: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: FunderKind | None = None
    name: str | None = Field(default=None, max_length=200)
    billing_address: str | None = Field(default=None, max_length=2000)
    contact_name: str | None = None
    phone: str | None = None
    invoice_email: str | None = None
    secure_email: str | None = None
    payment_terms_days: int | None = None
    po_required: bool | None = None
    pays_without_invoice: bool | None = None
    charges_cancellations: bool | None = None
    invoice_number_max_length: int | None = None
    po_number_max_length: int | None = None
    max_days_dated_ahead: int | None = None
    successor_id: uuid.UUID | None = None
    is_active: bool | None = None
    notes: str | None = None


class FunderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: FunderKind
    name: str
    billing_address: str
    contact_name: str | None
    phone: str | None
    invoice_email: str | None
    secure_email: str | None
    payment_terms_days: int
    po_required: bool
    pays_without_invoice: bool
    charges_cancellations: bool
    invoice_number_max_length: int | None
    po_number_max_length: int | None
    max_days_dated_ahead: int | None
    successor_id: uuid.UUID | None
    is_active: bool
    notes: str



# --- codes and departments -------------------------------------------------------------------------------------

def _code_value(value: str) -> str:
    value = value.upper()
    if not re.fullmatch(r"[A-Z0-9]{2,12}", value):
        raise ValueError("must be 2 to 12 capital letters and digits, like QRV or K9R1")
    return value


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: CodeKind
    value: Annotated[str, AfterValidator(_code_value)]
    starts_on: Day
    ends_on: Day | None = Field(default=None, description="Leave out for a code in force until the next one")


class CodeOut(BaseModel):
    # Published in the API document as provider__funders__codes__CodeOut: the payments exports have a shape of the
    # same name, and the document names clashing shapes by module, so this one keeps the module it was first
    # published from.
    __module__ = "provider.funders.codes"
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    funder_id: uuid.UUID
    kind: CodeKind
    value: str
    starts_on: date
    ends_on: date | None


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: DepartmentKind
    name: str = Field(min_length=1, max_length=200)
    invoice_email: Email = None
    billing_address: optional(2000) = Field(default=None, description="Leave out to use the council's address")


class DepartmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: DepartmentKind | None = None
    name: str | None = Field(default=None, max_length=200)
    invoice_email: str | None = None
    billing_address: str | None = None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    funder_id: uuid.UUID
    kind: DepartmentKind
    name: str
    invoice_email: str | None
    billing_address: str | None



# --- charitable funds -----------------------------------------------------------------------------------------

class FundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    restricted: bool = False
    purpose: Text = Field(default="", description="Required for a restricted fund")
    service_ids: list[uuid.UUID] = Field(default=[], description="The services a restricted fund may pay for")
    is_active: bool = True


class FundPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, max_length=200)
    restricted: bool | None = None
    purpose: str | None = None
    service_ids: list[uuid.UUID] | None = None
    is_active: bool | None = None


class FundOut(BaseModel):
    id: uuid.UUID
    name: str
    restricted: bool
    purpose: str
    service_ids: list[uuid.UUID]
    is_active: bool

