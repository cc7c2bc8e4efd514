"""JSON API for users and for the caller's own bearer tokens."""
from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from provider.base import UtcDateTime
from provider.config import PUBLIC_URL_MISSING
from provider.db import unit_of_work
from provider.errors import Forbidden
from provider.users import service, sign_ins
from provider.users.models import Role, User
from provider.users.schemas import UserCreate, UserOut, UserUpdate
from provider.web.deps import API_ERRORS, DB, allow, request_now
from provider.web.security import create_api_token

router = APIRouter(prefix="/api", tags=["users"], responses=API_ERRORS)
ADMIN = allow(Role.admin)
EVERYONE = allow(*Role)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    days: int = Field(default=sign_ins.TOKEN_DAYS, ge=1, le=sign_ins.TOKEN_DAYS_MOST,
                      description="How long the token works, in days")


class TokenOut(BaseModel):
    name: str
    token: str
    expires_at: UtcDateTime


class TokenListed(BaseModel):
    """A token as its owner and the administrator see it: never the token itself."""
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    owner_id: uuid.UUID
    owner_email: str
    created_at: UtcDateTime
    expires_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    revoked_reason: str | None
    status: str


@router.get("/me", response_model=UserOut)
def me(user: User = EVERYONE):
    return user


@router.post("/tokens", response_model=TokenOut, status_code=201)
def new_token(request: Request, body: TokenRequest, db: DB, user: User = EVERYONE):
    """A bearer token for the caller, working for `days` (90 unless chosen, at most 365). Shown once; only its hash
    is kept. Made from a signed-in browser only: a token cannot make another that outlives it."""
    if request.state.auth_kind == "bearer":
        raise Forbidden("A token cannot make tokens: make one from a signed-in browser.")
    now = request_now(request)
    with unit_of_work(db):
        token = create_api_token(db, user, body.name, body.days, now)
    return TokenOut(name=body.name, token=token, expires_at=now + timedelta(days=body.days))


@router.get("/tokens", response_model=list[TokenListed])
def my_tokens(request: Request, db: DB, user: User = EVERYONE):
    """The caller's own tokens, newest first, with when each expires and was last used."""
    return sign_ins.list_tokens(db, request_now(request), owner=user)


@router.get("/tokens/all", response_model=list[TokenListed])
def all_tokens(request: Request, db: DB, _: User = ADMIN):
    """Every user's tokens, for the administrator."""
    return sign_ins.list_tokens(db, request_now(request))


@router.post("/tokens/{token_id}/revoke", response_model=TokenListed)
def revoke_token(request: Request, token_id: uuid.UUID, db: DB, user: User = EVERYONE):
    """Ends a token now: the caller's own, or anyone's for the administrator."""
    now = request_now(request)
    with unit_of_work(db):
        row = sign_ins.revoke(db, token_id, user, now)
    return next(t for t in sign_ins.list_tokens(db, now, owner=db.get(User, row.user_id)) if t.id == row.id)


class ConfigurationOut(BaseModel):
    public_url: str | None = Field(description="LANTERN_PUBLIC_URL: where emailed links point")
    links_can_be_emailed: bool = Field(description="whether invitations and password resets can be sent")
    problems: list[str] = Field(description="what to set, in words, for anything that cannot work as configured")


@router.get("/configuration", response_model=ConfigurationOut)
def configuration(request: Request, _: User = ADMIN):
    """What the administrator must know of how Lantern was started: whether emailed links can be sent."""
    url = request.app.state.settings.public_url
    return ConfigurationOut(public_url=url, links_can_be_emailed=url is not None,
                            problems=[] if url else [PUBLIC_URL_MISSING])


@router.get("/users", response_model=list[UserOut])
def list_users(db: DB, _: User = ADMIN):
    return service.list_users(db)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, db: DB, _: User = ADMIN):
    with unit_of_work(db):
        return service.create_user(db, body)


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: uuid.UUID, db: DB, _: User = ADMIN):
    return service.get_user(db, user_id)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: uuid.UUID, body: UserUpdate, db: DB, actor: User = ADMIN):
    with unit_of_work(db):
        user = service.get_user(db, user_id)
        return service.update_user(db, user, body, actor=actor)
