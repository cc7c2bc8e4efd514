"""JSON API for users and for the caller's own bearer tokens."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from provider.config import PUBLIC_URL_MISSING
from provider.db import unit_of_work
from provider.users import service
from provider.users.models import Role, User
from provider.users.service import UserCreate, UserOut, UserUpdate
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.security import create_api_token

router = APIRouter(prefix="/api", tags=["users"], responses=API_ERRORS)
ADMIN = allow(Role.admin)
EVERYONE = allow(*Role)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    name: str
    token: str


@router.get("/me", response_model=UserOut)
def me(user: User = EVERYONE):
    return user


@router.post("/tokens", response_model=TokenOut, status_code=201)
def new_token(body: TokenRequest, db: DB, user: User = EVERYONE):
    """A bearer token for the caller. Shown once; only its hash is kept."""
    with unit_of_work(db):
        token = create_api_token(db, user, body.name)
    return TokenOut(name=body.name, token=token)


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
