"""The settings pages. Administrators change the hospice's details and calendars; finance changes the
payment terms and bank accounts; each sees the other's part read-only."""
from __future__ import annotations

import calendar
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.audit.routes import register_history
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.organisation import holiday_routes, service as organisation
from provider.organisation.changes import values_of
from provider.organisation.models import BankAccount
from provider.organisation.schemas import BankAccountIn, SettingsIn
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(holiday_routes.router)
ADMIN = allow(Role.admin)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.admin, Role.finance)

for _table in ("provider_settings", "bank_accounts", "holidays"):
    register_history(_table, Role.finance, Role.admin)

MONTHS = [(n, calendar.month_name[n]) for n in range(1, 13)]


def _text(values: dict) -> dict:
    return {k: "" if v is None else (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


@router.get("/settings")
def settings_page(request: Request, db: DB, user: User = CAN_READ):
    return render(request, "settings/index.html", {
        "settings": organisation.get_settings(db), "accounts": organisation.list_bank_accounts(db),
        "purposes": organisation.PURPOSE_LABELS, "sort_code": organisation.show_sort_code,
        "month_name": calendar.month_name, "is_admin": user.role == Role.admin, "is_finance": user.role == Role.finance})


def _details_form(request: Request, values: dict, errors: dict, status: int = 200):
    return render(request, "settings/details_form.html", {"values": values, "errors": errors, "months": MONTHS},
                  status)


@router.get("/settings/details")
def details_edit(request: Request, db: DB, _: User = ADMIN):
    settings = organisation.get_settings(db)
    values = values_of(settings, SettingsIn) if settings else {"financial_year_start_month": 4}
    return _details_form(request, _text(values), {})


@router.post("/settings/details")
def details_update(request: Request, db: DB, _: User = ADMIN):
    data = form_data(request)
    try:
        with unit_of_work(db):
            organisation.update_settings(db, data, Role.admin)
    except FieldErrors as exc:
        return _details_form(request, data, exc.errors, 422)
    return RedirectResponse("/settings?saved=1", status_code=303)


def _terms_form(request: Request, values: dict, errors: dict, status: int = 200):
    return render(request, "settings/terms_form.html", {"values": values, "errors": errors}, status)


@router.get("/settings/payment-terms")
def terms_edit(request: Request, db: DB, _: User = FINANCE):
    settings = organisation.get_settings(db)
    return _terms_form(request, {"payment_terms_days": settings.payment_terms_days if settings else 30}, {})


@router.post("/settings/payment-terms")
def terms_update(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            organisation.update_settings(db, data, Role.finance)
    except FieldErrors as exc:
        return _terms_form(request, data, exc.errors, 422)
    return RedirectResponse("/settings?saved=1", status_code=303)


def _account_form(request: Request, values: dict, errors: dict, account: BankAccount | None = None,
                  status: int = 200):
    return render(request, "settings/bank_account_form.html", {
        "values": values, "errors": errors, "account": account,
        "purposes": [(p.value, label) for p, label in organisation.PURPOSE_LABELS.items()]}, status)


@router.get("/settings/bank-accounts/new")
def account_new(request: Request, _: User = FINANCE):
    return _account_form(request, {"is_active": True}, {})


@router.post("/settings/bank-accounts/new")
def account_create(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            organisation.save_bank_account(db, data)
    except FieldErrors as exc:
        return _account_form(request, data, exc.errors, status=422)
    return RedirectResponse("/settings?saved=1#bank-accounts", status_code=303)


@router.get("/settings/bank-accounts/{account_id}")
def account_edit(request: Request, db: DB, account_id: uuid.UUID, _: User = FINANCE):
    account = organisation.get_bank_account(db, account_id)
    values = _text(values_of(account, BankAccountIn))
    values["sort_code"] = organisation.show_sort_code(account.sort_code)
    return _account_form(request, values, {}, account)


@router.post("/settings/bank-accounts/{account_id}")
def account_update(request: Request, db: DB, account_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    account = organisation.get_bank_account(db, account_id)
    try:
        with unit_of_work(db):
            organisation.save_bank_account(db, data, account)
    except FieldErrors as exc:
        return _account_form(request, {**_text(values_of(account, BankAccountIn)), **data},
                             exc.errors, account, 422)
    return RedirectResponse("/settings?saved=1#bank-accounts", status_code=303)
