"""Field types and the one validation helper every shape uses: plain messages for an email address, a phone number,
optional text, whole pence (`PenceIn`, and `OptionalPence` that takes pounds from a form; `not_negative`), whole
numbers; `check` and `checked` name every bad field at once."""
from __future__ import annotations

import copy
import math
import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError, ValidationInfo

from provider.base import Day
from provider.errors import FieldErrors, messages_from_validation
from provider.money import MAX_PENCE, MoneyError, parse_gbp, storable


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


MAX_WHOLE = 1_000_000


def between(low: int, high: int) -> AfterValidator:
    """The one range check of a whole number: from `low` to `high` inclusive."""
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return AfterValidator(check)


def pence_in(value: Any, info: ValidationInfo, *, example: str, signed: bool = False,
             money_message=str) -> int | None:
    """Whole pence, for a pydantic field: a form sends pounds ("650.00", context pounds=True); JSON sends integer pence.
    `example` shows JSON's form ("65000 for £650.00"); `money_message` words a MoneyError for the form."""
    value = blank_is_none(value)
    if value is None:
        return None
    if isinstance(value, str) and (info.context or {}).get("pounds"):
        try:
            pence = parse_gbp(value)
        except MoneyError as exc:
            raise ValueError(money_message(exc)) from None
    elif isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not math.isfinite(value):
        raise ValueError(f"must be a whole number of pence, like {example}")
    elif value != int(value):
        raise ValueError("must not be finer than a penny: send whole pence")
    else:
        pence = int(value)
    if not signed:
        not_negative(pence)
    return storable(pence)


def not_negative(pence: int) -> int:
    """The one check that an amount of pence is not negative (an AfterValidator, or called)."""
    if pence < 0:
        raise ValueError("must not be negative")
    return pence


def _pence(value: Any, info: ValidationInfo) -> int | None:
    return pence_in(value, info, example="65000 for £650.00")


def _whole(value: Any) -> Any:
    value = blank_is_none(value)
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ValueError("must be a whole number")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
        raise ValueError(f"must be at most {MAX_WHOLE:,}")
    return value


# Whole pence sent to the API: either sign (each model's rules say which it takes), within what the database holds.
# The bounds are stated in the OpenAPI document.
PenceIn = Annotated[int, Field(ge=-MAX_PENCE, le=MAX_PENCE), BeforeValidator(storable)]
# Whole pence not negative, or blank; a form sends pounds ("650.00").
OptionalPence = Annotated[PenceIn | None, BeforeValidator(_pence)]
Whole = Annotated[int | None, BeforeValidator(_whole)]
OptionalDate = Annotated[Day | None, BeforeValidator(blank_is_none)]
OptionalId = Annotated[uuid.UUID | None, BeforeValidator(blank_is_none)]
OptionalText = optional(200)
Reference = optional(60)
Notes = Annotated[str, BeforeValidator(lambda v: "" if v is None else v), Field(max_length=10_000)]


def check(model: type[BaseModel], data: dict[str, Any] | BaseModel, *, pounds: bool = False):
    """Build `model` from `data` (amounts in pounds when `pounds`), or raise FieldErrors naming every bad field."""
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(exclude_unset=True)
    try:
        return model.model_validate(data, context={"pounds": pounds})
    except ValidationError as exc:
        raise FieldErrors(messages_from_validation(exc.errors(include_url=False))) from None


def checked(model: type[BaseModel], data: dict[str, Any] | BaseModel, problems, *, pounds: bool = False):
    """`model` built from `data` and `problems(shape)` found empty, or FieldErrors naming every bad field at once:
    when some fields are malformed, the rules are still checked on the rest."""
    try:
        shape = check(model, data, pounds=pounds)
    except FieldErrors as malformed:
        for blank in (False, True):  # leave the bad values out, or else send them as blank
            try:
                rest = check(model, _without(data, malformed.errors, blank=blank), pounds=pounds)
            except FieldErrors:
                continue
            raise FieldErrors({**problems(rest), **malformed.errors}) from None
        raise malformed from None
    if errors := problems(shape):
        raise FieldErrors(errors)
    return shape


def _without(data: dict[str, Any] | BaseModel, errors: dict[str, str], *, blank: bool = False) -> dict[str, Any]:
    """A copy of `data` without the values named by `errors` ("services.0.cap_units" and the like), or with
    them None when `blank`."""
    rest = copy.deepcopy(data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else data)
    for key in errors:
        *path, last = key.split(".")
        node: Any = rest
        for part in path:
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                node = None
            if node is None:
                break
        if isinstance(node, dict) and blank:
            node[last] = None
        elif isinstance(node, dict):
            node.pop(last, None)
    return rest


def merged(current: dict[str, Any], data: dict[str, Any] | BaseModel) -> dict[str, Any]:
    """A change: what is recorded, with the fields sent on top (an API body's unset fields are left alone)."""
    sent = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)
    return {**current, **sent}
