"""Funding pages: finance sets up children's arrangements, block contracts and the order of priority;
care coordinators may read them. Amounts are typed in pounds ("650.00")."""
from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from provider.audit.routes import register_history
from provider.catalogue.models import Service
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.funders.models import Funder, FunderDepartment
from provider.funding import contracts, priorities, service
from provider.funding.models import (
    ARRANGEMENT_KIND_LABELS, BUDGET_LAW_LABELS, DEFAULT_PRIORITY, MANAGEMENT_OPTION_LABELS, Arrangement,
    BlockContract,
)
from provider.money import pounds_text
from provider.people.models import Child, FamilyMember, Nominee
from provider.people.service import search_children
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)

for _table in ("arrangements", "arrangement_services", "arrangement_rates", "arrangement_shares", "block_contracts",
               "block_contract_services", "block_contract_children", "priority_rules", "child_priorities"):
    register_history(_table, Role.finance)

# Form fields in pounds and the *_pence fields they fill.
ARRANGEMENT_MONEY = {"cap": "cap_pence", "po_value": "po_value_pence", "yearly": "yearly_pence",
                     "fees_per_year": "fees_per_year_pence"}
CONTRACT_MONEY = {"value": "value_pence", "overage_rate": "overage_rate_pence"}
ROW_FIELDS = {"rates": ("service_id", "time_band", "starts_on", "price"),
              "shares": ("funder_id", "department_id", "percent", "po_number", "contract_reference")}
ARRANGEMENT_LABELS = {
    "child_id": "Child", "kind": "Kind", "name": "Name", "status": "Status", "starts_on": "Start date",
    "ends_on": "End date", "funder_id": "Funder", "department_id": "Department", "cap_units": "Cap in units",
    "cap": "Cap in money", "year_start_month": "Month its year starts", "year_start_day": "Day its year starts",
    "po_number": "Purchase order number", "po_value": "Purchase order value", "po_starts_on": "Purchase order start",
    "po_ends_on": "Purchase order end", "source": "Source", "law": "Law", "management": "Management option",
    "holder_id": "Holder", "nominee_id": "Nominee", "managed_account_name": "Managed account held by",
    "yearly": "Yearly amount", "fees_per_year": "Fees a year", "family_agreed_by": "Who in the family agreed",
    "family_agreed_on": "Date the family agreed", "share_percent": "Share of the budget", "notes": "Notes",
    "services": "Services", "rates": "Contract rates", "shares": "Shares",
}
CONTRACT_LABELS = {
    "reference": "Reference", "funder_id": "Funder", "department_id": "Department", "starts_on": "Start date",
    "ends_on": "End date", "service_ids": "Services", "volume_units": "Volume", "value": "Value",
    "instalments": "Instalments", "in_advance": "Paid", "covers_area_id": "Area covered", "child_ids": "Children",
    "overage": "Above the volume", "overage_rate": "Overage rate", "allowance_units": "Allowance for each child",
    "counts_late_cancellations": "Counts as used", "under_use": "Volume not used at the end",
    "status": "Status", "notes": "Notes",
}


# --- forms <-> service shapes ------------------------------------------------------------------------------------

def _rows(data: dict, group: str) -> list[int]:
    """The numbers of the rows of `group` (rates, shares) the form sent."""
    found = {int(m.group(1)) for key in data if (m := re.fullmatch(rf"{group}-(\d+)-\w+", key))}
    return sorted(found)


def _arrangement_from_form(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """The form's fields in the service's shape (amounts still in pounds) and, for each list, the form prefix of
    each row so that errors can be put beside the right field."""
    shape: dict[str, Any] = {}
    for key, value in data.items():
        if "-" in key:
            continue
        shape[ARRANGEMENT_MONEY.get(key, key)] = value
    prefixes: dict[str, list[str]] = {"services": [], "rates": [], "shares": []}
    services = []
    for key, value in data.items():
        m = re.fullmatch(r"services-([0-9a-f-]{36})-selected", key)
        if m and value == "true":
            sid = m.group(1)
            services.append({"service_id": sid, "cap_units": data.get(f"services-{sid}-cap_units"),
                             "family_agreed": data.get(f"services-{sid}-family_agreed") == "true"})
            prefixes["services"].append(f"services-{sid}")
    shape["services"] = services
    for group in ("rates", "shares"):
        rows = []
        for n in _rows(data, group):
            row = {name: data.get(f"{group}-{n}-{name}") for name in ROW_FIELDS[group]}
            if all(v in (None, "", "all") for v in row.values()):
                continue  # a blank row
            if group == "rates":
                row["price_pence"] = row.pop("price")
                row["time_band"] = row["time_band"] or "all"
            rows.append(row)
            prefixes[group].append(f"{group}-{n}")
        shape[group] = rows
    return shape, prefixes


def _form_errors(errors: dict[str, str], prefixes: dict[str, list[str]], money: dict[str, str]) -> dict[str, str]:
    back = {pence: pounds for pounds, pence in money.items()}
    found: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] in prefixes and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(prefixes[parts[0]]):
            rest = parts[2] if len(parts) > 2 else "service_id"
            if parts[0] == "services" and rest == "service_id":
                rest = "selected"
            name = f"{prefixes[parts[0]][int(parts[1])]}-{rest.removesuffix('_pence')}"
        else:
            name = back.get(key, key)
        found.setdefault(name, message)
    return found


def _arrangement_values(db, arrangement: Arrangement) -> dict[str, Any]:
    """The recorded arrangement as the form shows it: amounts in pounds, one row per rate and share."""
    current = service.current_values(db, arrangement)
    values: dict[str, Any] = {}
    for key, value in current.items():
        if key in ("services", "rates", "shares"):
            continue
        pounds = {v: k for k, v in ARRANGEMENT_MONEY.items()}.get(key)
        if pounds:
            values[pounds] = pounds_text(value) if value is not None else ""
        else:
            values[key] = value if isinstance(value, bool) else ("" if value is None else str(value))
    for line in current["services"]:
        sid = line["service_id"]
        values[f"services-{sid}-selected"] = "true"
        values[f"services-{sid}-cap_units"] = "" if line["cap_units"] is None else str(line["cap_units"])
        values[f"services-{sid}-family_agreed"] = "true" if line["family_agreed"] else "false"
    for n, rate in enumerate(current["rates"], start=1):
        values.update({f"rates-{n}-service_id": str(rate["service_id"]), f"rates-{n}-time_band": rate["time_band"],
                       f"rates-{n}-starts_on": str(rate["starts_on"]),
                       f"rates-{n}-price": pounds_text(rate["price_pence"])})
    for n, share in enumerate(current["shares"], start=1):
        values.update({f"shares-{n}-funder_id": str(share["funder_id"]),
                       f"shares-{n}-department_id": str(share["department_id"] or ""),
                       f"shares-{n}-percent": str(share["percent"]), f"shares-{n}-po_number": share["po_number"] or "",
                       f"shares-{n}-contract_reference": share["contract_reference"] or ""})
    return values


def _labels(db, choices: dict) -> dict[str, str]:
    labels = dict(ARRANGEMENT_LABELS)
    for s in choices["services"]:
        labels[f"services-{s.id}-selected"] = s.name
        labels[f"services-{s.id}-cap_units"] = f"{s.name}: yearly cap"
    for group, names in ROW_FIELDS.items():
        for n in range(1, 21):
            for name in names:
                labels[f"{group}-{n}-{name}"] = f"{ARRANGEMENT_LABELS[group]}, row {n}: {name.replace('_id', '').replace('_', ' ')}"
    return labels


def _arrangement_form(request: Request, db: DB, child: Child, values: dict, errors: dict,
                      arrangement: Arrangement | None = None, status: int = 200):
    choices = service.choices(db, child)
    known = {s.id for s in choices["services"]}
    if arrangement is not None:  # a retired service the arrangement still names stays listed
        extra = [s for s in service.detail(db, arrangement).services if s.service_id not in known]
        choices["services"] += [db.get(Service, s.service_id) for s in extra]
    rate_rows = max(_rows(values, "rates") or [0]) + 2
    share_rows = max(max(_rows(values, "shares") or [0]) + 1, 3)
    return render(request, "funding/arrangement_form.html", {
        "child": child, "values": values, "errors": errors, "arrangement": arrangement, "labels": _labels(db, choices),
        "rate_rows": range(1, rate_rows + 1), "share_rows": range(1, share_rows + 1),
        "service_options": [(str(s.id), s.name) for s in choices["services"]], **choices}, status)


def _child(db: DB, child_id: uuid.UUID | str | None, *, sent: bool = False) -> Child:
    """The child a page is about; for a form sent, an unknown child is a refusal naming the field."""
    try:
        child = db.get(Child, uuid.UUID(str(child_id))) if child_id else None
    except ValueError:
        child = None
    if child is None and sent:
        raise FieldErrors({"child_id": "is not a known child"})
    if child is None:
        raise NotFound("No such child: open the arrangement from the child's arrangements page.")
    return child


# --- arrangements ------------------------------------------------------------------------------------------------

@router.get("/arrangements")
def arrangements_list(request: Request, db: DB, q: str | None = None, user: User = CAN_READ):
    found = service.list_arrangements(db, q=q)
    children = search_children(db, q).children if q and q.strip() else []
    return render(request, "funding/arrangements_list.html", {
        "found": found, "q": q or "", "children": children, "kinds": ARRANGEMENT_KIND_LABELS,
        "statuses": service.STATUS_LABELS, "can_edit": user.role == Role.finance})


@router.get("/arrangements/new")
def arrangement_new(request: Request, db: DB, child_id: str | None = None, _: User = FINANCE):
    if not child_id:
        return RedirectResponse("/arrangements?choose=1", status_code=303)
    child = _child(db, child_id)
    return _arrangement_form(request, db, child, {"child_id": str(child.id), "status": "active", "kind": "spot",
                                                  "year_start_month": "4", "year_start_day": "1"}, {})


@router.post("/arrangements/new")
def arrangement_create(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    child = _child(db, data.get("child_id"), sent=True)
    shape, prefixes = _arrangement_from_form(data)
    try:
        with unit_of_work(db):
            arrangement = service.save_arrangement(db, shape, pounds=True)
    except FieldErrors as exc:
        return _arrangement_form(request, db, child, data, _form_errors(exc.errors, prefixes, ARRANGEMENT_MONEY),
                                 status=422)
    return RedirectResponse(f"/arrangements/{arrangement.id}?saved=1", status_code=303)


@router.get("/arrangements/{arrangement_id}")
def arrangement_view(request: Request, db: DB, arrangement_id: uuid.UUID, user: User = CAN_READ):
    arrangement = service.get_arrangement(db, arrangement_id)
    d = service.detail(db, arrangement)
    a = arrangement
    return render(request, "funding/arrangement_view.html", {
        "a": a, "d": d, "child": db.get(Child, a.child_id), "kinds": ARRANGEMENT_KIND_LABELS,
        "statuses": service.STATUS_LABELS, "sources": service.SOURCE_LABELS, "laws": BUDGET_LAW_LABELS,
        "managements": MANAGEMENT_OPTION_LABELS,
        "funder": db.get(Funder, a.funder_id) if a.funder_id else None,
        "department": db.get(FunderDepartment, a.department_id) if a.department_id else None,
        "holder": db.get(FamilyMember, a.holder_id) if a.holder_id else None,
        "nominee": db.get(Nominee, a.nominee_id) if a.nominee_id else None,
        "services": {s.id: s for s in db.exec(select(Service))},
        "funders": {f.id: f.name for f in db.exec(select(Funder))},
        "departments": {x.id: x.name for x in db.exec(select(FunderDepartment))},
        "po_remaining": service.po_remaining(db, a), "warnings": service.warnings_for(db, a),
        "can_edit": user.role == Role.finance})


@router.get("/arrangements/{arrangement_id}/edit")
def arrangement_edit(request: Request, db: DB, arrangement_id: uuid.UUID, _: User = FINANCE):
    arrangement = service.get_arrangement(db, arrangement_id)
    return _arrangement_form(request, db, db.get(Child, arrangement.child_id), _arrangement_values(db, arrangement),
                             {}, arrangement)


@router.post("/arrangements/{arrangement_id}/edit")
def arrangement_update(request: Request, db: DB, arrangement_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    arrangement = service.get_arrangement(db, arrangement_id)
    child = db.get(Child, arrangement.child_id)
    data = {**data, "child_id": str(arrangement.child_id), "kind": str(arrangement.kind)}
    shape, prefixes = _arrangement_from_form(data)
    try:
        with unit_of_work(db):
            service.save_arrangement(db, shape, arrangement, pounds=True)
    except FieldErrors as exc:
        return _arrangement_form(request, db, child, data, _form_errors(exc.errors, prefixes, ARRANGEMENT_MONEY),
                                 arrangement, 422)
    return RedirectResponse(f"/arrangements/{arrangement.id}?saved=1", status_code=303)


@router.get("/children/{child_id}/arrangements")
def child_arrangements(request: Request, db: DB, child_id: uuid.UUID, user: User = CAN_READ):
    return _child_page(request, db, _child(db, child_id), user, {}, {})


def _child_page(request: Request, db: DB, child: Child, user: User, values: dict, errors: dict, status: int = 200):
    order, reason = priorities.child_override(db, child.id)
    candidates = priorities.candidates(db, child)
    if not values:
        values = {f"order-{n}": ref for n, ref in enumerate(order, start=1)} | {"reason": reason}
    covering = contracts.contracts_covering(db, child)
    return render(request, "funding/child_arrangements.html", {
        "child": child, "arrangements": service.arrangements_for_child(db, child.id), "contracts": covering,
        "covers": {c.id: contracts.covers_text(db, c) for c in covering},
        "kinds": ARRANGEMENT_KIND_LABELS, "statuses": service.STATUS_LABELS, "managements": MANAGEMENT_OPTION_LABELS,
        "funders": {f.id: f.name for f in db.exec(select(Funder))},
        "services": {s.id: s.name for s in db.exec(select(Service))},
        "order": [(ref, priorities.ref_label(db, ref)) for ref in order], "reason": reason,
        "candidates": candidates, "slots": range(1, max(len(candidates), 1) + 1),
        "values": values, "errors": errors, "can_edit": user.role == Role.finance}, status)


@router.post("/children/{child_id}/arrangements/priority")
def child_priority_update(request: Request, db: DB, child_id: uuid.UUID, user: User = FINANCE):
    data = form_data(request)
    child = _child(db, child_id)
    slots = sorted((int(k.split("-")[1]), v) for k, v in data.items() if re.fullmatch(r"order-\d+", k) and v)
    try:
        with unit_of_work(db):
            priorities.set_child_override(db, child.id, [v for _, v in slots], data.get("reason"))
    except FieldErrors as exc:
        return _child_page(request, db, child, user, data, exc.errors, 422)
    return RedirectResponse(f"/children/{child.id}/arrangements?saved=1", status_code=303)


# --- block contracts -----------------------------------------------------------------------------------------------

def _contract_from_form(data: dict) -> dict:
    return {CONTRACT_MONEY.get(k, k): v for k, v in data.items()}


def _contract_values(db, contract: BlockContract) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in contracts.current_values(db, contract).items():
        pounds = {v: k for k, v in CONTRACT_MONEY.items()}.get(key)
        if pounds:
            values[pounds] = pounds_text(value) if value is not None else ""
        elif key in ("service_ids", "child_ids"):
            values[key] = [str(v) for v in value]
        else:
            values[key] = value if isinstance(value, bool) else ("" if value is None else str(value))
    values["in_advance"] = "true" if contract.in_advance else "false"
    return values


def _contract_form(request: Request, db: DB, values: dict, errors: dict, contract: BlockContract | None = None,
                   status: int = 200):
    choices = service.choices(db, None)
    children = db.exec(select(Child).order_by(Child.last_name, Child.first_name, Child.id)).all()
    return render(request, "funding/contract_form.html", {
        "values": values, "errors": errors, "contract": contract, "labels": CONTRACT_LABELS,
        "funders": choices["funders"], "departments": choices["departments"], "services": choices["services"],
        "areas": contracts.area_choices(db), "children": children, "statuses": choices["statuses"],
        "frequencies": [(k.value, v) for k, v in contracts.FREQUENCY_LABELS.items()],
        "overages": [(k.value, v) for k, v in contracts.OVERAGE_LABELS.items()],
        "under_uses": [(k.value, v) for k, v in contracts.UNDER_USE_CHOICES.items()]}, status)


@router.get("/contracts")
def contracts_list(request: Request, db: DB, user: User = CAN_READ):
    found = contracts.list_contracts(db)
    return render(request, "funding/contracts_list.html", {
        "contracts": found, "funders": {f.id: f.name for f in db.exec(select(Funder))},
        "covers": {c.id: contracts.covers_text(db, c) for c in found}, "statuses": service.STATUS_LABELS,
        "can_edit": user.role == Role.finance})


@router.get("/contracts/new")
def contract_new(request: Request, db: DB, _: User = FINANCE):
    return _contract_form(request, db, {"instalments": "quarterly", "in_advance": "true", "overage": "charity",
                                        "under_use": "kept", "status": "active", "service_ids": [], "child_ids": []}, {})


@router.post("/contracts/new")
def contract_create(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request, lists=("service_ids", "child_ids"))
    try:
        with unit_of_work(db):
            contract = contracts.save_contract(db, _contract_from_form(data), pounds=True)
    except FieldErrors as exc:
        return _contract_form(request, db, data, _form_errors(exc.errors, {}, CONTRACT_MONEY), status=422)
    return RedirectResponse(f"/contracts/{contract.id}?saved=1", status_code=303)


@router.get("/contracts/{contract_id}")
def contract_view(request: Request, db: DB, contract_id: uuid.UUID, user: User = CAN_READ):
    contract = contracts.get_contract(db, contract_id)
    named = contracts.child_ids_of(db, contract)
    children = db.exec(select(Child).where(Child.id.in_(named)).order_by(Child.last_name)).all() if named else []
    return render(request, "funding/contract_view.html", {
        "c": contract, "funder": db.get(Funder, contract.funder_id),
        "department": db.get(FunderDepartment, contract.department_id) if contract.department_id else None,
        "area": db.get(Funder, contract.covers_area_id) if contract.covers_area_id else None,
        "services": [db.get(Service, s) for s in contracts.service_ids_of(db, contract)], "children": children,
        "schedule": contracts.instalment_schedule(contract), "used": contracts.used_units(db, contract),
        "statuses": service.STATUS_LABELS, "frequencies": contracts.FREQUENCY_LABELS,
        "overages": contracts.OVERAGE_LABELS, "under_uses": contracts.UNDER_USE_CHOICES,
        "counts_as_used": contracts.counts_as_used(contract), "can_edit": user.role == Role.finance})


@router.get("/contracts/{contract_id}/edit")
def contract_edit(request: Request, db: DB, contract_id: uuid.UUID, _: User = FINANCE):
    contract = contracts.get_contract(db, contract_id)
    return _contract_form(request, db, _contract_values(db, contract), {}, contract)


@router.post("/contracts/{contract_id}/edit")
def contract_update(request: Request, db: DB, contract_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request, lists=("service_ids", "child_ids"))
    contract = contracts.get_contract(db, contract_id)
    try:
        with unit_of_work(db):
            contracts.save_contract(db, _contract_from_form(data), contract, pounds=True)
    except FieldErrors as exc:
        return _contract_form(request, db, {**_contract_values(db, contract), **data},
                              _form_errors(exc.errors, {}, CONTRACT_MONEY), contract, 422)
    return RedirectResponse(f"/contracts/{contract.id}?saved=1", status_code=303)


# --- priorities ------------------------------------------------------------------------------------------------------

def _priorities_page(request: Request, db: DB, user: User, errors: dict | None = None, scope: str = "",
                     values: dict | None = None, status: int = 200):
    default, by_service = priorities.priority_order(db)
    services = db.exec(select(Service).order_by(Service.name)).all()
    return render(request, "funding/priorities.html", {
        "default": default, "by_service": [(s, by_service[s.id]) for s in services if s.id in by_service],
        "services": [(str(s.id), s.name) for s in services if s.id not in by_service],
        "kinds": [(k.value, ARRANGEMENT_KIND_LABELS[k]) for k in DEFAULT_PRIORITY], "labels": ARRANGEMENT_KIND_LABELS,
        "slots": range(1, len(DEFAULT_PRIORITY) + 1), "errors": errors or {}, "scope": scope,
        "values": values or {}, "today": today(db), "can_edit": user.role == Role.finance}, status)


@router.get("/priorities")
def priorities_page(request: Request, db: DB, user: User = CAN_READ):
    return _priorities_page(request, db, user)


@router.post("/priorities")
def priorities_update(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    scope = data.get("service_id") or ""
    try:
        service_id = uuid.UUID(scope) if scope else None
    except ValueError:
        return _priorities_page(request, db, user, {"service_id": "is not a service in the catalogue"}, scope, data,
                                422)
    order = [] if data.get("action") == "remove" else [data.get(f"rank-{n}") or "" for n in
                                                       range(1, len(DEFAULT_PRIORITY) + 1)]
    if service_id is None and not order:
        order = [k.value for k in DEFAULT_PRIORITY]  # "back to the usual order"
    try:
        if not all(order):
            raise FieldErrors({"order": "must list every kind once: choose a kind for every place"})
        with unit_of_work(db):
            priorities.set_order(db, service_id, order)
    except FieldErrors as exc:
        return _priorities_page(request, db, user, exc.errors, scope, data, 422)
    return RedirectResponse("/priorities?saved=1", status_code=303)
