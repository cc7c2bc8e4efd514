"""A block contract settled at its end: use against the contracted volume, as the contract says.

Above the volume: paid unit by unit at the overage rate in the months' runs, or left to charity. Volume not used:
kept, clawed back or credited (credit notes against the contract's instalment invoices, latest first), or
carried forward to the commissioner's next contract. `settle` is the arithmetic over plain numbers; `preview` reads
the records and lists what stops a settlement; `make` settles, once, in the caller's transaction.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing import credits, instalments
from invoicing.freeze import frozen
from invoicing.models import BilledInstalment, BilledPart, ContractSettlement, Invoice, InvoiceLine
from provider import references
from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.charges.service import flag_charges
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funders.models import Funder
from provider.funding import contracts as contract_records
from provider.funding.inputs import _covered_children
from provider.funding.models import ArrangementStatus, BlockContract, BlockContractService, UnderUse
from provider.money import Pence, format_gbp, round_pence

MONEY_BACK = (UnderUse.clawback, UnderUse.credited)


@dataclass(frozen=True)
class Use:
    contracted: int           # the volume bought
    carried_in: int           # unused units carried in from an earlier contract
    value_pence: Pence
    delivered: int            # units on the contract, delivered
    cancelled: int            # late cancellations on the contract (only when it counts them)
    overage_units: int        # units above the volume charged at the overage rate
    overage_pence: Pence


@dataclass(frozen=True)
class Settlement:
    use: Use
    under_use: str
    unused_units: int
    pence: Pence              # to credit or claw back
    carried_units: int

    @property
    def used(self) -> int:
        return self.use.delivered + self.use.cancelled


def settle(use: Use, under_use: str) -> Settlement:
    """Carried-in units are taken to be used first, so money is given back only for contracted units unused, at
    the contract's value a unit."""
    unused = max(0, use.contracted + use.carried_in - use.delivered - use.cancelled)
    pence = 0
    if under_use in MONEY_BACK and unused:
        pence = round_pence(Fraction(use.value_pence * min(unused, use.contracted), use.contracted))
    carried = unused if under_use == UnderUse.carried_forward else 0
    return Settlement(use, str(under_use), unused, pence, carried)


@dataclass
class Preview:
    contract: BlockContract
    funder: Funder
    settlement: Settlement
    counts_as_used: str
    problems: list[str] = field(default_factory=list)
    successors: list[BlockContract] = field(default_factory=list)   # where unused units may be carried
    charity_after_volume: tuple[date, int] | None = None    # the day the volume ran out, units charity paid after


def use_of(db: Session, contract: BlockContract) -> Use:
    rows = db.exec(select(ChargePart.rule, BookingUnit.status, func.sum(ChargePart.units), func.sum(ChargePart.pence))
                   .join(Charge, Charge.id == ChargePart.charge_id)
                   .join(BookingUnit, BookingUnit.id == Charge.unit_id)
                   .where(ChargePart.arrangement_ref == references.block_ref(contract.id),
                          Charge.state == ChargeState.current)
                   .group_by(ChargePart.rule, BookingUnit.status)).all()
    within = [(status == UnitStatus.delivered, int(units)) for rule, status, units, _ in rows
              if rule != "block-overage"]
    delivered = sum(units for was, units in within if was)
    cancelled = sum(units for was, units in within if not was)
    overage = [(int(units), int(pence)) for rule, _, units, pence in rows if rule == "block-overage"]
    return Use(contract.volume_units, contract.carried_in_units, contract.value_pence, delivered, cancelled,
               sum(u for u, _ in overage), sum(p for _, p in overage))


def _problems(db: Session, contract: BlockContract, funder: Funder, today: date) -> list[str]:
    problems = []
    if today <= contract.ends_on:
        problems.append(f"The contract runs to {short_date(contract.ends_on)}: it can be settled from the day after.")
    services = set(db.exec(select(BlockContractService.service_id)
                           .where(BlockContractService.contract_id == contract.id)))
    children = {uuid.UUID(c) for c in _covered_children(db, contract, None)}
    in_period = (Booking.service_id.in_(services), BookingUnit.day >= contract.starts_on,
                 BookingUnit.day <= contract.ends_on)
    unmarked = db.exec(select(func.count()).select_from(BookingUnit).join(Booking, Booking.id == BookingUnit.booking_id)
                       .where(*in_period, Booking.child_id.in_(children), Booking.status == BookingStatus.confirmed,
                              BookingUnit.status == UnitStatus.booked)).one() if children and services else 0
    if unmarked:
        problems.append(f"{unmarked} unit(s) of care in the contract's period have no attendance recorded: "
                        "mark them first.")
    flagged = db.exec(select(func.count(func.distinct(Charge.id))).join(ChargePart, ChargePart.charge_id == Charge.id)
                      .where(ChargePart.arrangement_ref == references.block_ref(contract.id),
                             Charge.state == ChargeState.current,
                             Charge.needs_recalculation)).one()
    if flagged:
        problems.append(f"{flagged} charge(s) on the contract need recalculating first.")
    unbilled = db.exec(select(func.count()).select_from(ChargePart).join(Charge, Charge.id == ChargePart.charge_id)
                       .join(BilledPart, BilledPart.part_id == ChargePart.id, isouter=True)
                       .where(ChargePart.arrangement_ref == references.block_ref(contract.id),
                              ChargePart.rule == "block-overage",
                              Charge.state == ChargeState.current, ChargePart.pence > 0,
                              BilledPart.part_id.is_(None))).one()
    if unbilled and not funder.pays_without_invoice:
        problems.append(f"{unbilled} unit(s) above the volume are not invoiced yet: run invoicing for the "
                        "contract's last months first.")
    if not funder.pays_without_invoice:
        billed = set(db.exec(select(BilledInstalment.number)
                                 .where(BilledInstalment.contract_id == contract.id)))
        missing = [i for i in _schedule(contract) if i.number not in billed]
        if missing:
            problems.append(f"Instalment {missing[0].number} of {missing[0].of} (due {short_date(missing[0].due_on)}) "
                            "is not invoiced yet: run invoicing for its month first.")
    return problems


def _schedule(contract: BlockContract) -> list[instalments.Instalment]:
    return instalments.schedule(str(contract.id), contract.reference, "", contract.starts_on, contract.ends_on,
                                contract.value_pence, str(contract.instalments), contract.in_advance)


def _successors(db: Session, contract: BlockContract) -> list[BlockContract]:
    return list(db.exec(select(BlockContract).where(
        BlockContract.funder_id == contract.funder_id, BlockContract.starts_on > contract.ends_on,
        BlockContract.status == ArrangementStatus.active).order_by(BlockContract.starts_on)))


def _charity_after_volume(db: Session, contract: BlockContract, use: Use) -> tuple[date, int] | None:
    """When the volume ran out and the contract leaves overage to charity: that day, and the units of the contract's
    services for the children it covers that charity paid for after it."""
    if str(contract.overage) != "charity" or use.delivered + use.cancelled < use.contracted + use.carried_in:
        return None
    last = db.exec(select(func.max(Charge.day)).join(ChargePart, ChargePart.charge_id == Charge.id)
                   .where(ChargePart.arrangement_ref == references.block_ref(contract.id),
                          Charge.state == ChargeState.current)).one()
    services = select(BlockContractService.service_id).where(BlockContractService.contract_id == contract.id)
    children = [uuid.UUID(c) for c in _covered_children(db, contract, None)]
    units = db.exec(select(func.coalesce(func.sum(ChargePart.units), 0)).join(Charge, Charge.id == ChargePart.charge_id)
                    .where(Charge.state == ChargeState.current, Charge.day > last, Charge.day <= contract.ends_on,
                           Charge.service_id.in_(services), Charge.child_id.in_(children),
                           ChargePart.rule.in_(("charity", "charity-restricted")))).one()
    return last, int(units)


def preview(db: Session, contract: BlockContract, today: date) -> Preview:
    funder = db.get(Funder, contract.funder_id)
    use = use_of(db, contract)
    found = Preview(contract, funder, settle(use, contract.under_use), contract_records.counts_as_used(contract),
                    _problems(db, contract, funder, today), _successors(db, contract),
                    _charity_after_volume(db, contract, use))
    if contract.under_use == UnderUse.carried_forward and found.settlement.unused_units and not found.successors:
        found.problems.append(f"No later contract with {funder.name} to carry the unused units to: add next "
                              "year's contract first.")
    return found


def settled_on(db: Session, contract: BlockContract) -> date | None:
    found = existing(db, contract)
    return found.settled_on if found else None


def existing(db: Session, contract: BlockContract) -> ContractSettlement | None:
    return db.exec(select(ContractSettlement).where(ContractSettlement.contract_id == contract.id)).first()


def make(db: Session, contract: BlockContract, today: date, actor_id: uuid.UUID | None = None,
         carried_to_id: uuid.UUID | None = None) -> ContractSettlement:
    """Settle the contract, once: credit notes for money given back, units carried forward, the statement frozen."""
    if existing(db, contract) is not None:
        raise FieldErrors({"contract": f"{contract.reference} is settled already"})
    found = preview(db, contract, today)
    if found.problems:
        raise FieldErrors({"contract": " ".join(found.problems)})
    s = found.settlement
    carried_to = None
    if s.carried_units:
        carried_to = next((c for c in found.successors if c.id == carried_to_id), None)
        if carried_to is None:
            raise FieldErrors({"carried_to_id": "choose the later contract the unused units carry forward to"})
    notes = []
    if s.pence and not found.funder.pays_without_invoice:
        instalments.release_deferred(db, contract.ends_on, today, actor_id)
        notes = _credit(db, contract, s, actor_id, today)
    if carried_to is not None:
        carried_to.carried_in_units += s.carried_units
        db.add(carried_to)
        db.flush()
        flag_charges(db, after=carried_to.starts_on - timedelta(days=1),
                     reason=f"{s.carried_units} unused units of {contract.reference} were carried forward to "
                            f"{carried_to.reference}.")
    statement = {
        "contract": contract.reference, "funder": found.funder.name, "settled_on": today.isoformat(),
        "period": {"from": contract.starts_on.isoformat(), "to": contract.ends_on.isoformat()},
        "counts_as_used": found.counts_as_used, **asdict(s.use), "unused_units": s.unused_units,
        "under_use": s.under_use, "settled_pence": s.pence, "credit_notes": [n.number for n in notes],
        "carried_units": s.carried_units, "carried_to": carried_to.reference if carried_to else None,
        "charity_after_volume": (None if found.charity_after_volume is None else
                                 {"from": found.charity_after_volume[0].isoformat(),
                                  "units": found.charity_after_volume[1]}),
    }
    data, digest = frozen(statement)
    record = ContractSettlement(contract_id=contract.id, settled_on=today, volume_units=contract.volume_units,
                                used_delivered=s.use.delivered, used_cancelled=s.use.cancelled,
                                overage_units=s.use.overage_units, overage_billed_pence=s.use.overage_pence,
                                unused_units=s.unused_units, under_use=s.under_use, settled_pence=s.pence,
                                carried_units=s.carried_units, carried_to_id=carried_to.id if carried_to else None,
                                data=data, data_sha256=digest, created_by_id=actor_id)
    db.add(record)
    db.flush()
    return record


def _credit(db: Session, contract: BlockContract, s: Settlement, actor_id, today: date) -> list:
    """Credit notes for `s.pence` against the contract's instalment invoices, the latest instalment first."""
    rows = db.exec(select(BilledInstalment.number, Invoice, InvoiceLine)
                   .join(InvoiceLine, InvoiceLine.id == BilledInstalment.line_id)
                   .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                   .where(BilledInstalment.contract_id == contract.id)
                   .order_by(BilledInstalment.number.desc())).all()
    how = "clawed back" if s.under_use == UnderUse.clawback else "credited against your next invoices"
    reason = (f"Settlement of block contract {contract.reference} at its end: {s.unused_units} of "
              f"{s.use.contracted + s.use.carried_in} units not used, {format_gbp(s.pence)} {how}")
    notes, left = [], s.pence
    for _, invoice, line in rows:
        if left <= 0:
            break
        pence = min(left, credits.left_to_credit(db, invoice).get(line.id, 0))
        if pence > 0:
            notes.append(credits.credit(db, invoice, reason, {line.id: pence}, actor_id, today))
            left -= pence
    if left > 0:
        raise FieldErrors({"contract": f"only {format_gbp(s.pence - left)} of {format_gbp(s.pence)} is left to credit "
                                       f"on {contract.reference}'s instalment invoices"})
    return notes


def statement_of(record: ContractSettlement) -> dict:
    return json.loads(record.data)
