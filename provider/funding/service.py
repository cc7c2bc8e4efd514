"""A child's funding arrangements: spot packages, joint packages and personal budgets.

Each arrangement has its services (with a yearly unit cap each, and whether the family agreed to it),
contract rates by time band, joint shares and purchase-order details. Every check runs before anything
is written; a refusal names each field (`services.0.cap_units`, `shares`, ...).

The engine's loader may call `arrangements_for_child(db, child_id)`; the pages and the API use
`save_arrangement`, `arrangement_out` and `warnings_for`.
"""
from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select

from provider import references
from provider.catalogue.models import Service, TimeBand
from provider.catalogue.prices import band_problem
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.charges.service import flag_charges
from provider.clock import today
from provider.errors import NotFound
from provider.funders.models import Funder, FunderDepartment
from provider.fields import checked, merged, not_in_future
from provider.people.models import Child, ChildRelationship, FamilyMember, Nomination, Nominee
from provider.people.service import search_condition
from provider.funding.models import (
    ARRANGEMENT_KIND_LABELS, BUDGET_LAW_LABELS, FAMILY_HELD, MANAGEMENT_OPTION_LABELS, Arrangement, ArrangementKind,
    ArrangementRate, ArrangementService, ArrangementShare, ArrangementStatus, BudgetSource,
    ManagementOption,
)
from provider.funding.schemas import ArrangementIn, ArrangementOut, RateOut, ServiceOut, ShareOut

CHILD_KINDS = (ArrangementKind.spot, ArrangementKind.joint, ArrangementKind.personal_budget)
STATUS_LABELS = {ArrangementStatus.draft: "Draft", ArrangementStatus.active: "Active",
                 ArrangementStatus.ended: "Ended"}
SOURCE_LABELS = {BudgetSource.social_care: "Social care (council)", BudgetSource.health: "Health (ICB)",
                 BudgetSource.education: "Education (council)"}
PERSONAL_BUDGET_FIELDS = ("source", "law", "management", "holder_id", "nominee_id", "managed_account_name",
                          "yearly_pence", "share_percent")


# --- checks shared by arrangements and block contracts ----------------------------------------------------------

def positive(value: int | None, errors: dict[str, str], name: str) -> None:
    if value is not None and value <= 0:
        errors.setdefault(name, "must be more than zero")


def department_problem(db: Session, funder: Funder | None, department_id: uuid.UUID | None) -> str | None:
    if department_id is None:
        return None
    department = db.get(FunderDepartment, department_id)
    if department is None:
        return "is not a known department"
    if funder is None:
        return "needs its funder chosen as well"
    if department.funder_id != funder.id:
        return f"belongs to another funder: choose one of {funder.name}'s departments"
    return None


def po_length_problem(funder: Funder | None, po_number: str | None) -> str | None:
    """A purchase order number longer than the commissioner's system takes is refused when it is entered."""
    if funder is None or not po_number or funder.po_number_max_length is None:
        return None
    if len(po_number) > funder.po_number_max_length:
        return (f"is {len(po_number)} characters: {funder.name} takes purchase order numbers of at most "
                f"{funder.po_number_max_length}")
    return None


def funder_problem(db: Session, funder_id: uuid.UUID | None) -> tuple[Funder | None, str | None]:
    if funder_id is None:
        return None, None
    funder = db.get(Funder, funder_id)
    return funder, None if funder is not None else "is not a known funder"


# --- reading -----------------------------------------------------------------------------------------------------

@dataclass
class ArrangementDetail:
    """An arrangement with the rows that hang off it."""

    arrangement: Arrangement
    services: list[ArrangementService] = field(default_factory=list)
    rates: list[ArrangementRate] = field(default_factory=list)
    shares: list[ArrangementShare] = field(default_factory=list)


def get_arrangement(db: Session, arrangement_id: uuid.UUID) -> Arrangement:
    arrangement = db.get(Arrangement, arrangement_id)
    if arrangement is None:
        raise NotFound("No such arrangement.")
    return arrangement


def detail(db: Session, arrangement: Arrangement) -> ArrangementDetail:
    aid = arrangement.id
    return ArrangementDetail(
        arrangement,
        list(db.exec(select(ArrangementService).where(ArrangementService.arrangement_id == aid))),
        list(db.exec(select(ArrangementRate).where(ArrangementRate.arrangement_id == aid)
                     .order_by(ArrangementRate.service_id, ArrangementRate.time_band, ArrangementRate.starts_on))),
        list(db.exec(select(ArrangementShare).where(ArrangementShare.arrangement_id == aid)
                     .order_by(ArrangementShare.percent.desc(), ArrangementShare.id))))


def arrangements_for_child(db: Session, child_id: uuid.UUID, *,
                           statuses: tuple[ArrangementStatus, ...] | None = None) -> list[ArrangementDetail]:
    """A child's arrangements with their services, rates and shares, oldest start first (every status unless given)."""
    query = select(Arrangement).where(Arrangement.child_id == child_id)
    if statuses:
        query = query.where(Arrangement.status.in_(statuses))
    rows = db.exec(query.order_by(Arrangement.starts_on, Arrangement.name, Arrangement.id)).all()
    return [detail(db, a) for a in rows]


def list_arrangements(db: Session, *, child_id: uuid.UUID | None = None, q: str | None = None,
                      limit: int = 200) -> list[tuple[Arrangement, Child]]:
    query = select(Arrangement, Child).join(Child, Child.id == Arrangement.child_id)
    if child_id is not None:
        query = query.where(Arrangement.child_id == child_id)
    if q and q.strip():
        query = query.where(search_condition(q))
    query = query.order_by(Child.last_name, Child.first_name, Child.id, Arrangement.starts_on, Arrangement.name,
                           Arrangement.id)
    return [(a, c) for a, c in db.exec(query.limit(limit))]


def po_remaining(db: Session, arrangement: Arrangement) -> int | None:
    """The purchase order's value less the current charges to this arrangement within its dates."""
    a = arrangement
    if a.po_value_pence is None:
        return None
    query = (select(func.coalesce(func.sum(ChargePart.pence), 0))
             .join(Charge, Charge.id == ChargePart.charge_id)
             .where(ChargePart.arrangement_ref == references.arrangement_ref(references.ARRANGEMENT, a.id),
                    Charge.state == ChargeState.current))
    if a.po_starts_on:
        query = query.where(Charge.day >= a.po_starts_on)
    if a.po_ends_on:
        query = query.where(Charge.day <= a.po_ends_on)
    return a.po_value_pence - int(db.exec(query).one())


def warnings_for(db: Session, arrangement: Arrangement) -> list[str]:
    """What is allowed to be saved but will stop the invoice run: a nominee with no written nomination in force."""
    a = arrangement
    found = []
    if a.kind == ArrangementKind.personal_budget and a.management == ManagementOption.nominee and a.nominee_id:
        nominee = db.get(Nominee, a.nominee_id)
        nominations = db.exec(select(Nomination).where(Nomination.nominee_id == a.nominee_id,
                                                       Nomination.child_id == a.child_id)).all()
        on = max(a.starts_on, today(db)) if a.ends_on is None else min(max(a.starts_on, today(db)), a.ends_on)
        if not any(n.in_force_on(on) for n in nominations):
            name = nominee.name if nominee else "the nominee"
            found.append(f"No written nomination of {name} for this child is in force: the invoice run will "
                         f"issue nothing to {name} until one is recorded.")
    if a.kind == ArrangementKind.personal_budget and a.management in FAMILY_HELD:
        query = (select(Service.name).join(ArrangementService, ArrangementService.service_id == Service.id)
                 .where(ArrangementService.arrangement_id == a.id, ~ArrangementService.family_agreed)
                 .order_by(Service.name))
        for service_name in db.exec(query):
            found.append(f"The family has not agreed to this budget paying for {service_name}: it will not pay for "
                         "it until their agreement is recorded.")
    return found


def arrangement_out(db: Session, arrangement: Arrangement, *, services: dict | None = None,
                    funders: dict | None = None) -> dict[str, Any]:
    """The API's shape of an arrangement (pass `services` and `funders` by id when listing many)."""
    d = detail(db, arrangement)
    a = arrangement
    child = db.get(Child, a.child_id)
    services = services if services is not None else {s.id: s for s in db.exec(select(Service))}
    funders = funders if funders is not None else {f.id: f.name for f in db.exec(select(Funder))}
    values = {name: getattr(a, name) for name in ArrangementOut.model_fields if hasattr(a, name)}
    return {**values, "kind": str(a.kind), "status": str(a.status),
            "source": str(a.source) if a.source else None, "law": str(a.law) if a.law else None,
            "management": str(a.management) if a.management else None,
            "fees_per_year_pence": a.fees_pence_per_year, "child_name": child.display_name,
            "funder_name": funders.get(a.funder_id) if a.funder_id else None, "po_remaining_pence": po_remaining(db, a),
            "services": [ServiceOut(service_id=s.service_id, service_name=services[s.service_id].name,
                                    cap_units=s.cap_units, family_agreed=s.family_agreed)
                         for s in sorted(d.services, key=lambda s: services[s.service_id].name)],
            "rates": [RateOut(service_id=r.service_id, time_band=r.time_band, starts_on=r.starts_on,
                              price_pence=r.price_pence) for r in d.rates],
            "shares": [ShareOut(funder_id=s.funder_id, funder_name=funders.get(s.funder_id, ""),
                                department_id=s.department_id, percent=s.percent, po_number=s.po_number,
                                contract_reference=s.contract_reference)
                       for s in d.shares],
            "warnings": warnings_for(db, a)}


def current_values(db: Session, arrangement: Arrangement) -> dict[str, Any]:
    """The recorded values in the shape ArrangementIn takes (amounts in pence)."""
    d = detail(db, arrangement)
    a = arrangement
    values = {name: getattr(a, name) for name in ArrangementIn.model_fields
              if name not in ("services", "rates", "shares", "fees_per_year_pence")}
    values["kind"] = str(a.kind)
    values["fees_per_year_pence"] = a.fees_pence_per_year
    values["services"] = [{"service_id": s.service_id, "cap_units": s.cap_units, "family_agreed": s.family_agreed}
                          for s in d.services]
    values["rates"] = [{"service_id": r.service_id, "time_band": r.time_band, "starts_on": r.starts_on,
                        "price_pence": r.price_pence} for r in d.rates]
    values["shares"] = [{"funder_id": s.funder_id, "department_id": s.department_id, "percent": s.percent,
                         "po_number": s.po_number, "contract_reference": s.contract_reference} for s in d.shares]
    return values


# --- checks ------------------------------------------------------------------------------------------------------

def _real_year_start(month: int | None, day: int | None) -> tuple[str, str] | None:
    if month is None or not 1 <= month <= 12:
        return "year_start_month", "must be a month from 1 to 12"
    if day is None or not 1 <= day <= calendar.monthrange(2025, month)[1]:
        return "year_start_day", "must be a day of that month"
    return None


def _problems(db: Session, shape: ArrangementIn, arrangement: Arrangement | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = ArrangementKind(shape.kind)
    child = db.get(Child, shape.child_id)
    if child is None:
        errors["child_id"] = "is not a known child"
    elif arrangement is not None and arrangement.child_id != shape.child_id:
        errors["child_id"] = "cannot change: add a new arrangement for the other child"
    if arrangement is not None and arrangement.kind != kind:
        errors["kind"] = "cannot change: end this arrangement and add a new one"

    # Dates.
    if shape.ends_on is not None and shape.ends_on < shape.starts_on:
        errors["ends_on"] = "must not be before the start date"
    if shape.po_starts_on and shape.po_ends_on and shape.po_ends_on < shape.po_starts_on:
        errors["po_ends_on"] = "must not be before the purchase order's start date"
    if (shape.po_value_pence is not None or shape.po_starts_on or shape.po_ends_on) and not shape.po_number:
        errors["po_number"] = "is required with a purchase order's value or dates"
    if problem := _real_year_start(shape.year_start_month, shape.year_start_day):
        errors.setdefault(*problem)

    # Caps and shares of a budget.
    positive(shape.cap_units, errors, "cap_units")
    positive(shape.cap_pence, errors, "cap_pence")
    if shape.share_percent is not None and not 1 <= shape.share_percent <= 100:
        errors["share_percent"] = "must be a whole per cent from 1 to 100"

    # Who pays.
    funder, problem = funder_problem(db, shape.funder_id)
    if problem:
        errors["funder_id"] = problem
    elif problem := department_problem(db, funder, shape.department_id):
        errors["department_id"] = problem
    elif problem := po_length_problem(funder, shape.po_number):
        errors["po_number"] = problem
    if kind == ArrangementKind.spot and shape.funder_id is None:
        errors["funder_id"] = "is required for a spot package: the commissioner who pays"
    if kind == ArrangementKind.joint and shape.funder_id is not None:
        errors["funder_id"] = "is not used by a joint package: each share names its own payer"
    _share_problems(db, shape, kind, errors)

    # Personal budgets.
    if kind == ArrangementKind.personal_budget:
        _budget_problems(db, shape, child, errors)
    else:
        for name in PERSONAL_BUDGET_FIELDS:
            if getattr(shape, name) is not None:
                errors.setdefault(name, "is only for a personal budget")

    _service_problems(db, shape, kind, errors)
    return errors


def _share_problems(db: Session, shape: ArrangementIn, kind: ArrangementKind, errors: dict[str, str]) -> None:
    if kind != ArrangementKind.joint:
        if shape.shares:
            errors["shares"] = "are only for a joint package"
        return
    if len(shape.shares) < 2:
        errors["shares"] = "a joint package needs at least two shares, each with its own payer"
    payers = set()
    for i, share in enumerate(shape.shares):
        if share.percent is None:
            errors[f"shares.{i}.percent"] = "is required"
        elif share.percent <= 0:
            errors[f"shares.{i}.percent"] = "must be more than 0%"
        funder, problem = funder_problem(db, share.funder_id)
        if problem:
            errors[f"shares.{i}.funder_id"] = problem
        elif problem := department_problem(db, funder, share.department_id):
            errors[f"shares.{i}.department_id"] = problem
        elif (share.funder_id, share.department_id) in payers:
            errors[f"shares.{i}.funder_id"] = "pays another share already: give each payer one share"
        elif problem := po_length_problem(funder, share.po_number):
            errors[f"shares.{i}.po_number"] = problem
        payers.add((share.funder_id, share.department_id))
    total = sum(s.percent or 0 for s in shape.shares)
    if len(shape.shares) >= 2 and total != 100 and "shares" not in errors:
        errors["shares"] = f"must add up to exactly 100% (these add up to {total}%)"


def _budget_problems(db: Session, shape: ArrangementIn, child: Child | None, errors: dict[str, str]) -> None:
    for name in ("source", "law", "management"):
        if getattr(shape, name) is None:
            errors[name] = "is required for a personal budget"
    if shape.yearly_pence is None:
        errors["yearly_pence"] = "is required for a personal budget: the yearly amount"
    option = shape.management
    if option == ManagementOption.commissioner_managed and shape.funder_id is None:
        errors.setdefault("funder_id", "is required for a budget the commissioner manages")
    if option in (ManagementOption.direct_payment, ManagementOption.managed_account):
        if shape.holder_id is None:
            errors["holder_id"] = "is required for a direct payment: the family member who holds it"
        elif db.get(FamilyMember, shape.holder_id) is None:
            errors["holder_id"] = "is not a known family member"
        elif child is not None and db.exec(select(ChildRelationship.id).where(
                ChildRelationship.child_id == child.id,
                ChildRelationship.family_member_id == shape.holder_id)).first() is None:
            errors["holder_id"] = "must be a member of this child's family"
    elif shape.holder_id is not None:
        errors["holder_id"] = "is only for a direct payment"
    if option == ManagementOption.managed_account and not shape.managed_account_name:
        errors["managed_account_name"] = "is required: the organisation that holds the account"
    if option == ManagementOption.nominee:
        if shape.nominee_id is None:
            errors["nominee_id"] = "is required for a direct payment to a nominee"
        elif db.get(Nominee, shape.nominee_id) is None:
            errors["nominee_id"] = "is not a known nominee"
    elif shape.nominee_id is not None:
        errors["nominee_id"] = "is only for a direct payment to a nominee"
    if shape.family_agreed_on is not None and (problem := not_in_future(shape.family_agreed_on, today(db))):
        errors["family_agreed_on"] = problem


def _service_problems(db: Session, shape: ArrangementIn, kind: ArrangementKind, errors: dict[str, str]) -> None:
    if not shape.services:
        errors["services"] = "choose at least one service this arrangement pays for"
    ids = {line.service_id for line in shape.services} | {r.service_id for r in shape.rates}
    known = {s.id: s for s in db.exec(select(Service).where(Service.id.in_(ids)))} if ids else {}
    family_held = kind == ArrangementKind.personal_budget and shape.management in FAMILY_HELD
    seen = set()
    any_agreed = False
    for i, line in enumerate(shape.services):
        service = known.get(line.service_id)
        if service is None:
            errors[f"services.{i}.service_id"] = "is not a service in the catalogue"
            continue
        if line.service_id in seen:
            errors[f"services.{i}.service_id"] = f"lists {service.name} twice"
        seen.add(line.service_id)
        positive(line.cap_units, errors, f"services.{i}.cap_units")
        if family_held and service.free_to_families:
            errors[f"services.{i}.service_id"] = (f"{service.name} is free to families: a budget the family holds "
                                                   "or controls can never pay for it")
        any_agreed = any_agreed or line.family_agreed
    if family_held and any_agreed:
        if not shape.family_agreed_by:
            errors["family_agreed_by"] = "is required: who in the family agreed to the services marked agreed"
        if shape.family_agreed_on is None:
            errors["family_agreed_on"] = "is required: when the family agreed to the services marked agreed"
    keys = set()
    for i, rate in enumerate(shape.rates):
        service = known.get(rate.service_id)
        if service is None:
            errors[f"rates.{i}.service_id"] = "is not a service in the catalogue"
            continue
        if rate.service_id not in seen:
            errors[f"rates.{i}.service_id"] = "must be one of the services this arrangement pays for"
        elif problem := band_problem(service.priced_by_time_band, rate.time_band):
            errors[f"rates.{i}.time_band"] = problem
        key = (rate.service_id, str(rate.time_band), rate.starts_on)
        if key in keys:
            errors[f"rates.{i}.starts_on"] = "repeats another rate for the same service, band and date"
        keys.add(key)


# --- writing -----------------------------------------------------------------------------------------------------

def _default_name(db: Session, shape: ArrangementIn) -> str:
    label = ARRANGEMENT_KIND_LABELS[ArrangementKind(shape.kind)]
    if shape.kind == "personal_budget" and shape.management:
        label = f"Personal budget ({MANAGEMENT_OPTION_LABELS[shape.management].lower()})"
    funder = db.get(Funder, shape.funder_id) if shape.funder_id else None
    if shape.kind == "joint":
        names = [f.name for s in shape.shares if (f := db.get(Funder, s.funder_id))]
        return f"{label}: " + ", ".join(names) if names else label
    return f"{label}: {funder.name}" if funder else label


def save_arrangement(db: Session, data: dict | BaseModel, arrangement: Arrangement | None = None, *,
                     pounds: bool = False) -> Arrangement:
    """Create (or change) an arrangement with its services, rates and shares: all of it, or nothing."""
    was_from = arrangement.starts_on if arrangement is not None else None
    if arrangement is not None:
        data = merged(current_values(db, arrangement), data)
    shape: ArrangementIn = checked(ArrangementIn, data, lambda s: _problems(db, s, arrangement), pounds=pounds)
    values = shape.model_dump(exclude={"services", "rates", "shares", "fees_per_year_pence"})
    values["name"] = shape.name or _default_name(db, shape)
    values["fees_pence_per_year"] = shape.fees_per_year_pence or 0
    arrangement = arrangement or Arrangement(child_id=shape.child_id, kind=shape.kind, name=values["name"],
                                             starts_on=shape.starts_on)
    for name, value in values.items():
        if getattr(arrangement, name) != value:
            setattr(arrangement, name, value)
    db.add(arrangement)
    db.flush()
    _sync(db, ArrangementService, arrangement.id, lambda r: r.service_id,
          {line.service_id: {"cap_units": line.cap_units, "family_agreed": line.family_agreed}
           for line in shape.services})
    _sync(db, ArrangementRate, arrangement.id, lambda r: (r.service_id, str(r.time_band), r.starts_on),
          {(r.service_id, str(r.time_band), r.starts_on): {"price_pence": r.price_pence} for r in shape.rates})
    _sync(db, ArrangementShare, arrangement.id, lambda r: (r.funder_id, r.department_id),
          {(s.funder_id, s.department_id): {"percent": s.percent, "po_number": s.po_number,
                                             "contract_reference": s.contract_reference} for s in shape.shares})
    since = min(d for d in (was_from, arrangement.starts_on) if d is not None)
    flag_charges(db, after=since - timedelta(days=1), child_ids={arrangement.child_id},
                 reason=f"The arrangement “{arrangement.name}” was {'changed' if was_from else 'added'}.")
    return arrangement


def _sync(db: Session, model, arrangement_id: uuid.UUID, key_of, wanted: dict) -> None:
    """Make the arrangement's rows of `model` match `wanted` ({key: other values}), changing only what differs."""
    have = {key_of(row): row for row in db.exec(select(model).where(model.arrangement_id == arrangement_id))}
    for key in have.keys() - wanted.keys():
        db.delete(have[key])
    db.flush()
    for key, values in wanted.items():
        row = have.get(key)
        if row is None:
            names = {ArrangementService: ("service_id",), ArrangementRate: ("service_id", "time_band", "starts_on"),
                     ArrangementShare: ("funder_id", "department_id")}[model]
            key_values = dict(zip(names, key if isinstance(key, tuple) else (key,), strict=True))
            db.add(model(arrangement_id=arrangement_id, **key_values, **values))
            continue
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        db.add(row)
    db.flush()


# --- choices for the pages ------------------------------------------------------------------------------------------

def choices(db: Session, child: Child | None) -> dict[str, Any]:
    funders = db.exec(select(Funder).order_by(Funder.name)).all()
    names = {f.id: f.name for f in funders}
    departments = db.exec(select(FunderDepartment).order_by(FunderDepartment.name)).all()
    family = []
    if child is not None:
        query = (select(FamilyMember, ChildRelationship)
                 .join(ChildRelationship, ChildRelationship.family_member_id == FamilyMember.id)
                 .where(ChildRelationship.child_id == child.id).order_by(FamilyMember.name))
        family = [(str(m.id), f"{m.name} ({str(link.relationship).replace('_', ' ')})") for m, link in db.exec(query)]
    return {
        "kinds": [(k.value, ARRANGEMENT_KIND_LABELS[k]) for k in CHILD_KINDS],
        "statuses": [(s.value, label) for s, label in STATUS_LABELS.items()],
        "funders": [(str(f.id), f.name) for f in funders if f.is_active],
        "departments": [(str(d.id), f"{names.get(d.funder_id, '')}: {d.name}") for d in departments],
        "sources": [(s.value, label) for s, label in SOURCE_LABELS.items()],
        "laws": [(law.value, label) for law, label in BUDGET_LAW_LABELS.items()],
        "managements": [(m.value, label) for m, label in MANAGEMENT_OPTION_LABELS.items()],
        "family": family,
        "nominees": [(str(n.id), n.name) for n in db.exec(select(Nominee).order_by(Nominee.name))],
        "services": list(db.exec(select(Service).where(Service.is_active).order_by(Service.name))),
        "kind_labels": ARRANGEMENT_KIND_LABELS,
        "bands": [(b.value, b.value.replace("_", " ").capitalize()) for b in TimeBand],
    }
