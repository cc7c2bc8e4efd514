"""A member of staff turns two-factor sign-in on or off for themselves (provider/users/two_factor.py)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from provider.base import utcnow
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.organisation.models import ProviderSettings
from provider.users import two_factor
from provider.users.models import User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web import security
from provider.web.templating import render, set_browser_cookie

router = APIRouter(include_in_schema=False)
STAFF = allow(*two_factor.STAFF)
SETUP_SECONDS = 900


def _sealed(request: Request) -> URLSafeTimedSerializer:
    """The new secret travels in the form, signed, until a code proves the app holds it: nothing is stored before."""
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="lantern-two-factor-setup")


def _page(request: Request, db, user: User, errors: dict, secret: str | None = None, status: int = 200):
    secret = secret or two_factor.new_secret()
    settings = db.get(ProviderSettings, 1)
    return render(request, "users/two_factor.html", {
        "on": bool(user.totp_secret), "secret": secret, "sealed": _sealed(request).dumps(secret),
        "uri": two_factor.setup_uri(user, secret, settings.name if settings else "the hospice"),
        "errors": errors}, status)


@router.get("/account/two-factor")
def two_factor_page(request: Request, db: DB, user: User = STAFF):
    return _page(request, db, user, {})


@router.post("/account/two-factor")
def turn_on(request: Request, db: DB, user: User = STAFF):
    data = form_data(request)
    try:
        secret = _sealed(request).loads(data.get("sealed") or "", max_age=SETUP_SECONDS)
    except BadSignature:
        return _page(request, db, user, {"code": "was for a setup that has expired: scan the new one below"}, None, 422)
    try:
        with unit_of_work(db):
            two_factor.turn_on(db, user, secret, data.get("code") or "", utcnow())
            session = _this_browser_stays(request, db, user)
    except FieldErrors as exc:
        return _page(request, db, user, exc.errors, secret, 422)
    return _signed_in_again(request, "/account/two-factor?on=1", session)


@router.post("/account/two-factor/off")
def turn_off(request: Request, db: DB, user: User = STAFF):
    data = form_data(request)
    try:
        with unit_of_work(db):
            two_factor.turn_off(db, user, data.get("code") or "", utcnow())
            session = _this_browser_stays(request, db, user)
    except FieldErrors as exc:
        return _page(request, db, user, exc.errors, None, 422)
    return _signed_in_again(request, "/account/two-factor?off=1", session)


def _this_browser_stays(request: Request, db, user: User) -> str:
    """The change ended every session and token of the user; the browser that made it, having just given a code,
    gets a new session."""
    return security.start_login_session(db, user, request.app.state.settings.session_hours)


def _signed_in_again(request: Request, target: str, session: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    set_browser_cookie(request, response, session)
    return response
