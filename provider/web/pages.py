"""Signing in and out, each role's home page, the API's own documentation page."""
from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse

from provider.db import unit_of_work
from provider.users import service as users
from provider.users.models import Role, User
from provider.web import security
from provider.web.deps import DB, allow, browser_token, public
from provider.web.forms import form_data
from provider.web.templating import render, set_browser_cookie

router = APIRouter(include_in_schema=False)
EVERYONE = tuple(Role)


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    # Browsers read "/\\host" as "//host": a backslash or control character could leave the site.
    if (parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return "/"
    return target


@router.get("/healthz")
def health(_: User | None = public()):
    return {"status": "ok"}


@router.get("/")
def home(request: Request, db: DB, user: User = allow(*EVERYONE)):
    return render(request, f"home/{Role(user.role).value}.html", users.home_context(db, user))


@router.get("/login")
def login_page(request: Request, user: User | None = public(), next: str | None = None):
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "values": {}, "errors": {}})


@router.post("/login")
async def login(request: Request, db: DB, _: User | None = public()):
    data = await form_data(request)
    target = _safe_next(data.get("next"))
    with unit_of_work(db):
        user = users.authenticate(db, data.get("email") or "", data.get("password") or "")
        if user is None:
            # The page puts the field's label first: "Email address or password is not right".
            errors = {"email": "or password is not right"}
            return render(request, "login.html",
                          {"next": target, "values": {"email": data.get("email") or ""}, "errors": errors}, 401)
        old = browser_token(request)
        if old:
            security.end_login_session(db, old)
        token = security.start_login_session(db, user, request.app.state.settings.session_hours)
    response = RedirectResponse(target, status_code=303)
    set_browser_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request, db: DB, _: User = allow(*EVERYONE)):
    with unit_of_work(db):
        security.end_login_session(db, browser_token(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.COOKIE)
    return response


@router.get("/openapi.json")
def openapi_schema(request: Request, _: User | None = public()):
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def api_docs(request: Request, _: User | None = public()):
    return render(request, "docs.html", {"spec": request.app.openapi()})
