"""Request dependencies: the database session, the signed-in user, and the access rule of each route.

Every route declares who may use it with `allow(...)` or `public()`; `unguarded_routes(app)` finds
any route that does not, and a test fails on it.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy import update
from sqlmodel import Session
from starlette.routing import Mount

from provider.audit.recorder import set_actor
from provider.base import utcnow
from provider.db import unit_of_work
from provider.errors import FieldErrors, Forbidden, NotAuthenticated
from provider.users import sign_ins
from provider.users.models import ApiToken, Role, User
from provider.web import security

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Signed in, but this role or this user may not do this"},
    404: {"description": "No such record"},
    409: {"description": "Clashes with what is already recorded"},
    422: {"description": "Invalid input: each problem names its field"},
}
ACCESS_ATTR = "lantern_access"


def get_db(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory(read_only=request.method in SAFE_METHODS)
    try:
        yield session
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db)]


def browser_token(request: Request) -> str | None:
    return security.unsign(request.app.state.settings.secret_key, request.cookies.get(security.COOKIE))


def resolve_user(request: Request, db: Session) -> User | None:
    if hasattr(request.state, "user"):
        return request.state.user
    user, kind = None, None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user, kind = _bearer_user(request, db, auth[7:].strip()), "bearer"
    else:
        user, kind = security.user_for_session(db, browser_token(request)), "cookie"
    request.state.user = user
    request.state.user_seen = SignedIn(user.id, user.name, user.email, Role(user.role)) if user else None
    request.state.auth_kind = kind if user else None
    return user


def request_now(request: Request) -> datetime:
    # A test sets app.state.clock to act at a moment of its choosing.
    return getattr(request.app.state, "clock", utcnow)()


def _bearer_user(request: Request, db: Session, token: str) -> User | None:
    """The token's owner, if the token is live. The token is checked, and its last use noted (a write, at most once a
    minute), in sessions of their own: the request's session stays as it was, read-only on a GET."""
    now, factory = request_now(request), request.app.state.session_factory
    look = factory(read_only=True)
    try:
        user, row = security.bearer_token(look, token, now)
        found = (user.id, row.id, sign_ins.needs_last_used(row, now)) if row is not None else None
    finally:
        look.close()
    if found is None:
        return None
    user_id, token_id, note = found
    if note:
        write = factory(read_only=False)
        try:
            with unit_of_work(write):
                write.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        finally:
            write.close()
    return db.get(User, user_id)


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, as pages show it: still readable after a refused change has rolled the session back."""

    id: uuid.UUID
    name: str
    email: str
    role: Role

    @property
    def role_label(self) -> str:
        return self.role.label


async def read_content(request: Request) -> None:
    """Reads an unsafe request's body (and form) once, on the event loop, before any database work.

    The guards and routes that follow are plain functions run in the thread pool: they find what was sent on
    `request.state.body` and `request.state.form`, so no route awaits the network while holding a session.
    """
    request.state.body = b""
    request.state.form = None
    if request.method in SAFE_METHODS:
        return
    try:
        request.state.body = await request.body()  # kept whole first, so a route reading the raw body still can
    except RuntimeError:
        pass  # FastAPI parsed a form with files already, and the stream with it: the form is kept instead
    if "form" in request.headers.get("content-type", ""):
        request.state.form = await request.form()


Content = Annotated[None, Depends(read_content)]


def sent_form(request: Request):
    """The submitted form `read_content` kept, or None when the request carried none."""
    if not hasattr(request.state, "form"):
        raise RuntimeError("read_content must run before a route reads its form")
    return request.state.form


def sent_body(request: Request) -> bytes:
    """The raw body `read_content` kept (empty for a safe request)."""
    if not hasattr(request.state, "body"):
        raise RuntimeError("read_content must run before a route reads its body")
    return request.state.body


def check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS or getattr(request.state, "auth_kind", None) == "bearer":
        return
    offered = request.headers.get(security.CSRF_HEADER)
    form = sent_form(request)
    if offered is None and form is not None:
        offered = form.get(security.CSRF_FIELD)
    secret = request.app.state.settings.secret_key
    if not security.csrf_matches(secret, browser_token(request), offered):
        raise Forbidden("The form's security token is missing or out of date. Go back, reload the page and try again.")


def refuse_nul(request: Request) -> None:
    """PostgreSQL cannot hold a NUL character in text, so no parameter or field may carry one: refused by name."""
    fields = [name for name, value in (*request.path_params.items(), *request.query_params.multi_items())
              if "\x00" in str(value)]
    form = sent_form(request)
    if "json" in request.headers.get("content-type", ""):
        body = request.state.body
        if b"\\u0000" in body:
            try:
                fields += _nul_fields(json.loads(body), "")
            except ValueError:
                pass  # the route refuses JSON it cannot read
    elif form is not None:
        fields += [name for name, value in form.multi_items() if isinstance(value, str) and "\x00" in value]
    if fields:
        raise FieldErrors({field or "body": "must not contain a NUL character" for field in fields})


def _nul_fields(value, path: str) -> list[str]:
    """Where NULs are in a JSON document, as dotted paths: "lines.0.description"."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    found = []
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        found += [where] if "\x00" in str(key) else _nul_fields(item, where)
    return found


def allow(*roles: Role):
    """Only signed-in users with one of these roles; unsafe requests also need the CSRF token."""

    def guard(request: Request, db: DB, _: Content) -> User:
        user = resolve_user(request, db)
        if user is None:
            raise NotAuthenticated()
        check_csrf(request)
        if user.role not in roles:
            raise Forbidden("Your role does not give you access to this page.")
        refuse_nul(request)
        set_actor(db, user)
        return user

    setattr(guard, ACCESS_ATTR, tuple(roles))
    return Depends(guard)


def public():
    """Anyone, signed in or not; unsafe requests still need the CSRF token."""

    def guard(request: Request, db: DB, _: Content) -> User | None:
        user = resolve_user(request, db)
        check_csrf(request)
        refuse_nul(request)
        return user

    setattr(guard, ACCESS_ATTR, "public")
    return Depends(guard)


def access_rule(route: APIRoute | RouteContext):
    """The roles a route allows ('public' for everyone), or None when it declares no rule."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        rule = getattr(dependant.call, ACCESS_ATTR, None)
        if rule is not None:
            return rule
        pending.extend(dependant.dependencies)
    return None


def route_rules(app: FastAPI) -> list[tuple[str, str, object]]:
    """(methods, path, access rule or None) for every route the app serves, inside included routers too.

    FastAPI keeps included routers as single lazy entries in `app.routes`, so walk its route contexts.
    """
    rows = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            continue  # the stylesheet and images are public by nature
        rule = access_rule(context) if isinstance(route, APIRoute) else None
        rows.append((",".join(sorted(context.methods or ())), context.path, rule))
    return rows


def unguarded_routes(app: FastAPI) -> list[str]:
    return [f"{methods} {path}".strip() for methods, path, rule in route_rules(app) if rule is None]
