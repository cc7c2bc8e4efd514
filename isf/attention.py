"""What needs a person's attention on each ISF: money above the surplus limit, money unlikely to be used, and
instalments missed, late or short. Plain functions over the position and the schedule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from isf import reviews, schedule, service
from isf.models import IsfAgreement, IsfReceipt, IsfSource
from provider.dates import short_date
from provider.funding.models import Arrangement
from provider.money import format_gbp

GRACE = timedelta(days=7)          # an instalment is missed a week after its period starts


@dataclass(frozen=True)
class Instalment:
    period: schedule.Period
    received: int
    last_received_on: date | None

    def state(self, today: date) -> str:
        if self.received >= self.period.pence:
            late = self.last_received_on and self.last_received_on > self.period.starts_on + GRACE
            return "late" if late else "received"
        if self.received:
            return "short"
        return "missed" if today > self.period.starts_on + GRACE else ("due" if today >= self.period.starts_on
                                                                      else "to come")


def instalments(db: Session, agreement: IsfAgreement) -> list[Instalment]:
    receipts = db.exec(select(IsfReceipt).where(IsfReceipt.agreement_id == agreement.id)).all()
    rows = []
    for period in service.periods_of(agreement):
        mine = [r for r in receipts if r.instalment_number == period.number]
        rows.append(Instalment(period, sum(r.pence for r in mine), max((r.received_on for r in mine), default=None)))
    return rows


def alerts(db: Session, agreement: IsfAgreement, today: date) -> list[str]:
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    position = service.position(db, agreement, today)
    found = []
    limit = schedule.surplus_limit(arrangement.yearly_pence or 0, agreement.surplus_weeks, agreement.surplus_pence)
    from isf.returns import above_limit

    if limit is not None and (above := above_limit(db, agreement)) > 0:
        found.append(f"{format_gbp(above)} above the surplus limit of {format_gbp(limit)}")
    periods = service.periods_of(agreement)
    elapsed = [p for p in periods if p.starts_on <= today]
    if periods and len(elapsed) * 12 >= len(periods) * 9 and len(elapsed) < len(periods):   # nine months in
        budget = sum(p.pence for p in periods)
        used = position.drawn + position.spent
        if used * 100 < budget * 60:
            found.append(f"only {used * 100 // budget}% of the year's {format_gbp(budget)} used by month nine")
    for item in instalments(db, agreement):
        state = item.state(today)
        if state in ("missed", "short"):
            found.append(f"instalment {item.period.number} (due {short_date(item.period.starts_on)}) {state}")
    laws = list(db.exec(select(IsfSource.law).where(IsfSource.agreement_id == agreement.id)))
    due = agreement.next_review_on or reviews.next_review(agreement.first_instalment_on, laws, today)
    if (note := reviews.reminder(due, today)) is not None:
        found.append(note)
    return found


def needing_attention(db: Session, today: date) -> list[tuple[IsfAgreement, list[str]]]:
    return [(a, found) for a in db.exec(select(IsfAgreement).where(IsfAgreement.closed_on.is_(None)))
            if (found := alerts(db, a, today))]
