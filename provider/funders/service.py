"""Funders: ICBs, councils, NHS England and others, with their invoice rules and successors.
Every check runs before anything is written."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import func
from sqlmodel import Session, select

from provider.errors import FieldErrors, NotFound
from provider.funders.models import FUNDER_KIND_LABELS, Funder, FunderKind
from provider.funders.schemas import FunderIn, FunderPatch
from provider.organisation.changes import validate_change, validate_new, values_of


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.lower()) + "%"


def list_funders(db: Session, kind: FunderKind | str | None = None, q: str | None = None) -> list[Funder]:
    query = select(Funder)
    if kind:
        query = query.where(Funder.kind == kind)
    if q and q.strip():
        query = query.where(func.lower(Funder.name).like(_like(q.strip()), escape="\\"))
    return list(db.exec(query.order_by(Funder.is_active.desc(), Funder.name)))


def get_funder(db: Session, funder_id: uuid.UUID) -> Funder:
    funder = db.get(Funder, funder_id)
    if funder is None:
        raise NotFound("No such funder.")
    return funder


def successor_chain(db: Session, funder: Funder) -> list[Funder]:
    """The funders that replaced `funder`, in order; stops before any funder seen already."""
    chain, seen, current = [], {funder.id}, funder
    while current.successor_id is not None and current.successor_id not in seen:
        current = db.get(Funder, current.successor_id)
        if current is None:
            break
        chain.append(current)
        seen.add(current.id)
    return chain


def current_funder(db: Session, funder: Funder) -> Funder:
    """Who now stands in for `funder`: the last of its successors (itself when it has none)."""
    chain = successor_chain(db, funder)
    return chain[-1] if chain else funder


def _successor_problem(db: Session, funder_id: uuid.UUID | None, successor_id: uuid.UUID | None) -> str | None:
    if successor_id is None:
        return None
    if successor_id == funder_id:
        return "must be another funder, not this one"
    successor = db.get(Funder, successor_id)
    if successor is None:
        return "is not a known funder"
    if funder_id is not None and any(f.id == funder_id for f in [successor, *successor_chain(db, successor)]):
        return f"would make a loop: {successor.name} is already replaced, in turn, by this funder"
    return None


def create_funder(db: Session, data: dict | FunderIn) -> Funder:
    shape: FunderIn = validate_new(FunderIn, data)
    if problem := _successor_problem(db, None, shape.successor_id):
        raise FieldErrors({"successor_id": problem})
    funder = Funder(**shape.model_dump())
    db.add(funder)
    db.flush()
    return funder


def update_funder(db: Session, funder: Funder, data: dict | FunderPatch) -> Funder:
    shape = validate_change(FunderIn, values_of(funder, FunderIn), data)
    if problem := _successor_problem(db, funder.id, shape.successor_id):
        raise FieldErrors({"successor_id": problem})
    for name, value in shape.model_dump().items():
        if getattr(funder, name) != value:
            setattr(funder, name, value)
    db.add(funder)
    db.flush()
    return funder


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, label) for kind, label in FUNDER_KIND_LABELS.items()]
