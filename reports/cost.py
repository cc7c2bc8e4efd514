"""Cost of care (DOMAIN.md §3.5, §7; issue 8 item 3): the care delivered in a period at its full cost, by service
and by who paid, against what statutory funders paid for it.

A unit counts when it was delivered, or cancelled and still charged (a current charge); its full cost is its
quantity times the full cost of care in the price list on its day, for its time band. Who paid comes from the
parts of its current charge: a unit shared by several payers (a money cap, a joint package) counts once in its
service's units and once in each payer's line. A delivered unit with no current charge is "Nothing paid".

What each payer paid:
- spot and joint packages, block units above the volume, and personal budgets: the pence of their parts;
- a block contract: the income the ledger recognises for the months of the period (by each entry's service date:
  the month a release of deferred income or an instalment in arrears pays for, less credit notes), spread over the
  contract's units of the period service by service in proportion to units (largest remainder), or over its
  services evenly when none was delivered. So the block line of a year says what the contract paid for that
  year's use of it, however much was used. (The statutory income report goes by the posting date instead, so a
  quarter's block income there can differ by a month's release; a year's is the same once every run is done.)
- charity: the full cost of care of the units (or shares) it bore, as the memorandum register records it.

Statutory means ICBs, councils, NHS England and all personal budgets (DOMAIN.md §7); a funder of another kind is
"Other funders". The gap is the full cost less what statutory funders paid: negative when a block paid for more
than the care it was used for. Sums are SQL aggregates down to one row per service, payer and child, so that
Python can count the distinct children of each line, and of each payer over every service.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session

from provider import references
from provider.bookings.models import Booking, BookingUnit, UnitStatus
from provider.catalogue.models import PricePeriod, Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.funders.models import Funder, FunderKind
from provider.funding.models import BlockContract, BlockContractService
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.money import Pence, split
from reports.disclosure import Disclosed, Line, disclose
from reports.income import check_period, period_label

# Who paid, in the order trustees read them: code -> (label, statutory).
PAYERS = {
    "block": ("Block contracts", True),
    "icb": ("ICB packages (spot and joint)", True),
    "council": ("Council packages (spot and joint)", True),
    "nhs_england": ("NHS England packages", True),
    "isf": ("Personal budgets: ISFs", True),
    "direct_payment": ("Personal budgets: direct payments", True),
    "nominee": ("Personal budgets: direct payments to nominees", True),
    "commissioner_managed": ("Personal budgets: managed by the commissioner", True),
    "budget": ("Personal budgets: no payer named", True),
    "other_funder": ("Other funders", False),
    "restricted": ("Restricted charitable funds", False),
    "unrestricted": ("Unrestricted charitable funds", False),
    "nothing": ("Nothing paid", False),
}
CHARITY = ("restricted", "unrestricted")
NO_SERVICE = "No service named"
MONEY_COLUMNS = ("full_cost_pence", "statutory_pence", "charity_pence", "gap_pence")


@dataclass(frozen=True)
class PaidBy:
    """One kind of payer's share of the care: for charity, the full cost of care it bore; else what it paid."""
    code: str                        # a key of PAYERS
    payer: str
    statutory: bool
    units: int                       # units it paid for, in whole or in part
    pence: Pence
    children: int                    # distinct children of those units


@dataclass(frozen=True)
class ServiceCost:
    service: str
    unit: str
    units: int                       # delivered, and cancelled but charged
    charged_cancellations: int       # of `units`
    children: int                    # distinct children the units were booked for
    full_cost_pence: Pence
    paid_by: tuple[PaidBy, ...] = ()

    @property
    def statutory_pence(self) -> Pence:
        return sum(p.pence for p in self.paid_by if p.statutory)

    @property
    def charity_pence(self) -> Pence:
        return sum(p.pence for p in self.paid_by if p.code in CHARITY)

    @property
    def gap_pence(self) -> Pence:
        return self.full_cost_pence - self.statutory_pence


@dataclass(frozen=True)
class CostReport:
    first: date
    last: date
    services: list[ServiceCost]
    payers: list[PaidBy] = field(default_factory=list)    # each kind of payer over every service

    @property
    def label(self) -> str:
        return period_label(self.first, self.last)

    @property
    def is_empty(self) -> bool:
        return not self.services

    @property
    def full_cost_pence(self) -> Pence:
        return sum(s.full_cost_pence for s in self.services)

    @property
    def statutory_pence(self) -> Pence:
        return sum(s.statutory_pence for s in self.services)

    @property
    def charity_pence(self) -> Pence:
        return sum(s.charity_pence for s in self.services)

    @property
    def gap_pence(self) -> Pence:
        return self.full_cost_pence - self.statutory_pence


def _category(funders: dict[str, str]):
    """SQL naming each charge part's kind of payer: a key of PAYERS."""
    ids = {kind: [i for i, k in funders.items() if k == kind] for kind in set(funders.values())}
    funder_id = func.substr(ChargePart.payer_ref, *references.id_span(references.FUNDER))
    by_funder = ChargePart.payer_ref.like(references.prefix(references.FUNDER) + "%")

    def kind_is(kind: str):
        return funder_id.in_(ids.get(kind, []))

    statutory = or_(kind_is(FunderKind.icb), kind_is(FunderKind.local_authority), kind_is(FunderKind.nhs_england))
    packages = ChargePart.kind.in_(("spot", "joint"))
    return case(
        (ChargePart.kind == "restricted_fund", "restricted"),
        (ChargePart.kind == "unrestricted_fund", "unrestricted"),
        (and_(by_funder, ~statutory), "other_funder"),
        (ChargePart.kind == "block", "block"),
        (and_(packages, kind_is(FunderKind.icb)), "icb"),
        (and_(packages, kind_is(FunderKind.local_authority)), "council"),
        (packages, "nhs_england"),
        (ChargePart.payer_ref.like(references.prefix(references.ISF) + "%"), "isf"),
        (ChargePart.payer_ref.like(references.prefix(references.FAMILY) + "%"), "direct_payment"),
        (ChargePart.payer_ref.like(references.prefix(references.NOMINEE) + "%"), "nominee"),
        (by_funder, "commissioner_managed"),
        else_="budget")


def _parts(db: Session, first: date, last: date, category) -> list[tuple]:
    """(service id, payer code, block contract ref or None, child id, units, pence, full cost borne by charity) of
    current charges' parts."""
    contract = case((ChargePart.kind == "block", ChargePart.arrangement_ref))
    keys = (Charge.service_id, category, contract, Charge.child_id)
    query = (select(*keys, func.sum(ChargePart.units), func.sum(ChargePart.pence),
                    func.sum(ChargePart.memorandum_pence))
             .select_from(ChargePart).join(Charge, Charge.id == ChargePart.charge_id)
             .where(Charge.state == ChargeState.current, Charge.day.between(first, last))
             .group_by(*keys))
    return [tuple(row) for row in db.execute(query)]


def _full_cost(service_id, time_band, day):
    price = and_(PricePeriod.service_id == service_id, PricePeriod.time_band == time_band, PricePeriod.starts_on <= day,
                 or_(PricePeriod.ends_on.is_(None), PricePeriod.ends_on >= day))
    return price, func.coalesce(PricePeriod.full_cost_pence, 0)


def _charged(db: Session, first: date, last: date) -> list[tuple]:
    """(service id, child id, units, full cost) of current charges."""
    price, full_cost = _full_cost(Charge.service_id, Charge.time_band, Charge.day)
    keys = (Charge.service_id, Charge.child_id)
    return [tuple(row) for row in db.execute(
        select(*keys, func.sum(Charge.quantity), func.sum(Charge.quantity * full_cost))
        .outerjoin(PricePeriod, price)
        .where(Charge.state == ChargeState.current, Charge.day.between(first, last)).group_by(*keys))]


def _not_as_delivered(db: Session, first: date, last: date) -> list[tuple]:
    """(service id, child id, charged, units, full cost) of the units whose charge differs from their attendance:
    delivered with no current charge (charged False), or cancelled or not attended and charged (charged True)."""
    charged = Charge.id.is_not(None)
    delivered = BookingUnit.status == UnitStatus.delivered
    price, full_cost = _full_cost(Booking.service_id, BookingUnit.time_band, BookingUnit.day)
    keys = (Booking.service_id, Booking.child_id, charged)
    return [tuple(row) for row in db.execute(
        select(*keys, func.sum(BookingUnit.quantity), func.sum(BookingUnit.quantity * full_cost))
        .select_from(BookingUnit)
        .outerjoin(Charge, and_(Charge.unit_id == BookingUnit.id, Charge.state == ChargeState.current))
        .join(Booking, Booking.id == BookingUnit.booking_id)     # after the charge: SQLite joins in this order
        .outerjoin(PricePeriod, price)
        .where(BookingUnit.day.between(first, last), or_(and_(delivered, ~charged), and_(~delivered, charged)))
        .group_by(*keys))]


def _block_income(db: Session, first: date, last: date) -> dict[str, Pence]:
    """Each block contract's income for the months of the period, by the ledger entries' service dates."""
    on = func.coalesce(LedgerEntry.service_date, LedgerEntry.posted_on)
    rows = db.execute(select(LedgerAccount.code, func.sum(LedgerLine.credit_pence - LedgerLine.debit_pence))
                      .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                      .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                      .where(LedgerAccount.code.like(accounts.BLOCK_INCOME + "%"), on.between(first, last))
                      .group_by(LedgerAccount.code))
    return {accounts.block_of_income(code): int(pence) for code, pence in rows if pence}


def _spread_block_income(db: Session, first: date, last: date, funders: dict[str, str],
                         units: dict[str, dict[str, int]]) -> dict[tuple, Pence]:
    """(service id or None, payer code) -> the block contracts' income spread over their units of the period
    (`units`: contract id -> service id -> units)."""
    income = _block_income(db, first, last)
    if not income:
        return {}
    ids = [uuid.UUID(i) for i in income]
    contracts = {str(c.id): c for c in db.execute(select(BlockContract).where(BlockContract.id.in_(ids))).scalars()}
    services: dict[str, list[str]] = defaultdict(list)
    for contract_id, service_id in db.execute(select(BlockContractService.contract_id, BlockContractService.service_id)
                                              .where(BlockContractService.contract_id.in_(ids))):
        services[str(contract_id)].append(str(service_id))
    spread: dict[tuple, Pence] = defaultdict(int)
    for contract_id, pence in income.items():
        contract = contracts.get(contract_id)
        statutory = contract is not None and funders.get(str(contract.funder_id)) != FunderKind.other
        weights = units.get(contract_id) or {s: 1 for s in sorted(services[contract_id])} or {None: 1}
        for service_id, share in zip(weights, split(pence, list(weights.values()))):
            spread[(service_id, "block" if statutory else "other_funder")] += share
    return spread


def _paid_by(code: str, line: list) -> PaidBy:
    units, pence, memorandum, children = line
    label, statutory = PAYERS[code]
    return PaidBy(code, label, statutory, units, memorandum if code in CHARITY else pence, len(children))


def _order(key: tuple) -> int:
    return list(PAYERS).index(key[1])


def cost_of_care(db: Session, first: date, last: date) -> CostReport:
    """The care delivered from `first` to `last` at its full cost, by service and by who paid."""
    check_period(first, last)
    funders = {str(i): str(kind) for i, kind in db.execute(select(Funder.id, Funder.kind))}
    names = {str(s.id): (s.name, str(s.unit)) for s in db.execute(select(Service)).scalars()}
    # (service id, payer code) -> [units, pence, full cost borne by charity, children]; service id None: all services
    lines: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, set()])
    totals: dict[str, list] = defaultdict(lambda: [set(), 0, 0, 0])   # service id -> children, units, cost, cancelled
    block_units: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(service_id: str, code: str, child_id, units: int, pence: int, memorandum: int) -> None:
        for key in ((service_id, code), (None, code)):
            line = lines[key]
            line[0] += units
            line[1] += pence
            line[2] += memorandum
            if child_id is not None:
                line[3].add(child_id)

    def count(service_id: str, child_id, units: int, full_cost: int) -> None:
        total = totals[service_id]
        total[0].add(child_id)
        total[1] += units
        total[2] += full_cost

    for service_id, code, contract, child_id, units, pence, memorandum in _parts(db, first, last, _category(funders)):
        add(str(service_id), code, child_id, int(units), int(pence), int(memorandum))
        if contract is not None:
            block_units[str(references.contract_of(contract))][str(service_id)] += int(units)
    for service_id, child_id, units, full_cost in _charged(db, first, last):
        count(str(service_id), child_id, int(units), int(full_cost))
    for service_id, child_id, charged, units, full_cost in _not_as_delivered(db, first, last):
        if charged:
            totals[str(service_id)][3] += int(units)
        else:
            count(str(service_id), child_id, int(units), int(full_cost))
            add(str(service_id), "nothing", child_id, int(units), 0, 0)
    for (service_id, code), pence in _spread_block_income(db, first, last, funders, block_units).items():
        add(service_id or NO_SERVICE, code, None, 0, pence, 0)

    services = []
    for service_id in {s for s, _ in lines if s is not None}:
        children, units, full_cost, cancelled = totals.get(service_id, (set(), 0, 0, 0))
        name, unit = names.get(service_id, (NO_SERVICE, ""))
        paid = tuple(_paid_by(code, lines[(sid, code)]) for sid, code in sorted(lines, key=_order) if sid == service_id)
        services.append(ServiceCost(name, unit, units, cancelled, len(children), full_cost, paid))
    services.sort(key=lambda s: (s.service == NO_SERVICE, s.service))
    payers = [_paid_by(code, lines[(sid, code)]) for sid, code in sorted(lines, key=_order) if sid is None]
    return CostReport(first, last, services, payers)


def disclosed(report: CostReport) -> dict[str, Disclosed]:
    """The report as trustees may see it: for each money column, the services' lines with any service whose care
    came from fewer than five children combined into "Other service" (held back while still fewer than five),
    and the payers' lines with small ones combined within statutory and charitable.

    `disclose` adds the children of the lines it combines; a child who had several services (or payers) counts in
    each, so a combined line's count can be higher than its distinct children.
    """
    shown = {column: disclose(Line(s.service, "service", s.children, getattr(s, column)) for s in report.services)
             for column in MONEY_COLUMNS}
    shown["paid_by"] = disclose(Line(p.payer, "statutory" if p.statutory else "not statutory", p.children, p.pence)
                                for p in report.payers)
    return shown
