"""Who opened a child's record: a "viewed" audit event per page shown, in the child's own history."""
from __future__ import annotations

import uuid

from sqlmodel import Session

from provider.audit.models import AuditEvent
from provider.db import READ_ONLY, unit_of_work

VIEWED = "viewed"


def record_view(db: Session, user, child_id: uuid.UUID, page: str, url: str) -> None:
    """Commits the view at once, in a transaction of its own, then goes on reading as the page did before.

    A page is read in a read-only transaction (on SQLite a plain BEGIN, which cannot safely turn into a write),
    so that one ends first and the next, which writes, opens as writes do."""
    db.commit()
    with unit_of_work(db):
        db.add(AuditEvent(actor_id=user.id, actor_name=user.name, action=VIEWED, entity="children",
                          entity_id=str(child_id), changes={"page": [None, page], "url": [None, url]}))
    db.connection(execution_options={READ_ONLY: True})
