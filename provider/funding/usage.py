"""What has been used and what is left: a child's arrangements and each block contract's volume.

Plain functions that read only. "Used" is what current stored charges say (ChargePart.arrangement_ref names the
arrangement: "arrangement:<id>", "block:<id>", "fund:<id>"); "reserved" is what the units of confirmed bookings
not yet marked would take, allocated by the engine after what is stored, as a booking preview does.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_
from sqlmodel import Session, select

from provider import references
from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.errors import NotFound
from provider.funders.models import Funder, FunderDepartment
from provider.funding import inputs
from provider.funding.engine import CHARITY_KINDS, Funding, allocate, year_of
from provider.funding.models import (
    ARRANGEMENT_KIND_LABELS, ArrangementKind, ArrangementStatus, BlockContract, BlockContractChild, Overage,
)
from provider.funding.units import reservations
from provider.money import Pence, percent_text, round_pence
from provider.people.models import Child, FamilyMember

WINDOW = timedelta(days=400)


def year_label(begins: date) -> str:
    return f"{begins.year}/{(begins.year + 1) % 100:02d}"


def _year_bounds(f: Funding, on: date) -> tuple[date, date]:
    """The arrangement's year that holds `on`, or its nearest year when `on` is outside its dates."""
    day = on
    if f.ends_on is not None and day > f.ends_on:
        day = f.ends_on
    if f.starts_on is not None and day < f.starts_on:
        day = f.starts_on
    first = year_of(day, f.year_start)
    return first, first + relativedelta(years=1) - timedelta(days=1)


# ---------------------------------------------------------------------------------------------------------------
# A child's arrangements


@dataclass(frozen=True)
class Used:
    units: int = 0
    pence: Pence = 0


@dataclass(frozen=True)
class ServiceCap:
    """An arrangement's own yearly cap on one service, such as 6 sibling sessions a year."""

    service_id: uuid.UUID
    service_name: str
    cap_units: int
    used_units: int
    reserved_units: int

    @property
    def remaining_units(self) -> int:
        return self.cap_units - self.used_units - self.reserved_units


@dataclass(frozen=True)
class LimitUsage:
    """A money limit over fixed dates, such as a purchase order's value."""

    label: str
    starts_on: date
    ends_on: date
    cap_pence: Pence
    used_pence: Pence
    reserved_pence: Pence

    @property
    def remaining_pence(self) -> Pence:
        return self.cap_pence - self.used_pence - self.reserved_pence


@dataclass(frozen=True)
class ArrangementUsage:
    ref: str
    kind: str
    kind_label: str
    name: str
    payers: tuple[str, ...]
    year_first: date
    year_last: date
    used_units: int
    used_pence: Pence
    reserved_units: int
    reserved_pence: Pence
    cap_units: int | None = None        # the arrangement's units a year (a block: this child's allowance)
    cap_pence: Pence | None = None      # the arrangement's money a year (an ISF: its budget less fees)
    block: bool = False
    service_caps: tuple[ServiceCap, ...] = ()
    limits: tuple[LimitUsage, ...] = ()

    @property
    def year(self) -> str:
        return year_label(self.year_first)

    @property
    def remaining_units(self) -> int | None:
        return None if self.cap_units is None else self.cap_units - self.used_units - self.reserved_units

    @property
    def remaining_pence(self) -> Pence | None:
        return None if self.cap_pence is None else self.cap_pence - self.used_pence - self.reserved_pence

    @property
    def arrangement_id(self) -> uuid.UUID | None:
        found = references.try_arrangement(self.ref)
        return found.id if found is not None and found.kind == references.ARRANGEMENT else None

    @property
    def contract_id(self) -> uuid.UUID | None:
        found = references.try_arrangement(self.ref)
        return found.id if found is not None and found.kind == references.BLOCK else None


@dataclass(frozen=True)
class _Taken:
    """One unit's take from one arrangement: a charge's parts (or a reservation's) for that arrangement, summed."""

    ref: str
    service_id: str
    day: date
    units: int
    pence: Pence


def _stored_takes(db: Session, child_id: uuid.UUID, first: date, last: date) -> list[_Taken]:
    query = (select(Charge, ChargePart).join(ChargePart, ChargePart.charge_id == Charge.id)
             .where(Charge.state == ChargeState.current, Charge.child_id == child_id,
                    Charge.day >= first, Charge.day <= last))
    return _merge((part.arrangement_ref, charge.id, str(charge.service_id), charge.day, part.units, part.pence)
                  for charge, part in db.exec(query))


def _merge(rows) -> list[_Taken]:
    """One take per unit and arrangement: a joint package's payers share one unit, their pence add up."""
    merged: dict[tuple, list] = {}
    for ref, unit_key, service_id, day, units, pence in rows:
        entry = merged.setdefault((ref, unit_key), [service_id, day, 0, 0])
        entry[2] = max(entry[2], units)
        entry[3] += pence
    return [_Taken(ref, service_id, day, units, pence)
            for (ref, _), (service_id, day, units, pence) in merged.items()]


def _reserved_takes(db: Session, child_id: uuid.UUID, fundings: list[Funding], first: date,
                    last: date) -> list[_Taken]:
    """What the child's confirmed bookings not yet marked would take, allocated after what is stored."""
    reserved = reservations(db, child_id, first, last)
    if not reserved:
        return []
    prior = inputs.stored_parts(db, first - WINDOW, last + WINDOW, {child_id})
    outcomes = allocate(reserved, fundings, inputs.services(db), inputs.priority(db), prior)
    return _merge((part.funding_ref, o.unit.ref, o.unit.service_id, o.unit.day, part.units, part.pence)
                  for o in outcomes for part in o.parts)


def _sum(takes: list[_Taken], ref: str, first: date, last: date, service_id: str | None = None) -> Used:
    units = pence = 0
    for t in takes:
        if t.ref == ref and first <= t.day <= last and (service_id is None or t.service_id == service_id):
            units += t.units
            pence += t.pence
    return Used(units, pence)


def arrangement_usage(db: Session, child_id: uuid.UUID, on: date) -> list[ArrangementUsage]:
    """Each arrangement that may pay for this child: used, reserved and remaining in its year holding `on`.

    Charitable funds (which have no caps) are listed only when they paid for something that year.
    """
    child = db.get(Child, child_id)
    if child is None:
        raise NotFound("There is no such child.")
    fundings = [f for f in inputs.fundings(db, {child_id}) if f.children is None or str(child_id) in f.children]
    years = {f.ref: _year_bounds(f, on) for f in fundings}
    if not years:
        return []
    first = min(y[0] for y in years.values())
    last = max(y[1] for y in years.values())
    stored = _stored_takes(db, child_id, first, last)
    reserved = _reserved_takes(db, child_id, fundings, first, last)
    names = {s.id: s.name for s in db.exec(select(Service))}
    result = []
    for f in fundings:
        year_first, year_last = years[f.ref]
        used = _sum(stored, f.ref, year_first, year_last)
        held = _sum(reserved, f.ref, year_first, year_last)
        if f.kind in CHARITY_KINDS and not (used.units or held.units):
            continue
        caps = tuple(
            ServiceCap(uuid.UUID(sid), names.get(uuid.UUID(sid), ""), cap,
                       _sum(stored, f.ref, year_first, year_last, sid).units,
                       _sum(reserved, f.ref, year_first, year_last, sid).units)
            for sid, cap in sorted((f.services or {}).items()) if cap is not None)
        limits = tuple(
            LimitUsage(m.label, m.starts_on, m.ends_on, m.pence, _sum(stored, f.ref, m.starts_on, m.ends_on).pence,
                       _sum(reserved, f.ref, m.starts_on, m.ends_on).pence)
            for m in f.money_limits)
        result.append(ArrangementUsage(
            ref=f.ref, kind=f.kind, kind_label=ARRANGEMENT_KIND_LABELS.get(f.kind, f.kind),
            name=f.name, payers=tuple(p.name for p in f.payers), year_first=year_first, year_last=year_last,
            used_units=used.units, used_pence=used.pence, reserved_units=held.units, reserved_pence=held.pence,
            cap_units=f.per_child_units if f.block else f.cap_units, cap_pence=f.cap_pence, block=f.block,
            service_caps=caps, limits=limits))
    order = {kind: i for i, kind in enumerate(ArrangementKind)}
    result.sort(key=lambda u: (order.get(u.kind, len(order)), u.name, u.ref))
    return result


# ---------------------------------------------------------------------------------------------------------------
# A child's bookings, each unit with who paid


@dataclass(frozen=True)
class PaidPart:
    payer_name: str
    pence: Pence
    units: int
    charity: bool
    memorandum_pence: Pence
    reason: str


@dataclass(frozen=True)
class UnitLine:
    unit: BookingUnit
    paid: tuple[PaidPart, ...]
    needs_recalculation: bool = False


@dataclass(frozen=True)
class BookingLine:
    booking: Booking
    service: Service
    participant: FamilyMember | None
    units: tuple[UnitLine, ...]

    @property
    def charged_pence(self) -> Pence:
        return sum(p.pence for u in self.units for p in u.paid if not p.charity)


@dataclass(frozen=True)
class ChildBookings:
    child: Child
    today: date
    past: list[BookingLine]
    upcoming: list[BookingLine]


def child_bookings(db: Session, child_id: uuid.UUID, today: date) -> ChildBookings:
    """The child's bookings (theirs and their siblings'), past ones latest first, then those to come."""
    child = db.get(Child, child_id)
    if child is None:
        raise NotFound("There is no such child.")
    rows = list(db.exec(select(Booking, Service, FamilyMember).join(Service, Service.id == Booking.service_id)
                        .outerjoin(FamilyMember, FamilyMember.id == Booking.participant_id)
                        .where(Booking.child_id == child_id)))
    ids = [b.id for b, _, _ in rows]
    units: dict[uuid.UUID, list[BookingUnit]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        for u in db.exec(select(BookingUnit).where(BookingUnit.booking_id.in_(ids[start:start + 900]))):
            units[u.booking_id].append(u)
    charges = {c.unit_id: c for c in db.exec(select(Charge).where(Charge.child_id == child_id,
                                                                  Charge.state == ChargeState.current))}
    parts: dict[uuid.UUID, list[ChargePart]] = defaultdict(list)
    if charges:
        by_charge = {c.id: c.unit_id for c in charges.values()}
        query = (select(ChargePart).join(Charge, Charge.id == ChargePart.charge_id)
                 .where(Charge.child_id == child_id, Charge.state == ChargeState.current)
                 .order_by(ChargePart.position))
        for part in db.exec(query):
            parts[by_charge[part.charge_id]].append(part)
    past, upcoming = [], []
    for booking, service, participant in rows:
        lines = tuple(
            UnitLine(u, tuple(PaidPart(p.payer_name, p.pence, p.units, p.kind in CHARITY_KINDS, p.memorandum_pence,
                                       p.reason) for p in parts.get(u.id, [])),
                     bool(charges.get(u.id) and charges[u.id].needs_recalculation))
            for u in sorted(units[booking.id], key=lambda u: (u.day, u.time_band)))
        line = BookingLine(booking, service, participant, lines)
        (past if booking.ends_on < today else upcoming).append(line)
    past.sort(key=lambda b: (b.booking.starts_on, b.booking.created_at), reverse=True)
    upcoming.sort(key=lambda b: (b.booking.starts_on, b.booking.created_at))
    return ChildBookings(child, today, past, upcoming)


# ---------------------------------------------------------------------------------------------------------------
# Block contracts


@dataclass(frozen=True)
class ChildAllowance:
    child_id: uuid.UUID
    child_name: str
    allowance_units: int | None
    used_units: int
    reserved_units: int

    @property
    def remaining_units(self) -> int | None:
        if self.allowance_units is None:
            return None
        return self.allowance_units - self.used_units - self.reserved_units


@dataclass(frozen=True)
class ContractUsage:
    contract: BlockContract
    funder_name: str
    as_of: date                    # usage counted to this day: today, or the contract's end once it has ended
    used_units: int                # within the contracted volume
    overage_units: int             # above the volume (charged at the overage rate, or borne by charity)
    overage_pence: Pence
    reserved_units: int            # nights of confirmed bookings still to come, for children it covers
    projected_units: int           # used to date, continued at the same rate to the contract's end
    expected_to_date_units: int    # the contracted volume spread evenly over the contract's days, to date
    allowance_year: str
    children: list[ChildAllowance] = field(default_factory=list)

    @property
    def volume_units(self) -> int:
        return self.contract.volume_units

    @property
    def remaining_units(self) -> int:
        return max(0, self.volume_units - self.used_units)

    @property
    def days(self) -> int:
        return (self.contract.ends_on - self.contract.starts_on).days + 1

    @property
    def elapsed_days(self) -> int:
        return max(0, (self.as_of - self.contract.starts_on).days + 1)

    @property
    def projected_shortfall_units(self) -> int:
        """Contracted units the present rate would leave unused (negative: the volume would be passed)."""
        return self.volume_units - self.projected_units

    @property
    def used_percent(self) -> str:
        return percent_text(self.used_units, self.volume_units)


def covered_child_ids(db: Session, contract: BlockContract) -> set[uuid.UUID]:
    if contract.covers_area_id is not None:
        query = select(Child.id).where(or_(Child.home_authority_id == contract.covers_area_id,
                                           Child.icb_id == contract.covers_area_id))
    else:
        query = select(BlockContractChild.child_id).where(BlockContractChild.contract_id == contract.id)
    return set(db.exec(query))


def _contract_reservations(db: Session, contract: BlockContract, children: list[Child]) -> dict[uuid.UUID, int]:
    """Units each child's confirmed bookings would take from the contract, allocated after what is stored."""
    ref = references.block_ref(contract.id)
    ids = {c.id for c in children}
    waiting = set(db.exec(select(Booking.child_id).join(BookingUnit, BookingUnit.booking_id == Booking.id)
                          .where(Booking.status == BookingStatus.confirmed, BookingUnit.status == UnitStatus.booked,
                                 BookingUnit.day >= contract.starts_on, BookingUnit.day <= contract.ends_on)))
    result: dict[uuid.UUID, int] = {}
    for child_id in sorted(ids & waiting, key=str):
        reserved = reservations(db, child_id, contract.starts_on, contract.ends_on)
        prior = inputs.stored_parts(db, contract.starts_on - WINDOW, contract.ends_on + WINDOW, {child_id})
        outcomes = allocate(reserved, inputs.fundings(db, {child_id}), inputs.services(db), inputs.priority(db),
                            prior)
        result[child_id] = sum(p.units for o in outcomes for p in o.parts if p.funding_ref == ref)
    return result


def contract_usage(db: Session, contract: BlockContract, today: date) -> ContractUsage:
    ref = references.block_ref(contract.id)
    as_of = min(max(today, contract.starts_on - timedelta(days=1)), contract.ends_on)
    query = (select(Charge, ChargePart).join(ChargePart, ChargePart.charge_id == Charge.id)
             .where(Charge.state == ChargeState.current, ChargePart.arrangement_ref == ref,
                    Charge.day >= contract.starts_on, Charge.day <= as_of))
    used = overage = overage_pence = 0
    per_child: dict[uuid.UUID, int] = defaultdict(int)
    year_start = inputs.year_start(db)
    year_first = year_of(max(contract.starts_on, min(as_of, contract.ends_on)), year_start)
    year_last = year_first + relativedelta(years=1) - timedelta(days=1)
    for charge, part in db.exec(query):
        if part.rule == "block-overage":
            overage += part.units
            overage_pence += part.pence
        else:
            used += part.units
        if year_first <= charge.day <= year_last:
            per_child[charge.child_id] += part.units
    covered = covered_child_ids(db, contract) | set(per_child)
    children = sorted(db.exec(select(Child).where(Child.id.in_(covered))).all() if covered else [],
                      key=lambda c: (c.last_name, c.first_name, str(c.id)))
    held = _contract_reservations(db, contract, children)
    total_days = (contract.ends_on - contract.starts_on).days + 1
    elapsed = max(0, (as_of - contract.starts_on).days + 1)
    taken = used + overage
    projected = taken if elapsed >= total_days or elapsed == 0 else round_pence(Fraction(taken * total_days, elapsed))
    expected = round_pence(Fraction(contract.volume_units * elapsed, total_days))
    funder = db.get(Funder, contract.funder_id)
    department = db.get(FunderDepartment, contract.department_id) if contract.department_id else None
    funder_name = f"{funder.name}, {department.name}" if department else (funder.name if funder else "")
    allowances = [ChildAllowance(c.id, c.display_name, contract.allowance_units, per_child.get(c.id, 0),
                                 held.get(c.id, 0)) for c in children]
    return ContractUsage(contract, funder_name, as_of, used, overage, overage_pence, sum(held.values()), projected,
                         expected, year_label(year_first), allowances)


def contracts_usage(db: Session, today: date) -> list[ContractUsage]:
    """Every block contract that is not a draft, latest first."""
    contracts = db.exec(select(BlockContract).where(BlockContract.status != ArrangementStatus.draft)
                        .order_by(BlockContract.starts_on.desc(), BlockContract.reference)).all()
    return [contract_usage(db, c, today) for c in contracts]


OVERAGE_TEXT = {Overage.rate: "charged at the overage rate", Overage.charity: "borne by charity"}
