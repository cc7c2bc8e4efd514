"""Records an AuditEvent for every insert or change of an audited table, inside the same flush.

Tables opt in with `__audited__ = True`; `__audit_hidden__` names columns whose values are never
copied into the audit (a password hash is recorded only as "changed"); `__audit_skipped__` names bookkeeping
columns left out of it altogether (a user's sign-in epoch, which moves with the change that moved it).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession

from provider.audit.models import AuditEvent

ACTOR_KEY = "lantern_actor"


def set_actor(session: OrmSession, user) -> None:
    session.info[ACTOR_KEY] = (user.id, user.name) if user is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _changes(obj, *, created: bool) -> dict[str, list]:
    hidden = getattr(obj, "__audit_hidden__", ())
    skipped = getattr(obj, "__audit_skipped__", ())
    state = inspect(obj)
    changes: dict[str, list] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in skipped:
            continue
        history = state.attrs[attr.key].history
        if created:
            value = getattr(obj, attr.key)
            if value is not None:
                changes[attr.key] = [None, "(set)" if attr.key in hidden else _plain(value)]
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            if attr.key in hidden:
                changes[attr.key] = ["(hidden)", "(changed)"]
            else:
                changes[attr.key] = [_plain(before), _plain(after)]
    return changes


def _entity_id(obj) -> str:
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in identity)


@event.listens_for(OrmSession, "before_flush")
def _record(session: OrmSession, _flush_context, _instances) -> None:
    actor = session.info.get(ACTOR_KEY)
    actor_id, actor_name = actor if actor else (None, "system")
    events = []
    for obj in list(session.new):
        if getattr(obj, "__audited__", False):
            events.append(("create", obj, _changes(obj, created=True)))
    for obj in list(session.dirty):
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            changes = _changes(obj, created=False)
            if changes:
                events.append(("update", obj, changes))
    for obj in list(session.deleted):
        if getattr(obj, "__audited__", False):
            events.append(("delete", obj, {}))
    for action, obj, changes in events:
        session.add(
            AuditEvent(
                actor_id=actor_id,
                actor_name=actor_name,
                action=action,
                entity=obj.__tablename__,
                entity_id=_entity_id(obj),
                changes=changes,
            )
        )
