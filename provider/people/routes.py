"""Children's pages: find, register, view and change a child. Family and nominee pages are included below."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from provider import hooks
from provider.audit.routes import register_history
from provider.audit.viewed import record_view
from provider.clock import today
from provider.config import PUBLIC_URL_MISSING
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.people import family, family_routes, hold_routes, holds, nominations, nominee_routes, service
from provider.people.access import child_for
from provider.people.models import CHILD_STATUS_LABELS, RELATIONSHIP_LABELS, Child
from provider.people.nhs import format_nhs_number
from provider.people.family_access import BASIS_LABELS, grants_for_child
from provider.people.questions import questions_about
from provider.people.permissions import CAN_READ, CAN_SEE_A_CHILD, COORDINATOR
from provider.users.models import Role, User
from provider.web.deps import DB
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(family_routes.router)
router.include_router(nominee_routes.router)
router.include_router(hold_routes.router)

for _table in ("children", "family_members", "child_relationships", "nominees", "nominations"):
    register_history(_table, Role.coordinator, Role.finance)


def _form_values(child: Child) -> dict[str, str]:
    values = {**service.child_values(child), "nhs_number": format_nhs_number(child.nhs_number)}
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _child_form(request: Request, db: DB, values: dict, errors: dict, child: Child | None = None, status: int = 200):
    return render(request, "people/child_form.html",
                  {"values": values, "errors": errors, "child": child,
                   "statuses": [(s.value, label) for s, label in CHILD_STATUS_LABELS.items()],
                   **service.choices(db, child)}, status)


@router.get("/children")
def children_list(request: Request, db: DB, q: str | None = None, page: int = Query(1, ge=1),
                  user: User = CAN_READ):
    found = service.search_children(db, q, page)
    return render(request, "people/children_list.html",
                  {"found": found, "q": q or "", "can_edit": user.role == Role.coordinator,
                   "format_nhs": format_nhs_number, "statuses": CHILD_STATUS_LABELS})


@router.get("/children/new")
def child_new(request: Request, db: DB, _: User = COORDINATOR):
    return _child_form(request, db, {"status": "active"}, {})


@router.post("/children/new")
def child_create(request: Request, db: DB, _: User = COORDINATOR):
    data = form_data(request)
    try:
        with unit_of_work(db):
            child = service.create_child(db, data)
    except FieldErrors as exc:
        return _child_form(request, db, data, exc.errors, status=422)
    return RedirectResponse(f"/children/{child.id}", status_code=303)


@router.get("/children/{child_id}")
def child_view(request: Request, db: DB, child_id: uuid.UUID, user: User = CAN_SEE_A_CHILD):
    child = child_for(db, user, child_id)
    record_view(db, user, child.id, "Child's page", request.url.path)
    return render(request, "people/child_view.html", {
        "child": child, "names": service.names_of(db, child), "nhs_number": format_nhs_number(child.nhs_number),
        "status_label": CHILD_STATUS_LABELS[child.status], "family": family.family_of(db, child),
        "relationships": RELATIONSHIP_LABELS, "nominations": nominations.nominations_of_child(db, child),
        "today": today(db), "can_edit": user.role == Role.coordinator, "is_staff": user.is_staff,
        "without_nominee": _without_nominee(db, child, user),
        "hold": holds.open_hold(db, child.id) if user.role in (Role.coordinator, Role.finance) else None,
        "can_hold": user.role in (Role.coordinator, Role.finance),
        "grants": grants_for_child(db, child) if user.is_staff else {},
        "can_grant": user.role == Role.coordinator, "bases": BASIS_LABELS,
        "questions": questions_about(db, child) if user.is_staff else [], "public_url_missing": PUBLIC_URL_MISSING})


def _without_nominee(db: DB, child: Child, user: User) -> list[str]:
    if user.role not in (Role.coordinator, Role.finance):
        return []
    return [text for texts in hooks.budgets_without_nominee.collect(db, child.id, today(db)) for text in texts]


@router.get("/children/{child_id}/edit")
def child_edit(request: Request, db: DB, child_id: uuid.UUID, user: User = COORDINATOR):
    child = child_for(db, user, child_id)
    return _child_form(request, db, _form_values(child), {}, child)


@router.post("/children/{child_id}/edit")
def child_update(request: Request, db: DB, child_id: uuid.UUID, user: User = COORDINATOR):
    data = form_data(request)
    child = child_for(db, user, child_id)
    try:
        with unit_of_work(db):
            service.update_child(db, child, data)
    except FieldErrors as exc:
        return _child_form(request, db, {**_form_values(child), **data}, exc.errors, child, 422)
    return RedirectResponse(f"/children/{child.id}?saved=1", status_code=303)

