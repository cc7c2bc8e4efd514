"""The month's batch of ISF statements: every statement whose period ends in the month, less those held because the
child's family is under a bereavement hold. A held statement is listed with the person who may lift the hold; a
named decision (who, why) releases that one statement."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from isf import schedule, statements
from isf.models import IsfAgreement
from provider.errors import FieldErrors
from provider.funding.models import Arrangement
from provider.people import holds
from provider.people.models import BereavementHold, Child, HoldRelease

KIND = "isf_statement"


@dataclass(frozen=True)
class Item:
    agreement: IsfAgreement
    period: schedule.Period
    child: Child
    hold: BereavementHold | None = None
    release: HoldRelease | None = None     # the decision that lets a held statement go
    held_because: str = ""                 # why it is held and who may lift the hold

    @property
    def child_name(self) -> str:
        return self.child.preferred_name or self.child.first_name

    @property
    def held(self) -> bool:
        return self.hold is not None and self.release is None


@dataclass(frozen=True)
class Batch:
    items: list[Item]

    @property
    def to_send(self) -> list[Item]:
        return [i for i in self.items if not i.held]

    @property
    def held(self) -> list[Item]:
        return [i for i in self.items if i.held]


def key(agreement_id: uuid.UUID, number: int) -> str:
    return f"{agreement_id}/{number}"


def batch(db: Session, first: date, last: date) -> Batch:
    due = statements.ending_in(db, first, last)
    arrangements = {a.id: a for a in db.exec(select(Arrangement).where(
        Arrangement.id.in_({agreement.arrangement_id for agreement, _ in due})))} if due else {}
    child_ids = {a.child_id for a in arrangements.values()}
    children = {c.id: c for c in db.exec(select(Child).where(Child.id.in_(child_ids)))} if child_ids else {}
    on_hold = holds.holds_of_children(db, child_ids)
    items = []
    for agreement, period in due:
        child = children[arrangements[agreement.arrangement_id].child_id]
        hold = on_hold.get(child.id)
        if hold is None:
            items.append(Item(agreement, period, child))
            continue
        decision = holds.released(db, hold, KIND, key(agreement.id, period.number))
        items.append(Item(agreement, period, child, hold, decision,
                          f"{child.preferred_name or child.first_name}'s family is {holds.held_text(db, hold)}"))
    return Batch(items)


def release(db: Session, agreement: IsfAgreement, number: int, recorded_by: str, data: dict) -> HoldRelease:
    """Record a named person's decision that this one statement goes to the family despite the hold."""
    statements.period(agreement, number)
    child_id = db.get(Arrangement, agreement.arrangement_id).child_id
    hold = holds.holds_of_children(db, {child_id}).get(child_id)
    if hold is None:
        raise FieldErrors({"hold": "is not in place for this family: the statement goes with the batch"})
    return holds.release(db, hold, KIND, key(agreement.id, number), recorded_by, data)
