"""Bereavement holds: started by staff when end-of-life care begins, or by Lantern when a death is recorded;
lifted only by a person, with a reason. While a hold is open nothing routine goes to the family."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, select

from provider.clock import today
from provider.dates import long_date
from provider.errors import FieldErrors
from provider.people.models import BereavementHold, Child, ChildRelationship, HoldRelease
from provider.people.schemas import HoldIn, ReleaseIn
from provider.users.models import User
from provider.organisation.changes import validate_new

BY_LANTERN = "Lantern, when the death was recorded"


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


def holds_of_children(db: Session, child_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, BereavementHold]:
    """For each child whose family is under an open hold (the child's own, or a brother or sister's): the hold."""
    ids = set(child_ids)
    if not ids:
        return {}
    links = db.exec(select(ChildRelationship.child_id, ChildRelationship.family_member_id)
                    .where(ChildRelationship.child_id.in_(ids))).all()
    on_hold = families_on_hold(db, {member for _, member in links})
    found = {child_id: hold for child_id, member in links if (hold := on_hold.get(member)) is not None}
    for hold in db.exec(select(BereavementHold).where(BereavementHold.child_id.in_(ids),
                                                      BereavementHold.lifted_on.is_(None))):
        found[hold.child_id] = hold
    return found


def who_may_lift(db: Session, hold: BereavementHold) -> str:
    """The person to ask: who started the hold, or when Lantern started it, the child's key worker."""
    if hold.started_by != BY_LANTERN:
        return hold.started_by
    child = db.get(Child, hold.child_id)
    worker = db.get(User, child.key_worker_id) if child and child.key_worker_id else None
    return worker.name if worker else "a care coordinator"


def held_text(db: Session, hold: BereavementHold) -> str:
    child = db.get(Child, hold.child_id)
    name = child.preferred_name or child.first_name
    return (f"under a bereavement hold since {long_date(hold.started_on)} ({name}); "
            f"{who_may_lift(db, hold)} may lift it, or a named decision may release this one document")


def release(db: Session, hold: BereavementHold, kind: str, key: str, recorded_by: str,
            data: dict | ReleaseIn) -> HoldRelease:
    shape: ReleaseIn = validate_new(ReleaseIn, data)
    errors = {}
    if not shape.decided_by:
        errors["decided_by"] = "is required: name the person who decided this document should go"
    if not shape.reason:
        errors["reason"] = "is required: say why this document should go to the family now"
    if hold.lifted_on is not None:
        errors["hold"] = "has been lifted: nothing needs releasing"
    if errors:
        raise FieldErrors(errors)
    found = released(db, hold, kind, key)
    if found is not None:
        raise FieldErrors({"document": f"was already released on the decision of {found.decided_by}"})
    row = HoldRelease(hold_id=hold.id, document_kind=kind, document_key=key, decided_by=shape.decided_by,
                      reason=shape.reason, decided_on=today(db), recorded_by=recorded_by)
    db.add(row)
    db.flush()
    return row


def released(db: Session, hold: BereavementHold, kind: str, key: str) -> HoldRelease | None:
    return db.exec(select(HoldRelease).where(HoldRelease.hold_id == hold.id, HoldRelease.document_kind == kind,
                                             HoldRelease.document_key == key)).first()
