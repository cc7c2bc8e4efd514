"""API tokens on pages: each person makes, lists and revokes their own; the administrator lists and revokes anyone's."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.users import sign_ins
from provider.users.models import Role, User
from provider.web.deps import DB, allow, request_now
from provider.web.forms import form_data
from provider.web.security import create_api_token
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
EVERYONE = allow(*Role)
ADMIN = allow(Role.admin)


def _own_page(request: Request, db, user: User, *, values: dict, errors: dict, made: str | None = None,
              status: int = 200):
    return render(request, "users/tokens.html", {
        "tokens": sign_ins.list_tokens(db, request_now(request), owner=user), "everyone": False,
        "values": values, "errors": errors, "made": made, "days_default": sign_ins.TOKEN_DAYS,
        "days_most": sign_ins.TOKEN_DAYS_MOST}, status)


@router.get("/account/tokens")
def own_tokens(request: Request, db: DB, user: User = EVERYONE):
    return _own_page(request, db, user, values={}, errors={})


@router.post("/account/tokens")
def make_token(request: Request, db: DB, user: User = EVERYONE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            token = create_api_token(db, user, data.get("name") or "", sign_ins.token_days(data.get("days")),
                                     request_now(request))
    except FieldErrors as exc:
        return _own_page(request, db, user, values=data, errors=exc.errors, status=422)
    return _own_page(request, db, user, values={}, errors={}, made=token, status=201)


@router.get("/tokens")
def everyones_tokens(request: Request, db: DB, _: User = ADMIN):
    return render(request, "users/tokens.html", {"tokens": sign_ins.list_tokens(db, request_now(request)),
                                                 "everyone": True, "values": {}, "errors": {}, "made": None})


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, db: DB, token_id: uuid.UUID, user: User = EVERYONE):
    with unit_of_work(db):
        row = sign_ins.revoke(db, token_id, user, request_now(request))
    back = "/account/tokens" if row.user_id == user.id else "/tokens"
    return RedirectResponse(f"{back}?revoked=1", status_code=303)
