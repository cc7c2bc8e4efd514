"""Changing a record: the fields sent over what is recorded, then the whole record checked as when created."""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from provider.errors import validate

M = TypeVar("M", bound=BaseModel)


def sent(data: dict[str, Any] | BaseModel) -> dict[str, Any]:
    """What a change asks for: every key of a form's dict, or only the fields an API body set."""
    return data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)


def validate_change(shape: type[M], current: dict[str, Any], data: dict[str, Any] | BaseModel) -> M:
    """`shape` built from the recorded values with `data` on top. A required field left blank is "required"."""
    values = {**current, **sent(data)}
    required = {name for name, info in shape.model_fields.items() if info.is_required()}
    return validate(shape, {k: v for k, v in values.items() if not (v is None and k in required)})


def values_of(record: Any, shape: type[BaseModel]) -> dict[str, Any]:
    """The recorded values of the fields `shape` accepts."""
    return {name: getattr(record, name) for name in shape.model_fields}


def validate_new(shape: type[M], data: dict[str, Any] | BaseModel) -> M:
    """`shape` built from `data` for a new record. A required field left blank is "required"."""
    if isinstance(data, shape):
        return data
    return validate_change(shape, {}, data)
