"""Nominees (people or organisations nominated in writing to hold a direct payment) and each nomination."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from provider import hooks
from provider.clock import today
from provider.dates import long_date
from provider.errors import FieldErrors, NotFound, validate
from provider.fields import not_in_future
from provider.people.models import Child, Nomination, Nominee, NomineeKind
from provider.people.schemas import NominationCreate, NomineeCreate, NomineeUpdate, WithdrawalIn

NOMINEE_KIND_LABELS = {NomineeKind.person: "A person", NomineeKind.organisation: "An organisation"}


NOMINEE_FIELDS = tuple(NomineeUpdate.model_fields)
REQUIRED = ("kind", "name", "address")


def nomination_out(nomination: Nomination, nominee: Nominee, child: Child, on: date) -> dict[str, Any]:
    return {**nomination.model_dump(), "nominee_name": nominee.name, "child_name": child.display_name,
            "in_force": nomination.in_force_on(on)}


def list_nominees(db: Session, q: str | None = None) -> list[Nominee]:
    query = select(Nominee).order_by(Nominee.name, Nominee.id)
    if q and q.strip():
        query = query.where(func.lower(Nominee.name).contains(q.strip().lower(), autoescape=True))
    return list(db.exec(query))


def get_nominee(db: Session, nominee_id: uuid.UUID) -> Nominee:
    nominee = db.get(Nominee, nominee_id)
    if nominee is None:
        raise NotFound("No such nominee.")
    return nominee


def get_nomination(db: Session, nomination_id: uuid.UUID) -> Nomination:
    nomination = db.get(Nomination, nomination_id)
    if nomination is None:
        raise NotFound("No such nomination.")
    return nomination


def create_nominee(db: Session, data: dict | NomineeCreate) -> Nominee:
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not (v is None and k in REQUIRED)}
    nominee = Nominee(**validate(NomineeCreate, data).model_dump())
    db.add(nominee)
    db.flush()
    return nominee


def update_nominee(db: Session, nominee: Nominee, data: dict | NomineeUpdate) -> Nominee:
    changes = validate(NomineeUpdate, data).model_dump(exclude_unset=True)
    errors = {name: "is required" for name in REQUIRED if name in changes and changes[name] is None}
    if errors:
        raise FieldErrors(errors)
    for name, value in changes.items():
        if not (name == "notes" and value is None):
            setattr(nominee, name, value)
    db.add(nominee)
    db.flush()
    return nominee


def _withdrawal_problem(received_on: date, withdrawn_on: date | None) -> str | None:
    if withdrawn_on is not None and withdrawn_on < received_on:
        return "must not be before the date the nomination was received"
    return None


def add_nomination(db: Session, nominee: Nominee, data: dict | NominationCreate) -> Nomination:
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if v is not None}
    shape: NominationCreate = validate(NominationCreate, data)
    errors = {}
    if db.get(Child, shape.child_id) is None:
        errors["child_id"] = "is not a known child"
    if problem := not_in_future(shape.received_on, today(db)):
        errors["received_on"] = problem
    if problem := _withdrawal_problem(shape.received_on, shape.withdrawn_on):
        errors["withdrawn_on"] = problem
    if errors:
        raise FieldErrors(errors)
    nomination = Nomination(nominee_id=nominee.id, **shape.model_dump())
    db.add(nomination)
    db.flush()
    _flag_care_from(db, nomination, nomination.received_on,
                    f"{nominee.name}'s written nomination was recorded, in force from {long_date(shape.received_on)}")
    return nomination


def withdraw_nomination(db: Session, nomination: Nomination, data: dict | WithdrawalIn) -> Nomination:
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if v is not None}
    withdrawn_on = validate(WithdrawalIn, data).withdrawn_on
    if nomination.withdrawn_on is not None:
        raise FieldErrors({"withdrawn_on": f"is already recorded: {long_date(nomination.withdrawn_on)}"})
    if problem := _withdrawal_problem(nomination.received_on, withdrawn_on):
        raise FieldErrors({"withdrawn_on": problem})
    nomination.withdrawn_on = withdrawn_on
    db.add(nomination)
    db.flush()
    nominee = db.get(Nominee, nomination.nominee_id)
    _flag_care_from(db, nomination, withdrawn_on,
                    f"{nominee.name}'s written nomination was withdrawn on {long_date(withdrawn_on)}")
    return nomination


def _flag_care_from(db: Session, nomination: Nomination, day: date, reason: str) -> None:
    """Care already charged from `day` on was allocated before this change: recalculating is a person's step."""
    hooks.nominations_changed(db, after=day - timedelta(days=1), reason=reason, child_ids={nomination.child_id})


def nominations_of_nominee(db: Session, nominee: Nominee) -> list[tuple[Nomination, Child]]:
    query = (select(Nomination, Child).join(Child, Child.id == Nomination.child_id)
             .where(Nomination.nominee_id == nominee.id).order_by(Nomination.received_on.desc(), Nomination.id))
    return [(n, c) for n, c in db.exec(query)]


def nominations_of_child(db: Session, child: Child) -> list[tuple[Nomination, Nominee]]:
    query = (select(Nomination, Nominee).join(Nominee, Nominee.id == Nomination.nominee_id)
             .where(Nomination.child_id == child.id).order_by(Nomination.received_on.desc(), Nomination.id))
    return [(n, nominee) for n, nominee in db.exec(query)]
