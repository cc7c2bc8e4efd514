"""The hospice's own details and bank accounts. Administrators keep the details; finance keeps the bank
accounts and payment terms. Every check runs before anything is written."""
from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from provider.errors import Conflict, FieldErrors, Forbidden, NotFound
from provider.organisation.changes import sent, validate_change, validate_new, values_of
from provider.organisation.models import AccountPurpose, BankAccount, ProviderSettings
from provider.fields import Email, Phone, optional
from provider.users.models import Role

PURPOSE_LABELS = {AccountPurpose.operating: "Operating account (payers pay invoices into it)",
                  AccountPurpose.isf_client: "ISF client account (money held for families)",
                  AccountPurpose.other: "Other"}
ONE_ACTIVE = (AccountPurpose.operating, AccountPurpose.isf_client)


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


def show_sort_code(digits: str) -> str:
    return f"{digits[0:2]}-{digits[2:4]}-{digits[4:6]}" if len(digits) == 6 else digits


Address = Annotated[str, Field(min_length=1, max_length=2000)]
PaymentTerms = Annotated[int, AfterValidator(_payment_terms)]
SortCode = Annotated[str, AfterValidator(sort_code_digits)]
AccountNumber = Annotated[str, AfterValidator(_account_number)]


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


ROLE_FIELDS = {Role.admin: set(SettingsIn.model_fields), Role.finance: set(TermsIn.model_fields)}
BLANK_IS_EMPTY = ("phone", "email", "website")  # columns that hold "" rather than NULL


def get_settings(db: Session) -> ProviderSettings | None:
    return db.get(ProviderSettings, 1)


def update_settings(db: Session, data: dict[str, Any] | SettingsPatch, role: Role) -> ProviderSettings:
    changes = sent(data)
    not_yours = sorted(set(changes) - ROLE_FIELDS.get(role, set()))
    if not_yours:
        raise Forbidden(f"Your role cannot change {', '.join(not_yours)}.")
    settings = get_settings(db)
    if role == Role.finance:
        if settings is None:
            raise Conflict("The administrator has not entered the hospice's details yet.")
        values = validate_change(TermsIn, values_of(settings, TermsIn), changes).model_dump()
    else:
        current = values_of(settings, SettingsIn) if settings else {}
        current = {k: (None if k in BLANK_IS_EMPTY and v == "" else v) for k, v in current.items()}
        shape = validate_change(SettingsIn, current, changes)
        if shape.company_number and not shape.registered_office:
            raise FieldErrors({"registered_office": "is required for a charitable company"})
        values = {k: ("" if k in BLANK_IS_EMPTY and v is None else v) for k, v in shape.model_dump().items()}
    settings = settings or ProviderSettings(id=1, **values)
    for name, value in values.items():
        if getattr(settings, name) != value:
            setattr(settings, name, value)
    db.add(settings)
    db.flush()
    return settings


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


def list_bank_accounts(db: Session) -> list[BankAccount]:
    """Accounts in use first: the operating account, the ISF client account, then others."""
    order = list(AccountPurpose)
    return sorted(db.exec(select(BankAccount)),
                  key=lambda a: (not a.is_active, order.index(AccountPurpose(a.purpose)), a.account_name))


def get_bank_account(db: Session, account_id: uuid.UUID) -> BankAccount:
    account = db.get(BankAccount, account_id)
    if account is None:
        raise NotFound("No such bank account.")
    return account


def _account_problems(db: Session, shape: BankAccountIn, account: BankAccount | None) -> dict[str, str]:
    if shape.purpose not in ONE_ACTIVE or not shape.is_active:
        return {}
    query = select(BankAccount.id).where(BankAccount.purpose == shape.purpose, BankAccount.is_active == True)  # noqa: E712
    others = [i for i in db.exec(query) if account is None or i != account.id]
    if others:
        return {"purpose": "already has an account in use: switch that one off first, so payers know which to use"}
    return {}


def save_bank_account(db: Session, data: dict | BankAccountIn | BankAccountPatch,
                      account: BankAccount | None = None) -> BankAccount:
    current = values_of(account, BankAccountIn) if account else {}
    shape = validate_change(BankAccountIn, current, data) if account else validate_new(BankAccountIn, data)
    if errors := _account_problems(db, shape, account):
        raise FieldErrors(errors)
    account = account or BankAccount(**shape.model_dump())
    for name, value in shape.model_dump().items():
        if getattr(account, name) != value:
            setattr(account, name, value)
    db.add(account)
    db.flush()
    return account
