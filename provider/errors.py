"""Refusals every part of Lantern raises; the web layer turns each into the right answer."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


class FieldErrors(Exception):
    """Input refused. Maps each field name to what is wrong with it, in plain words."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(Exception):
    pass


class Conflict(Exception):
    """The request is well formed but clashes with what is already recorded."""


class NotAuthenticated(Exception):
    pass


class Forbidden(Exception):
    pass


_TYPE_MESSAGES = {
    "date_from_datetime_parsing": "must be a real date",
    "date_parsing": "must be a real date",
    "date_type": "must be a real date",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_type": "must be yes or no",
    "string_type": "must be text",
    "bool_parsing": "must be yes or no",
    "missing": "is required",
    "extra_forbidden": "is not a field this accepts",
    "string_too_long": "is too long",
    "string_too_short": "is required",
    "enum": "is not one of the allowed choices",
    "literal_error": "is not one of the allowed choices",
    "uuid_parsing": "is not a known record",
    "uuid_type": "is not a known record",
    "json_invalid": "is not valid JSON",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


# A number's bounds (Field ge, le, gt, lt) by pydantic's error type: the bound's key in the error, and the words.
_BOUNDS = {"greater_than_equal": ("ge", "must be at least"), "less_than_equal": ("le", "must be at most"),
           "greater_than": ("gt", "must be more than"), "less_than": ("lt", "must be less than")}


def _bound_message(kind: str, ctx: dict[str, Any]) -> str:
    key, words = _BOUNDS[kind]
    bound = ctx.get(key)
    if key == "ge" and bound == 0:
        return "must not be negative"
    return f"{words} {bound:,}" if isinstance(bound, (int, float)) else f"{words} {bound}"


def messages_from_validation(errors: list[dict[str, Any]], skip_prefix: tuple = ()) -> dict[str, str]:
    """Pydantic's error list to {field: plain message}; the first problem of each field wins."""
    result: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in skip_prefix]
        field = ".".join(loc) or "body"
        kind = error.get("type", "")
        if kind == "value_error":
            message = str(error.get("ctx", {}).get("error") or error.get("msg", ""))
        elif kind == "missing" and field == "body":
            message = "a JSON object is required"
        elif kind in _BOUNDS:
            message = _bound_message(kind, error.get("ctx", {}))
        else:
            message = _TYPE_MESSAGES.get(kind) or error.get("msg", "is not valid")
        if kind.startswith("string_too_short") and error.get("ctx", {}).get("min_length", 1) > 1:
            message = error.get("msg", message)
        result.setdefault(field, message)
    return result


def validate(model: type[BaseModel], data: dict[str, Any] | BaseModel):
    """Build `model` from `data` or raise FieldErrors naming every bad field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors(messages_from_validation(exc.errors(include_url=False))) from None
