"""An ISF's balance projected to the end of its schedule at the present rate (DOMAIN.md §5): the balance, plus the
instalments still to come, less spending (care drawn down, suppliers, fees) continued at the average of the periods
begun so far."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlmodel import Session, select

from isf import schedule, service
from isf.models import IsfAgreement, IsfReceipt
from provider.money import round_pence


@dataclass(frozen=True)
class Projection:
    ends_on: date | None      # the last period's last day
    balance: int
    to_come: int              # instalments of the schedule not yet received
    spent: int                # so far: care drawn down, suppliers' payments and fees
    periods_begun: int
    periods_left: int
    spend_to_come: int        # `spent` continued at its average per period over the periods left

    @property
    def at_end(self) -> int:
        return self.balance + self.to_come - self.spend_to_come


def project(periods: list[schedule.Period], received: dict[int, int], balance: int, spent: int,
            today: date) -> Projection:
    """`received` is what arrived for each instalment number; a period has begun on its first day."""
    begun = sum(1 for p in periods if p.starts_on <= today)
    left = len(periods) - begun
    to_come = sum(max(0, p.pence - received.get(p.number, 0)) for p in periods)
    spend_to_come = round_pence(Fraction(spent * left, begun)) if begun else 0
    return Projection(periods[-1].ends_on if periods else None, balance, to_come, spent, begun, left, spend_to_come)


def for_agreement(db: Session, agreement: IsfAgreement, today: date) -> Projection:
    received: dict[int, int] = {}
    for number, pence in db.exec(select(IsfReceipt.instalment_number, IsfReceipt.pence)
                                 .where(IsfReceipt.agreement_id == agreement.id,
                                        IsfReceipt.instalment_number.is_not(None))):
        received[number] = received.get(number, 0) + pence
    now = service.position(db, agreement, None)
    return project(service.periods_of(agreement), received, now.balance, now.drawn + now.spent + now.fees, today)
