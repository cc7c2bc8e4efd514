"""JSON API for grant awards: record one (its income posted on the day of entitlement), list them, read one."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from provider.clock import today
from provider.db import unit_of_work
from provider.grants import service, views
from provider.grants.models import GrantAward
from provider.grants.schemas import GrantIn
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["grants"])
FINANCE = allow(Role.finance)


class InstalmentOut(BaseModel):
    number: int
    due_on: date
    covers_from: date
    covers_to: date
    amount_pence: int
    invoice_number: str | None
    expected: bool


class GrantOut(BaseModel):
    id: uuid.UUID
    reference: str
    name: str
    paid_by_id: uuid.UUID
    starts_on: date
    ends_on: date
    amount_pence: int
    entitled_on: date
    instalments: str
    invoice_required: bool
    po_number: str | None
    notes: str
    schedule: list[InstalmentOut]


def _out(db, award: GrantAward) -> GrantOut:
    rows = views.instalments_of(db, award)
    return GrantOut(**{name: getattr(award, name) for name in GrantOut.model_fields if name != "schedule"},
                    schedule=[InstalmentOut(number=i.number, due_on=i.due_on, covers_from=i.covers_from,
                                            covers_to=i.covers_to, amount_pence=i.pence,
                                            invoice_number=i.invoice.number if i.invoice else None,
                                            expected=i.expected is not None) for i in rows])


@router.get("/grants", response_model=list[GrantOut])
def list_grants(db: DB, _: User = FINANCE):
    return [_out(db, award) for award in service.list_awards(db)]


@router.post("/grants", response_model=GrantOut, status_code=201)
def record_grant(db: DB, shape: GrantIn, user: User = FINANCE):
    with unit_of_work(db):
        award = service.record_award(db, shape, today(db), user.id)
    return _out(db, award)


@router.get("/grants/{award_id}", response_model=GrantOut)
def read_grant(db: DB, award_id: uuid.UUID, _: User = FINANCE):
    return _out(db, service.get_award(db, award_id))
