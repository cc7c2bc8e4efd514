"""Funders' pages: finance manages funders, their codes and departments; care coordinators may read them.
Charitable funds' pages are included below."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from provider.audit.routes import register_history
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders import codes, fund_routes, service as funders
from provider.funders.models import FUNDER_KIND_LABELS, CodeKind, Funder, FunderDepartment
from provider.funders.schemas import DepartmentIn, FunderIn
from provider.organisation.changes import values_of
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(fund_routes.router)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)

for _table in ("funders", "funder_codes", "funder_departments", "charitable_funds"):
    register_history(_table, Role.finance)


def _text(values: dict) -> dict:
    return {k: "" if v is None else (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


@router.get("/funders")
def funders_list(request: Request, db: DB, kind: str | None = None, q: str | None = None, user: User = CAN_READ):
    kind = kind if kind in FUNDER_KIND_LABELS else None
    found = funders.list_funders(db, kind, q)
    names = {f.id: f.name for f in db.exec(select(Funder))}
    return render(request, "funders/list.html", {
        "funders": found, "kind": kind or "", "q": q or "", "kinds": funders.kind_choices(), "labels": FUNDER_KIND_LABELS,
        "names": names, "can_edit": user.role == Role.finance})


def _funder_form(request: Request, db: DB, values: dict, errors: dict, funder: Funder | None = None,
                 status: int = 200):
    others = [(str(f.id), f.name) for f in funders.list_funders(db) if funder is None or f.id != funder.id]
    return render(request, "funders/form.html", {"values": values, "errors": errors, "funder": funder,
                                                 "kinds": funders.kind_choices(), "others": others}, status)


@router.get("/funders/new")
def funder_new(request: Request, db: DB, kind: str | None = None, _: User = FINANCE):
    return _funder_form(request, db, {"kind": kind or "", "payment_terms_days": "30", "is_active": True}, {})


@router.post("/funders/new")
def funder_create(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            funder = funders.create_funder(db, data)
    except FieldErrors as exc:
        return _funder_form(request, db, data, exc.errors, status=422)
    return RedirectResponse(f"/funders/{funder.id}", status_code=303)


@router.get("/funders/{funder_id}")
def funder_view(request: Request, db: DB, funder_id: uuid.UUID, user: User = CAN_READ):
    funder = funders.get_funder(db, funder_id)
    all_codes = codes.codes_of(db, funder)
    on = today(db)
    return render(request, "funders/view.html", {
        "funder": funder, "labels": FUNDER_KIND_LABELS, "chain": funders.successor_chain(db, funder),
        "replaces": list(db.exec(select(Funder).where(Funder.successor_id == funder.id).order_by(Funder.name))),
        "codes": all_codes, "code_labels": codes.CODE_KIND_LABELS, "today": on,
        "current_codes": {kind: codes.code_on(all_codes, kind, on) for kind in CodeKind},
        "departments": codes.departments_of(db, funder), "department_labels": codes.DEPARTMENT_KIND_LABELS,
        "can_edit": user.role == Role.finance})


@router.get("/funders/{funder_id}/edit")
def funder_edit(request: Request, db: DB, funder_id: uuid.UUID, _: User = FINANCE):
    funder = funders.get_funder(db, funder_id)
    return _funder_form(request, db, _text(values_of(funder, FunderIn)), {}, funder)


@router.post("/funders/{funder_id}/edit")
def funder_update(request: Request, db: DB, funder_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    funder = funders.get_funder(db, funder_id)
    try:
        with unit_of_work(db):
            funders.update_funder(db, funder, data)
    except FieldErrors as exc:
        return _funder_form(request, db, {**_text(values_of(funder, FunderIn)), **data}, exc.errors, funder,
                            422)
    return RedirectResponse(f"/funders/{funder.id}?saved=1", status_code=303)


def _code_form(request: Request, funder: Funder, values: dict, errors: dict, status: int = 200):
    kinds = [(k.value, label) for k, label in codes.CODE_KIND_LABELS.items()]
    return render(request, "funders/code_form.html", {"funder": funder, "values": values, "errors": errors,
                                                      "kinds": kinds}, status)


@router.get("/funders/{funder_id}/codes/new")
def code_new(request: Request, db: DB, funder_id: uuid.UUID, kind: str | None = None, _: User = FINANCE):
    return _code_form(request, funders.get_funder(db, funder_id), {"kind": kind or ""}, {})


@router.post("/funders/{funder_id}/codes/new")
def code_create(request: Request, db: DB, funder_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    funder = funders.get_funder(db, funder_id)
    try:
        with unit_of_work(db):
            codes.add_code(db, funder, data)
    except FieldErrors as exc:
        return _code_form(request, funder, data, exc.errors, 422)
    return RedirectResponse(f"/funders/{funder.id}?code_added=1#codes", status_code=303)


def _department_form(request: Request, funder: Funder, values: dict, errors: dict,
                     department: FunderDepartment | None = None, status: int = 200):
    kinds = [(k.value, label) for k, label in codes.DEPARTMENT_KIND_LABELS.items()]
    return render(request, "funders/department_form.html", {
        "funder": funder, "department": department, "values": values, "errors": errors, "kinds": kinds}, status)


@router.get("/funders/{funder_id}/departments/new")
def department_new(request: Request, db: DB, funder_id: uuid.UUID, _: User = FINANCE):
    return _department_form(request, funders.get_funder(db, funder_id), {}, {})


@router.post("/funders/{funder_id}/departments/new")
def department_create(request: Request, db: DB, funder_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    funder = funders.get_funder(db, funder_id)
    try:
        with unit_of_work(db):
            codes.save_department(db, funder, data)
    except FieldErrors as exc:
        return _department_form(request, funder, data, exc.errors, status=422)
    return RedirectResponse(f"/funders/{funder.id}?saved=1#departments", status_code=303)


@router.get("/funders/{funder_id}/departments/{department_id}")
def department_edit(request: Request, db: DB, funder_id: uuid.UUID, department_id: uuid.UUID, _: User = FINANCE):
    funder = funders.get_funder(db, funder_id)
    department = codes.get_department(db, funder, department_id)
    return _department_form(request, funder, _text(values_of(department, DepartmentIn)), {}, department)


@router.post("/funders/{funder_id}/departments/{department_id}")
def department_update(request: Request, db: DB, funder_id: uuid.UUID, department_id: uuid.UUID,
                            _: User = FINANCE):
    data = form_data(request)
    funder = funders.get_funder(db, funder_id)
    department = codes.get_department(db, funder, department_id)
    try:
        with unit_of_work(db):
            codes.save_department(db, funder, data, department)
    except FieldErrors as exc:
        values = {**_text(values_of(department, DepartmentIn)), **data}
        return _department_form(request, funder, values, exc.errors, department, 422)
    return RedirectResponse(f"/funders/{funder.id}?saved=1#departments", status_code=303)
