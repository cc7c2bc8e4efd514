"""Block contracts: a commissioner (or one of its departments) buys a volume of care for the children of an
area, or for a named list of children, paid by instalments; each child covered has an allowance.

`contracts_covering(db, child)` is what the engine's loader calls; the pages and the API use `save_contract`,
`contract_out` and `instalment_schedule`. Every check runs before anything is written.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider import hooks, references
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.charges.service import flag_charges
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.funders.models import Funder, FunderKind
from provider.funding.models import (
    ArrangementStatus, BlockContract, BlockContractChild, BlockContractService, InstalmentFrequency, Overage,
    UnderUse,
)
from provider.fields import checked, merged
from provider.funding.schemas import ContractIn, ContractOut, InstalmentOut
from provider.funding.service import department_problem, funder_problem, positive
from provider.money import split
from provider.people.models import Child

FREQUENCY_LABELS = {InstalmentFrequency.monthly: "Monthly", InstalmentFrequency.quarterly: "Quarterly"}
OVERAGE_LABELS = {Overage.rate: "Paid at an overage rate", Overage.charity: "Charity pays (free to the family)"}
UNDER_USE_CHOICES = {UnderUse.kept: "Kept: the block is paid in full whatever is used",
                     UnderUse.clawback: "Clawed back: the unused share of the value is repaid",
                     UnderUse.credited: "Credited: the unused share is set against the next invoices",
                     UnderUse.carried_forward: "Carried forward: unused units join the next contract"}
MONTHS = {InstalmentFrequency.monthly: 1, InstalmentFrequency.quarterly: 3}
AREA_KINDS = (FunderKind.local_authority, FunderKind.icb)


@dataclass(frozen=True)
class Instalment:
    due_on: date
    period_starts_on: date
    period_ends_on: date
    amount_pence: int


def instalment_schedule(contract: BlockContract) -> list[Instalment]:
    """The contract's value in equal instalments (to the penny, by largest remainder), one per month or quarter,
    due on the first day of each period when paid in advance, or on its last day when paid in arrears."""
    step = relativedelta(months=MONTHS[InstalmentFrequency(contract.instalments)])
    periods = []
    start = contract.starts_on
    while start <= contract.ends_on:
        end = min(start + step - timedelta(days=1), contract.ends_on)
        periods.append((start, end))
        start = start + step
    amounts = split(contract.value_pence, [1] * len(periods))
    return [Instalment(s if contract.in_advance else e, s, e, amount) for (s, e), amount in zip(periods, amounts,
                                                                                               strict=True)]


def get_contract(db: Session, contract_id: uuid.UUID) -> BlockContract:
    contract = db.get(BlockContract, contract_id)
    if contract is None:
        raise NotFound("No such block contract.")
    return contract


def list_contracts(db: Session, funder_id: uuid.UUID | None = None) -> list[BlockContract]:
    query = select(BlockContract)
    if funder_id is not None:
        query = query.where(BlockContract.funder_id == funder_id)
    return list(db.exec(query.order_by(BlockContract.starts_on.desc(), BlockContract.reference)))


def service_ids_of(db: Session, contract: BlockContract) -> list[uuid.UUID]:
    return list(db.exec(select(BlockContractService.service_id)
                        .where(BlockContractService.contract_id == contract.id)))


def child_ids_of(db: Session, contract: BlockContract) -> list[uuid.UUID]:
    return list(db.exec(select(BlockContractChild.child_id).where(BlockContractChild.contract_id == contract.id)))


def contracts_covering(db: Session, child: Child, *,
                       statuses: tuple[ArrangementStatus, ...] | None = None) -> list[BlockContract]:
    """The block contracts covering this child: by area (the child's council or ICB) or by name."""
    areas = [a for a in (child.home_authority_id, child.icb_id) if a is not None]
    named = select(BlockContractChild.contract_id).where(BlockContractChild.child_id == child.id)
    conditions = [BlockContract.id.in_(named)]
    if areas:
        conditions.append(BlockContract.covers_area_id.in_(areas))
    query = select(BlockContract).where(or_(*conditions))
    if statuses:
        query = query.where(BlockContract.status.in_(statuses))
    return list(db.exec(query.order_by(BlockContract.starts_on, BlockContract.reference)))


def settled_on(db: Session, contract: BlockContract) -> date | None:
    return next((day for day in hooks.contract_settled_on.collect(db, contract) if day is not None), None)


def counts_as_used(contract: BlockContract) -> str:
    """What the contract counts against its volume, in the words the contract page and the settlement use."""
    return ("units delivered, and late cancellations (the family's, or a child not brought)"
            if contract.counts_late_cancellations else "units delivered only; cancellations do not count")


def used_units(db: Session, contract: BlockContract) -> int:
    query = (select(func.coalesce(func.sum(ChargePart.units), 0)).join(Charge, Charge.id == ChargePart.charge_id)
             .where(ChargePart.arrangement_ref == references.block_ref(contract.id),
                    Charge.state == ChargeState.current))
    return int(db.exec(query).one())


def contract_out(db: Session, contract: BlockContract) -> dict[str, Any]:
    funder = db.get(Funder, contract.funder_id)
    values = {name: getattr(contract, name) for name in ContractOut.model_fields if hasattr(contract, name)}
    return {**values, "instalments": str(contract.instalments), "overage": str(contract.overage),
            "under_use": str(contract.under_use),
            "status": str(contract.status), "funder_name": funder.name if funder else "",
            "service_ids": service_ids_of(db, contract), "child_ids": child_ids_of(db, contract),
            "schedule": [InstalmentOut(**vars(i)) for i in instalment_schedule(contract)],
            "used_units": used_units(db, contract)}


def current_values(db: Session, contract: BlockContract) -> dict[str, Any]:
    values = {name: getattr(contract, name) for name in ContractIn.model_fields
              if name not in ("service_ids", "child_ids")}
    return {**values, "service_ids": service_ids_of(db, contract), "child_ids": child_ids_of(db, contract)}


def _problems(db: Session, shape: ContractIn, contract: BlockContract | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if shape.ends_on < shape.starts_on:
        errors["ends_on"] = "must not be before the start date"
    if shape.volume_units is None:
        errors["volume_units"] = "is required"
    positive(shape.volume_units, errors, "volume_units")
    positive(shape.allowance_units, errors, "allowance_units")
    if shape.value_pence is None:
        errors["value_pence"] = "is required"
    funder, problem = funder_problem(db, shape.funder_id)
    if problem:
        errors["funder_id"] = problem
    elif problem := department_problem(db, funder, shape.department_id):
        errors["department_id"] = problem
    same = select(BlockContract.id).where(func.lower(BlockContract.reference) == shape.reference.lower())
    if any(contract is None or other != contract.id for other in db.exec(same)):
        errors["reference"] = "is already used by another contract"
    # Who it covers: an area or a list, never both or neither.
    if shape.covers_area_id is not None and shape.child_ids:
        errors["covers_area_id"] = "or a list of children: a contract covers one or the other, not both"
    elif shape.covers_area_id is None and not shape.child_ids:
        errors["covers_area_id"] = "is required: the council or ICB whose children it covers, or a list of children"
    elif shape.covers_area_id is not None:
        area = db.get(Funder, shape.covers_area_id)
        if area is None:
            errors["covers_area_id"] = "is not a known funder"
        elif area.kind not in AREA_KINDS:
            errors["covers_area_id"] = "must be a council or an ICB: children are covered by where they live"
    if shape.child_ids:
        known = set(db.exec(select(Child.id).where(Child.id.in_(shape.child_ids))))
        if set(shape.child_ids) - known:
            errors["child_ids"] = "must all be known children"
        elif len(set(shape.child_ids)) != len(shape.child_ids):
            errors["child_ids"] = "lists a child twice"
    if not shape.service_ids:
        errors["service_ids"] = "choose at least one service the contract buys"
    else:
        known = set(db.exec(select(Service.id).where(Service.id.in_(shape.service_ids))))
        if set(shape.service_ids) - known:
            errors["service_ids"] = "must all be services in the catalogue"
    if shape.overage == Overage.rate and shape.overage_rate_pence is None:
        errors["overage_rate_pence"] = "is required when activity above the volume is paid at a rate"
    elif shape.overage == Overage.charity and shape.overage_rate_pence is not None:
        errors["overage_rate_pence"] = "is only for activity above the volume paid at a rate"
    return errors


def save_contract(db: Session, data: dict | BaseModel, contract: BlockContract | None = None, *,
                  pounds: bool = False) -> BlockContract:
    """Create (or change) a block contract with its services and named children: all of it, or nothing."""
    was_from = contract.starts_on if contract is not None else None
    if contract is not None and settled_on(db, contract) is not None:
        raise FieldErrors({"status": f"cannot change: the contract was settled on "
                                     f"{short_date(settled_on(db, contract))}"})
    if contract is not None:
        data = merged(current_values(db, contract), data)
    shape: ContractIn = checked(ContractIn, data, lambda s: _problems(db, s, contract), pounds=pounds)
    values = shape.model_dump(exclude={"service_ids", "child_ids"})
    contract = contract or BlockContract(**values)
    for name, value in values.items():
        if getattr(contract, name) != value:
            setattr(contract, name, value)
    db.add(contract)
    try:
        db.flush()
    except IntegrityError:  # the same reference saved twice at the same moment
        raise FieldErrors({"reference": "is already used by another contract"}) from None
    _sync(db, BlockContractService, contract.id, BlockContractService.service_id, "service_id",
          set(shape.service_ids))
    _sync(db, BlockContractChild, contract.id, BlockContractChild.child_id, "child_id", set(shape.child_ids))
    flag_charges(db, after=min(contract.starts_on, was_from or contract.starts_on) - timedelta(days=1),
                 reason=f"The block contract {contract.reference} was {'changed' if was_from else 'added'}.")
    return contract


def _sync(db: Session, model, contract_id: uuid.UUID, column, name: str, wanted: set[uuid.UUID]) -> None:
    have = {getattr(row, name): row for row in db.exec(select(model).where(model.contract_id == contract_id))}
    for key in have.keys() - wanted:
        db.delete(have[key])
    for key in wanted - have.keys():
        db.add(model(contract_id=contract_id, **{name: key}))
    db.flush()


def area_choices(db: Session) -> list[tuple[str, str]]:
    rows = db.exec(select(Funder).where(Funder.kind.in_(AREA_KINDS)).order_by(Funder.name))
    return [(str(f.id), f.name) for f in rows]


def covers_text(db: Session, contract: BlockContract) -> str:
    if contract.covers_area_id:
        area = db.get(Funder, contract.covers_area_id)
        return f"Children of {area.name if area else 'an unknown area'}"
    count = len(child_ids_of(db, contract))
    return f"{count} named {'child' if count == 1 else 'children'}"
