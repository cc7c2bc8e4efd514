"""Starting and lifting a bereavement hold: from the child's page and through the API, by care coordinators
and finance staff; the person is the one signed in."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.people import holds
from provider.people.models import Child
from provider.people.schemas import HoldIn
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["people"], responses=API_ERRORS)
STAFF = allow(Role.coordinator, Role.finance)


def _child(db, child_id: uuid.UUID) -> Child:
    child = db.get(Child, child_id)
    if child is None:
        raise NotFound("No such child")
    return child


def _change(request: Request, db, child_id: uuid.UUID, user: User, lift: bool):
    child = _child(db, child_id)
    data = form_data(request)
    try:
        with unit_of_work(db):
            if lift:
                holds.lift_hold(db, child, user.name, {"reason": data.get("reason") or ""})
            else:
                holds.start_hold(db, child, user.name, {"reason": data.get("reason") or ""})
    except FieldErrors as exc:
        return render(request, "people/hold_refused.html", {"child": child, "errors": exc.errors}, 422)
    return RedirectResponse(f"/children/{child.id}#bereavement-hold", status_code=303)


@router.post("/children/{child_id}/hold")
def start(request: Request, db: DB, child_id: uuid.UUID, user: User = STAFF):
    return _change(request, db, child_id, user, lift=False)


@router.post("/children/{child_id}/hold/lift")
def lift(request: Request, db: DB, child_id: uuid.UUID, user: User = STAFF):
    return _change(request, db, child_id, user, lift=True)


class HoldOut(BaseModel):
    in_place: bool
    started_on: date | None = None
    started_by: str | None = None
    reason: str | None = None
    lifted_on: date | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None


def _out(hold) -> HoldOut:
    if hold is None:
        return HoldOut(in_place=False)
    return HoldOut(in_place=hold.lifted_on is None, started_on=hold.started_on, started_by=hold.started_by,
                   reason=hold.reason, lifted_on=hold.lifted_on, lifted_by=hold.lifted_by, lift_reason=hold.lift_reason)


@api.get("/children/{child_id}/bereavement-hold", response_model=HoldOut)
def read(db: DB, child_id: uuid.UUID, _: User = STAFF):
    return _out(holds.open_hold(db, _child(db, child_id).id))


@api.post("/children/{child_id}/bereavement-hold", response_model=HoldOut, status_code=201)
def start_api(db: DB, child_id: uuid.UUID, shape: HoldIn, user: User = STAFF):
    with unit_of_work(db):
        hold = holds.start_hold(db, _child(db, child_id), user.name, shape)
    return _out(hold)


@api.post("/children/{child_id}/bereavement-hold/lift", response_model=HoldOut)
def lift_api(db: DB, child_id: uuid.UUID, shape: HoldIn, user: User = STAFF):
    with unit_of_work(db):
        hold = holds.lift_hold(db, _child(db, child_id), user.name, shape)
    return _out(hold)
