"""Administrators manage who can sign in, and with which role."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.base import utcnow
from provider.users import service, two_factor
from provider.users.models import ROLE_LABELS, Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web import security
from provider.web.templating import render, set_browser_cookie

router = APIRouter(include_in_schema=False)
ADMIN = allow(Role.admin)


def _form_values(user: User) -> dict:
    # The role column comes back from the database as text; the form compares it as text.
    return {"name": user.name, "role": str(user.role), "is_active": user.is_active}


@router.get("/users")
def users_list(request: Request, db: DB, _: User = ADMIN):
    return render(request, "users/list.html", {"users": service.list_users(db)})


@router.get("/users/new")
def user_new(request: Request, _: User = ADMIN):
    return render(request, "users/form.html", {"values": {}, "errors": {}, "roles": ROLE_LABELS, "editing": None})


@router.post("/users/new")
def user_create(request: Request, db: DB, _: User = ADMIN):
    data = form_data(request)
    try:
        with unit_of_work(db):
            user = service.create_user(db, data)
    except FieldErrors as exc:
        data.pop("password", None)
        return render(request, "users/form.html",
                      {"values": data, "errors": exc.errors, "roles": ROLE_LABELS, "editing": None}, 422)
    return RedirectResponse(f"/users/{user.id}", status_code=303)


@router.get("/users/{user_id}")
def user_view(request: Request, db: DB, user_id: uuid.UUID, _: User = ADMIN):
    user = service.get_user(db, user_id)
    return render(request, "users/form.html", {"values": _form_values(user), "errors": {}, "roles": ROLE_LABELS,
                                               "editing": user})


@router.post("/users/{user_id}")
def user_update(request: Request, db: DB, user_id: uuid.UUID, actor: User = ADMIN):
    data = form_data(request)
    user = service.get_user(db, user_id)
    session = None
    try:
        with unit_of_work(db):
            password = data.pop("password", None)
            data["is_active"] = data.get("is_active") == "true"
            if not data.get("name"):  # the form always shows the name: blanking it is not "leave unchanged"
                raise FieldErrors({"name": "is required"})
            service.update_user(db, user, data, actor=actor)
            if password:
                service.set_password(db, user, password)  # which ends every session and token of the user
                if user.id == actor.id:  # the administrator's own browser, which made the change, stays signed in
                    session = security.start_login_session(db, user, request.app.state.settings.session_hours)
    except FieldErrors as exc:
        return render(request, "users/form.html",
                      {"values": {**_form_values(user), **data}, "errors": exc.errors, "roles": ROLE_LABELS,
                       "editing": user}, 422)
    response = RedirectResponse(f"/users/{user.id}?saved=1", status_code=303)
    if session:
        set_browser_cookie(request, response, session)
    return response


@router.post("/users/{user_id}/two-factor/reset")
def two_factor_reset(request: Request, db: DB, user_id: uuid.UUID, actor: User = ADMIN):
    """Turns off a user's two-factor sign-in (a lost phone), ending every session and token of theirs."""
    user = service.get_user(db, user_id)
    try:
        with unit_of_work(db):
            two_factor.reset(db, user, utcnow())
    except FieldErrors as exc:
        return render(request, "users/form.html", {"values": _form_values(user), "errors": exc.errors,
                                                   "roles": ROLE_LABELS, "editing": user}, 422)
    return RedirectResponse(f"/users/{user.id}?two_factor_reset=1", status_code=303)
