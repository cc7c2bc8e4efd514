"""JSON API for funding arrangements, block contracts and the order of priority: the same rules as the pages.
Amounts are whole pence in fields named *_pence."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from sqlmodel import select

from provider.catalogue.models import Service
from provider.db import unit_of_work
from provider.funders.models import Funder
from provider.funding import contracts, priorities, service
from provider.funding.schemas import (
    ArrangementIn, ArrangementOut, ArrangementPatch, ContractIn, ContractOut, ContractPatch, PrioritiesIn, PrioritiesOut,
)
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)


@router.get("/arrangements", response_model=list[ArrangementOut], tags=["funding"])
def list_arrangements(db: DB, child_id: uuid.UUID | None = None,
                      q: str | None = Query(None, description="Part of the child's name"), _: User = CAN_READ):
    """Children's spot packages, joint packages and personal budgets; `child_id` gives one child's."""
    services = {s.id: s for s in db.exec(select(Service))}
    funders = {f.id: f.name for f in db.exec(select(Funder))}
    return [service.arrangement_out(db, a, services=services, funders=funders)
            for a, _child in service.list_arrangements(db, child_id=child_id, q=q, limit=1000)]


@router.post("/arrangements", response_model=ArrangementOut, status_code=201, tags=["funding"])
def create_arrangement(body: ArrangementIn, db: DB, _: User = FINANCE):
    """A new arrangement with its services, rates and shares. `warnings` lists what will stop it later."""
    with unit_of_work(db):
        arrangement = service.save_arrangement(db, body)
    return service.arrangement_out(db, arrangement)


@router.get("/arrangements/{arrangement_id}", response_model=ArrangementOut, tags=["funding"])
def get_arrangement(arrangement_id: uuid.UUID, db: DB, _: User = CAN_READ):
    return service.arrangement_out(db, service.get_arrangement(db, arrangement_id))


@router.patch("/arrangements/{arrangement_id}", response_model=ArrangementOut, tags=["funding"])
def update_arrangement(arrangement_id: uuid.UUID, body: ArrangementPatch, db: DB, _: User = FINANCE):
    """Only the fields sent change; a list sent (services, rates, shares) replaces the whole list."""
    with unit_of_work(db):
        arrangement = service.save_arrangement(db, body, service.get_arrangement(db, arrangement_id))
    return service.arrangement_out(db, arrangement)


@router.get("/contracts", response_model=list[ContractOut], tags=["funding"])
def list_contracts(db: DB, funder_id: uuid.UUID | None = None, _: User = CAN_READ):
    return [contracts.contract_out(db, c) for c in contracts.list_contracts(db, funder_id)]


@router.post("/contracts", response_model=ContractOut, status_code=201, tags=["funding"])
def create_contract(body: ContractIn, db: DB, _: User = FINANCE):
    """A block contract covering an area (`covers_area_id`) or named children (`child_ids`), never both."""
    with unit_of_work(db):
        contract = contracts.save_contract(db, body)
    return contracts.contract_out(db, contract)


@router.get("/contracts/{contract_id}", response_model=ContractOut, tags=["funding"])
def get_contract(contract_id: uuid.UUID, db: DB, _: User = CAN_READ):
    return contracts.contract_out(db, contracts.get_contract(db, contract_id))


@router.patch("/contracts/{contract_id}", response_model=ContractOut, tags=["funding"])
def update_contract(contract_id: uuid.UUID, body: ContractPatch, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        contract = contracts.save_contract(db, body, contracts.get_contract(db, contract_id))
    return contracts.contract_out(db, contract)


@router.get("/priorities", response_model=PrioritiesOut, tags=["funding"])
def get_priorities(db: DB, _: User = CAN_READ):
    """The order for every service, each service's own order, and each child's own order with its reason."""
    return priorities.priorities_out(db)


@router.put("/priorities", response_model=PrioritiesOut, tags=["funding"])
def put_priorities(body: PrioritiesIn, db: DB, _: User = FINANCE):
    """Each part sent replaces what it names: `default`; a service's order in `by_service` (null or [] returns
    it to the default); a child's order in `children` (an empty order removes it). Parts left out are kept."""
    with unit_of_work(db):
        priorities.save_priorities(db, body)
    return priorities.priorities_out(db)
