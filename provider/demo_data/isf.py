"""The ISFs Willow holds in 2026/27. Amira's (DOMAIN.md §10 scenario 1): £3,120 a year for 13 four-week periods
from 1 April 2026, paid by Northshire at the start of each period (13 × £240), £15 management fee each period, a
surplus limit of 8 weeks of funding (£480), owed back to Northshire; her nights and Sam's sessions are drawn down
as delivered. Two Eastvale children hold smaller ISFs for day care and outings, with taxis and tickets paid to
other suppliers, each with its receipt as evidence and an approval."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from isf import service
from isf.models import IsfAgreement, IsfOutcome, IsfSource, Supplier
from provider.catalogue.models import Service
from provider.demo_data.funders import DemoFunders
from provider.funders.models import FunderDepartment
from provider.funding.models import (
    Arrangement, ArrangementKind, ArrangementService, BudgetLaw, BudgetSource, ManagementOption,
)
from provider.people.models import Child, ChildStatus
from provider.users.models import User

YEAR_START, YEAR_END = date(2026, 4, 1), date(2027, 3, 30)
# A receipt as a supplier gives it: a one-page PDF, enough for the evidence file to be a real PDF.
RECEIPT = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
OUTINGS = [("Eastvale Taxis", "Taxi to the sensory garden and back", 2_800, date(2026, 6, 13)),
           ("Riverside Leisure Trust", "Swimming session tickets for the family", 1_650, date(2026, 8, 22)),
           ("Eastvale Taxis", "Taxi to the music group", 2_400, date(2026, 11, 7))]


def other_arrangements(session: Session, services: dict[str, Service], f: DemoFunders,
                       scenario: set) -> list[Arrangement]:
    """Two Eastvale children's social-care ISFs for day care, made before the year's care is charged."""
    children = session.exec(select(Child).where(Child.home_authority_id == f.eastvale.id,
                                                Child.status == ChildStatus.active)
                            .order_by(Child.last_name, Child.first_name)).all()
    department = session.exec(select(FunderDepartment).where(FunderDepartment.funder_id == f.eastvale.id,
                                                              FunderDepartment.name.startswith("Children's"))).one()
    made = []
    for child in [c for c in children if c.id not in scenario][:2]:
        arrangement = Arrangement(
            child_id=child.id, kind=ArrangementKind.personal_budget, name=f"{child.first_name}'s ISF (Eastvale)",
            starts_on=YEAR_START, ends_on=YEAR_END, funder_id=f.eastvale.id, department_id=department.id,
            source=BudgetSource.social_care, law=BudgetLaw.children_act, management=ManagementOption.isf,
            yearly_pence=260_000, fees_pence_per_year=13 * 1_500, agreed=True,
            family_agreed_by="Parent", family_agreed_on=date(2026, 3, 20))
        session.add(arrangement)
        session.flush()
        session.add(ArrangementService(arrangement_id=arrangement.id, service_id=services["DAY_CARE"].id,
                                       family_agreed=True))
        made.append(arrangement)
    return made


def build(session: Session, coordinator: User, finance: User, admin: User, today: date) -> None:
    for arrangement in session.exec(select(Arrangement).where(Arrangement.management == ManagementOption.isf)
                                    .order_by(Arrangement.name)):
        amira = arrangement.name.startswith("Amira")
        agreement = service.make_agreement(session, service.AgreementIn(
            arrangement_id=arrangement.id, frequency="four_weekly", first_instalment_on=YEAR_START,
            instalment_count=13, instalment_pence=arrangement.yearly_pence // 13, fee_kind="fixed", fee_pence=1_500,
            surplus_weeks=8, owed_to="commissioner", key_worker_id=coordinator.id, next_review_on=date(2027, 9, 30)))
        session.add(IsfSource(agreement_id=agreement.id, source="social_care", law="children_act",
                              yearly_pence=arrangement.yearly_pence,
                              permitted=("Short breaks, activity breaks, and up to 6 sibling support sessions a year"
                                         if amira else "Day care, and outings with the family")))
        outcomes = _outcomes(session, agreement, amira)
        for period in service.periods_of(agreement):
            if period.starts_on > today:
                break
            service.record_receipt(session, agreement, period.pence, period.starts_on, "social_care",
                                   f"ISF {arrangement.name.split(chr(39))[0].upper()} P{period.number}", period.number,
                                   finance.id)
            service.post_fee(session, agreement, period, finance.id)
        if not amira:
            _outings(session, agreement, outcomes[-1], coordinator, admin)


def _outcomes(session: Session, agreement: IsfAgreement, amira: bool) -> list[IsfOutcome]:
    texts = (["Amira has regular short breaks away from home, and her family has a rest",
              "Sam has time of his own with other young carers"] if amira else
             ["Has a day each month with friends outside the home", "The family does things together"])
    found = [IsfOutcome(agreement_id=agreement.id, source="social_care", review_on=date(2026, 9, 30), text=t)
             for t in texts]
    session.add_all(found)
    session.flush()
    return found


def _outings(session: Session, agreement: IsfAgreement, outcome: IsfOutcome, asker: User, approver: User) -> None:
    for name, description, pence, day in OUTINGS:
        supplier = session.exec(select(Supplier).where(Supplier.name == name)).first()
        if supplier is None:
            supplier = Supplier(name=name)
            session.add(supplier)
            session.flush()
        evidence = service.store_evidence(session, f"{name.lower().replace(' ', '-')}-{day:%Y%m%d}.pdf",
                                          "application/pdf", RECEIPT)
        spend = service.ask_spend(session, agreement, pence, day, description, outcome.id, supplier.id, evidence.id,
                                  asker)
        service.approve_spend(session, spend, approver, day, day)
