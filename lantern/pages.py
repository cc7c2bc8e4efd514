"""Signing in and out, each role's home page, the API's own documentation page."""
from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session, func, select

from provider import mail
from provider.base import utcnow
from provider.clock import today
from provider.config import PUBLIC_URL_MISSING
from provider.family.view import family_view
from provider.funding import nominee_gaps
from provider.db import unit_of_work
from provider.users import service as users
from provider.users import throttle, two_factor
from provider.users.models import Role, User
from provider.web import security
from provider.web.deps import DB, allow, browser_token, public
from provider.web.forms import form_data
from provider.web.proxy import client_address, is_https
from provider.web.templating import render, set_browser_cookie

router = APIRouter(include_in_schema=False)
PENDING_SECONDS = 300
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
    context = home_context(db, user)
    if user.role == Role.admin and request.app.state.settings.public_url is None:
        context["public_url_missing"] = PUBLIC_URL_MISSING
    return render(request, f"home/{Role(user.role).value}.html", context)


@router.get("/login")
def login_page(request: Request, user: User | None = public(), next: str | None = None):
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "values": {}, "errors": {}})


def _now(request: Request) -> datetime:
    # A test sets app.state.clock to sign in at a moment of its choosing.
    return getattr(request.app.state, "clock", utcnow)()


@router.post("/login")
def login(request: Request, db: DB, _: User | None = public()):
    data = form_data(request)
    target = _safe_next(data.get("next"))
    email, password = (value if isinstance(value, str) else "" for value in (data.get("email"), data.get("password")))
    now, address = _now(request), client_address(request)
    with unit_of_work(db):
        locked = throttle.is_locked(db, email, address, now)
        user = None if locked else users.authenticate(db, email, password)
        if user is None:
            throttle.record_failure(db, email, address, now, while_locked=locked)
            # One answer for every refusal, locked or not: it never tells whether the account exists.
            # The page puts the field's label first: "Email address or password is not right, or ...".
            errors = {"email": "or password is not right, or there have been too many attempts: try again later"}
            return render(request, "login.html", {"next": target, "values": {"email": email}, "errors": errors}, 401)
        if user.totp_secret:
            # The password was right; the session starts only with the code from the user's app.
            pending = _pending(request).dumps({"user": str(user.id), "next": target, "epoch": user.sign_in_epoch})
            return render(request, "login_code.html", {"pending": pending, "errors": {}})
        return _signed_in(request, db, user, email, address, now, target)


def _pending(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="lantern-two-factor")


def _signed_in(request: Request, db, user: User, email: str, address: str, now: datetime, target: str):
    throttle.record_success(db, user, email, address, now)
    old = browser_token(request)
    if old:
        security.end_login_session(db, old)
    token = security.start_login_session(db, user, request.app.state.settings.session_hours)
    response = RedirectResponse(target, status_code=303)
    set_browser_cookie(request, response, token)
    return response


@router.post("/login/code")
def login_code(request: Request, db: DB, _: User | None = public()):
    """The second step for staff with two-factor sign-in: the code, within 5 minutes of the right password."""
    data = form_data(request)
    now, address = _now(request), client_address(request)
    try:
        pending = _pending(request).loads(data.get("pending") or "", max_age=PENDING_SECONDS)
        user = db.get(User, uuid.UUID(pending["user"]))
    except (BadSignature, ValueError, KeyError, TypeError):
        user = None
    # A password change or a two-factor change since the password step ends it, as it ends every session.
    if user is None or not user.is_active or not user.totp_secret or pending.get("epoch") != user.sign_in_epoch:
        return render(request, "login.html", {"next": "/", "values": {}, "errors": {
            "email": "or password is not right, or there have been too many attempts: try again later"}}, 401)
    with unit_of_work(db):
        locked = throttle.is_locked(db, user.email, address, now)
        if locked or not two_factor.check(db, user, data.get("code"), now):
            throttle.record_failure(db, user.email, address, now, while_locked=locked)
            errors = {"code": "is not right, or has been used already: enter the 6 digits your app shows now"}
            return render(request, "login_code.html", {"pending": data.get("pending"), "errors": errors}, 401)
        return _signed_in(request, db, user, user.email, address, now, _safe_next(pending.get("next")))


@router.post("/logout")
def logout(request: Request, db: DB, _: User = allow(*EVERYONE)):
    with unit_of_work(db):
        security.end_login_session(db, browser_token(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.COOKIE, secure=is_https(request), httponly=True, samesite="lax")
    return response


@router.get("/openapi.json")
def openapi_schema(request: Request, _: User | None = public()):
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def api_docs(request: Request, _: User | None = public()):
    return render(request, "docs.html", {"spec": request.app.openapi()})


def home_context(db: Session, user: User) -> dict:
    if user.role == Role.admin:
        return {"user_counts": dict(db.exec(select(User.role, func.count()).group_by(User.role)).all()),
                "not_sent": len(mail.failures(db))}
    if user.role == Role.family:
        return {"f": family_view(db, user, today(db)), "values": {}, "errors": {}, "asking": None}
    if user.role == Role.finance:
        return {"without_nominee": nominee_gaps.budgets_without_nominee(db, today(db))}
    return {}

