"""Turning a submitted HTML form into the dict a Pydantic shape validates: blanks become None."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import Request

from starlette.datastructures import FormData

from provider.web.deps import sent_form
from provider.web.security import CSRF_FIELD


def form_data(request: Request, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    form = sent_form(request) or FormData()
    data: dict[str, Any] = {}
    for key in form.keys():
        if key == CSRF_FIELD:
            continue
        if key in lists:
            data[key] = [v for v in form.getlist(key) if v != ""]
            continue
        value = form.get(key)
        if isinstance(value, str):
            value = value.strip()
            data[key] = value if value != "" else None
        else:
            data[key] = value
    for key in lists:
        data.setdefault(key, [])
    return data


MB = 1024 * 1024
UPLOAD_MAX_BYTES = 10 * MB  # for an upload that sets no limit of its own


def read_upload(upload: Any, field: str, max_bytes: int = UPLOAD_MAX_BYTES,
                      too_large: str | None = None) -> bytes:
    """An uploaded file's bytes, reading at most one byte past `max_bytes`; FieldErrors naming the field when the file
    is larger. `too_large` words the refusal for a page that shows the message without the field's name."""
    from provider.errors import FieldErrors

    content = upload.file.read(max_bytes + 1)  # the form is spooled already: a plain read in the thread pool
    if len(content) > max_bytes:
        raise FieldErrors({field: too_large or f"is larger than {max_bytes / MB:g} MB: choose a smaller file"})
    return content


def pounds_field(value: Any, field: str) -> int | None:
    """A form's amount in pounds as whole pence (None when blank), or FieldErrors naming the field."""
    from provider.errors import FieldErrors
    from provider.money import MoneyError, parse_gbp

    if value in (None, ""):
        return None
    try:
        return parse_gbp(value)
    except MoneyError as exc:
        raise FieldErrors({field: str(exc)}) from None


def date_field(value: Any, field: str, *, required: bool = False) -> date | None:
    """A form's date written YYYY-MM-DD (None when blank and not required), or FieldErrors naming the field."""
    from provider.errors import FieldErrors

    if value in (None, "") and not required:
        return None
    try:
        return date.fromisoformat(value or "")
    except (TypeError, ValueError):
        raise FieldErrors({field: "must be a date written YYYY-MM-DD"}) from None


def id_field(value: Any) -> uuid.UUID | None:
    """A chosen record's id, or None when blank or not an id (the service then says what is missing)."""
    try:
        return uuid.UUID(value) if value else None
    except (TypeError, ValueError):
        return None
