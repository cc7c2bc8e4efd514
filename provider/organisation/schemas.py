"""The API's and forms' shapes for the organisation: the hospice's details and payment terms, its bank accounts,
the calendars' holidays, and the field types they check."""
from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from provider.base import Day
from provider.fields import Email, Phone, optional
from provider.organisation.models import AccountPurpose, HolidayKind


def _charity_number(value: str) -> str:
    value = value.upper().replace(" ", "")
    if not re.fullmatch(r"(SC|NIC)?\d{5,8}(-\d{1,3})?", value):
        raise ValueError("must be a registered charity number, like 1187342")
    return value


def _company_number(value: str) -> str:
    value = value.upper().replace(" ", "")
    if not re.fullmatch(r"\d{8}|[A-Z]{2}\d{6}", value):
        raise ValueError("must be 8 characters, like 11293847 or SC123456")
    return value


def _vat_number(value: str) -> str:
    value = value.upper().replace(" ", "")
    digits = value.removeprefix("GB")
    if not re.fullmatch(r"\d{9}|\d{12}", digits):
        raise ValueError("must be a UK VAT number, like GB 123 4567 89")
    return "GB" + digits


def _months(value: int) -> int:
    if not 1 <= value <= 12:
        raise ValueError("must be a month, 1 to 12")
    return value


def _payment_terms(value: int) -> int:
    if not 0 <= value <= 120:
        raise ValueError("must be between 0 and 120 days")
    return value


def sort_code_digits(value: str) -> str:
    """'12-34-56', '12 34 56' or '123456' to '123456'."""
    if not re.fullmatch(r"\d{2}([- ]?)\d{2}\1\d{2}", value):
        raise ValueError("must be 6 digits, like 12-34-56")
    return re.sub(r"\D", "", value)


def _account_number(value: str) -> str:
    value = value.replace(" ", "")
    if not re.fullmatch(r"\d{8}", value):
        raise ValueError("must be exactly 8 digits")
    return value


Address = Annotated[str, Field(min_length=1, max_length=2000)]
PaymentTerms = Annotated[int, AfterValidator(_payment_terms)]
SortCode = Annotated[str, AfterValidator(sort_code_digits)]
AccountNumber = Annotated[str, AfterValidator(_account_number)]


# --- the hospice's details and payment terms ---------------------------------------------------------------------

class SettingsIn(BaseModel):
    """The administrator's part of the settings: what every invoice and letter says about the hospice."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    address: Address
    phone: Phone = None
    email: Email = None
    website: optional(200) = None
    charity_number: Annotated[str, AfterValidator(_charity_number)]
    company_number: optional(20, AfterValidator(_company_number)) = None
    registered_office: optional(2000) = Field(default=None, description="Required with a company number")
    vat_number: optional(20, AfterValidator(_vat_number)) = Field(default=None, description="Only when registered")
    financial_year_start_month: Annotated[int, AfterValidator(_months)] = 4


class TermsIn(BaseModel):
    """Finance's part of the settings."""

    model_config = ConfigDict(extra="forbid")
    payment_terms_days: PaymentTerms


class SettingsPatch(BaseModel):
    """A change to the settings: only the fields sent are changed. Administrators change the hospice's
    details; finance changes payment_terms_days."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=2000)
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    charity_number: str | None = None
    company_number: str | None = None
    registered_office: str | None = None
    vat_number: str | None = None
    financial_year_start_month: int | None = None
    payment_terms_days: int | None = None


class SettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    address: str
    phone: str
    email: str
    website: str
    charity_number: str
    company_number: str | None
    registered_office: str | None
    vat_number: str | None
    financial_year_start_month: int
    payment_terms_days: int


# --- bank accounts -----------------------------------------------------------------------------------------------

class BankAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    purpose: AccountPurpose
    bank_name: str = Field(min_length=1, max_length=100)
    account_name: str = Field(min_length=1, max_length=100, description="Exactly as the bank holds it")
    sort_code: SortCode = Field(description='"12-34-56" or "123456"; stored as 6 digits')
    account_number: AccountNumber = Field(description="Exactly 8 digits")
    is_active: bool = True


class BankAccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    purpose: AccountPurpose | None = None
    bank_name: str | None = Field(default=None, max_length=100)
    account_name: str | None = Field(default=None, max_length=100)
    sort_code: str | None = None
    account_number: str | None = None
    is_active: bool | None = None


class BankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    purpose: AccountPurpose
    bank_name: str
    account_name: str
    sort_code: str = Field(description="6 digits")
    account_number: str
    is_active: bool


# --- holidays ----------------------------------------------------------------------------------------------------

class HolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: HolidayKind
    name: str = Field(min_length=1, max_length=100, description='e.g. "Easter Monday", "Summer holidays 2026"')
    starts_on: Day = Field(description="The day of a bank holiday; the first day of a school holiday")
    ends_on: Day | None = Field(default=None, description="The last day of a school holiday; omit for a bank holiday")


class HolidayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: HolidayKind
    name: str
    starts_on: date
    ends_on: date
