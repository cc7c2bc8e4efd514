"""Stored allocations as text a person can check by eye: per child and payer, and line by line."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.charges.service import Recalculation
from provider.dates import short_date
from provider.funding.engine import CHARITY_KINDS
from provider.money import format_gbp
from provider.people.models import Child


@dataclass(frozen=True)
class PayerLine:
    charity: bool
    child: str
    payer: str
    units: int
    pence: int
    memorandum_pence: int


def _child_names(db: Session, ids) -> dict[uuid.UUID, str]:
    ids = set(ids)
    if not ids:
        return {}
    return {c.id: f"{c.preferred_name or c.first_name} {c.last_name}" for c in db.exec(select(Child).where(Child.id.in_(ids)))}


def _rows(db: Session, first: date, last: date, child_ids: set[uuid.UUID] | None = None):
    query = (select(Charge, ChargePart).join(ChargePart, ChargePart.charge_id == Charge.id)
             .where(Charge.state == ChargeState.current, Charge.day >= first, Charge.day <= last))
    if child_ids is not None:
        query = query.where(Charge.child_id.in_(child_ids))
    return list(db.exec(query))


def by_child_and_payer(db: Session, first: date, last: date) -> list[PayerLine]:
    rows = _rows(db, first, last)
    names = _child_names(db, {c.child_id for c, _ in rows})
    totals: dict[tuple[str, str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    for charge, part in rows:
        entry = totals[(names[charge.child_id], part.payer_name, part.kind in CHARITY_KINDS)]
        entry[0] += part.units
        entry[1] += part.pence
        entry[2] += part.memorandum_pence
    return [PayerLine(charity, child, payer, *values) for (child, payer, charity), values in sorted(totals.items())]


def summary_text(db: Session, first: date, last: date, recalculation: Recalculation | None = None) -> str:
    lines = by_child_and_payer(db, first, last)
    out = [f"Allocations stored for {short_date(first)} to {short_date(last)}", ""]
    width = max([len(line.child) for line in lines] + [5])
    payer_width = max([len(line.payer) for line in lines] + [5])
    for line in lines:
        memo = f"  (full cost {format_gbp(line.memorandum_pence)})" if line.memorandum_pence else ""
        units = f"{line.units} unit" + ("" if line.units == 1 else "s")
        out.append(f"{line.child:<{width}}  {line.payer:<{payer_width}}  {units:>9}  "
                   f"{format_gbp(line.pence):>12}{memo}")
    charged = sum(line.pence for line in lines if not line.charity)
    charity = sum(line.pence for line in lines if line.charity)
    memorandum = sum(line.memorandum_pence for line in lines)
    out += ["", f"Total charged to funders and families: {format_gbp(charged)}",
            f"Borne by charity: {format_gbp(charity)} at list price; full cost of care {format_gbp(memorandum)}"]
    if recalculation is not None:
        out += [""] + recalculation_text(db, recalculation)
    return "\n".join(out)


def _parts_text(parts: list[tuple[str, int]]) -> str:
    return ", ".join(f"{payer} {format_gbp(pence)}" for payer, pence in parts) or "nobody"


def recalculation_text(db: Session, recalculation: Recalculation) -> list[str]:
    differences = recalculation.differences
    if not differences:
        return ["A recalculation would change nothing."]
    names = _child_names(db, {d.child_id for d in differences})
    services = {s.id: s.name for s in db.exec(select(Service))}
    out = [f"A recalculation would change {len(differences)} charge(s):"]
    before = after = 0
    for d in sorted(differences, key=lambda d: (d.day, names[d.child_id], str(d.unit_id))):
        out.append(f"  {short_date(d.day)}  {names[d.child_id]}  {services[d.service_id]}: "
                   f"{_parts_text(d.before)} -> {_parts_text(d.after)}")
        before += sum(p for _, p in d.before)
        after += sum(p for _, p in d.after)
    out.append(f"  Total of the changed charges: {format_gbp(before)} stored, {format_gbp(after)} recalculated")
    return out


def snapshot(db: Session, first: date, last: date, child_ids: set[uuid.UUID] | None = None) -> str:
    """Every current part, one line each, in date order: the readable record tests compare."""
    rows = _rows(db, first, last, child_ids)
    names = _child_names(db, {c.child_id for c, _ in rows})
    services = {s.id: s.name for s in db.exec(select(Service))}
    rows.sort(key=lambda r: (r[0].day, names[r[0].child_id], services[r[0].service_id], r[1].position))
    lines = []
    for charge, part in rows:
        memo = f" full cost {format_gbp(part.memorandum_pence)}" if part.memorandum_pence else ""
        lines.append(f"{charge.day:%Y-%m-%d} {names[charge.child_id]:<16} {services[charge.service_id]:<30} "
                     f"{part.payer_name:<52} {part.rule:<22} {format_gbp(part.pence):>10}{memo}")
    return "\n".join(lines) + "\n"
