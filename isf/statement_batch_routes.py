"""The month's ISF statement batch, page and API: what goes and what a bereavement hold holds back, with who may
lift each hold; releasing one held statement on a named person's decision."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from isf import service, statement_batch, statements
from provider.clock import today
from provider.dates import month_bounds
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.people.schemas import ReleaseIn
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["isf"], responses=API_ERRORS)
STAFF = allow(Role.finance, Role.coordinator)


class BatchItemOut(BaseModel):
    agreement_id: uuid.UUID
    child: str
    period: int
    period_ends_on: date
    held: bool
    held_because: str
    released_by: str | None
    release_reason: str | None


class BatchOut(BaseModel):
    month: str
    items: list[BatchItemOut]


class ReleaseOut(BaseModel):
    decided_by: str
    reason: str
    decided_on: date


def _item_out(item: statement_batch.Item) -> BatchItemOut:
    return BatchItemOut(agreement_id=item.agreement.id, child=item.child.display_name, period=item.period.number,
                        period_ends_on=item.period.ends_on, held=item.held, held_because=item.held_because if item.held
                        else "", released_by=item.release.decided_by if item.release else None,
                        release_reason=item.release.reason if item.release else None)


def _page(request: Request, db, month: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    first, last = month_bounds(month)
    return render(request, "isf/statement_batch.html", {
        "month": f"{first:%Y-%m}", "first": first, "batch": statement_batch.batch(db, first, last),
        "errors": errors or {}, "values": values or {}}, status)


@router.get("/isf-statements")
def batch_page(request: Request, db: DB, month: str | None = None, _: User = STAFF):
    return _page(request, db, month or f"{today(db):%Y-%m}")


@router.post("/isf/{agreement_id}/statements/{number}/release")
def release_page(request: Request, db: DB, agreement_id: uuid.UUID, number: int, user: User = STAFF):
    data = form_data(request)
    agreement = service.get_agreement(db, agreement_id)
    month = f"{statements.period(agreement, number).ends_on:%Y-%m}"
    try:
        with unit_of_work(db):
            statement_batch.release(db, agreement, number, user.name,
                                    {"decided_by": data.get("decided_by") or "", "reason": data.get("reason") or ""})
    except FieldErrors as exc:
        return _page(request, db, month, exc.errors, data, 422)
    return RedirectResponse(f"/isf-statements?month={month}#held", status_code=303)


@api.get("/isf-statements/{month}", response_model=BatchOut)
def batch_api(db: DB, month: str, _: User = STAFF):
    first, last = month_bounds(month)
    return BatchOut(month=f"{first:%Y-%m}", items=[_item_out(i) for i in statement_batch.batch(db, first, last).items])


@api.post("/isfs/{agreement_id}/statements/{number}/release", response_model=ReleaseOut, status_code=201)
def release_api(db: DB, agreement_id: uuid.UUID, number: int, shape: ReleaseIn, user: User = STAFF):
    with unit_of_work(db):
        row = statement_batch.release(db, service.get_agreement(db, agreement_id), number, user.name, shape)
    return ReleaseOut(decided_by=row.decided_by, reason=row.reason, decided_on=row.decided_on)
