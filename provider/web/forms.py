"""Turning a submitted HTML form into the dict a Pydantic shape validates: blanks become None."""
from __future__ import annotations

from typing import Any

from fastapi import Request

from provider.web.security import CSRF_FIELD


async def form_data(request: Request, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    form = await request.form()
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
