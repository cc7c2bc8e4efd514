"""JSON API for charges: a month's charges with their parts, one charge, and recalculation (dry run or apply)."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from provider.charges import service as charges
from provider.charges.views import charge_view, charges_between, fingerprint
from provider.dates import month_bounds
from provider.db import unit_of_work
from provider.errors import Conflict
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["charges"])
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)


class PartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    payer_ref: str
    payer_name: str
    arrangement_ref: str
    kind: str
    pence: int
    units: int
    memorandum_pence: int = Field(description="Full cost of care borne by charity (memorandum, not a posting)")
    rule: str
    reason: str


class ChargeOut(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    service_id: uuid.UUID
    service_name: str
    day: date
    time_band: str
    quantity: int
    state: str
    needs_recalculation: bool
    flagged_reason: str | None
    rule_version: str
    supersedes_id: uuid.UUID | None
    parts: list[PartOut]


def _out(view) -> ChargeOut:
    c = view.charge
    return ChargeOut(id=c.id, unit_id=c.unit_id, child_id=c.child_id, child_name=view.child_name,
                     service_id=c.service_id, service_name=view.service_name, day=c.day, time_band=c.time_band,
                     quantity=c.quantity, state=c.state, needs_recalculation=c.needs_recalculation,
                     flagged_reason=c.flagged_reason, rule_version=c.rule_version, supersedes_id=c.supersedes_id,
                     parts=[PartOut.model_validate(p) for p in view.parts])


@router.get("/charges", response_model=list[ChargeOut])
def list_charges(db: DB, month: str = Query(..., description="YYYY-MM"), child_id: uuid.UUID | None = None,
                 flagged: bool = False, _: User = CAN_READ):
    first, last = month_bounds(month)
    return [_out(v) for v in charges_between(db, first, last, child_id=child_id, flagged_only=flagged)]


@router.get("/charges/{charge_id}", response_model=ChargeOut)
def get_charge(db: DB, charge_id: uuid.UUID, _: User = CAN_READ):
    return _out(charge_view(db, charge_id))


class RecalculateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(description="YYYY-MM")
    apply: bool = Field(default=False, description="Store the changes; false (the default) is a dry run")
    fingerprint: str | None = Field(default=None, description="From a dry run: apply only if nothing changed since")


class DifferenceOut(BaseModel):
    unit_id: uuid.UUID
    child_id: uuid.UUID
    service_id: uuid.UUID
    day: date
    before: list[tuple[str, int]]
    after: list[tuple[str, int]]


class RecalculationOut(BaseModel):
    month: str
    applied: bool
    fingerprint: str
    differences: list[DifferenceOut]


@router.post("/charges/recalculate", response_model=RecalculationOut)
def recalculate(db: DB, shape: RecalculateIn, user: User = FINANCE):
    first, last = month_bounds(shape.month)
    if not shape.apply:
        found = charges.recalculate(db, first, last)  # reads only
        seen = fingerprint(found)
    else:
        with unit_of_work(db):
            found = charges.recalculate(db, first, last)
            seen = fingerprint(found)
            if shape.fingerprint is not None and shape.fingerprint != seen:
                raise Conflict("The charges changed since the dry run: run it again before applying.")
            charges.apply(db, found, user)
    return RecalculationOut(month=shape.month, applied=shape.apply, fingerprint=seen, differences=[
        DifferenceOut(unit_id=d.unit_id, child_id=d.child_id, service_id=d.service_id, day=d.day, before=d.before,
                      after=d.after) for d in found.differences])
