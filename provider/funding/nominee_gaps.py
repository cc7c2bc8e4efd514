"""Budgets paid to a nominee that have no written nomination in force from some day: finance asks the
commissioner who holds the budget now (DOMAIN.md §2). Care on those days goes to the next arrangement."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from provider.dates import long_date
from provider.funders.models import Funder
from provider.funding.models import Arrangement, ArrangementKind, ArrangementStatus, ManagementOption
from provider.people.models import Child, Nomination, Nominee

Span = tuple[date, date | None]


@dataclass(frozen=True)
class NomineeGap:
    arrangement_id: uuid.UUID
    arrangement_name: str
    child_id: uuid.UUID
    child_name: str
    nominee_name: str
    commissioner: str
    since: date

    @property
    def text(self) -> str:
        ask = f"ask {self.commissioner}" if self.commissioner else "ask the commissioner"
        return (f"{self.arrangement_name} has no nominee from {long_date(self.since)}: no written nomination of "
                f"{self.nominee_name} for {self.child_name} is in force, so the next arrangement pays for "
                f"{self.child_name}'s care from that day; {ask} who holds the budget now.")


def _in_force(spans: list[Span], day: date) -> list[date | None]:
    return [withdrawn for received, withdrawn in spans if received <= day and (withdrawn is None or day < withdrawn)]


def no_nominee_from(spans: list[Span], starts_on: date, ends_on: date | None, on: date) -> date | None:
    """The first day without a nomination in force, from `on` (or from the start of the gap `on` is in) to the
    budget's end; None when a nomination covers every such day."""
    first = day = max(on, starts_on)
    if ends_on is not None and day > ends_on:
        return None
    while covering := _in_force(spans, day):
        if None in covering:
            return None
        day = max(d for d in covering if d is not None)
        if ends_on is not None and day > ends_on:
            return None
    if day > first:
        return day
    withdrawals = [w for _, w in spans if w is not None and starts_on <= w <= day]
    return max(withdrawals) if withdrawals else starts_on


def budgets_without_nominee(db: Session, on: date, child_id: uuid.UUID | None = None) -> list[NomineeGap]:
    """Each active budget paid to a nominee with a day, today or later, on which no nomination of it is in force."""
    query = select(Arrangement).where(Arrangement.status == ArrangementStatus.active,
                                      Arrangement.kind == ArrangementKind.personal_budget,
                                      Arrangement.management == ManagementOption.nominee,
                                      Arrangement.nominee_id.is_not(None))
    if child_id is not None:
        query = query.where(Arrangement.child_id == child_id)
    arrangements = db.exec(query.order_by(Arrangement.name, Arrangement.id)).all()
    if not arrangements:
        return []
    spans: dict[tuple[uuid.UUID, uuid.UUID], list[Span]] = defaultdict(list)
    for n in db.exec(select(Nomination).where(Nomination.child_id.in_({a.child_id for a in arrangements}))):
        spans[(n.nominee_id, n.child_id)].append((n.received_on, n.withdrawn_on))
    children = {c.id: c for c in db.exec(select(Child).where(Child.id.in_({a.child_id for a in arrangements})))}
    nominees = {n.id: n for n in db.exec(select(Nominee).where(Nominee.id.in_({a.nominee_id for a in arrangements})))}
    funders = {f.id: f.name for f in db.exec(select(Funder))}
    gaps = []
    for a in arrangements:
        since = no_nominee_from(spans[(a.nominee_id, a.child_id)], a.starts_on, a.ends_on, on)
        if since is not None:
            child = children[a.child_id]
            gaps.append(NomineeGap(a.id, a.name, a.child_id, child.preferred_name or child.first_name,
                                   nominees[a.nominee_id].name, funders.get(a.funder_id, ""), since))
    return gaps


def texts_for_child(db: Session, child_id: uuid.UUID, on: date) -> list[str]:
    return [gap.text for gap in budgets_without_nominee(db, on, child_id)]
