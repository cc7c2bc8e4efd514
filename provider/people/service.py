"""Children: registering, changing and finding them. Every check runs before anything is written."""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider.clock import today
from provider.errors import FieldErrors, validate
from provider.funders.models import Funder, FunderKind
from provider.fields import not_in_future
from provider.people import holds
from provider.people.models import Child, ChildStatus
from provider.people.nhs import format_nhs_number
from provider.people.schemas import ChildCreate, ChildUpdate
from provider.users.models import Role, User

PER_PAGE = 50
REQUIRED = ("first_name", "last_name", "date_of_birth", "status")
FIELDS = tuple(ChildUpdate.model_fields)


def child_out(child: Child, *, with_notes: bool = True) -> dict[str, Any]:
    values = child_values(child)
    return {**values, "id": child.id, "display_name": child.display_name,
            "nhs_number": format_nhs_number(child.nhs_number) or None,
            "notes": child.notes if with_notes else None}


def child_values(child: Child) -> dict[str, Any]:
    return {name: getattr(child, name) for name in FIELDS}


def child_problems(values: dict[str, Any], on: date) -> dict[str, str]:
    """What is wrong with a child's record as a whole, `on` being today."""
    errors: dict[str, str] = {}
    born, status, status_date = values["date_of_birth"], values["status"], values["status_date"]
    if problem := not_in_future(born, on):
        errors["date_of_birth"] = problem
    if status == ChildStatus.active:
        if status_date is not None:
            errors["status_date"] = "must be blank while the child's status is active"
    elif status_date is None:
        errors["status_date"] = ("is required: give the date of death" if status == ChildStatus.died
                                 else "is required: give the date the child moved to adult services")
    elif born is not None and status_date < born:
        errors["status_date"] = "must not be before the date of birth"
    elif problem := not_in_future(status_date, on):
        errors["status_date"] = problem
    return errors


def _reference_problems(db: Session, changes: dict[str, Any], child_id: uuid.UUID | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    nhs = changes.get("nhs_number")
    if nhs is not None:
        other = db.exec(select(Child.id).where(Child.nhs_number == nhs, Child.id != child_id)).first()
        if other is not None:
            errors["nhs_number"] = "is already recorded for another child"
    for name, kind, message in (("home_authority_id", FunderKind.local_authority, "must be a local authority"),
                                ("icb_id", FunderKind.icb, "must be an Integrated Care Board")):
        if changes.get(name) is not None:
            funder = db.get(Funder, changes[name])
            if funder is None or funder.kind != kind or not funder.is_active:
                errors[name] = message
    if changes.get("key_worker_id") is not None:
        worker = db.get(User, changes["key_worker_id"])
        if worker is None or worker.role != Role.coordinator or not worker.is_active:
            errors["key_worker_id"] = "must be a care coordinator who can sign in"
    return errors


def _save(db: Session, child: Child) -> Child:
    db.add(child)
    try:
        db.flush()
    except IntegrityError as exc:  # two people registering the same NHS number at the same moment
        if "nhs_number" not in str(exc.orig):
            raise
        raise FieldErrors({"nhs_number": "is already recorded for another child"}) from None
    return child


def create_child(db: Session, data: dict | ChildCreate) -> Child:
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not (v is None and k in REQUIRED)}
    shape: ChildCreate = validate(ChildCreate, data)
    values = shape.model_dump()
    errors = {**_reference_problems(db, values, None), **child_problems(values, today(db))}
    if errors:
        raise FieldErrors(errors)
    child = _save(db, Child(**values))
    if child.status == ChildStatus.died:
        holds.death_recorded(db, child)
    return child


def update_child(db: Session, child: Child, data: dict | ChildUpdate) -> Child:
    shape: ChildUpdate = validate(ChildUpdate, data)
    changes = shape.model_dump(exclude_unset=True)
    errors = {name: "is required" for name in REQUIRED if name in changes and changes[name] is None}
    if changes.get("notes") is None:
        changes.pop("notes", None)
    current = child_values(child)
    changed = {k: v for k, v in changes.items() if current.get(k) != v}
    merged = {**current, **changes}
    errors = {**_reference_problems(db, changed, child.id), **child_problems(merged, today(db)), **errors}
    if errors:
        raise FieldErrors(errors)
    for name, value in changed.items():
        setattr(child, name, value)
    child = _save(db, child)
    if changed.get("status") == ChildStatus.died:
        holds.death_recorded(db, child)
    return child


@dataclass
class ChildPage:
    children: list[Child]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.lower()) + "%"


def search_condition(q: str):
    """One search box: every word in a name (first, last or preferred), an NHS number, a council reference."""
    q = q.strip()
    words = q.split()
    names = (func.lower(Child.first_name), func.lower(Child.last_name),
             func.lower(func.coalesce(Child.preferred_name, "")))
    by_name = and_(*[or_(*[column.like(_like(word), escape="\\") for column in names]) for word in words])
    options = [by_name, func.lower(Child.council_reference).like(_like(q), escape="\\")]
    digits = re.sub(r"[\s-]", "", q)
    if digits.isdigit():
        options.append(Child.nhs_number.like(digits + "%"))
    return or_(*options)


def search_children(db: Session, q: str | None = None, page: int = 1) -> ChildPage:
    query = select(Child)
    count = select(func.count()).select_from(Child)
    if q and q.strip():
        condition = search_condition(q)
        query, count = query.where(condition), count.where(condition)
    total = db.exec(count).one()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    rows = db.exec(query.order_by(Child.last_name, Child.first_name, Child.id)
                   .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return ChildPage(list(rows), total, page, pages)


def choices(db: Session, child: Child | None = None) -> dict[str, list[tuple[str, str]]]:
    """The options of the child form's selects (a child's present choice stays listed even if retired)."""
    keep = {key for key in (child.home_authority_id, child.icb_id, child.key_worker_id) if key} if child else set()

    def funders(kind: FunderKind):
        rows = db.exec(select(Funder).where(Funder.kind == kind, or_(Funder.is_active, Funder.id.in_(keep)))
                       .order_by(Funder.name))
        return [(str(f.id), f.name) for f in rows]

    workers = db.exec(select(User).where(User.role == Role.coordinator, or_(User.is_active, User.id.in_(keep)))
                      .order_by(User.name))
    return {"authorities": funders(FunderKind.local_authority), "icbs": funders(FunderKind.icb),
            "key_workers": [(str(u.id), u.name) for u in workers]}


def names_of(db: Session, child: Child) -> dict[str, str | None]:
    """The names behind a child's funder and key-worker ids, for showing."""
    def name(model, key):
        row = db.get(model, key) if key else None
        return row.name if row else None

    return {"home_authority": name(Funder, child.home_authority_id), "icb": name(Funder, child.icb_id),
            "key_worker": name(User, child.key_worker_id)}
