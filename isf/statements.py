"""ISF statements for the family: for one ISF and one period of its schedule (or any dates), the money at the start,
the money in by source, every spend in plain words, the fees, what was returned, the money at the end, what is set
aside for care already booked, and what the money was spent on, by outcome of the child's plan.

Built in two steps: `movements` reads every movement of money an ISF has had; `build` (plain data in, plain data
out) makes the statement for the dates, so that the money at the end is always the money at the start plus what
came in less what went out. The hospice's own care is the current charges whose parts draw on the ISF, by the day
the care was given; the nights of one stay at one price make one line.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import jinja2
import weasyprint
from sqlmodel import Session, select

from isf import schedule, service
from isf.models import Advance, IsfAgreement, IsfOutcome, IsfReceipt, IsfSpend, SpendStatus, Supplier
from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service, Unit
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.config import TEMPLATES_DIR
from provider.dates import long_date
from provider.errors import NotFound
from provider.filenames import slug
from provider.funders.models import CharitableFund, Funder, FunderKind
from provider.funding.models import Arrangement
from provider.money import format_gbp
from provider.organisation.models import ProviderSettings
from provider.people.models import Child, FamilyMember

IN, CARE, SUPPLIER, FEE, RETURN = "in", "care", "supplier", "fee", "return"
SHORT_BREAKS, SIBLING_SUPPORT, OTHER_CARE = "Short breaks", "Sibling support", "Other care from the hospice"
OTHER_SUPPLIERS, FEES, RETURNED = "Other suppliers", "Fees", "Money returned"
CATEGORIES = (SHORT_BREAKS, SIBLING_SUPPORT, OTHER_CARE, OTHER_SUPPLIERS, FEES, RETURNED)
SOURCES = {"social_care": "social care", "health": "health", "education": "education"}
NO_OUTCOME = "not yet linked to an outcome of the plan"


@dataclass(frozen=True)
class Movement:
    """Money into or out of the ISF on one day, described for the family."""

    day: date
    kind: str                  # in, care, supplier, fee, return
    pence: int
    what: str                  # care: the service as the family knows it ("Short break at Willow")
    source: str = ""           # money in: who paid it
    outcome: str = ""          # spend: the outcome of the child's plan it served
    category: str = ""
    stay: str = ""             # care: the booking, so that the nights of one stay make one line
    units: int = 0
    unit: str = ""             # care: night, session, hour or day
    booked_on: date | None = None   # care: the day its booking was confirmed

    @property
    def signed(self) -> int:
        return self.pence if self.kind == IN else -self.pence


@dataclass(frozen=True)
class Line:
    day: date
    what: str
    pence: int
    outcome: str = ""
    category: str = ""
    source: str = ""


@dataclass(frozen=True)
class Statement:
    first: date
    last: date
    opening: int
    money_in: tuple[Line, ...]
    spend: tuple[Line, ...]            # the hospice's care and other suppliers, by date
    fees: tuple[Line, ...]
    returns: tuple[Line, ...]
    reserved: int = 0                  # care booked by the end of the statement, not yet given
    contingency: int = 0               # kept back for the unexpected: spent only with approval
    period_number: int | None = None
    child: str = ""                    # "Amira Haddad"
    child_first: str = ""              # "Amira"
    hospice: str = ""                  # "Willow Children's Hospice"
    hospice_short: str = ""            # "Willow"
    hospice_address: str = ""
    funder: str = ""                   # "Northshire County Council"
    funder_is_council: bool = True
    surplus_limit: int | None = None
    outcomes: tuple[str, ...] = ()     # every outcome of the plan, spent on or not
    agreement_id: uuid.UUID | None = None
    child_reference: str = ""

    @property
    def total_in(self) -> int:
        return sum(line.pence for line in self.money_in)

    @property
    def total_spent(self) -> int:
        return sum(line.pence for line in self.spend)

    @property
    def total_fees(self) -> int:
        return sum(line.pence for line in self.fees)

    @property
    def total_returned(self) -> int:
        return sum(line.pence for line in self.returns)

    @property
    def total_out(self) -> int:
        return self.total_spent + self.total_fees + self.total_returned

    @property
    def closing(self) -> int:
        return self.opening + self.total_in - self.total_out

    @property
    def available(self) -> int:
        return self.closing - self.reserved - self.contingency

    @property
    def above_limit(self) -> int:
        return max(0, self.closing - self.surplus_limit) if self.surplus_limit is not None else 0

    @property
    def in_by_source(self) -> list[tuple[str, int]]:
        return _totals((line.source, line.pence) for line in self.money_in)

    @property
    def by_outcome(self) -> list[tuple[str, int]]:
        """Each outcome of the plan with what was spent on it; spend that names none, by category."""
        found = dict(_totals((line.outcome or f"{line.category}: {NO_OUTCOME}", line.pence) for line in self.spend))
        rows = [(text, found.pop(text, 0)) for text in self.outcomes]
        return rows + sorted(found.items(), key=lambda row: row[0].endswith(NO_OUTCOME))

    @property
    def by_category(self) -> dict[str, int]:
        totals = dict.fromkeys(CATEGORIES, 0)
        for line in (*self.spend, *self.fees, *self.returns):
            totals[line.category] = totals.get(line.category, 0) + line.pence
        return totals

    @property
    def title(self) -> str:
        dates = f"{long_date(self.first)} to {long_date(self.last)}"
        return f"period {self.period_number}, {dates}" if self.period_number else dates


def _totals(pairs) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for label, pence in pairs:
        totals[label] = totals.get(label, 0) + pence
    return list(totals.items())


# ---------------------------------------------------------------------------------------------------------------
# The statement from plain data


def _care_text(what: str, units: int, unit: str, price: int | None, pence: int) -> str:
    plural = f"{units} {unit}{'' if units == 1 else 's'}"
    if price is None:                   # the fund paid different amounts for the units
        return f"{what}: {plural}, {format_gbp(pence)} in all"
    if units == 1 and unit != Unit.night:
        return f"{what}: {format_gbp(price)}"
    return f"{what}: {plural} × {format_gbp(price)}"


def _care_lines(care: list[Movement]) -> list[Line]:
    """The nights (or sessions, hours, days) of one booking at one price as one line, dated by the first."""
    groups: dict[tuple, list[Movement]] = defaultdict(list)
    for m in care:
        price = m.pence // m.units if m.units and m.pence % m.units == 0 else None
        groups[(m.stay or id(m), m.what, m.unit, price, m.outcome, m.category)].append(m)
    lines = []
    for (_, what, unit, price, outcome, category), found in groups.items():
        units, pence = sum(m.units for m in found), sum(m.pence for m in found)
        lines.append(Line(min(m.day for m in found), _care_text(what, units, unit, price, pence), pence, outcome,
                          category))
    return lines


def build(movements: list[Movement], first: date, last: date, **about) -> Statement:
    """The statement of `movements` from `first` to `last`; `about` fills the rest (names, reserved, limit)."""
    opening = sum(m.signed for m in movements if m.day < first)
    within = sorted((m for m in movements if first <= m.day <= last), key=lambda m: (m.day, m.kind, m.what))
    kinds = defaultdict(list)
    for m in within:
        kinds[m.kind].append(m)
    spend = _care_lines(kinds[CARE]) + [Line(m.day, m.what, m.pence, m.outcome, m.category) for m in kinds[SUPPLIER]]
    return Statement(
        first, last, opening,
        money_in=tuple(Line(m.day, m.what, m.pence, source=m.source) for m in kinds[IN]),
        spend=tuple(sorted(spend, key=lambda line: (line.day, line.what))),
        fees=tuple(Line(m.day, m.what, m.pence, category=m.category) for m in kinds[FEE]),
        returns=tuple(Line(m.day, m.what, m.pence, category=m.category) for m in kinds[RETURN]),
        **about)


# ---------------------------------------------------------------------------------------------------------------
# From the database


def short_name(name: str) -> str:
    """'Willow Children's Hospice' to 'Willow'."""
    for suffix in (" Children's Hospice", " Children’s Hospice", " Hospice"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class About:
    """What a statement says about the ISF: read once per ISF."""

    agreement: IsfAgreement
    arrangement: Arrangement
    child: Child
    funder: Funder | None
    hospice: str
    hospice_address: str = ""
    outcomes: dict[uuid.UUID, str] = field(default_factory=dict)
    service_outcomes: dict[uuid.UUID, str] = field(default_factory=dict)   # the outcome each own service serves

    @property
    def hospice_short(self) -> str:
        return short_name(self.hospice)

    @property
    def funder_name(self) -> str:
        return self.funder.name if self.funder else "the commissioner"

    def source_label(self, source: str) -> str:
        if source == "family_contribution":
            return "Your family's own contribution"
        if source == self.arrangement.source or source not in SOURCES:
            return f"{self.funder_name} ({SOURCES.get(self.arrangement.source, self.arrangement.source)})"
        return f"{self.funder_name} ({SOURCES[source]})"


def about(db: Session, agreement: IsfAgreement) -> About:
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    settings = db.get(ProviderSettings, 1)
    found = db.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id).order_by(IsfOutcome.text)).all()
    return About(agreement, arrangement, db.get(Child, arrangement.child_id),
                 db.get(Funder, arrangement.funder_id) if arrangement.funder_id else None,
                 settings.name if settings else "the hospice", settings.address if settings else "",
                 {o.id: o.text for o in found}, {o.service_id: o.text for o in found if o.service_id})


def _by_id(db: Session, columns, ids) -> dict:
    """Rows of one table by id: one plain lookup each, so that no plan can go wrong on a test's unanalysed rows."""
    ids = list(set(ids))
    return {row[0]: row for row in db.exec(select(*columns).where(columns[0].in_(ids)))} if ids else {}


def _care(db: Session, facts: About) -> list[Movement]:
    parts = db.exec(select(ChargePart.charge_id, ChargePart.pence, ChargePart.units)
                    .where(ChargePart.payer_ref == service.ledger_code(facts.agreement), ChargePart.pence > 0)).all()
    charges = {c[0]: c for c in db.exec(select(Charge.id, Charge.day, Charge.quantity, Charge.service_id,
                                                Charge.unit_id)
                                         .where(Charge.id.in_({p[0] for p in parts}),
                                                Charge.state == ChargeState.current))} if parts else {}
    units = _by_id(db, (BookingUnit.id, BookingUnit.booking_id), (c[4] for c in charges.values()))
    bookings = _by_id(db, (Booking.id, Booking.participant_id, Booking.confirmed_at),
                      (u[1] for u in units.values()))
    members = _by_id(db, (FamilyMember.id, FamilyMember.name), (b[1] for b in bookings.values() if b[1]))
    services = {s.id: s for s in db.exec(select(Service))}
    found = []
    for charge_id, pence, units_paid in parts:
        if charge_id not in charges:
            continue
        _, day, quantity, service_id, unit_id = charges[charge_id]
        _, participant_id, confirmed_at = bookings[units[unit_id][1]]
        what_service = services[service_id]
        participant = members[participant_id][1] if participant_id else None
        if what_service.bed_based and what_service.unit == Unit.night:
            what = f"{what_service.name.removesuffix(' night').replace('-', ' ')} at {facts.hospice_short}"
            category = SHORT_BREAKS
        elif participant:
            what, category = f"{what_service.name} for {participant.split()[0]}", SIBLING_SUPPORT
        else:
            what, category = what_service.name, OTHER_CARE
        found.append(Movement(day, CARE, pence, what, outcome=facts.service_outcomes.get(service_id, ""),
                              category=category, stay=str(units[unit_id][1]),
                              units=units_paid or quantity, unit=str(what_service.unit),
                              booked_on=confirmed_at.date() if confirmed_at else None))
    return found


def movements(db: Session, facts: About) -> list[Movement]:
    """Every movement of the ISF's money: receipts, the hospice's care, suppliers' payments, fees and returns."""
    agreement = facts.agreement
    found = [Movement(r.received_on, IN, r.pence,
                      f"From {facts.source_label(r.source)}" + (f", for period {r.instalment_number}"
                                                                if r.instalment_number else ""),
                      source=facts.source_label(r.source))
             for r in db.exec(select(IsfReceipt).where(IsfReceipt.agreement_id == agreement.id))]
    lent = db.exec(select(Advance, CharitableFund.name).join(CharitableFund, CharitableFund.id == Advance.fund_id)
                   .where(Advance.agreement_id == agreement.id))
    found += [Movement(a.advanced_on, IN, a.pence, f"Lent by {facts.hospice_short}'s {fund}: {a.reason}",
                       source=f"Lent by {facts.hospice_short}'s {fund}") for a, fund in lent]
    found += _care(db, facts)
    spends = db.exec(select(IsfSpend, Supplier.name).outerjoin(Supplier, Supplier.id == IsfSpend.supplier_id)
                     .where(IsfSpend.agreement_id == agreement.id, IsfSpend.status == SpendStatus.approved))
    for spend, supplier in spends:
        outcome = facts.outcomes.get(spend.outcome_id, "") if spend.outcome_id else ""
        if spend.kind == "fee":
            what = f"{facts.hospice_short}'s fee for looking after the money" + (
                f", period {spend.period_number}" if spend.period_number else "")
            found.append(Movement(spend.spent_on, FEE, spend.pence, what, category=FEES))
        elif spend.kind == "return":
            found.append(Movement(spend.spent_on, RETURN, spend.pence,
                                  f"Money returned to {facts.funder_name}: {spend.description}", category=RETURNED))
        elif spend.kind == "recovery":
            found.append(Movement(spend.spent_on, RETURN, spend.pence,
                                  f"Paid back to {facts.hospice_short}'s charity fund what it lent", category=RETURNED))
        else:
            what = f"{spend.description} (paid to {supplier})" if supplier else spend.description
            found.append(Movement(spend.spent_on, SUPPLIER, spend.pence, what, outcome=outcome,
                                  category=OTHER_SUPPLIERS))
    return found


def reserved_at(db: Session, facts: About, found: list[Movement], day: date, today: date) -> int:
    """What care booked by `day` for later takes from the ISF: what it drew when given since, and what the who-pays
    engine reserves for what is still booked. (Care booked then and cancelled since is not counted: what it would
    have taken is no longer known.)"""
    as_at = min(day, today)
    given_since = sum(m.pence for m in found if m.kind == CARE and m.day > as_at and m.booked_on is not None
                      and m.booked_on <= as_at)
    return given_since + _still_booked(db, facts, as_at)


def _still_booked(db: Session, facts: About, as_at: date) -> int:
    from provider.funding import inputs
    from provider.funding.engine import allocate
    from provider.funding.units import reservations

    child_id = facts.child.id
    periods = service.periods_of(facts.agreement)
    first, last = periods[0].starts_on, periods[-1].ends_on
    booked = reservations(db, child_id, first, last)
    if not booked:
        return 0
    confirmed = {str(unit_id): at for unit_id, at in db.exec(
        select(BookingUnit.id, Booking.confirmed_at).join(Booking, Booking.id == BookingUnit.booking_id)
        .where(Booking.child_id == child_id, Booking.status == BookingStatus.confirmed,
               BookingUnit.status == UnitStatus.booked))}
    booked = [u for u in booked if confirmed.get(u.ref) is not None and confirmed[u.ref].date() <= as_at]
    if not booked:
        return 0
    fundings = [f for f in inputs.fundings(db, {child_id}) if f.children is None or str(child_id) in f.children]
    window = timedelta(days=400)
    prior = inputs.stored_parts(db, first - window, last + window, {child_id})
    outcomes = allocate(booked, fundings, inputs.services(db), inputs.priority(db), prior)
    code = service.ledger_code(facts.agreement)
    return sum(p.pence for o in outcomes for p in o.parts if p.payer_ref == code)


def statement(db: Session, agreement: IsfAgreement, first: date, last: date, today: date,
              period_number: int | None = None) -> Statement:
    """The family's statement of one ISF from `first` to `last`, reserved and available as at `last` (or today,
    when `last` is still to come)."""
    facts = about(db, agreement)
    arrangement = facts.arrangement
    limit = schedule.surplus_limit(arrangement.yearly_pence or 0, agreement.surplus_weeks, agreement.surplus_pence)
    found = movements(db, facts)
    return build(found, first, last, reserved=reserved_at(db, facts, found, last, today), period_number=period_number,
                 child=facts.child.display_name, child_first=facts.child.preferred_name or facts.child.first_name,
                 hospice=facts.hospice, hospice_short=facts.hospice_short,
                 hospice_address=facts.hospice_address, funder=facts.funder_name,
                 funder_is_council=bool(facts.funder and facts.funder.kind == FunderKind.local_authority),
                 contingency=agreement.contingency_pence, surplus_limit=limit,
                 outcomes=tuple(facts.outcomes.values()), agreement_id=agreement.id,
                 child_reference=facts.child.council_reference or "")


def period(agreement: IsfAgreement, number: int) -> schedule.Period:
    found = next((p for p in service.periods_of(agreement) if p.number == number), None)
    if found is None:
        raise NotFound(f"This ISF has no period {number}")
    return found


def period_statement(db: Session, agreement: IsfAgreement, number: int, today: date) -> Statement:
    p = period(agreement, number)
    return statement(db, agreement, p.starts_on, p.ends_on, today, period_number=p.number)


def ending_in(db: Session, first: date, last: date) -> list[tuple[IsfAgreement, schedule.Period]]:
    """Each ISF's period that ends between `first` and `last`, by child."""
    rows = []
    for agreement, child in db.exec(select(IsfAgreement, Child)
                                    .join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                                    .join(Child, Child.id == Arrangement.child_id)
                                    .order_by(Child.last_name, Child.first_name, IsfAgreement.id)):
        rows += [(agreement, p) for p in service.periods_of(agreement) if first <= p.ends_on <= last]
    return rows


# ---------------------------------------------------------------------------------------------------------------
# The PDF


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"statements load nothing from outside: {url}")


pdf_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                                   undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
pdf_templates.filters.update(gbp=format_gbp, uk_date=long_date)


def html_to_pdf(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR), url_fetcher=_no_fetching).write_pdf()


def render_html(found: Statement) -> str:
    return pdf_templates.get_template("isf/statement_pdf.html").render(s=found)


def render_pdf(found: Statement) -> bytes:
    """The statement as an A4 PDF with page numbers."""
    return html_to_pdf(render_html(found))


def filename(found: Statement) -> str:
    name = slug(found.child)
    part = f"period-{found.period_number}" if found.period_number else f"{found.first:%Y-%m-%d}-to"
    return f"isf-statement-{name}-{part}-{found.last:%Y-%m-%d}.pdf"


def render_minimal_pdf() -> bytes:
    """A one-line A4 page through the same path: the baseline for timing statements."""
    return html_to_pdf('<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Lantern</title>'
                       "<style>@page { size: A4; }</style></head><body><p>Lantern</p></body></html>")
