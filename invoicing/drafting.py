"""A month's invoices worked out from billable charge parts: one per payer, with the exceptions that stop it.

Plain functions over plain data (`invoicing.gather` reads it from the database). What a payer is shown
follows DOMAIN.md §6: an ICB or NHS England sees no child (the detail goes in a backing schedule); a council
sees its own client reference; a family or a nominee sees the child's first name.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from provider.dates import short_date
from provider.money import format_gbp

NHS_KINDS = frozenset({"icb", "nhs_england"})
NAMES_CHILDREN = frozenset({"family", "nominee"})
NUMBER_LENGTH = len("INV2627000001")
Span = tuple[date, date | None]     # a written nomination in force from the first day until the day before the second


@dataclass(frozen=True)
class Billable:
    """A part of a stored charge that an outside payer owes."""

    part_id: str
    child_id: str
    service_id: str
    day: date
    units: int
    pence: int
    payer_ref: str
    arrangement_ref: str


@dataclass(frozen=True)
class ServiceFacts:
    id: str
    name: str
    unit: str            # night, session, day, hour
    vat_treatment: str


@dataclass(frozen=True)
class ChildFacts:
    id: str
    first_name: str
    council_reference: str | None


@dataclass(frozen=True)
class PayerFacts:
    ref: str
    name: str
    kind: str            # icb, nhs_england, local_authority, other, family, nominee, none
    address: str
    email: str | None = None
    terms_days: int = 30
    po_required: bool = False
    pays_without_invoice: bool = False
    on_hold_since: date | None = None        # a family under a bereavement hold
    hold_lifted_by: str = ""                 # who may lift the hold
    max_days_ahead: int | None = None        # how far ahead an invoice may be dated (NHS SBS: 14)
    number_max_length: int | None = None     # the longest invoice number the payer's system takes
    po_max_length: int | None = None         # the longest purchase order number the payer's system takes


@dataclass(frozen=True)
class Order:
    """The purchase order an arrangement (or a joint package's share) quotes."""

    arrangement_ref: str
    arrangement_name: str
    number: str | None
    value_pence: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    billed_pence: int = 0        # already on issued invoices
    contract_reference: str | None = None    # a joint package share's own, quoted on its payer's invoice


@dataclass(frozen=True)
class DraftLine:
    child_id: str | None
    service_id: str | None       # none on a grant invoice
    description: str
    quantity: int
    unit_price_pence: int
    amount_pence: int
    vat_treatment: str
    first_day: date
    last_day: date
    part_ids: tuple[str, ...]


@dataclass(frozen=True)
class Draft:
    payer: PayerFacts
    period_start: date
    period_end: date
    lines: tuple[DraftLine, ...]
    po_number: str | None
    exceptions: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    child_names: tuple[str, ...] = ()
    contract_reference: str | None = None     # a block contract's (or a grant award's) instalments
    kind: str = "invoice"                     # or "grant": kept apart from the payer's contract invoices
    package_reference: str | None = None      # the payer's contract reference for a joint package's share

    @property
    def key(self) -> str:
        """What names the draft in a run: its payer, its contract for block instalments, its purchase order."""
        return f"{self.payer.ref}|{self.contract_reference or ''}|{self.po_number or ''}"

    @property
    def on_behalf_of(self) -> tuple[str, ...]:
        """A nominee invoices on the children's behalf: their first names, for the document to say so."""
        return self.child_names if self.payer.kind == "nominee" else ()

    @property
    def total_pence(self) -> int:
        return sum(line.amount_pence for line in self.lines)

    @property
    def scheduled(self) -> bool:
        """Paid on a schedule without invoices: an expected payment is recorded instead."""
        return self.payer.pays_without_invoice

    @property
    def can_issue(self) -> bool:
        return not self.exceptions and not self.scheduled


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'s' if count != 1 else ''}"


def _describe(payer: PayerFacts, service: ServiceFacts, child: ChildFacts | None, count: int) -> str:
    amount = _plural(count, service.unit)
    if child is None:
        return f"{service.name}: {amount} (patient detail in the backing schedule)"
    if payer.kind in NAMES_CHILDREN:
        return f"{service.name} for {child.first_name}: {amount}"
    reference = child.council_reference or "not recorded"
    return f"{service.name}: {amount}, client reference {reference}"


def _lines(payer: PayerFacts, parts: list[Billable], services: dict[str, ServiceFacts],
           children: dict[str, ChildFacts]) -> list[DraftLine]:
    """Parts grouped by child (not for the NHS), service and price per unit; a part that does not divide into
    whole pence per unit is a line of its own."""
    groups: dict[tuple, list[Billable]] = defaultdict(list)
    for part in parts:
        child_key = None if payer.kind in NHS_KINDS else part.child_id
        if part.pence % part.units == 0:
            groups[(child_key, part.service_id, part.pence // part.units, "")].append(part)
        else:
            groups[(child_key, part.service_id, part.pence, part.part_id)].append(part)
    lines = []
    for (child_id, service_id, _, own), members in groups.items():
        service = services[service_id]
        quantity = sum(p.units for p in members) if not own else 1
        amount = sum(p.pence for p in members)
        days = sorted(p.day for p in members)
        child = children[child_id] if child_id else None
        lines.append(DraftLine(child_id, service_id, _describe(payer, service, child, sum(p.units for p in members)),
                               quantity, amount // quantity, amount, service.vat_treatment, days[0], days[-1],
                               tuple(sorted(p.part_id for p in members))))
    names = {cid: c.first_name for cid, c in children.items()}
    lines.sort(key=lambda l: (names.get(l.child_id or "", ""), services[l.service_id].name, l.first_day,
                              l.unit_price_pence))
    return lines


def hold_exception(payer: PayerFacts) -> str:
    return (f"{payer.name}'s family is under a bereavement hold since {short_date(payer.on_hold_since)}: nothing is "
            f"sent to them without a person deciding to; {payer.hold_lifted_by or 'a care coordinator'} may lift the "
            f"hold, or a named decision may release this one invoice")


def order_problems(payer: PayerFacts, number: str | None, quoted_by: str) -> list[str]:
    """What stops an invoice quoting purchase order `number` (for `quoted_by`) whatever it bills."""
    if not number:
        return [f"{payer.name} requires a purchase order and {quoted_by} has none"] if payer.po_required else []
    if payer.po_max_length is not None and len(number) > payer.po_max_length:
        return [f"purchase order {number} has {len(number)} characters: {payer.name} takes at most "
                f"{payer.po_max_length}"]
    return []


def _order_problems(payer: PayerFacts, orders: list[Order], parts: list[Billable]) -> list[str]:
    problems = []
    for order in orders:
        own = [p for p in parts if p.arrangement_ref == order.arrangement_ref]
        problems += order_problems(payer, order.number, order.arrangement_name)
        if not order.number:
            continue
        outside = sorted({p.day for p in own if (order.starts_on and p.day < order.starts_on)
                          or (order.ends_on and p.day > order.ends_on)})
        if outside:
            runs = (short_date(order.starts_on) if order.starts_on else "open") + " to " + \
                   (short_date(order.ends_on) if order.ends_on else "open")
            problems.append(f"purchase order {order.number} runs {runs}: it does not cover {short_date(outside[0])}")
        if order.value_pence is not None:
            left = order.value_pence - order.billed_pence
            needed = sum(p.pence for p in own)
            if needed > left:
                problems.append(f"purchase order {order.number} has {format_gbp(max(left, 0))} left; this invoice "
                                f"needs {format_gbp(needed)}")
    return problems


def _in_force(spans: tuple[Span, ...], day: date) -> bool:
    return any(received <= day and (withdrawn is None or day < withdrawn) for received, withdrawn in spans)


def _nomination_problems(payer: PayerFacts, parts: list[Billable], children: dict[str, ChildFacts],
                         nominations: Mapping[tuple[str, str], tuple[Span, ...]]) -> list[str]:
    """A nominee is invoiced only for care on days a written nomination of it for the child is in force."""
    problems = []
    for child_id in sorted({p.child_id for p in parts}):
        spans = nominations.get((payer.ref, child_id), ())
        name = children[child_id].first_name
        if not spans:
            problems.append(f"no written nomination of {payer.name} for {name} is in force: nothing is invoiced "
                            f"to a nominee without one")
            continue
        days = sorted({p.day for p in parts if p.child_id == child_id and not _in_force(spans, p.day)})
        if days:
            listed = ", ".join(short_date(d) for d in days)
            problems.append(f"no written nomination of {payer.name} for {name} is in force on {listed}: nothing "
                            f"is invoiced to a nominee for care on a day without one; recalculate the charges "
                            f"so the next arrangement pays")
    return problems


def draft_invoices(period_start: date, period_end: date, billables: list[Billable], payers: dict[str, PayerFacts],
                   services: dict[str, ServiceFacts], children: dict[str, ChildFacts],
                   orders: dict[tuple[str, str], Order],
                   nominations: Mapping[tuple[str, str], tuple[Span, ...]]) -> list[Draft]:
    """One draft per payer and purchase order (a commissioner matches each invoice to one order), by payer name.

    `orders` is keyed by (payer ref, arrangement ref); `nominations` gives, by (nominee payer ref, child id), the
    days each written nomination of the nominee for the child is in force.
    """
    groups: dict[tuple[str, str], list[Billable]] = defaultdict(list)
    for part in billables:
        if period_start <= part.day <= period_end:
            order = orders.get((part.payer_ref, part.arrangement_ref))
            groups[(part.payer_ref, order.number if order and order.number else "")].append(part)
    drafts = [_draft(period_start, period_end, payers[ref], number or None, parts, services, children, orders,
                     nominations) for (ref, number), parts in groups.items()]
    drafts.sort(key=lambda d: (d.payer.name, d.payer.ref, d.po_number or ""))
    return drafts


def _draft(period_start: date, period_end: date, payer: PayerFacts, po_number: str | None, parts: list[Billable],
           services: dict[str, ServiceFacts], children: dict[str, ChildFacts], orders: dict[tuple[str, str], Order],
           nominations: Mapping[tuple[str, str], tuple[Span, ...]]) -> Draft:
    ref = payer.ref
    exceptions: list[str] = []
    if payer.kind == "none":
        exceptions.append(f"{payer.name} names no one to invoice: choose the funder on the arrangement")
    elif not payer.address.strip():
        exceptions.append(f"billing address missing for {payer.name}")
    if payer.on_hold_since is not None:
        exceptions.append(hold_exception(payer))
    if payer.number_max_length is not None and payer.number_max_length < NUMBER_LENGTH:
        exceptions.append(f"{payer.name} takes invoice numbers of at most {payer.number_max_length} characters; "
                          f"Lantern's have {NUMBER_LENGTH}")
    if payer.kind == "nominee":
        exceptions += _nomination_problems(payer, parts, children, nominations)
    arrangement_refs = sorted({p.arrangement_ref for p in parts})
    own_orders = [orders.get((ref, a)) or Order(a, a, None) for a in arrangement_refs]
    exceptions += _order_problems(payer, own_orders, parts)
    references = sorted({o.contract_reference for o in own_orders if o.contract_reference})
    return Draft(payer, period_start, period_end, tuple(_lines(payer, parts, services, children)), po_number,
                 tuple(exceptions), tuple(sorted({p.child_id for p in parts})),
                 tuple(sorted({children[p.child_id].first_name for p in parts})),
                 package_reference=", ".join(references) or None)
