"""Turning delivered units into stored charges, flagging them after late changes, and recalculating.

Call these inside the caller's unit of work. A stored charge is never edited: a recalculation supersedes it
with a new one that names it.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, select

from provider import hooks
from provider.base import new_id, utcnow
from provider.bookings.models import Booking, BookingUnit
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.clock import today
from provider.dates import short_date
from provider.funding import inputs
from provider.charges import posting as care
from provider.ledger.post import post_many
from provider.funding.engine import RULE_VERSION, Outcome, allocate, usage_counts_from
from provider.funding.units import BookingFacts, UnitFacts, chargeable, unit_facts, unit_of_care

WINDOW = timedelta(days=400)
UnitLike = BookingUnit | UnitFacts
BookingLike = Booking | BookingFacts


def current_charges(db: Session, unit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Charge]:
    ids = list(unit_ids)
    if not ids:
        return {}
    rows = db.exec(select(Charge).where(Charge.unit_id.in_(ids), Charge.state == ChargeState.current))
    return {c.unit_id: c for c in rows}


def parts_of(db: Session, charge_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ChargePart]]:
    ids = list(charge_ids)
    result: dict[uuid.UUID, list[ChargePart]] = {i: [] for i in ids}
    if ids:
        for part in db.exec(select(ChargePart).where(ChargePart.charge_id.in_(ids)).order_by(ChargePart.position)):
            result[part.charge_id].append(part)
    return result


def store_many(db: Session, items: list[tuple[Outcome, UnitLike, BookingLike, Charge | None]],
               actor_id: uuid.UUID | None) -> list[uuid.UUID]:
    """Each outcome as a charge (naming the charge it supersedes) with its parts and its ledger entry.

    Written with bulk inserts, so a month of attendance is a handful of statements; returns the new charges' ids.
    """
    services: dict[uuid.UUID, Service] = {}
    charges, parts, postings, now = [], [], [], utcnow()
    for outcome, unit, booking, supersedes in items:
        charge_id = new_id()
        charges.append({"id": charge_id, "unit_id": unit.id, "child_id": booking.child_id,
                        "service_id": booking.service_id, "day": unit.day, "time_band": unit.time_band,
                        "quantity": unit.quantity, "state": ChargeState.current.value, "needs_recalculation": False,
                        "flagged_reason": None, "rule_version": RULE_VERSION,
                        "supersedes_id": supersedes.id if supersedes else None, "created_at": now,
                        "created_by_id": actor_id})
        parts += [{"id": new_id(), "charge_id": charge_id, "position": position, "arrangement_ref": p.funding_ref,
                   "kind": p.kind, "payer_ref": p.payer_ref, "payer_name": p.payer_name, "pence": p.pence,
                   "units": p.units, "memorandum_pence": p.memorandum_pence, "rule": p.rule, "reason": p.reason}
                  for position, p in enumerate(outcome.parts)]
        service = services.get(booking.service_id) or services.setdefault(booking.service_id,
                                                                          db.get(Service, booking.service_id))
        posting = care.delivery_posting(db, charge_id, booking.child_id, service, unit.day, outcome.parts)
        if posting is not None:
            postings.append(posting)
    if charges:
        connection = db.connection()
        connection.execute(insert(Charge.__table__), charges)
        connection.execute(insert(ChargePart.__table__), parts)
        post_many(db, postings, actor_id)
        blocks: dict[uuid.UUID, set[str]] = defaultdict(set)
        for part in parts:
            if part["kind"] == "block":
                blocks[part["charge_id"]].add(part["arrangement_ref"])
        hooks.charges_counted(db, [(c["child_id"], c["day"], blocks[c["id"]]) for c in charges if c["id"] in blocks], 1)
    return [c["id"] for c in charges]


def _supersede(db: Session, charge: Charge, actor_id: uuid.UUID | None = None) -> None:
    charge.state = ChargeState.superseded
    db.add(charge)
    db.flush()
    refs = db.exec(select(ChargePart.arrangement_ref).where(ChargePart.charge_id == charge.id,
                                                           ChargePart.kind == "block")).all()
    hooks.charges_counted(db, [(charge.child_id, charge.day, refs)], -1)
    care.reverse_delivery(db, charge, on=today(db), actor_id=actor_id)


def _allocate(db: Session, pairs: list[tuple[UnitLike, BookingLike]], first: date, last: date,
              prior_before: date | None = None) -> dict[str, Outcome]:
    children = {b.child_id for _, b in pairs}
    exclude = {u.id for u, _ in pairs}
    fundings = inputs.fundings(db, children)
    prior_first = usage_counts_from(fundings, first, first - WINDOW)
    prior_last = prior_before - timedelta(days=1) if prior_before else last + WINDOW
    prior = inputs.stored_parts(db, prior_first, prior_last, children, excluding_units=exclude)
    care = [unit_of_care(u, b, cancelled=chargeable(u, b) == "cancelled") for u, b in pairs]
    outcomes = allocate(care, fundings, inputs.services(db), inputs.priority(db), prior)
    return {o.unit.ref: o for o in outcomes}


def attendance_changed(db: Session, unit_ids: list[uuid.UUID], actor) -> list[uuid.UUID]:
    """Charge units newly chargeable, withdraw the charge of a unit no longer so, flag later charges.

    Returns the ids of the charges stored.
    """
    pairs = unit_facts(db, unit_ids)
    existing = current_charges(db, [u.id for u, _ in pairs])
    actor_id = getattr(actor, "id", None)
    to_charge: list[tuple[UnitFacts, BookingFacts]] = []
    replaced: dict[uuid.UUID, Charge] = {}
    changed_days: dict[uuid.UUID, date] = {}
    for unit, booking in pairs:
        charge = existing.get(unit.id)
        wanted = chargeable(unit, booking)
        if charge is not None and wanted == "delivered":
            continue
        if charge is not None:
            _supersede(db, charge, actor_id)
            replaced[unit.id] = charge
        if wanted:
            to_charge.append((unit, booking))
        if charge is not None or wanted:
            day = changed_days.get(booking.child_id)
            changed_days[booking.child_id] = min(day, unit.day) if day else unit.day
    # Flag first: the charges stored below are allocated knowing every change, so they are not flagged.
    children_by_day: dict[date, set[uuid.UUID]] = defaultdict(set)
    for child_id, day in changed_days.items():
        children_by_day[day].add(child_id)
    for day, children in sorted(children_by_day.items()):
        flag_charges(db, child_ids=children, after=day,
                     reason=f"Attendance on {short_date(day)} was changed after this charge was allocated.")
    if not to_charge:
        return []
    days = [u.day for u, _ in to_charge]
    outcomes = _allocate(db, to_charge, min(days), max(days))
    items = [(outcomes[str(unit.id)], unit, booking, replaced.get(unit.id)) for unit, booking in to_charge]
    return store_many(db, [item for item in items if item[0].parts], actor_id)


def flag_charges(db: Session, *, after: date, reason: str, child_ids: set[uuid.UUID] | None = None,
                 service_ids: set[uuid.UUID] | None = None, excluding: set[uuid.UUID] = frozenset()) -> int:
    """Mark current charges dated after `after` as needing recalculation; returns how many were flagged."""
    statement = (update(Charge).where(Charge.state == ChargeState.current, Charge.day > after,
                                      Charge.needs_recalculation.is_(False))
                 .values(needs_recalculation=True, flagged_reason=reason))
    if child_ids is not None:
        statement = statement.where(Charge.child_id.in_(child_ids))
    if service_ids is not None:
        statement = statement.where(Charge.service_id.in_(service_ids))
    if excluding:
        statement = statement.where(Charge.id.not_in(excluding))
    return db.exec(statement.execution_options(synchronize_session="fetch")).rowcount


@dataclass(frozen=True)
class Difference:
    unit_id: uuid.UUID
    child_id: uuid.UUID
    service_id: uuid.UUID
    day: date
    before: list[tuple[str, int]]
    after: list[tuple[str, int]]
    charge: Charge | None


@dataclass(frozen=True)
class Recalculation:
    outcomes: dict[str, Outcome]
    differences: list[Difference]
    pairs: list[tuple[BookingUnit, Booking]]
    stored: dict[uuid.UUID, Charge]


def _signature(parts) -> list[tuple[str, int]]:
    return [(p.payer_name, p.pence) for p in parts]


def recalculate(db: Session, first: date, last: date, child_ids: set[uuid.UUID] | None = None) -> Recalculation:
    """What the engine would store for every chargeable unit from `first` to `last`, against what is stored.

    Units are re-allocated in date order with every stored charge before `first` counted as already used.
    Nothing is written: `apply` does that.
    """
    query = (select(BookingUnit, Booking).join(Booking, Booking.id == BookingUnit.booking_id)
             .where(BookingUnit.day >= first, BookingUnit.day <= last))
    if child_ids is not None:
        query = query.where(Booking.child_id.in_(child_ids))
    candidates = list(db.exec(query))
    stored = current_charges(db, [u.id for u, _ in candidates])
    pairs = [(u, b) for u, b in candidates if chargeable(u, b) or u.id in stored]
    wanted = [(u, b) for u, b in pairs if chargeable(u, b)]
    outcomes = _allocate(db, wanted, first, last, prior_before=first) if wanted else {}
    stored_parts = parts_of(db, [c.id for c in stored.values()])
    differences = []
    for unit, booking in pairs:
        charge = stored.get(unit.id)
        before = _signature(stored_parts[charge.id]) if charge else []
        outcome = outcomes.get(str(unit.id))
        after = _signature(outcome.parts) if outcome else []
        if before != after:
            differences.append(Difference(unit.id, booking.child_id, booking.service_id, unit.day, before, after,
                                          charge))
    return Recalculation(outcomes, differences, pairs, stored)


def apply(db: Session, recalculation: Recalculation, actor) -> int:
    """Store what the recalculation found: supersede changed charges, add missing ones, clear flags."""
    by_unit = {u.id: (u, b) for u, b in recalculation.pairs}
    actor_id = getattr(actor, "id", None)
    items = []
    for difference in recalculation.differences:
        unit, booking = by_unit[difference.unit_id]
        if difference.charge is not None:
            _supersede(db, difference.charge, actor_id)
        outcome = recalculation.outcomes.get(str(unit.id))
        if outcome is not None and outcome.parts:
            items.append((outcome, unit, booking, difference.charge))
    store_many(db, items, actor_id)
    changed = {d.unit_id for d in recalculation.differences}
    for unit_id, charge in recalculation.stored.items():
        if unit_id not in changed and charge.needs_recalculation:
            charge.needs_recalculation = False
            charge.flagged_reason = None
            db.add(charge)
    db.flush()
    return len(recalculation.differences)
