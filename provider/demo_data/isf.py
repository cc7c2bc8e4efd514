"""Amira's ISF (DOMAIN.md §10 scenario 1): £3,120 a year held by Willow for 13 four-week periods from 1 April 2026,
paid by Northshire at the start of each period (13 × £240), £15 management fee each period, a surplus limit of
8 weeks of funding (£480), owed back to Northshire. Her nights and Sam's sessions are drawn down as delivered."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from isf import service
from isf.models import IsfOutcome, IsfSource
from provider.funding.models import Arrangement, ManagementOption
from provider.users.models import User


def build(session: Session, coordinator: User, finance: User, today: date) -> None:
    arrangement = session.exec(select(Arrangement).where(Arrangement.management == ManagementOption.isf,
                                                         Arrangement.name.startswith("Amira"))).one()
    agreement = service.make_agreement(session, service.AgreementIn(
        arrangement_id=arrangement.id, frequency="four_weekly", first_instalment_on=date(2026, 4, 1),
        instalment_count=13, instalment_pence=24_000, fee_kind="fixed", fee_pence=1_500, surplus_weeks=8,
        owed_to="commissioner", key_worker_id=coordinator.id, next_review_on=date(2026, 9, 30)))
    session.add(IsfSource(agreement_id=agreement.id, source="social_care", law="children_act", yearly_pence=312_000,
                          permitted="Short breaks, activity breaks, and up to 6 sibling support sessions a year"))
    session.add_all([
        IsfOutcome(agreement_id=agreement.id, source="social_care", review_on=date(2026, 9, 30),
                   text="Amira has regular short breaks away from home, and her family has a rest"),
        IsfOutcome(agreement_id=agreement.id, source="social_care", review_on=date(2026, 9, 30),
                   text="Sam has time of his own with other young carers"),
    ])
    for period in service.periods_of(agreement):
        if period.starts_on > today:
            break
        service.record_receipt(session, agreement, period.pence, period.starts_on, "social_care",
                               f"NORTHSHIRE ISF HADDAD P{period.number}", period.number, finance.id)
        service.post_fee(session, agreement, period, finance.id)
