"""Pages for nominees, and for recording and withdrawing a child's written nomination."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.people import nominations as service
from provider.people.access import child_for
from provider.people.models import Child, Nominee
from provider.people.permissions import CAN_READ, COORDINATOR
from provider.users.models import Role, User
from provider.web.deps import DB
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
KINDS = [(kind.value, label) for kind, label in service.NOMINEE_KIND_LABELS.items()]


def _nominee_form(request: Request, values: dict, errors: dict, nominee: Nominee | None = None, status: int = 200):
    return render(request, "people/nominee_form.html",
                  {"values": values, "errors": errors, "nominee": nominee, "kinds": KINDS}, status)


def _nominee_values(nominee: Nominee) -> dict:
    return {name: "" if getattr(nominee, name) is None else str(getattr(nominee, name))
            for name in service.NOMINEE_FIELDS}


@router.get("/nominees")
def nominees_list(request: Request, db: DB, q: str | None = None, user: User = CAN_READ):
    return render(request, "people/nominees_list.html",
                  {"nominees": service.list_nominees(db, q), "q": q or "", "kinds": service.NOMINEE_KIND_LABELS,
                   "can_edit": user.role == Role.coordinator})


@router.get("/nominees/new")
def nominee_new(request: Request, _: User = COORDINATOR):
    return _nominee_form(request, {"kind": "organisation"}, {})


@router.post("/nominees/new")
def nominee_create(request: Request, db: DB, _: User = COORDINATOR):
    data = form_data(request)
    try:
        with unit_of_work(db):
            nominee = service.create_nominee(db, data)
    except FieldErrors as exc:
        return _nominee_form(request, data, exc.errors, status=422)
    return RedirectResponse(f"/nominees/{nominee.id}", status_code=303)


@router.get("/nominees/{nominee_id}")
def nominee_view(request: Request, db: DB, nominee_id: uuid.UUID, user: User = CAN_READ):
    nominee = service.get_nominee(db, nominee_id)
    return render(request, "people/nominee_view.html",
                  {"nominee": nominee, "kind_label": service.NOMINEE_KIND_LABELS[nominee.kind],
                   "nominations": service.nominations_of_nominee(db, nominee), "today": today(db),
                   "can_edit": user.role == Role.coordinator})


@router.get("/nominees/{nominee_id}/edit")
def nominee_edit(request: Request, db: DB, nominee_id: uuid.UUID, _: User = COORDINATOR):
    nominee = service.get_nominee(db, nominee_id)
    return _nominee_form(request, _nominee_values(nominee), {}, nominee)


@router.post("/nominees/{nominee_id}/edit")
def nominee_update(request: Request, db: DB, nominee_id: uuid.UUID, _: User = COORDINATOR):
    data = form_data(request)
    nominee = service.get_nominee(db, nominee_id)
    try:
        with unit_of_work(db):
            service.update_nominee(db, nominee, data)
    except FieldErrors as exc:
        return _nominee_form(request, {**_nominee_values(nominee), **data}, exc.errors, nominee, 422)
    return RedirectResponse(f"/nominees/{nominee.id}?saved=1", status_code=303)


def _nomination_form(request: Request, db: DB, child: Child, values: dict, errors: dict, status: int = 200):
    choices = [(str(n.id), n.name) for n in service.list_nominees(db)]
    return render(request, "people/nomination_form.html",
                  {"child": child, "values": values, "errors": errors, "nominees": choices}, status)


@router.get("/children/{child_id}/nominations/new")
def nomination_new(request: Request, db: DB, child_id: uuid.UUID, user: User = COORDINATOR):
    return _nomination_form(request, db, child_for(db, user, child_id), {}, {})


@router.post("/children/{child_id}/nominations/new")
def nomination_create(request: Request, db: DB, child_id: uuid.UUID, user: User = COORDINATOR):
    data = form_data(request)
    child = child_for(db, user, child_id)
    try:
        with unit_of_work(db):
            nominee_id = _uuid(data.get("nominee_id"))
            nominee = db.get(Nominee, nominee_id) if nominee_id else None
            if nominee is None:
                raise FieldErrors({"nominee_id": "is required: choose the nominee"})
            fields = {k: v for k, v in data.items() if k != "nominee_id"}
            service.add_nomination(db, nominee, {**fields, "child_id": str(child.id)})
    except FieldErrors as exc:
        return _nomination_form(request, db, child, data, exc.errors, 422)
    return RedirectResponse(f"/children/{child.id}?saved=1#nominations", status_code=303)


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@router.get("/nominations/{nomination_id}/withdraw")
def withdrawal_new(request: Request, db: DB, nomination_id: uuid.UUID, _: User = COORDINATOR):
    nomination = service.get_nomination(db, nomination_id)
    return _withdrawal_form(request, db, nomination, {}, {})


@router.post("/nominations/{nomination_id}/withdraw")
def withdrawal_create(request: Request, db: DB, nomination_id: uuid.UUID, _: User = COORDINATOR):
    data = form_data(request)
    nomination = service.get_nomination(db, nomination_id)
    try:
        with unit_of_work(db):
            service.withdraw_nomination(db, nomination, data)
    except FieldErrors as exc:
        return _withdrawal_form(request, db, nomination, data, exc.errors, 422)
    return RedirectResponse(f"/nominees/{nomination.nominee_id}?saved=1", status_code=303)


def _withdrawal_form(request: Request, db: DB, nomination, values: dict, errors: dict, status: int = 200):
    return render(request, "people/withdrawal_form.html",
                  {"nomination": nomination, "nominee": service.get_nominee(db, nomination.nominee_id),
                   "child": db.get(Child, nomination.child_id), "values": values, "errors": errors}, status)
