"""Charitable funds' pages: finance only."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.catalogue.service import list_services
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders import funds
from provider.funders.models import CharitableFund
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)


@router.get("/funds")
def funds_list(request: Request, db: DB, _: User = FINANCE):
    return render(request, "funds/list.html", {"funds": funds.list_funds(db), "services": funds.services_by_fund(db)})


def _fund_form(request: Request, db: DB, values: dict, errors: dict, fund: CharitableFund | None = None,
               status: int = 200):
    return render(request, "funds/form.html", {"values": values, "errors": errors, "fund": fund,
                                               "services": list_services(db)}, status)


def _values(db: DB, fund: CharitableFund) -> dict:
    return {"name": fund.name, "restricted": fund.restricted, "purpose": fund.purpose, "is_active": fund.is_active,
            "service_ids": [str(i) for i in funds.service_ids_of(db, fund)]}


@router.get("/funds/new")
def fund_new(request: Request, db: DB, _: User = FINANCE):
    return _fund_form(request, db, {"is_active": True, "service_ids": []}, {})


@router.post("/funds/new")
def fund_create(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request, lists=("service_ids",))
    try:
        with unit_of_work(db):
            funds.save_fund(db, data)
    except FieldErrors as exc:
        return _fund_form(request, db, data, exc.errors, status=422)
    return RedirectResponse("/funds?saved=1", status_code=303)


@router.get("/funds/{fund_id}")
def fund_edit(request: Request, db: DB, fund_id: uuid.UUID, _: User = FINANCE):
    fund = funds.get_fund(db, fund_id)
    return _fund_form(request, db, _values(db, fund), {}, fund)


@router.post("/funds/{fund_id}")
def fund_update(request: Request, db: DB, fund_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request, lists=("service_ids",))
    fund = funds.get_fund(db, fund_id)
    try:
        with unit_of_work(db):
            funds.save_fund(db, data, fund)
    except FieldErrors as exc:
        return _fund_form(request, db, {**_values(db, fund), **data}, exc.errors, fund, 422)
    return RedirectResponse(f"/funds/{fund.id}?saved=1", status_code=303)
