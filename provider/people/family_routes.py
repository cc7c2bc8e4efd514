"""Pages to add a family member to a child, and to change a member's details and relationship."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.people import family
from provider.people.access import child_for
from provider.people.models import RELATIONSHIP_LABELS, Child, ChildRelationship, FamilyMember
from provider.people.permissions import COORDINATOR
from provider.users.models import User
from provider.web.deps import DB
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)


def _form(request: Request, child: Child, values: dict, errors: dict, member: FamilyMember | None = None,
          status: int = 200):
    return render(request, "people/family_form.html",
                  {"child": child, "member": member, "values": values, "errors": errors,
                   "relationships": [(r.value, label) for r, label in RELATIONSHIP_LABELS.items()]}, status)


def _values(link: ChildRelationship, member: FamilyMember) -> dict:
    values = {name: getattr(member, name) for name in family.MEMBER_FIELDS}
    values.update(relationship=str(link.relationship), parental_responsibility=link.parental_responsibility)
    return {k: "" if v is None else v for k, v in values.items()}


@router.get("/children/{child_id}/family/new")
def relative_new(request: Request, db: DB, child_id: uuid.UUID, user: User = COORDINATOR):
    return _form(request, child_for(db, user, child_id), {}, {})


@router.post("/children/{child_id}/family/new")
def relative_create(request: Request, db: DB, child_id: uuid.UUID, user: User = COORDINATOR):
    data = form_data(request)
    child = child_for(db, user, child_id)
    try:
        with unit_of_work(db):
            family.add_relative(db, child, data)
    except FieldErrors as exc:
        return _form(request, child, data, exc.errors, status=422)
    return RedirectResponse(f"/children/{child.id}?saved=1#family", status_code=303)


@router.get("/children/{child_id}/family/{member_id}")
def relative_edit(request: Request, db: DB, child_id: uuid.UUID, member_id: uuid.UUID, user: User = COORDINATOR):
    child = child_for(db, user, child_id)
    link = family.link_between(db, child, member_id)
    member = family.get_family_member(db, member_id)
    return _form(request, child, _values(link, member), {}, member)


@router.post("/children/{child_id}/family/{member_id}")
def relative_update(request: Request, db: DB, child_id: uuid.UUID, member_id: uuid.UUID,
                          user: User = COORDINATOR):
    data = form_data(request)
    child = child_for(db, user, child_id)
    link = family.link_between(db, child, member_id)
    member = family.get_family_member(db, member_id)
    try:
        with unit_of_work(db):
            family.edit_relative(db, link, member, data)
    except FieldErrors as exc:
        return _form(request, child, {**_values(link, member), **data}, exc.errors, member, 422)
    return RedirectResponse(f"/children/{child.id}?saved=1#family", status_code=303)
