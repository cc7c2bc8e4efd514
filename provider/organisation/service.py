"""The hospice's own details and bank accounts. Administrators keep the details; finance keeps the bank
accounts and payment terms. Every check runs before anything is written."""
from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from provider.errors import Conflict, FieldErrors, Forbidden, NotFound
from provider.organisation.changes import sent, validate_change, validate_new, values_of
from provider.organisation.models import AccountPurpose, BankAccount, ProviderSettings
from provider.organisation.schemas import BankAccountIn, BankAccountPatch, SettingsIn, SettingsPatch, TermsIn
from provider.users.models import Role

PURPOSE_LABELS = {AccountPurpose.operating: "Operating account (payers pay invoices into it)",
                  AccountPurpose.isf_client: "ISF client account (money held for families)",
                  AccountPurpose.other: "Other"}
ONE_ACTIVE = (AccountPurpose.operating, AccountPurpose.isf_client)


def show_sort_code(digits: str) -> str:
    return f"{digits[0:2]}-{digits[2:4]}-{digits[4:6]}" if len(digits) == 6 else digits


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
