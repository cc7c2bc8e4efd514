"""The NHS children's hospice funding's pages: finance records each year's award and follows its instalments."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from provider.clock import today
from provider.audit.routes import register_history
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import Funder
from provider.grants import service, views
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
register_history("grant_awards", Role.finance)
MONEY = {"amount": "amount_pence"}


def _payers(db) -> list[tuple[str, str]]:
    return [(str(f.id), f.name) for f in db.exec(select(Funder).where(Funder.kind.in_(service.PAYING_KINDS))
                                                 .order_by(Funder.name))]


def _page(request: Request, db, values: dict, errors: dict, status: int = 200):
    errors = {next((k for k, v in MONEY.items() if v == name), name): message for name, message in errors.items()}
    return render(request, "grants/list.html", {
        "awards": service.list_awards(db), "payers": _payers(db), "names": dict(_payers(db)),
        "frequencies": list(service.FREQUENCIES.items()), "values": values, "errors": errors}, status)


@router.get("/grants")
def grants_page(request: Request, db: DB, _: User = FINANCE):
    return _page(request, db, {"name": "NHS children's hospice funding", "instalments": "quarterly",
                               "invoice_required": True}, {})


@router.post("/grants")
def grants_record(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    shape = {MONEY.get(k, k): v for k, v in data.items()}
    try:
        with unit_of_work(db):
            award = service.record_award(db, shape, today(db), user.id, pounds=True)
    except FieldErrors as exc:
        return _page(request, db, data, exc.errors, 422)
    return RedirectResponse(f"/grants/{award.id}?saved=1", status_code=303)


@router.get("/grants/{award_id}")
def grant_view(request: Request, db: DB, award_id: uuid.UUID, _: User = FINANCE):
    award = service.get_award(db, award_id)
    return render(request, "grants/view.html", {"award": award, "payer": db.get(Funder, award.paid_by_id),
                                                 "instalments": views.instalments_of(db, award)})
