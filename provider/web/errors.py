"""One answer per refusal: JSON under /api, a page elsewhere. Never a bare 500."""
from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from provider.db import is_locked
from provider.errors import Conflict, FieldErrors, Forbidden, NotAuthenticated, NotFound, messages_from_validation
from provider.web.templating import render

log = logging.getLogger("lantern")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


def refusal(request: Request, status: int, title: str, detail: str, fields: dict[str, str] | None = None):
    if wants_json(request):
        body = {"detail": detail}
        if fields:
            body["errors"] = [{"field": k, "message": v} for k, v in fields.items()]
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", {"title": title, "detail": detail, "fields": fields or {}}, status)


def install(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated):
        if wants_json(request):
            return JSONResponse({"detail": "Sign in first: send a session cookie or a bearer token."},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return refusal(request, 403, "You cannot do that", str(exc) or "You do not have access to this.")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return refusal(request, 404, "Not found", str(exc) or "There is nothing at this address.")

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return refusal(request, 409, "That clashes with what is recorded", str(exc))

    @app.exception_handler(FieldErrors)
    async def field_errors(request: Request, exc: FieldErrors):
        return refusal(request, 422, "There is a problem", "Some of what was sent is not valid.", exc.errors)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError):
        # Malformed JSON is located at a character offset; name the body instead of "9".
        problems = [{**e, "loc": ("body",)} if e.get("type") == "json_invalid" else e for e in exc.errors()]
        fields = messages_from_validation(problems, skip_prefix=("body", "query", "path"))
        return refusal(request, 422, "There is a problem", "Some of what was sent is not valid.", fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and wants_json(request):
            # FastAPI's 400 for a body it cannot read at all, such as JSON that is not UTF-8 or a broken form.
            problem = "is not valid JSON" if isinstance(exc.__cause__, UnicodeDecodeError) else "could not be read"
            return refusal(request, 422, "There is a problem", "Some of what was sent is not valid.", {"body": problem})
        titles = {404: "Page not found", 405: "Not allowed"}
        return refusal(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError):
        if not is_locked(exc):
            return await unexpected(request, exc)
        log.warning("database busy on %s %s: answered 503", request.method, request.url.path)
        answer = refusal(request, 503, "Lantern is busy",
                         "Another task is writing to the database just now, so nothing was changed. "
                         "Wait a moment and try again.")
        answer.headers["Retry-After"] = "5"
        return answer

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return refusal(request, 500, "Something went wrong",
                      "Nothing was changed. Please try again, and tell the administrator if it happens again.")
