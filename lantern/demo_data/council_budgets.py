"""Three Northshire children's SEN personal budgets, managed by the council's education department, each paying
for an activity-break day in February half-term: invoiced together on 1 March (one invoice, each child by the
council's own client reference) and paid by one council remittance covering all three."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from provider.catalogue.models import Service
from lantern.demo_data.funders import DemoFunders
from provider.funders.models import FunderDepartment
from provider.funding.models import (
    Arrangement, ArrangementKind, ArrangementService, BudgetLaw, BudgetSource, ManagementOption,
)
from provider.people.models import Child, ChildStatus

ACTIVITY_DAY = date(2027, 2, 17)
PO_NUMBER = "NCC-SEN-2627-014"


def arrangements(session: Session, services: dict[str, Service], f: DemoFunders, scenario: set) -> list[Child]:
    education = session.exec(select(FunderDepartment).where(FunderDepartment.funder_id == f.northshire.id,
                                                            FunderDepartment.name.startswith("Education"))).one()
    children = session.exec(select(Child).where(Child.home_authority_id == f.northshire.id,
                                                Child.status == ChildStatus.active,
                                                Child.council_reference.is_not(None))
                            .order_by(Child.council_reference)).all()
    chosen = [c for c in children if c.id not in scenario][:3]
    for child in chosen:
        budget = Arrangement(
            child_id=child.id, kind=ArrangementKind.personal_budget,
            name=f"{child.first_name}'s SEN personal budget (managed by Northshire)", starts_on=date(2026, 9, 1),
            ends_on=date(2027, 8, 31), funder_id=f.northshire.id, department_id=education.id,
            source=BudgetSource.education, law=BudgetLaw.sen_personal_budgets,
            management=ManagementOption.commissioner_managed, yearly_pence=90_000, agreed=True,
            po_number=PO_NUMBER, po_value_pence=270_000, po_starts_on=date(2026, 9, 1), po_ends_on=date(2027, 8, 31))
        session.add(budget)
        session.flush()
        session.add(ArrangementService(arrangement_id=budget.id, service_id=services["ACTIVITY_BREAK_DAY"].id))
    return chosen


def book(diary, children: list[Child]) -> None:
    for child in children:
        diary.session_on(child, "ACTIVITY_BREAK_DAY", ACTIVITY_DAY)
