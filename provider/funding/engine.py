"""Who pays for each unit of care: a pure function over plain data (DOMAIN.md §3). No database, no clock.

Units are taken in order of service date, then booking. For each unit the fundings that are active that day,
allow the service and cover the child are tried in priority order. Unit caps never split a unit; a money cap
does: the exhausted funding pays what it has left and the next pays its own price less what is already paid.
A share of a unit (a joint package, a percentage of a split budget) is split by largest remainder. What no
funding pays is charitable; charity records the full cost of care in the memorandum register.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from provider import references
from provider.dates import long_date, short_date
from provider.money import Pence, format_gbp, round_pence, split

RULE_VERSION = "2026.1"

CHARITY_REF = references.UNRESTRICTED_FUND
CHARITY_KINDS = ("restricted_fund", "unrestricted_fund")
NOT_THIS_CHILD = "does not cover this child"


@dataclass(frozen=True)
class PricePoint:
    """A price (and full cost of care) for a service and time band from `starts_on` to `ends_on`."""

    starts_on: date
    pence: Pence
    full_cost_pence: Pence = 0
    band: str = "all"
    ends_on: date | None = None


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    name: str
    unit: str = "night"
    free_to_families: bool = False
    prices: tuple[PricePoint, ...] = ()


@dataclass(frozen=True)
class Payer:
    ref: str
    name: str
    percent: int = 100


@dataclass(frozen=True)
class MoneyLimit:
    """A money limit over fixed dates, such as a purchase order's value."""

    label: str
    pence: Pence
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Funding:
    """An arrangement as the engine sees it."""

    ref: str
    kind: str
    name: str
    payers: tuple[Payer, ...]
    starts_on: date | None = None
    ends_on: date | None = None
    children: frozenset[str] | None = None          # None: every child
    services: Mapping[str, int | None] | None = None  # service id -> its own yearly unit cap; None: any service
    family_held: bool = False
    agreed_services: frozenset[str] = frozenset()
    rates: tuple[tuple[str, PricePoint], ...] = ()   # (service id, price) replacing the price list
    cap_units: int | None = None
    cap_pence: Pence | None = None
    year_start: tuple[int, int] = (4, 1)
    share_percent: int | None = None                 # pays this share of each unit's price
    money_limits: tuple[MoneyLimit, ...] = ()
    block: bool = False                              # paid by a contract's instalments, not per unit
    volume_units: int | None = None                  # a block contract's volume over its dates
    per_child_units: int | None = None               # a block allowance per child per year
    overage_rate_pence: Pence | None = None          # a block's price per unit above its volume
    hard_limit: bool = False
    charges_cancellations: bool = False
    # A budget paid to a nominee: the days its written nominations are in force, each (received, withdrawn or None).
    # None: the funding needs no nomination.
    nominated: tuple[tuple[date, date | None], ...] | None = None
    commissioner: str = ""                           # whom to ask who holds the budget once its nominee has gone


@dataclass(frozen=True)
class UnitOfCare:
    ref: str
    child_id: str
    service_id: str
    day: date
    band: str = "all"
    quantity: int = 1
    order: tuple = ()           # the booking's place (created time, id): second key after the date
    cancelled: bool = False     # a cancellation that funders who charge for cancellations pay for


@dataclass(frozen=True)
class PriorPart:
    """A part already stored (or reserved): it uses up caps before anything allocated now."""

    funding_ref: str
    child_id: str
    service_id: str
    day: date
    units: int
    pence: Pence


@dataclass(frozen=True)
class Priority:
    default: tuple[str, ...] = ("spot", "joint", "block", "personal_budget", "restricted_fund", "unrestricted_fund")
    by_service: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    by_child: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    funding_ref: str
    kind: str
    payer_ref: str
    payer_name: str
    pence: Pence
    units: int
    rule: str
    reason: str
    memorandum_pence: Pence = 0
    left: str = ""


@dataclass(frozen=True)
class Outcome:
    unit: UnitOfCare
    price_pence: Pence
    parts: tuple[Part, ...]
    passed_over: tuple[str, ...] = ()
    hard_limits: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()    # an arrangement the child had that no longer pays, for finance to act on

    @property
    def charged_pence(self) -> Pence:
        return sum(p.pence for p in self.parts if p.kind not in CHARITY_KINDS)

    @property
    def charity_pence(self) -> Pence:
        return sum(p.pence for p in self.parts if p.kind in CHARITY_KINDS)

    @property
    def memorandum_pence(self) -> Pence:
        return sum(p.memorandum_pence for p in self.parts)


def _in_force(points: Iterable[PricePoint], day: date, band: str) -> PricePoint | None:
    for point in points:
        if point.band == band and point.starts_on <= day and (point.ends_on is None or day <= point.ends_on):
            return point
    return None


def year_of(day: date, start: tuple[int, int]) -> date:
    """The first day of the year (starting on `start` = (month, day)) that contains `day`."""
    month, first = start
    begins = date(day.year, month, first)
    return begins if begins <= day else date(day.year - 1, month, first)


def usage_counts_from(fundings: Iterable[Funding], first: date, earliest: date) -> date:
    """The first day whose stored parts can still count against a cap for units from `first` on.

    A cap counts over the arrangement's year, a purchase order over its dates, a block's volume over the contract;
    `earliest` bounds a volume with no start.
    """
    days = [first]
    for f in fundings:
        if f.ends_on is not None and f.ends_on < first:
            continue  # it pays for nothing from `first` on, so what it has used does not matter
        days.append(year_of(first, f.year_start))
        days += [m.starts_on for m in f.money_limits if m.ends_on >= first]
        if f.volume_units is not None:
            days.append(f.starts_on or earliest)
    return max(earliest, min(days))


def _year_label(begins: date) -> str:
    return f"{begins.year}/{(begins.year + 1) % 100:02d}"


class _Usage:
    """Units and pence used so far, by the counters each cap reads."""

    def __init__(self) -> None:
        self.units: dict[tuple, int] = defaultdict(int)
        self.pence: dict[tuple, int] = defaultdict(int)

    @staticmethod
    def keys(f: Funding, child: str, service: str, day: date) -> tuple[list[tuple], list[tuple]]:
        year = year_of(day, f.year_start)
        unit_keys = [(f.ref, year), (f.ref, year, "service", service), (f.ref, year, "child", child),
                     (f.ref, "volume")]
        pence_keys = [(f.ref, year)] + [(f.ref, "limit", m.label) for m in f.money_limits
                                        if m.starts_on <= day <= m.ends_on]
        return unit_keys, pence_keys

    def add(self, f: Funding, child: str, service: str, day: date, units: int, pence: Pence) -> None:
        unit_keys, pence_keys = self.keys(f, child, service, day)
        for key in unit_keys:
            self.units[key] += units
        for key in pence_keys:
            self.pence[key] += pence


def _applies(f: Funding, unit: UnitOfCare, service: ServiceInfo) -> str | None:
    """None when `f` may pay for `unit`, else why not (for the explanation)."""
    if f.children is not None and unit.child_id not in f.children:
        return NOT_THIS_CHILD
    if (f.starts_on and unit.day < f.starts_on) or (f.ends_on and unit.day > f.ends_on):
        return "is not active on this day"
    if f.services is not None and unit.service_id not in f.services:
        return f"does not pay for {service.name}"
    if f.family_held:
        if service.free_to_families:
            return f"is held by the family and {service.name} is free to families"
        if unit.service_id not in f.agreed_services:
            return f"is held by the family, who have not agreed to it paying for {service.name}"
    if unit.cancelled and not f.charges_cancellations:
        return "does not pay for cancellations"
    return None


def without_nominee(f: Funding, day: date) -> str | None:
    """None when `f` needs no nomination or one is in force on `day`, else why it cannot pay."""
    if f.nominated is None or any(received <= day and (withdrawn is None or day < withdrawn)
                                  for received, withdrawn in f.nominated):
        return None
    withdrawals = [withdrawn for received, withdrawn in f.nominated if withdrawn is not None and withdrawn <= day]
    if withdrawals:
        return f"has no nominee from {long_date(max(withdrawals))}"
    return f"has no written nomination in force on {short_date(day)}"


def _rank(f: Funding, unit: UnitOfCare, priority: Priority) -> tuple:
    own = priority.by_child.get(unit.child_id, ())
    if f.ref in own:
        return (0, own.index(f.ref), f.ref)
    order = priority.by_service.get(unit.service_id) or priority.default
    kind_rank = order.index(f.kind) if f.kind in order else len(order)
    return (1, kind_rank, f.starts_on or date.min, f.ref)


class _Allocator:
    def __init__(self, fundings: Sequence[Funding], services: Mapping[str, ServiceInfo], priority: Priority,
                 prior: Iterable[PriorPart]):
        self.fundings = sorted(fundings, key=lambda f: f.ref)
        self.by_ref = {f.ref: f for f in self.fundings}
        self.general = [f for f in self.fundings if f.children is None]
        self.by_child: dict[str, list[Funding]] = {}
        for f in self.fundings:
            for child in f.children or ():
                self.by_child.setdefault(child, []).append(f)
        self.ranked: dict[tuple[str, str], list[Funding]] = {}
        self.services = services
        self.priority = priority
        self.usage = _Usage()
        for part in prior:
            f = self.by_ref.get(part.funding_ref)
            if f is not None:
                self.usage.add(f, part.child_id, part.service_id, part.day, part.units, part.pence)

    def list_price(self, unit: UnitOfCare) -> PricePoint | None:
        return _in_force(self.services[unit.service_id].prices, unit.day, unit.band)

    def price_for(self, f: Funding, unit: UnitOfCare, listed: PricePoint | None) -> Pence | None:
        rates = [p for service_id, p in f.rates if service_id == unit.service_id]
        point = _in_force(rates, unit.day, unit.band) if rates else None
        point = point or listed
        return None if point is None else point.pence * unit.quantity

    def units_left(self, f: Funding, unit: UnitOfCare) -> tuple[int | None, str]:
        """Units this funding may still take for this unit, and what limits it, as text."""
        year = year_of(unit.day, f.year_start)
        limits = []
        if f.cap_units is not None:
            limits.append((f.cap_units - self.usage.units[(f.ref, year)], f"{f.cap_units} a year"))
        service_cap = (f.services or {}).get(unit.service_id)
        if service_cap is not None:
            used = self.usage.units[(f.ref, year, "service", unit.service_id)]
            limits.append((service_cap - used, f"{service_cap} {self.services[unit.service_id].name} a year"))
        if f.per_child_units is not None:
            used = self.usage.units[(f.ref, year, "child", unit.child_id)]
            limits.append((f.per_child_units - used, f"this child's allowance of {f.per_child_units} a year"))
        if not limits:
            return None, ""
        left, label = min(limits, key=lambda item: item[0])
        return left, label

    def pence_left(self, f: Funding, unit: UnitOfCare) -> tuple[Pence | None, str]:
        year = year_of(unit.day, f.year_start)
        limits = []
        if f.cap_pence is not None:
            limits.append((f.cap_pence - self.usage.pence[(f.ref, year)],
                           f"{format_gbp(f.cap_pence)} for {_year_label(year)}"))
        for m in f.money_limits:
            if m.starts_on <= unit.day <= m.ends_on:
                limits.append((m.pence - self.usage.pence[(f.ref, "limit", m.label)], m.label))
        if not limits:
            return None, ""
        left, label = min(limits, key=lambda item: item[0])
        return max(0, left), label

    def outside_limits(self, f: Funding, unit: UnitOfCare) -> str | None:
        """A money limit (a purchase order) whose dates do not include the day stops the funding."""
        if f.money_limits and not any(m.starts_on <= unit.day <= m.ends_on for m in f.money_limits):
            return f"has no purchase order in force on {short_date(unit.day)}"
        return None

    def candidates(self, unit: UnitOfCare) -> list[Funding]:
        """The fundings that may cover the unit's child, in priority order (which depends on child and service)."""
        key = (unit.child_id, unit.service_id)
        found = self.ranked.get(key)
        if found is None:
            pool = self.general + self.by_child.get(unit.child_id, [])
            found = self.ranked[key] = sorted(pool, key=lambda f: _rank(f, unit, self.priority))
        return found

    def allocate(self, unit: UnitOfCare) -> Outcome:
        service = self.services[unit.service_id]
        listed = self.list_price(unit)
        list_pence = None if listed is None else listed.pence * unit.quantity
        full_cost = 0 if listed is None else listed.full_cost_pence * unit.quantity
        candidates = self.candidates(unit)
        parts: list[Part] = []
        passed: list[str] = []
        hard: list[str] = []
        notices: list[str] = []
        paid = 0
        price = list_pence
        complete = False
        for f in candidates:
            if f.kind in CHARITY_KINDS:
                if _applies(f, unit, service) is None and not unit.cancelled:
                    parts.append(self.charity_part(f, unit, service, list_pence, full_cost, paid))
                    price = max(paid, list_pence or 0) if list_pence is not None else paid
                    complete = True
                    break
                continue
            why_not = _applies(f, unit, service) or self.outside_limits(f, unit)
            if why_not is None and (why_not := without_nominee(f, unit.day)):
                ask = f"ask {f.commissioner}" if f.commissioner else "ask the commissioner"
                notices.append(f"{f.name} {why_not}: {ask} who holds the budget now.")
            if why_not:
                if why_not not in (NOT_THIS_CHILD, f"does not pay for {service.name}"):
                    passed.append(f"{f.name} {why_not}.")
                continue
            if f.block:
                part, why_not = self.block_part(f, unit, paid)
                if part is None:
                    passed.append(f"{f.name}: {why_not}.")
                    if f.hard_limit:
                        hard.append(f"{f.name}: {why_not}.")
                    continue
                parts.append(part)
                paid += part.pence
                price = paid
                complete = True
                break
            units_left, units_label = self.units_left(f, unit)
            if units_left is not None and units_left < unit.quantity:
                passed.append(f"{f.name} has used {units_label}.")
                if f.hard_limit:
                    hard.append(f"{f.name} has used {units_label}.")
                continue
            own_price = self.price_for(f, unit, listed)
            if own_price is None:
                passed.append(f"{f.name} has no price for {service.name} on {short_date(unit.day)}.")
                continue
            if own_price == 0:
                passed.append(f"{service.name} is priced at £0.00, so {f.name} is not charged.")
                continue
            if paid >= own_price:
                price, complete = paid, True
                break
            owed = own_price - paid
            if f.share_percent is not None:
                owed = min(owed, round_pence(Fraction(own_price * f.share_percent, 100)))
            money_left, money_label = self.pence_left(f, unit)
            take = owed if money_left is None else min(owed, money_left)
            if take <= 0:
                passed.append(f"{f.name} has nothing left of {money_label}.")
                if f.hard_limit:
                    hard.append(f"{f.name} has nothing left of {money_label}.")
                continue
            if take < owed and f.hard_limit:
                hard.append(f"{f.name} can pay only {format_gbp(take)} of {format_gbp(owed)} ({money_label}).")
            self.usage.add(f, unit.child_id, unit.service_id, unit.day, unit.quantity, take)
            parts.extend(self.money_parts(f, unit, service, take, owed, own_price, money_label))
            paid += take
            price = own_price
            if paid >= own_price:
                complete = True
                break
        if not complete and not unit.cancelled:
            parts.append(self.charity_part(None, unit, service, list_pence, full_cost, paid))
            price = max(paid, list_pence or 0)
        if unit.cancelled and not parts:
            price = 0
        return Outcome(unit, price or 0, tuple(parts), tuple(passed), tuple(hard), tuple(notices))

    def block_part(self, f: Funding, unit: UnitOfCare, paid: Pence) -> tuple[Part | None, str]:
        units_left, label = self.units_left(f, unit)
        if units_left is not None and units_left < unit.quantity:
            return None, f"{label} is used up"
        used = self.usage.units[(f.ref, "volume")]
        year = year_of(unit.day, f.year_start)
        payer = f.payers[0]
        if f.volume_units is not None and used + unit.quantity > f.volume_units:
            if f.overage_rate_pence is None:
                return None, f"the contract's volume of {f.volume_units} is used"
            pence = max(0, f.overage_rate_pence * unit.quantity - paid)
            self.usage.add(f, unit.child_id, unit.service_id, unit.day, unit.quantity, pence)
            return Part(f.ref, f.kind, payer.ref, payer.name, pence, unit.quantity, "block-overage",
                        f"{f.name}: above the contracted volume of {f.volume_units}, "
                        f"charged at the overage rate of {format_gbp(f.overage_rate_pence)}."), ""
        self.usage.add(f, unit.child_id, unit.service_id, unit.day, unit.quantity, 0)
        child_used = self.usage.units[(f.ref, year, "child", unit.child_id)]
        allowance = (f" {child_used} of this child's {f.per_child_units} for {_year_label(year)};"
                     if f.per_child_units is not None else "")
        volume = (f" {used + unit.quantity} of the contract's {f.volume_units}"
                  if f.volume_units is not None else "")
        left = []
        if f.per_child_units is not None:
            left.append(f"{f.per_child_units - child_used} of this child's allowance left")
        if f.volume_units is not None:
            left.append(f"{f.volume_units - used - unit.quantity} of the contract's volume left")
        return Part(f.ref, f.kind, payer.ref, payer.name, 0, unit.quantity, "block-allowance",
                    f"{f.name}:{allowance}{volume}; paid by the contract's instalments, not priced by the unit.",
                    left="; ".join(left)), ""

    def money_parts(self, f: Funding, unit: UnitOfCare, service: ServiceInfo, take: Pence, owed: Pence,
                    own_price: Pence, money_label: str) -> list[Part]:
        money_left, _ = self.pence_left(f, unit)
        units_left, units_label = self.units_left(f, unit)
        left = []
        if money_left is not None:
            left.append(f"{format_gbp(money_left)} left of {money_label}")
        if units_left is not None:
            left.append(f"{units_left} left of {units_label}")
        if take < owed:
            why = f"the {format_gbp(take)} it has left of {money_label}; the rest passes down the list."
        elif own_price - owed > 0:
            why = f"{format_gbp(take)}, its price of {format_gbp(own_price)} less what is already paid."
        else:
            why = f"{format_gbp(take)} for {service.name} at {format_gbp(own_price)}."
        rule = f.kind if take == owed else f"{f.kind}-money-cap"
        amounts = split(take, [p.percent for p in f.payers])
        parts = []
        for payer, amount in zip(f.payers, amounts, strict=True):
            if len(f.payers) > 1:
                reason = f"{f.name}: {payer.name} pays {format_gbp(amount)}, its {payer.percent}% share of {why}"
            else:
                reason = f"{f.name} pays {why}"
            parts.append(Part(f.ref, f.kind, payer.ref, payer.name, amount, unit.quantity, rule, reason,
                              left="; ".join(left)))
        return parts

    def charity_part(self, f: Funding | None, unit: UnitOfCare, service: ServiceInfo, list_pence: Pence | None,
                     full_cost: Pence, paid: Pence) -> Part:
        remaining = max(0, (list_pence or 0) - paid)
        if paid == 0 or not list_pence:
            memorandum = full_cost
        else:
            memorandum = round_pence(Fraction(full_cost * remaining, list_pence))
        ref, kind, name = (f.ref, f.kind, f.name) if f else (CHARITY_REF, "unrestricted_fund", "Unrestricted funds")
        if paid:
            why = f"{name} bears the rest: {format_gbp(remaining)} of the price, full cost of care {format_gbp(memorandum)}."
        else:
            why = (f"No funder pays for {service.name}; {name} bears it: "
                   f"full cost of care {format_gbp(memorandum)}, free to the family.")
        return Part(ref, kind, ref, name, remaining, unit.quantity,
                    "charity-restricted" if kind == "restricted_fund" else "charity", why, memorandum_pence=memorandum)


def sort_units(units: Iterable[UnitOfCare]) -> list[UnitOfCare]:
    return sorted(units, key=lambda u: (u.day, u.order, u.ref))


def allocate(units: Iterable[UnitOfCare], fundings: Sequence[Funding], services: Mapping[str, ServiceInfo],
             priority: Priority = Priority(), prior: Iterable[PriorPart] = ()) -> list[Outcome]:
    """Every unit's parts, in order of service date then booking. Deterministic whatever the input order."""
    allocator = _Allocator(fundings, services, priority, prior)
    return [allocator.allocate(unit) for unit in sort_units(units)]
