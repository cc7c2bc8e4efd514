"""Willow's funding arrangements for 2026/27 (DOMAIN.md §10), and booking rules for its services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from provider.bookings.models import BookingRules
from provider.catalogue.models import Service
from lantern.demo_data.funders import DemoFunders
from provider.funders.models import FunderDepartment
from provider.funding.models import (
    Arrangement, ArrangementKind, ArrangementRate, ArrangementService, BlockContract, BlockContractService,
    BudgetLaw, BudgetSource, InstalmentFrequency, ManagementOption, Overage,
)
from provider.people.models import Child, FamilyMember, Nominee

YEAR_START, YEAR_END = date(2026, 4, 1), date(2027, 3, 31)


@dataclass
class DemoFunding:
    northshire_block: BlockContract
    amira_isf: Arrangement
    leila_direct_payment: Arrangement
    ben_spot: Arrangement
    chloe_nominee: Arrangement
    dev_managed: Arrangement


def _department(session: Session, funder_id, name_start: str) -> FunderDepartment:
    return session.exec(select(FunderDepartment).where(FunderDepartment.funder_id == funder_id,
                                                       FunderDepartment.name.startswith(name_start))).one()


def _member(session: Session, name: str) -> FamilyMember:
    return session.exec(select(FamilyMember).where(FamilyMember.name == name)).one()


def _services(arrangement: Arrangement, services: dict[str, Service], codes: dict[str, int | None],
              agreed: bool) -> list[ArrangementService]:
    return [ArrangementService(arrangement_id=arrangement.id, service_id=services[code].id, cap_units=cap,
                               family_agreed=agreed) for code, cap in codes.items()]


def build(session: Session, services: dict[str, Service], f: DemoFunders, children: dict[str, Child]) -> DemoFunding:
    ns_care = _department(session, f.northshire.id, "Children's Social Care")
    ev_care = _department(session, f.eastvale.id, "Children's Social Care")
    block = BlockContract(
        reference="NCC-SB-2627", funder_id=f.northshire.id, department_id=ns_care.id, starts_on=YEAR_START,
        ends_on=YEAR_END, volume_units=240, value_pence=15_000_000, instalments=InstalmentFrequency.quarterly,
        in_advance=True, covers_area_id=f.northshire.id, overage=Overage.charity, allowance_units=14,
        notes="240 short-break nights for Northshire children in 2026/27; 14 nights a year for each child.")
    amira, ben, chloe, dev = (children[name] for name in ("Amira", "Ben", "Chloe", "Dev"))
    leila = _member(session, "Leila Haddad")
    isf = Arrangement(
        child_id=amira.id, kind=ArrangementKind.personal_budget, name="Amira's ISF (Northshire social care)",
        starts_on=YEAR_START, ends_on=date(2027, 3, 30), funder_id=f.northshire.id, department_id=ns_care.id,
        source=BudgetSource.social_care, law=BudgetLaw.children_act, management=ManagementOption.isf,
        yearly_pence=312_000, fees_pence_per_year=13 * 1_500, agreed=True,
        family_agreed_by="Leila Haddad (mother)", family_agreed_on=date(2026, 3, 18),
        notes="13 four-week periods of £240 from 1 April 2026; surplus limit 8 weeks (£480).")
    direct_payment = Arrangement(
        child_id=amira.id, kind=ArrangementKind.personal_budget, name="Leila's direct payment (Riverside PHB)",
        starts_on=YEAR_START, ends_on=YEAR_END, funder_id=f.riverside.id, source=BudgetSource.health,
        law=BudgetLaw.nhs_direct_payments, management=ManagementOption.direct_payment, holder_id=leila.id,
        yearly_pence=200_000, agreed=True, family_agreed_by="Leila Haddad (mother)",
        family_agreed_on=date(2026, 3, 18))
    spot = Arrangement(
        child_id=ben.id, kind=ArrangementKind.spot, name="Ben's continuing-care package (Riverside ICB)",
        starts_on=YEAR_START, ends_on=YEAR_END, funder_id=f.riverside.id, cap_units=20, po_number="RIV-PO-55012",
        po_value_pence=1_440_000, po_starts_on=YEAR_START, po_ends_on=YEAR_END)
    brightway = session.exec(select(Nominee).where(Nominee.name == "Brightway Direct Payment Support")).one()
    nominee = Arrangement(
        child_id=chloe.id, kind=ArrangementKind.personal_budget, name="Chloe's PHB (nominee: Brightway)",
        starts_on=YEAR_START, ends_on=YEAR_END, funder_id=f.riverside.id, source=BudgetSource.health,
        law=BudgetLaw.nhs_direct_payments, management=ManagementOption.nominee, nominee_id=brightway.id,
        yearly_pence=180_000, agreed=True, family_agreed_by="Mark Wilson (father)",
        family_agreed_on=date(2026, 3, 2))
    managed = Arrangement(
        child_id=dev.id, kind=ArrangementKind.personal_budget, name="Dev's personal budget (managed by Eastvale)",
        starts_on=YEAR_START, ends_on=YEAR_END, funder_id=f.eastvale.id, department_id=ev_care.id,
        source=BudgetSource.social_care, law=BudgetLaw.children_act,
        management=ManagementOption.commissioner_managed, yearly_pence=400_000, agreed=True,
        po_number="EV-PO-7781", po_value_pence=400_000, po_starts_on=YEAR_START, po_ends_on=YEAR_END)
    session.add_all([block, isf, direct_payment, spot, nominee, managed])
    session.flush()
    session.add(BlockContractService(contract_id=block.id, service_id=services["SHORT_BREAK_NIGHT"].id))
    session.add_all(_services(isf, services, {"SHORT_BREAK_NIGHT": None, "ACTIVITY_BREAK_DAY": None,
                                              "SIBLING_SUPPORT": 6}, agreed=True))
    session.add_all(_services(direct_payment, services, {"HYDROTHERAPY": None}, agreed=True))
    session.add_all(_services(spot, services, {"SHORT_BREAK_NIGHT": None}, agreed=False))
    session.add(ArrangementRate(arrangement_id=spot.id, service_id=services["SHORT_BREAK_NIGHT"].id,
                                starts_on=YEAR_START, price_pence=72_000))
    session.add_all(_services(nominee, services, {"HYDROTHERAPY": None}, agreed=True))
    session.add_all(_services(managed, services, {"SHORT_BREAK_NIGHT": None, "DAY_CARE": None}, agreed=False))
    _booking_rules(session, services)
    return DemoFunding(block, isf, direct_payment, spot, nominee, managed)


def _booking_rules(session: Session, services: dict[str, Service]) -> None:
    session.add_all([
        BookingRules(service_id=services["SHORT_BREAK_NIGHT"].id, units_per_year=20, future_stays_at_once=2,
                     min_stay_nights=1, max_stay_nights=7, nights_in_a_row=17, council_days_warning=75),
        BookingRules(service_id=services["SIBLING_SUPPORT"].id, for_siblings=True, nights_in_a_row=None,
                     council_days_warning=None),
        BookingRules(service_id=services["BEREAVEMENT_SUPPORT"].id, for_siblings=True, nights_in_a_row=None,
                     council_days_warning=None),
    ])
