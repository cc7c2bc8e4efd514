"""What the charge pages and API show: a month's charges with their parts, and a recalculation's differences."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.charges.service import Recalculation, parts_of
from provider.clock import today
from provider.errors import NotFound
from provider.people.models import Child


def month_or_current(db: Session, month: str | None) -> str:
    """The month asked for, or the clock's month when none was."""
    return month or f"{today(db):%Y-%m}"


@dataclass(frozen=True)
class ChargeView:
    charge: Charge
    child_name: str
    service_name: str
    parts: list[ChargePart]


def _names(db: Session) -> tuple[dict, dict]:
    children = {c.id: f"{c.preferred_name or c.first_name} {c.last_name}" for c in db.exec(select(Child))}
    services = {s.id: s.name for s in db.exec(select(Service))}
    return children, services


def charges_between(db: Session, first: date, last: date, *, child_id: uuid.UUID | None = None,
                    flagged_only: bool = False) -> list[ChargeView]:
    query = select(Charge).where(Charge.state == ChargeState.current, Charge.day >= first, Charge.day <= last)
    if child_id is not None:
        query = query.where(Charge.child_id == child_id)
    if flagged_only:
        query = query.where(Charge.needs_recalculation)
    found = list(db.exec(query.order_by(Charge.day, Charge.created_at)))
    parts = parts_of(db, [c.id for c in found])
    children, services = _names(db)
    return [ChargeView(c, children.get(c.child_id, ""), services.get(c.service_id, ""), parts[c.id]) for c in found]


def charge_view(db: Session, charge_id: uuid.UUID) -> ChargeView:
    charge = db.get(Charge, charge_id)
    if charge is None:
        raise NotFound("There is no such charge.")
    children, services = _names(db)
    return ChargeView(charge, children.get(charge.child_id, ""), services.get(charge.service_id, ""),
                      parts_of(db, [charge.id])[charge.id])


def fingerprint(recalculation: Recalculation) -> str:
    """Names exactly the differences a person saw, so that applying stores those and no others."""
    text = "|".join(f"{d.unit_id}:{d.before}:{d.after}" for d in sorted(recalculation.differences,
                                                                         key=lambda d: str(d.unit_id)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
