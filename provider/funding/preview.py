"""Who will pay for a booking, before it is confirmed: per night or session, each payer, and what is left."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from provider.dates import short_date
from provider.funding import inputs
from provider.funding.engine import Outcome, Part, UnitOfCare, allocate
from provider.funding.units import reservations

WINDOW = timedelta(days=400)


@dataclass(frozen=True)
class PreviewLine:
    day: date
    band: str
    quantity: int
    parts: tuple[Part, ...]
    passed_over: tuple[str, ...]
    charity_pence: int
    memorandum_pence: int

    @property
    def charged_pence(self) -> int:
        return sum(p.pence for p in self.parts) - self.charity_pence


@dataclass(frozen=True)
class Preview:
    lines: list[PreviewLine]
    hard_limits: list[str]
    notices: list[str] = field(default_factory=list)

    @property
    def totals_by_payer(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for line in self.lines:
            for part in line.parts:
                totals[part.payer_name] = totals.get(part.payer_name, 0) + part.pence
        return totals


def _line(outcome: Outcome) -> PreviewLine:
    u = outcome.unit
    return PreviewLine(u.day, u.band, u.quantity, outcome.parts, outcome.passed_over, outcome.charity_pence,
                       outcome.memorandum_pence)


def who_pays(db: Session, *, child_id: uuid.UUID, service_id: uuid.UUID, units: list[tuple[date, str, int]],
             exclude_booking_id: uuid.UUID | None = None) -> Preview:
    """Run the engine over what is stored, this child's confirmed bookings and the proposed units, in date order."""
    if not units:
        return Preview([], [])
    first, last = min(d for d, _, _ in units), max(d for d, _, _ in units)
    proposed = [UnitOfCare(f"proposed:{i}", str(child_id), str(service_id), day, band, quantity, ("~",))
                for i, (day, band, quantity) in enumerate(units)]
    reserved = reservations(db, child_id, first - WINDOW, last + WINDOW, exclude_booking_id)
    prior = inputs.stored_parts(db, first - WINDOW, last + WINDOW, {child_id})
    outcomes = allocate(proposed + reserved, inputs.fundings(db, {child_id}), inputs.services(db),
                        inputs.priority(db), prior)
    mine = [o for o in outcomes if o.unit.ref.startswith("proposed:")]
    hard = []
    for o in mine:
        for problem in o.hard_limits:
            text = f"{short_date(o.unit.day)}: {problem}"
            if text not in hard:
                hard.append(text)
    notices = list(dict.fromkeys(notice for o in mine for notice in o.notices))
    return Preview([_line(o) for o in mine], hard, notices)
