"""JSON API for children, their families, nominees and nominations: the same rules as the pages."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import Session

from provider.clock import today
from provider.db import unit_of_work
from provider.people import family, nominations, service
from provider.people.access import child_for
from provider.people.models import Child
from provider.people.permissions import CAN_READ, CAN_SEE_A_CHILD, COORDINATOR
from provider.people.schemas import (
    ChildCreate, ChildOut, ChildUpdate, FamilyMemberOut, FamilyMemberUpdate, NewRelative, NominationCreate,
    NominationOut, NomineeCreate, NomineeDetailOut, NomineeOut, NomineeUpdate, RelationshipIn, RelativeOut,
    WithdrawalIn,
)
from provider.users.models import User
from provider.web.deps import API_ERRORS, DB

router = APIRouter(prefix="/api", tags=["people"], responses=API_ERRORS)


class ChildList(BaseModel):
    children: list[ChildOut]
    total: int
    page: int
    pages: int
    per_page: int


class ChildDetail(ChildOut):
    family: list[RelativeOut]
    nominations: list[NominationOut]


def _detail(db: Session, child: Child, user: User) -> dict:
    on = today(db)
    return {**service.child_out(child, with_notes=user.is_staff),
            "family": [family.relative_out(link, member, contact=user.is_staff or member.user_id == user.id)
                       for link, member in family.family_of(db, child)],
            "nominations": [nominations.nomination_out(n, nominee, child, on)
                            for n, nominee in nominations.nominations_of_child(db, child)]}


@router.get("/children", response_model=ChildList)
def list_children(db: DB, q: str | None = Query(None, description="Name, NHS number or council reference"),
                  page: int = Query(1, ge=1), _: User = CAN_READ):
    found = service.search_children(db, q, page)
    return ChildList(children=[service.child_out(c) for c in found.children], total=found.total,
                     page=found.page, pages=found.pages, per_page=service.PER_PAGE)


@router.post("/children", response_model=ChildOut, status_code=201)
def create_child(body: ChildCreate, db: DB, _: User = COORDINATOR):
    with unit_of_work(db):
        child = service.create_child(db, body)
    return service.child_out(child)


@router.get("/children/{child_id}", response_model=ChildDetail)
def get_child(child_id: uuid.UUID, db: DB, user: User = CAN_SEE_A_CHILD):
    return _detail(db, child_for(db, user, child_id), user)


@router.patch("/children/{child_id}", response_model=ChildOut)
def update_child(child_id: uuid.UUID, body: ChildUpdate, db: DB, user: User = COORDINATOR):
    with unit_of_work(db):
        child = service.update_child(db, child_for(db, user, child_id), body)
    return service.child_out(child)


@router.post("/children/{child_id}/family", response_model=RelativeOut, status_code=201)
def add_relative(child_id: uuid.UUID, body: NewRelative, db: DB, user: User = COORDINATOR):
    """A new family member, related to this child (both are saved, or neither)."""
    with unit_of_work(db):
        link, member = family.add_relative(db, child_for(db, user, child_id), body)
    return family.relative_out(link, member)


@router.post("/children/{child_id}/family/{member_id}", response_model=RelativeOut, status_code=201)
def link_relative(child_id: uuid.UUID, member_id: uuid.UUID, body: RelationshipIn, db: DB, user: User = COORDINATOR):
    """Relate a family member already recorded to this child too (a parent of two children, say)."""
    with unit_of_work(db):
        child = child_for(db, user, child_id)
        member = family.get_family_member(db, member_id)
        link = family.link_relative(db, child, member, body)
    return family.relative_out(link, member)


@router.patch("/children/{child_id}/family/{member_id}", response_model=RelativeOut)
def update_relationship(child_id: uuid.UUID, member_id: uuid.UUID, body: RelationshipIn, db: DB,
                        user: User = COORDINATOR):
    with unit_of_work(db):
        link = family.update_relationship(db, family.link_between(db, child_for(db, user, child_id), member_id), body)
        member = family.get_family_member(db, member_id)
    return family.relative_out(link, member)


@router.patch("/family-members/{member_id}", response_model=FamilyMemberOut)
def update_family_member(member_id: uuid.UUID, body: FamilyMemberUpdate, db: DB, _: User = COORDINATOR):
    with unit_of_work(db):
        return family.update_family_member(db, family.get_family_member(db, member_id), body)


@router.get("/nominees", response_model=list[NomineeOut])
def list_nominees(db: DB, q: str | None = Query(None, description="Part of the nominee's name"), _: User = CAN_READ):
    return nominations.list_nominees(db, q)


@router.post("/nominees", response_model=NomineeOut, status_code=201)
def create_nominee(body: NomineeCreate, db: DB, _: User = COORDINATOR):
    with unit_of_work(db):
        return nominations.create_nominee(db, body)


@router.get("/nominees/{nominee_id}", response_model=NomineeDetailOut)
def get_nominee(nominee_id: uuid.UUID, db: DB, _: User = CAN_READ):
    nominee = nominations.get_nominee(db, nominee_id)
    on = today(db)
    return {**{name: getattr(nominee, name) for name in ("id", *nominations.NOMINEE_FIELDS)},
            "nominations": [nominations.nomination_out(n, nominee, child, on)
                            for n, child in nominations.nominations_of_nominee(db, nominee)]}


@router.patch("/nominees/{nominee_id}", response_model=NomineeOut)
def update_nominee(nominee_id: uuid.UUID, body: NomineeUpdate, db: DB, _: User = COORDINATOR):
    with unit_of_work(db):
        return nominations.update_nominee(db, nominations.get_nominee(db, nominee_id), body)


@router.post("/nominees/{nominee_id}/nominations", response_model=NominationOut, status_code=201)
def add_nomination(nominee_id: uuid.UUID, body: NominationCreate, db: DB, _: User = COORDINATOR):
    with unit_of_work(db):
        nominee = nominations.get_nominee(db, nominee_id)
        nomination = nominations.add_nomination(db, nominee, body)
    return nominations.nomination_out(nomination, nominee, db.get(Child, nomination.child_id), today(db))


@router.post("/nominations/{nomination_id}/withdraw", response_model=NominationOut)
def withdraw_nomination(nomination_id: uuid.UUID, body: WithdrawalIn, db: DB, _: User = COORDINATOR):
    with unit_of_work(db):
        nomination = nominations.withdraw_nomination(db, nominations.get_nomination(db, nomination_id), body)
    return nominations.nomination_out(nomination, nominations.get_nominee(db, nomination.nominee_id),
                                      db.get(Child, nomination.child_id), today(db))
