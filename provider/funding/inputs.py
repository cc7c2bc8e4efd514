"""Reads the engine's plain data from the database: services and prices, fundings, priorities, stored parts."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, select

from provider import hooks, references
from provider.catalogue.models import PricePeriod, Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.funders.models import CharitableFund, Funder, FunderDepartment, FundService
from provider.funding.engine import (
    CHARITY_REF, Funding, MoneyLimit, Payer, PricePoint, Priority, PriorPart, ServiceInfo,
)
from provider.funding.models import (
    DEFAULT_PRIORITY, FAMILY_HELD, Arrangement, ArrangementKind, ArrangementRate, ArrangementService,
    ArrangementShare, ArrangementStatus, BlockContract, BlockContractChild, BlockContractService, ChildPriority,
    ManagementOption, PriorityRule,
)
from provider.organisation.models import ProviderSettings
from provider.people.models import Child, FamilyMember, Nomination, Nominee


def services(db: Session) -> dict[str, ServiceInfo]:
    periods: dict[uuid.UUID, list[PricePoint]] = defaultdict(list)
    for p in db.exec(select(PricePeriod)):
        periods[p.service_id].append(PricePoint(p.starts_on, p.price_pence, p.full_cost_pence, str(p.time_band),
                                                p.ends_on))
    return {str(s.id): ServiceInfo(str(s.id), s.name, str(s.unit), s.free_to_families,
                                   tuple(sorted(periods[s.id], key=lambda p: (p.band, p.starts_on))))
            for s in db.exec(select(Service))}


def year_start(db: Session) -> tuple[int, int]:
    settings = db.get(ProviderSettings, 1)
    month = getattr(settings, "financial_year_start_month", None) or 4
    return (month, 1)


def priority(db: Session) -> Priority:
    rules = db.exec(select(PriorityRule).order_by(PriorityRule.rank)).all()
    default = tuple(str(r.kind) for r in rules if r.service_id is None) or tuple(str(k) for k in DEFAULT_PRIORITY)
    by_service: dict[str, list[str]] = defaultdict(list)
    for r in rules:
        if r.service_id is not None:
            by_service[str(r.service_id)].append(str(r.kind))
    by_child: dict[str, list[str]] = defaultdict(list)
    for c in db.exec(select(ChildPriority).order_by(ChildPriority.rank)):
        by_child[str(c.child_id)].append(c.arrangement_ref)
    return Priority(default, {k: tuple(v) for k, v in by_service.items()}, {k: tuple(v) for k, v in by_child.items()})


def _payer_for_funder(funder: Funder, department: FunderDepartment | None) -> Payer:
    if department is not None:
        return Payer(references.funder_payer(funder.id, department.id), f"{funder.name}, {department.name}")
    return Payer(references.funder_payer(funder.id), funder.name)


def _rates(rows: Iterable[ArrangementRate]) -> tuple[tuple[str, PricePoint], ...]:
    series: dict[tuple, list[ArrangementRate]] = defaultdict(list)
    for r in rows:
        series[(r.service_id, r.time_band)].append(r)
    result = []
    for (service_id, band), items in series.items():
        items.sort(key=lambda r: r.starts_on)
        for i, r in enumerate(items):
            ends = items[i + 1].starts_on - timedelta(days=1) if i + 1 < len(items) else None
            result.append((str(service_id), PricePoint(r.starts_on, r.price_pence, 0, band, ends)))
    return tuple(sorted(result, key=lambda item: (item[0], item[1].band, item[1].starts_on)))


def _personal_budget_payer(a: Arrangement, child: Child, holder: FamilyMember | None, nominee: Nominee | None,
                           funder: Funder | None, department: FunderDepartment | None) -> Payer:
    first = child.preferred_name or child.first_name
    if a.management == ManagementOption.isf:
        return Payer(references.payer_ref(references.ISF, a.id), f"{first}'s ISF")
    if a.management == ManagementOption.nominee and nominee is not None:
        return Payer(references.payer_ref(references.NOMINEE, nominee.id), f"{nominee.name} (nominee for {first})")
    if a.management == ManagementOption.managed_account and holder is not None:
        return Payer(references.payer_ref(references.FAMILY, holder.id),
                     f"{holder.name} c/o {a.managed_account_name or 'managed account'}")
    if a.management in (ManagementOption.direct_payment, ManagementOption.managed_account) and holder is not None:
        return Payer(references.payer_ref(references.FAMILY, holder.id), holder.name)
    if funder is not None:
        return _payer_for_funder(funder, department)
    return Payer(references.payer_ref(references.ARRANGEMENT, a.id), a.name)


@dataclass
class _Related:
    """The rows hanging off a set of arrangements, read in one query each."""

    services: dict[uuid.UUID, list[ArrangementService]]
    rates: dict[uuid.UUID, list[ArrangementRate]]
    shares: dict[uuid.UUID, list[ArrangementShare]]
    members: dict[uuid.UUID, FamilyMember]
    nominees: dict[uuid.UUID, Nominee]
    nominations: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[date, date | None]]]  # (nominee, child): spans
    isf_paid_out: dict[uuid.UUID, int]    # an ISF's money gone to other suppliers or back to the commissioner

    @classmethod
    def load(cls, db: Session, arrangements: list[Arrangement]) -> _Related:
        ids = [a.id for a in arrangements]
        grouped = {}
        for model in (ArrangementService, ArrangementRate, ArrangementShare):
            rows: dict[uuid.UUID, list] = defaultdict(list)
            for row in _in_chunks(db, model, model.arrangement_id, ids):
                rows[row.arrangement_id].append(row)
            grouped[model] = rows
        holders = [a.holder_id for a in arrangements if a.holder_id]
        nominees = [a.nominee_id for a in arrangements if a.nominee_id]
        spans: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[date, date | None]]] = defaultdict(list)
        for n in _in_chunks(db, Nomination, Nomination.nominee_id, list(set(nominees))):
            spans[(n.nominee_id, n.child_id)].append((n.received_on, n.withdrawn_on))
        return cls(grouped[ArrangementService], grouped[ArrangementRate], grouped[ArrangementShare],
                   {m.id: m for m in _in_chunks(db, FamilyMember, FamilyMember.id, holders)},
                   {n.id: n for n in _in_chunks(db, Nominee, Nominee.id, nominees)}, spans,
                   _isf_paid_out(db, [a.id for a in arrangements if a.kind == ArrangementKind.personal_budget]))


def _isf_paid_out(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    found: dict[uuid.UUID, int] = defaultdict(int)
    if ids:
        for answer in hooks.isf_paid_out.collect(db, ids):
            for arrangement_id, pence in answer.items():
                found[arrangement_id] += pence
    return found


def _in_chunks(db: Session, model, column, ids: list, size: int = 900):
    for start in range(0, len(ids), size):
        yield from db.exec(select(model).where(column.in_(ids[start:start + size])))


def _arrangement_funding(a: Arrangement, child: Child, related: _Related, funders: dict, departments: dict) -> Funding:
    rows = related.services.get(a.id, [])
    shares = sorted(related.shares.get(a.id, []), key=lambda s: (-s.percent, str(s.id)))
    funder = funders.get(a.funder_id)
    department = departments.get(a.department_id)
    if a.kind == ArrangementKind.joint:
        payers = tuple(Payer(p.ref, p.name, s.percent) for s in shares
                       for p in [_payer_for_funder(funders[s.funder_id], departments.get(s.department_id))])
    elif a.kind == ArrangementKind.personal_budget:
        holder = related.members.get(a.holder_id) if a.holder_id else None
        nominee = related.nominees.get(a.nominee_id) if a.nominee_id else None
        payers = (_personal_budget_payer(a, child, holder, nominee, funder, department),)
    else:
        payers = (_payer_for_funder(funder, department) if funder
                  else Payer(references.payer_ref(references.ARRANGEMENT, a.id), a.name),)
    nominated = None
    if a.kind == ArrangementKind.personal_budget and a.management == ManagementOption.nominee and a.nominee_id:
        nominated = tuple(sorted(related.nominations.get((a.nominee_id, a.child_id), [])))
    family_held = a.kind == ArrangementKind.personal_budget and a.management in FAMILY_HELD
    cap_pence = a.cap_pence
    if cap_pence is None and a.kind == ArrangementKind.personal_budget and a.yearly_pence is not None:
        # An ISF: its budget less fees due and what has gone to other suppliers or back to the commissioner; the
        # engine takes off what its own services used and reserved (DOMAIN.md §3.3).
        cap_pence = max(0, a.yearly_pence - a.fees_pence_per_year - related.isf_paid_out.get(a.id, 0))
    limits = ()
    if a.po_value_pence is not None and a.po_starts_on and a.po_ends_on:
        limits = (MoneyLimit(f"purchase order {a.po_number or ''}".strip(), a.po_value_pence, a.po_starts_on,
                             a.po_ends_on),)
    paying = ([a.funder_id] if a.funder_id else []) + [s.funder_id for s in shares]
    charges_cancellations = not family_held and any(funders[f].charges_cancellations for f in paying)
    return Funding(
        ref=references.arrangement_ref(references.ARRANGEMENT, a.id), kind=str(a.kind), name=a.name, payers=payers,
        starts_on=a.starts_on,
        ends_on=a.ends_on, children=frozenset({str(a.child_id)}),
        services={str(r.service_id): r.cap_units for r in rows} if rows else None,
        family_held=family_held, agreed_services=frozenset(str(r.service_id) for r in rows if r.family_agreed),
        rates=_rates(related.rates.get(a.id, [])),
        cap_units=a.cap_units, cap_pence=cap_pence, year_start=(a.year_start_month, a.year_start_day),
        share_percent=a.share_percent if a.share_percent not in (None, 100) else None, money_limits=limits,
        hard_limit=a.hard_limit, charges_cancellations=charges_cancellations, nominated=nominated,
        commissioner=funder.name if funder else "",
    )


def _covered_children(db: Session, contract: BlockContract, children: set[uuid.UUID] | None) -> frozenset[str]:
    if contract.covers_area_id is not None:
        query = select(Child.id).where(or_(Child.home_authority_id == contract.covers_area_id,
                                           Child.icb_id == contract.covers_area_id))
    else:
        query = select(BlockContractChild.child_id).where(BlockContractChild.contract_id == contract.id)
    return frozenset(str(i) for i in db.exec(query) if children is None or i in children)


def _contract_funding(db: Session, c: BlockContract, funders: dict, departments: dict, year: tuple[int, int],
                      children: set[uuid.UUID] | None) -> Funding:
    service_ids = db.exec(select(BlockContractService.service_id)
                          .where(BlockContractService.contract_id == c.id)).all()
    funder = funders[c.funder_id]
    return Funding(
        ref=references.block_ref(c.id), kind="block", name=f"{funder.name} block contract {c.reference}",
        payers=(_payer_for_funder(funder, departments.get(c.department_id)),), starts_on=c.starts_on,
        ends_on=c.ends_on, children=_covered_children(db, c, children),
        services={str(s): None for s in service_ids}, year_start=year, block=True, volume_units=c.total_volume,
        per_child_units=c.allowance_units,
        overage_rate_pence=c.overage_rate_pence if str(c.overage) == "rate" else None,
        hard_limit=c.hard_limit, charges_cancellations=c.counts_late_cancellations,
    )


def fundings(db: Session, children: set[uuid.UUID] | None = None) -> list[Funding]:
    """Every active funding that could pay for these children (all children when None)."""
    year = year_start(db)
    funders = {f.id: f for f in db.exec(select(Funder))}
    departments = {d.id: d for d in db.exec(select(FunderDepartment))}
    query = select(Arrangement).where(Arrangement.status == ArrangementStatus.active)
    if children is not None:
        query = query.where(Arrangement.child_id.in_(children))
    arrangements = db.exec(query.order_by(Arrangement.id)).all()
    child_rows = {c.id: c for c in _in_chunks(db, Child, Child.id, list({a.child_id for a in arrangements}))}
    related = _Related.load(db, arrangements)
    result = [_arrangement_funding(a, child_rows[a.child_id], related, funders, departments) for a in arrangements]
    contracts = db.exec(select(BlockContract).where(BlockContract.status == ArrangementStatus.active)).all()
    result += [_contract_funding(db, c, funders, departments, year, children) for c in contracts]
    result += charitable_fundings(db)
    return result


def charitable_fundings(db: Session) -> list[Funding]:
    result = []
    for fund in db.exec(select(CharitableFund).where(CharitableFund.is_active, CharitableFund.restricted)):
        service_ids = db.exec(select(FundService.service_id).where(FundService.fund_id == fund.id)).all()
        result.append(Funding(references.arrangement_ref(references.FUND, fund.id), "restricted_fund", fund.name,
                              (Payer(references.payer_ref(references.FUND, fund.id), fund.name),),
                              services={str(s): None for s in service_ids}))
    unrestricted = db.exec(select(CharitableFund.name).where(CharitableFund.is_active, ~CharitableFund.restricted)
                           .order_by(CharitableFund.name)).all()
    name = unrestricted[0] if len(unrestricted) == 1 else "Unrestricted funds"
    result.append(Funding(CHARITY_REF, "unrestricted_fund", name, (Payer(CHARITY_REF, name),)))
    return result


def stored_parts(db: Session, first: date, last: date, children: set[uuid.UUID] | None = None,
                 excluding_units: set[uuid.UUID] = frozenset()) -> list[PriorPart]:
    """Parts of current charges between two dates: they use up caps before anything allocated now."""
    query = (select(Charge.unit_id, Charge.child_id, Charge.service_id, Charge.day, ChargePart.arrangement_ref,
                    ChargePart.units, ChargePart.pence)
             .join(ChargePart, ChargePart.charge_id == Charge.id)
             .where(Charge.state == ChargeState.current, Charge.day >= first, Charge.day <= last))
    if children is not None:
        # Block volumes are shared by every child the contract covers, so block parts are read for all.
        query = query.where(or_(Charge.child_id.in_(children), ChargePart.kind == "block"))
    return [PriorPart(ref, str(child_id), str(service_id), day, units, pence)
            for unit_id, child_id, service_id, day, ref, units, pence in db.exec(query)
            if unit_id not in excluding_units]
