"""The history of a record: who changed what and when. Staff see the records their role manages."""
from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlmodel import Session, select

from provider.audit.models import AuditEvent
from provider.errors import Forbidden
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
STAFF = allow(Role.admin, Role.finance, Role.coordinator)

# Which roles may read the history of which table: each the records its role manages.
HISTORY_READERS: dict[str, tuple[Role, ...]] = {
    "users": (Role.admin,),
    "login": (Role.admin,),     # sign-in attempts, refused and accepted, by email
}


def register_history(entity: str, *roles: Role) -> None:
    HISTORY_READERS[entity] = roles


def history(db: Session, user: User, entity: str, entity_id: str) -> list[AuditEvent]:
    if user.role not in HISTORY_READERS.get(entity, ()):
        raise Forbidden("Your role cannot read the history of this kind of record.")
    query = (select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
             .order_by(AuditEvent.at))
    return list(db.exec(query))


@router.get("/history/{entity}/{entity_id}")
def history_page(request: Request, db: DB, entity: str, entity_id: str, user: User = STAFF):
    return render(request, "history.html",
                  {"events": history(db, user, entity, entity_id), "entity": entity, "entity_id": entity_id})


class AuditEventOut(BaseModel):
    at: str
    actor: str
    action: str
    changes: dict


api = APIRouter(prefix="/api", tags=["history"], responses=API_ERRORS)


@api.get("/history/{entity}/{entity_id}", response_model=list[AuditEventOut])
def history_api(db: DB, entity: str, entity_id: str, user: User = STAFF):
    return [AuditEventOut(at=e.at.isoformat(), actor=e.actor_name, action=e.action, changes=e.changes)
            for e in history(db, user, entity, entity_id)]
