"""Server-rendered pages: one Jinja2 environment, the filters money and dates need, the CSRF token."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from provider.config import TEMPLATES_DIR
from provider.dates import long_date, long_date_time, short_date
from provider.money import format_gbp, pounds_text
from provider.users.models import Role
from provider.web import security
from provider.web.deps import browser_token
from provider.web.proxy import is_https

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def uk_date(value: date | datetime | None, with_time: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and with_time:
        return long_date_time(value)
    return long_date(value)


templates.env.filters["gbp"] = lambda pence: "" if pence is None else format_gbp(pence)
templates.env.filters["pounds"] = lambda pence: "" if pence is None else pounds_text(pence)
templates.env.filters["uk_date"] = uk_date
templates.env.filters["short_date"] = short_date
templates.env.filters["long_date"] = long_date  # a date object, in pages and the PDFs alike (reports/_parts.html)

NAVIGATION = {
    Role.admin: [("Home", "/"), ("Users", "/users"), ("Outbox", "/outbox"), ("Settings", "/settings")],
    Role.finance: [("Home", "/"), ("Arrangements", "/arrangements"), ("Contracts", "/contracts"),
                   ("Contract use", "/contracts/usage"), ("Charges", "/charges"), ("Invoices", "/invoices"),
                   ("Payments", "/payments"), ("Bank", "/bank"), ("Debt", "/debt"), ("ISFs", "/isf"),
                   ("Bookings", "/bookings"), ("Funders", "/funders"), ("Funds", "/funds"),
                   ("Charitable income", "/charity"), ("Services", "/services"), ("Reports", "/reports"),
                   ("Settings", "/settings")],
    Role.coordinator: [("Home", "/"), ("Today", "/today"), ("Bookings", "/bookings"), ("Occupancy", "/occupancy"),
                        ("Children", "/children"), ("ISFs", "/isf"), ("Nominees", "/nominees"),
                        ("Services", "/services"),
                        ("Funders", "/funders")],
    Role.trustee: [("Home", "/"), ("Reports", "/reports"), ("Charitable income", "/charity")],
    Role.family: [("Home", "/")],
}


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    settings = request.app.state.settings
    token = browser_token(request)
    fresh = token is None
    if fresh:
        token = security.new_token()
    user = getattr(request.state, "user_seen", None)
    page = {
        "user": user,
        "nav": NAVIGATION.get(Role(user.role), []) if user else [],
        "csrf_token": security.csrf_token_for(settings.secret_key, token),
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page, status_code=status_code)
    if fresh:
        set_browser_cookie(request, response, token)
    return response


def set_browser_cookie(request: Request, response: Response, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        security.COOKIE,
        security.sign(settings.secret_key, token),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        max_age=settings.session_hours * 3600,
    )
