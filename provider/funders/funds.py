"""Charitable funds: restricted to a purpose (and the services it may pay for) or unrestricted."""
from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider.catalogue.models import Service
from provider.errors import FieldErrors, NotFound
from provider.funders.models import CharitableFund, FundService
from provider.funders.schemas import FundIn, FundOut, FundPatch
from provider.organisation.changes import sent, validate_change, validate_new


def fund_out(db: Session, fund: CharitableFund) -> FundOut:
    return FundOut(id=fund.id, name=fund.name, restricted=fund.restricted, purpose=fund.purpose,
                   service_ids=service_ids_of(db, fund), is_active=fund.is_active)


def list_funds(db: Session) -> list[CharitableFund]:
    return list(db.exec(select(CharitableFund).order_by(CharitableFund.is_active.desc(), CharitableFund.name)))


def get_fund(db: Session, fund_id: uuid.UUID) -> CharitableFund:
    fund = db.get(CharitableFund, fund_id)
    if fund is None:
        raise NotFound("No such fund.")
    return fund


def service_ids_of(db: Session, fund: CharitableFund) -> list[uuid.UUID]:
    return list(db.exec(select(FundService.service_id).where(FundService.fund_id == fund.id)))


def services_by_fund(db: Session) -> dict[uuid.UUID, list[Service]]:
    found: dict[uuid.UUID, list[Service]] = {}
    query = select(FundService.fund_id, Service).join(Service, Service.id == FundService.service_id)
    for fund_id, service in db.exec(query.order_by(Service.name)):
        found.setdefault(fund_id, []).append(service)
    return found


def _problems(db: Session, shape: FundIn, fund: CharitableFund | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    same_name = select(CharitableFund.id).where(func.lower(CharitableFund.name) == shape.name.lower())
    if any(fund is None or other != fund.id for other in db.exec(same_name)):
        errors["name"] = "is already used by another fund"
    if shape.restricted and not shape.purpose.strip():
        errors["purpose"] = "is required for a restricted fund"
    if shape.service_ids and not shape.restricted:
        errors["service_ids"] = "are only for a restricted fund: an unrestricted fund may pay for anything"
    elif shape.service_ids:
        known = set(db.exec(select(Service.id).where(Service.id.in_(shape.service_ids))))
        if set(shape.service_ids) - known:
            errors["service_ids"] = "must be services in the catalogue"
    return errors


def save_fund(db: Session, data: dict | FundIn | FundPatch, fund: CharitableFund | None = None) -> CharitableFund:
    if fund is None:
        shape: FundIn = validate_new(FundIn, data)
    else:
        current = {"name": fund.name, "restricted": fund.restricted, "purpose": fund.purpose,
                   "service_ids": service_ids_of(db, fund), "is_active": fund.is_active}
        shape = validate_change(FundIn, current, sent(data))
    if errors := _problems(db, shape, fund):
        raise FieldErrors(errors)
    fund = fund or CharitableFund(name=shape.name)
    for name in ("name", "restricted", "purpose", "is_active"):
        if getattr(fund, name) != getattr(shape, name):
            setattr(fund, name, getattr(shape, name))
    db.add(fund)
    try:
        db.flush()
    except IntegrityError:  # the same name saved twice at the same moment
        raise FieldErrors({"name": "is already used by another fund"}) from None
    _set_services(db, fund, set(shape.service_ids))
    return fund


def _set_services(db: Session, fund: CharitableFund, wanted: set[uuid.UUID]) -> None:
    have = {link.service_id: link for link in db.exec(select(FundService).where(FundService.fund_id == fund.id))}
    for service_id in have.keys() - wanted:
        db.delete(have[service_id])
    for service_id in wanted - have.keys():
        db.add(FundService(fund_id=fund.id, service_id=service_id))
    db.flush()
