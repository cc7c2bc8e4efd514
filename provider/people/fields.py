"""Field types the people shapes share: plain messages for an email address, a phone number, optional text."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BeforeValidator, Field


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("must be an email address, like name@example.org") from None


def _phone(value: str) -> str:
    if not re.fullmatch(r"\+?[0-9 ()-]{6,30}", value) or sum(c.isdigit() for c in value) < 6:
        raise ValueError("must be a phone number, like 01632 960123")
    return value


def blank_is_none(value):
    return None if isinstance(value, str) and value.strip() == "" else value


def _none_is_empty(value):
    return "" if value is None else value


def optional(max_length: int, *checks):
    """An optional text field: a blank is None; otherwise at most `max_length` characters, then `checks`."""
    return Annotated[Annotated[str, Field(max_length=max_length), *checks] | None, BeforeValidator(blank_is_none)]


Email = optional(254, AfterValidator(_email))
Phone = optional(40, AfterValidator(_phone))
ShortText = optional(40)
Name = optional(200)
Text = Annotated[str, BeforeValidator(_none_is_empty), Field(max_length=10_000)]


def not_in_future(day: date | None, today: date) -> str | None:
    return "must not be in the future" if day is not None and day > today else None
