"""JSON API for funders (with their codes and departments) and charitable funds: the same rules as the pages."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from sqlmodel import Session

from provider.db import unit_of_work
from provider.funders import codes, funds, service as funders
from provider.funders.schemas import (
    CodeIn, CodeOut, DepartmentIn, DepartmentOut, DepartmentPatch, FunderIn, FunderOut, FunderPatch, FundIn, FundOut,
    FundPatch,
)
from provider.funders.models import Funder, FunderKind
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow

router = APIRouter(prefix="/api", responses=API_ERRORS)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)


class FunderDetail(FunderOut):
    current_funder_id: uuid.UUID
    codes: list[CodeOut]
    departments: list[DepartmentOut]


def _detail(db: Session, funder: Funder) -> dict:
    return {**FunderOut.model_validate(funder).model_dump(), "current_funder_id": funders.current_funder(db, funder).id,
            "codes": [CodeOut.model_validate(c) for c in codes.codes_of(db, funder)],
            "departments": [DepartmentOut.model_validate(d) for d in codes.departments_of(db, funder)]}


@router.get("/funders", response_model=list[FunderOut], tags=["funders"])
def list_funders(db: DB, kind: FunderKind | None = None, q: str | None = Query(None, description="Part of the name"),
                 _: User = CAN_READ):
    return funders.list_funders(db, kind, q)


@router.post("/funders", response_model=FunderOut, status_code=201, tags=["funders"])
def create_funder(body: FunderIn, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return funders.create_funder(db, body)


@router.get("/funders/{funder_id}", response_model=FunderDetail, tags=["funders"])
def get_funder(funder_id: uuid.UUID, db: DB, _: User = CAN_READ):
    """A funder with its codes and departments; current_funder_id follows its successors to the one now paying."""
    return _detail(db, funders.get_funder(db, funder_id))


@router.patch("/funders/{funder_id}", response_model=FunderOut, tags=["funders"])
def update_funder(funder_id: uuid.UUID, body: FunderPatch, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return funders.update_funder(db, funders.get_funder(db, funder_id), body)


@router.get("/funders/{funder_id}/codes", response_model=list[CodeOut], tags=["funders"])
def list_codes(funder_id: uuid.UUID, db: DB, _: User = CAN_READ):
    return codes.codes_of(db, funders.get_funder(db, funder_id))


@router.post("/funders/{funder_id}/codes", response_model=CodeOut, status_code=201, tags=["funders"])
def add_code(funder_id: uuid.UUID, body: CodeIn, db: DB, _: User = FINANCE):
    """A new code; the open-ended code of the same kind is closed the day before it starts."""
    with unit_of_work(db):
        return codes.add_code(db, funders.get_funder(db, funder_id), body)


@router.get("/funders/{funder_id}/departments", response_model=list[DepartmentOut], tags=["funders"])
def list_departments(funder_id: uuid.UUID, db: DB, _: User = CAN_READ):
    return codes.departments_of(db, funders.get_funder(db, funder_id))


@router.post("/funders/{funder_id}/departments", response_model=DepartmentOut, status_code=201, tags=["funders"])
def add_department(funder_id: uuid.UUID, body: DepartmentIn, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        return codes.save_department(db, funders.get_funder(db, funder_id), body)


@router.patch("/funders/{funder_id}/departments/{department_id}", response_model=DepartmentOut, tags=["funders"])
def update_department(funder_id: uuid.UUID, department_id: uuid.UUID, body: DepartmentPatch, db: DB,
                      _: User = FINANCE):
    with unit_of_work(db):
        funder = funders.get_funder(db, funder_id)
        return codes.save_department(db, funder, body, codes.get_department(db, funder, department_id))


@router.get("/funds", response_model=list[FundOut], tags=["funds"])
def list_funds(db: DB, _: User = FINANCE):
    return [funds.fund_out(db, fund) for fund in funds.list_funds(db)]


@router.post("/funds", response_model=FundOut, status_code=201, tags=["funds"])
def create_fund(body: FundIn, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        fund = funds.save_fund(db, body)
    return funds.fund_out(db, fund)


@router.get("/funds/{fund_id}", response_model=FundOut, tags=["funds"])
def get_fund(fund_id: uuid.UUID, db: DB, _: User = FINANCE):
    return funds.fund_out(db, funds.get_fund(db, fund_id))


@router.patch("/funds/{fund_id}", response_model=FundOut, tags=["funds"])
def update_fund(fund_id: uuid.UUID, body: FundPatch, db: DB, _: User = FINANCE):
    with unit_of_work(db):
        fund = funds.save_fund(db, body, funds.get_fund(db, fund_id))
    return funds.fund_out(db, fund)
