"""JSON API for services and their prices: the same rules as the pages. Money is whole pence."""
from __future__ import annotations

import uuid

from fastapi import APIRouter

from provider.catalogue import service as catalogue
from provider.catalogue.schemas import PriceIn, PriceOut, ServiceIn, ServiceOut, ServicePatch
from provider.db import unit_of_work
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", tags=["services"], responses=API_ERRORS)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)


class ServiceDetail(ServiceOut):
    prices: list[PriceOut]


@router.get("/services", response_model=list[ServiceOut])
def list_services(db: DB, _: User = CAN_READ):
    return catalogue.list_services(db)


@router.post("/services", response_model=ServiceOut, status_code=201)
def create_service(body: ServiceIn, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return catalogue.create_service(db, body)


@router.get("/services/{service_id}", response_model=ServiceDetail)
def get_service(service_id: uuid.UUID, db: DB, _: User = CAN_READ):
    service = catalogue.get_service(db, service_id)
    return {**ServiceOut.model_validate(service).model_dump(),
            "prices": [PriceOut.model_validate(p) for p in catalogue.price_periods(db, service)]}


@router.patch("/services/{service_id}", response_model=ServiceOut)
def update_service(service_id: uuid.UUID, body: ServicePatch, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return catalogue.update_service(db, catalogue.get_service(db, service_id), body)


@router.get("/services/{service_id}/prices", response_model=list[PriceOut])
def list_prices(service_id: uuid.UUID, db: DB, _: User = CAN_READ):
    return catalogue.price_periods(db, catalogue.get_service(db, service_id))


@router.post("/services/{service_id}/prices", response_model=PriceOut, status_code=201)
def add_price(service_id: uuid.UUID, body: PriceIn, db: DB, _: User = FINANCE):
    """A new price period. One that starts after the open-ended price of its band closes that one the day before."""
    with unit_of_work(db):
        return catalogue.add_price(db, catalogue.get_service(db, service_id), body)
