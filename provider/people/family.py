"""The people in a child's family: parents, carers, siblings. A member can be related to several children."""
from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from provider.clock import today
from provider.errors import Conflict, FieldErrors, NotFound, validate
from provider.fields import not_in_future
from provider.people.models import RELATIONSHIP_LABELS, Child, ChildRelationship, FamilyMember, Relationship
from provider.people.schemas import FamilyMemberUpdate, NewRelative, RelationshipIn

MEMBER_FIELDS = tuple(FamilyMemberUpdate.model_fields)
RELATIONSHIP_FIELDS = tuple(RelationshipIn.model_fields)


def relative_out(link: ChildRelationship, member: FamilyMember, contact: bool = True) -> dict[str, Any]:
    """A relative as the API gives them; without `contact` (another family member reading), no address, email,
    phone, birth date or notes: separated parents and safeguarding cases need that."""
    shown = (*MEMBER_FIELDS, "id") if contact else ("name", "id")
    hidden = {name: "" if isinstance(getattr(member, name), str) and name in ("address", "notes") else None
              for name in MEMBER_FIELDS}
    return {**{name: getattr(member, name) if name in shown else hidden[name] for name in (*MEMBER_FIELDS, "id")},
            "relationship": link.relationship,
            "relationship_label": RELATIONSHIP_LABELS[Relationship(link.relationship)],
            "parental_responsibility": link.parental_responsibility, "is_sibling": link.is_sibling}


def get_family_member(db: Session, member_id: uuid.UUID) -> FamilyMember:
    member = db.get(FamilyMember, member_id)
    if member is None:
        raise NotFound("No such family member.")
    return member


def link_between(db: Session, child: Child, member_id: uuid.UUID) -> ChildRelationship:
    link = db.exec(select(ChildRelationship).where(ChildRelationship.child_id == child.id,
                                                   ChildRelationship.family_member_id == member_id)).first()
    if link is None:
        raise NotFound("This person is not recorded in this child's family.")
    return link


def family_of(db: Session, child: Child) -> list[tuple[ChildRelationship, FamilyMember]]:
    query = (select(ChildRelationship, FamilyMember)
             .join(FamilyMember, FamilyMember.id == ChildRelationship.family_member_id)
             .where(ChildRelationship.child_id == child.id).order_by(FamilyMember.name, FamilyMember.id))
    return [(link, member) for link, member in db.exec(query)]


def _member_changes(db: Session, data: dict | BaseModel, shape: type[BaseModel]) -> dict[str, Any]:
    checked = validate(shape, data)
    changes = checked.model_dump(exclude_unset=True, include=set(MEMBER_FIELDS))
    errors = {}
    if "name" in changes and changes["name"] is None:
        errors["name"] = "is required"
    if problem := not_in_future(changes.get("date_of_birth"), today(db)):
        errors["date_of_birth"] = problem
    if errors:
        raise FieldErrors(errors)
    return {k: v for k, v in changes.items() if not (k in ("address", "notes") and v is None)}


def _relationship_changes(data: dict | BaseModel) -> dict[str, Any]:
    if isinstance(data, BaseModel):
        data = data.model_dump(exclude_unset=True)
    return validate(RelationshipIn, {k: v for k, v in data.items() if k in RELATIONSHIP_FIELDS}).model_dump()


def add_relative(db: Session, child: Child, data: dict | NewRelative) -> tuple[ChildRelationship, FamilyMember]:
    """A new family member and their relationship to the child, together or not at all."""
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not (v is None and k in ("name", "relationship"))}
    member_values = _member_changes(db, data, NewRelative)
    link_values = _relationship_changes(data)
    member = FamilyMember(**member_values)
    db.add(member)
    db.flush()
    link = ChildRelationship(child_id=child.id, family_member_id=member.id, **link_values)
    db.add(link)
    db.flush()
    return link, member


def link_relative(db: Session, child: Child, member: FamilyMember, data: dict | RelationshipIn) -> ChildRelationship:
    """Relate a family member already recorded (say a parent of a brother) to another child."""
    values = _relationship_changes(data)
    try:
        link_between(db, child, member.id)
    except NotFound:
        link = ChildRelationship(child_id=child.id, family_member_id=member.id, **values)
        db.add(link)
        db.flush()
        return link
    raise Conflict("This person is already recorded in this child's family.")


def update_family_member(db: Session, member: FamilyMember, data: dict | FamilyMemberUpdate) -> FamilyMember:
    for name, value in _member_changes(db, data, FamilyMemberUpdate).items():
        setattr(member, name, value)
    db.add(member)
    db.flush()
    return member


def update_relationship(db: Session, link: ChildRelationship, data: dict | RelationshipIn) -> ChildRelationship:
    for name, value in _relationship_changes(data).items():
        setattr(link, name, value)
    db.add(link)
    db.flush()
    return link


def edit_relative(db: Session, link: ChildRelationship, member: FamilyMember, data: dict) -> None:
    """The family-member form: the person's details and how they are related to this child, all checked first."""
    member_data = {k: v for k, v in data.items() if k not in RELATIONSHIP_FIELDS}
    errors: dict[str, str] = {}
    for check in (lambda: _member_changes(db, member_data, FamilyMemberUpdate), lambda: _relationship_changes(data)):
        try:
            check()
        except FieldErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    update_family_member(db, member, member_data)
    update_relationship(db, link, data)
