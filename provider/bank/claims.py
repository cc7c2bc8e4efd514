"""Statement lines that a record other than a payment has claimed (an ISF receipt, say), asked of the layers above."""
from __future__ import annotations

import uuid

from sqlalchemy import union_all
from sqlmodel import Session, select

from provider import hooks


def claimed_ids():
    """A select of the ids of every claimed line."""
    queries = hooks.bank_lines_claimed.collect()
    return queries[0] if len(queries) == 1 else union_all(*queries)


def is_claimed(db: Session, line_id: uuid.UUID) -> bool:
    claimed = claimed_ids().subquery()
    column = list(claimed.c)[0]
    return db.exec(select(column).where(column == line_id).limit(1)).first() is not None
