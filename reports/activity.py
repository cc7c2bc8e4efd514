"""Activity (issue 8 item 5; DOMAIN.md §7): children and families supported in a period, and units by service.

Only units marked delivered count (a cancellation, charged or not, is no care given). A child is supported when a
unit was delivered to them: a booking of theirs with no other participant. A brother, sister or other relative is
supported when they took part themselves (sibling support, bereavement support). A family is supported when any of
its children or relatives was. Lantern keeps no household table: children are one family when they share a
relative (a parent, a carer, a sibling), directly or through another child; a child with no relative recorded is a
family alone. Counts below five show as "fewer than 5" (`*_text`); the numbers themselves are for arithmetic only.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from provider.bookings.models import Booking, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.people.models import ChildRelationship
from reports.disclosure import format_count
from reports.income import check_period, period_label


@dataclass(frozen=True)
class ServiceActivity:
    service: str
    unit: str
    units: int
    children: int               # children the service was delivered to
    relatives: int              # brothers, sisters and other relatives who took part

    @property
    def children_text(self) -> str:
        return format_count(self.children)

    @property
    def relatives_text(self) -> str:
        return format_count(self.relatives)


@dataclass(frozen=True)
class Activity:
    first: date
    last: date
    children: int
    relatives: int
    families: int
    services: list[ServiceActivity]

    @property
    def label(self) -> str:
        return period_label(self.first, self.last)

    @property
    def is_empty(self) -> bool:
        return not self.services

    @property
    def children_text(self) -> str:
        return format_count(self.children)

    @property
    def relatives_text(self) -> str:
        return format_count(self.relatives)

    @property
    def families_text(self) -> str:
        return format_count(self.families)


def _families(db: Session, child_ids: set[uuid.UUID]) -> int:
    """How many families the children belong to: children sharing a relative, directly or not, are one family."""
    parent: dict = {}

    def root(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for child_id, member_id in db.execute(select(ChildRelationship.child_id, ChildRelationship.family_member_id)):
        parent[root(("child", child_id))] = root(("member", member_id))
    return len({root(("child", c)) for c in child_ids})


def activity(db: Session, first: date, last: date) -> Activity:
    """Children, relatives and families supported from `first` to `last`, and units delivered by service."""
    check_period(first, last)
    keys = (Booking.service_id, Booking.child_id, Booking.participant_id)
    rows = db.execute(select(*keys, func.sum(BookingUnit.quantity))
                      .select_from(BookingUnit).join(Booking, Booking.id == BookingUnit.booking_id)
                      .where(BookingUnit.status == UnitStatus.delivered, BookingUnit.day.between(first, last))
                      .group_by(*keys)).all()
    by_service: dict[uuid.UUID, list] = defaultdict(lambda: [0, set(), set()])   # units, children, relatives
    for service_id, child_id, participant_id, units in rows:
        line = by_service[service_id]
        line[0] += int(units)
        if participant_id is None:
            line[1].add(child_id)
        else:
            line[2].add(participant_id)
    names = {s.id: (s.name, str(s.unit)) for s in db.execute(select(Service)).scalars()} if rows else {}
    services = sorted((ServiceActivity(*names[service_id], units, len(children), len(relatives))
                       for service_id, (units, children, relatives) in by_service.items()), key=lambda s: s.service)
    children = {child_id for _, child_id, participant_id, _ in rows if participant_id is None}
    relatives = {participant_id for _, _, participant_id, _ in rows if participant_id is not None}
    families = _families(db, {child_id for _, child_id, _, _ in rows}) if rows else 0
    return Activity(first, last, len(children), len(relatives), families, services)
