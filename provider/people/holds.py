"""Bereavement holds: started by staff when end-of-life care begins, or by Lantern when a death is recorded;
lifted only by a person, with a reason. While a hold is open nothing routine goes to the family."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, select

from provider.clock import today
from provider.errors import FieldErrors
from provider.people.models import BereavementHold, Child, ChildRelationship
from provider.organisation.changes import validate_new

BY_LANTERN = "Lantern, when the death was recorded"


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = ""


def open_hold(db: Session, child_id: uuid.UUID) -> BereavementHold | None:
    return db.exec(select(BereavementHold).where(BereavementHold.child_id == child_id,
                                                 BereavementHold.lifted_on.is_(None))).first()


def start_hold(db: Session, child: Child, started_by: str, data: dict | HoldIn | None = None,
               on: date | None = None) -> BereavementHold:
    shape: HoldIn = validate_new(HoldIn, data or {})
    if open_hold(db, child.id) is not None:
        raise FieldErrors({"hold": f"is already in place for {child.preferred_name or child.first_name}"})
    hold = BereavementHold(child_id=child.id, started_on=on or today(db), started_by=started_by, reason=shape.reason)
    db.add(hold)
    db.flush()
    return hold


def lift_hold(db: Session, child: Child, lifted_by: str, data: dict | HoldIn) -> BereavementHold:
    shape: HoldIn = validate_new(HoldIn, data)
    hold = open_hold(db, child.id)
    if hold is None:
        raise FieldErrors({"hold": f"is not in place for {child.preferred_name or child.first_name}"})
    if not shape.reason:
        raise FieldErrors({"reason": "is required: say why the family can be written to again"})
    hold.lifted_on, hold.lifted_by, hold.lift_reason = today(db), lifted_by, shape.reason
    db.add(hold)
    db.flush()
    return hold


def death_recorded(db: Session, child: Child) -> None:
    """A hold starts by itself when a child's death is recorded (unless staff started one already)."""
    if open_hold(db, child.id) is None:
        start_hold(db, child, BY_LANTERN, {"reason": "The child's death was recorded."},
                   on=child.status_date or today(db))


def families_on_hold(db: Session, member_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, BereavementHold]:
    """For each family member whose child (their own, or a brother or sister's) is under an open hold: the hold."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = db.exec(select(ChildRelationship.family_member_id, BereavementHold)
                   .join(BereavementHold, BereavementHold.child_id == ChildRelationship.child_id)
                   .where(ChildRelationship.family_member_id.in_(ids), BereavementHold.lifted_on.is_(None)))
    return {member_id: hold for member_id, hold in rows}
