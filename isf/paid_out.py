"""What each ISF has paid to other suppliers (and returned), which the who-pays engine takes off its cap."""
from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from isf.models import IsfAgreement, IsfSpend


def by_arrangement(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    found: dict[uuid.UUID, int] = defaultdict(int)
    for start in range(0, len(ids), 900):
        for arrangement_id, pence in db.exec(
                select(IsfAgreement.arrangement_id, func.sum(IsfSpend.pence))
                .join(IsfSpend, IsfSpend.agreement_id == IsfAgreement.id)
                .where(IsfAgreement.arrangement_id.in_(ids[start:start + 900]), IsfSpend.status == "approved",
                       IsfSpend.kind.in_(("supplier", "return"))).group_by(IsfAgreement.arrangement_id)):
            found[arrangement_id] += int(pence)
    return found
