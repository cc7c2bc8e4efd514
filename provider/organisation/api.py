"""JSON API for the hospice's settings, bank accounts and calendars: the same rules as the pages."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Response

from provider.db import unit_of_work
from provider.errors import NotFound
from provider.organisation import holidays, service as organisation
from provider.organisation.models import HolidayKind
from provider.organisation.schemas import (BankAccountIn, BankAccountOut, BankAccountPatch, HolidayIn, HolidayOut,
                                           SettingsOut, SettingsPatch)
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", tags=["settings"], responses=API_ERRORS)
ADMIN = allow(Role.admin)
FINANCE = allow(Role.finance)
ADMIN_OR_FINANCE = allow(Role.admin, Role.finance)


@router.get("/settings", response_model=SettingsOut)
def get_settings(db: DB, _: User = ADMIN_OR_FINANCE):
    settings = organisation.get_settings(db)
    if settings is None:
        raise NotFound("The hospice's details have not been entered yet.")
    return settings


@router.patch("/settings", response_model=SettingsOut)
def update_settings(body: SettingsPatch, db: DB, user: User = ADMIN_OR_FINANCE):
    """Administrators change the hospice's details (the first change enters them); finance changes
    payment_terms_days only. A field of the other role's part is refused with 403."""
    with unit_of_work(db):
        return organisation.update_settings(db, body, Role(user.role))


@router.get("/bank-accounts", response_model=list[BankAccountOut])
def list_bank_accounts(db: DB, _: User = ADMIN_OR_FINANCE):
    return organisation.list_bank_accounts(db)


@router.post("/bank-accounts", response_model=BankAccountOut, status_code=201)
def create_bank_account(body: BankAccountIn, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return organisation.save_bank_account(db, body)


@router.get("/bank-accounts/{account_id}", response_model=BankAccountOut)
def get_bank_account(account_id: uuid.UUID, db: DB, _: User = ADMIN_OR_FINANCE):
    return organisation.get_bank_account(db, account_id)


@router.patch("/bank-accounts/{account_id}", response_model=BankAccountOut)
def update_bank_account(account_id: uuid.UUID, body: BankAccountPatch, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return organisation.save_bank_account(db, body, organisation.get_bank_account(db, account_id))


@router.get("/holidays", response_model=list[HolidayOut])
def list_holidays(db: DB, year: int | None = Query(None, description="Calendar year; all if left out", ge=1900, le=2999),
                  kind: HolidayKind | None = None, _: User = ADMIN_OR_FINANCE):
    return holidays.holidays_in_year(db, year, kind)


@router.post("/holidays", response_model=HolidayOut, status_code=201)
def add_holiday(body: HolidayIn, db: DB, _: User = ADMIN):
    with unit_of_work(db):
        return holidays.add_holiday(db, body)


@router.delete("/holidays/{holiday_id}", status_code=204)
def remove_holiday(holiday_id: uuid.UUID, db: DB, _: User = ADMIN):
    with unit_of_work(db):
        holidays.remove_holiday(db, holidays.get_holiday(db, holiday_id))
    return Response(status_code=204)
