"""The ISFs Willow holds in 2026/27. Amira's (DOMAIN.md §10 scenario 1): £3,120 a year for 13 four-week periods
from 1 April 2026, paid by Northshire at the start of each period (13 × £240), £15 management fee each period, a
surplus limit of 8 weeks of funding (£480), owed back to Northshire; her nights and Sam's sessions are drawn down
as delivered. Two Eastvale children hold smaller ISFs for day care and outings, with taxis and tickets paid to
other suppliers, each with its receipt as evidence and an approval."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from provider.bank import importing
from provider.bank.models import BankLine
from isf import banking, service
from isf.models import IsfAgreement, IsfOutcome, IsfSource, IsfSpend, Supplier
from provider.csv_out import amount, csv_text
from provider.dates import short_date
from provider.funders.models import Funder
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.catalogue.models import Service
from lantern.demo_data.funders import DemoFunders
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
    """Each ISF's instalments arrive on the ISF client account's statement and are matched from it; the Eastvale
    children's outings are paid from it and cleared."""
    made = []
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
        made.append((agreement, arrangement, _outcomes(session, agreement, amira), amira))
    lines = _statement(session, finance, [
        (period.starts_on, period.pence, f"ISF {arrangement.name.split(chr(39))[0].upper()} P{period.number}",
         session.get(Funder, arrangement.funder_id).name.upper())
        for agreement, arrangement, _, _ in made for period in service.periods_of(agreement)
        if period.starts_on <= today] + [
        (day + timedelta(days=2), -pence, _paid(name, day, arrangement), name.upper())
        for agreement, arrangement, _, amira in made if not amira for name, _, pence, day in OUTINGS],
        "isf-client-2026-27.csv")
    for agreement, arrangement, outcomes, amira in made:
        for period in service.periods_of(agreement):
            if period.starts_on > today:
                break
            line = lines[(period.starts_on, period.pence,
                          f"ISF {arrangement.name.split(chr(39))[0].upper()} P{period.number}")]
            banking.accept(session, line.id, f"receipt:{agreement.id}:{period.number}", finance.id)
            service.post_fee(session, agreement, period, finance.id)
        if not amira:
            for spend in _outings(session, agreement, outcomes[-1], coordinator, admin):
                supplier = session.get(Supplier, spend.supplier_id)
                line = lines[(spend.spent_on + timedelta(days=2), -spend.pence,
                              _paid(supplier.name, spend.spent_on, arrangement))]
                banking.accept(session, line.id, f"spend:{spend.id}", finance.id)


def _paid(supplier: str, day: date, arrangement: Arrangement) -> str:
    return f"{supplier.split()[0].upper()} {day:%d%m} {arrangement.name.split(chr(39))[0].upper()}"


def _statement(session: Session, finance: User, rows: list[tuple[date, int, str, str]], filename: str) -> dict:
    """Import the ISF client account's statement of these lines; its lines by date, amount and reference."""
    lines = [[short_date(day), amount(pence), reference, party] for day, pence, reference, party in sorted(rows)]
    text = csv_text(["Date", "Amount (GBP)", "Reference", "Counter Party"], lines)
    record = importing.import_file(session, banking.client_account(session), filename, text.encode(), finance.id)
    return {(x.booked_on, x.amount_pence, x.reference): x
            for x in session.exec(select(BankLine).where(BankLine.import_id == record.id))}


def move_own_money(session: Session, finance: User, today: date) -> None:
    """On the 5th of each month, the hospice moves the month before's draw-downs and fees out of the ISF client
    account into its operating account."""
    months: dict[date, int] = defaultdict(int)
    for day, pence in session.exec(
            select(LedgerEntry.service_date, LedgerLine.debit_pence - LedgerLine.credit_pence)
            .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
            .where(LedgerAccount.code.startswith(accounts.ISF_HELD),
                   LedgerEntry.kind.in_(("care_delivered", "care_reversed")))):
        months[day.replace(day=1)] += pence
    for spend in session.exec(select(IsfSpend).where(IsfSpend.kind.in_(("fee", "recovery")))):
        months[spend.spent_on.replace(day=1)] += spend.pence
    moves = [(month + relativedelta(months=1, day=5), -pence, f"TRF OWN {month:%b%y}".upper(), "WILLOW OPERATING")
             for month, pence in sorted(months.items()) if pence > 0 and month + relativedelta(months=1,
                                                                                               day=5) <= today]
    if not moves:
        return
    lines = _statement(session, finance, moves, "isf-client-transfers-2026-27.csv")
    for line in sorted(lines.values(), key=lambda x: x.booked_on):
        banking.accept(session, line.id, "transfer", finance.id)


def _outcomes(session: Session, agreement: IsfAgreement, amira: bool) -> list[IsfOutcome]:
    """The plan's outcomes; Willow's own nights, sessions and days name the outcome they serve."""
    served = (["Amira has regular short breaks away from home, and her family has a rest", "SHORT_BREAK_NIGHT"],
              ["Sam has time of his own with other young carers", "SIBLING_SUPPORT"]) if amira else \
        (["Has a day each month with friends outside the home", "DAY_CARE"], ["The family does things together", None])
    codes = {s.code: s.id for s in session.exec(select(Service))}
    found = [IsfOutcome(agreement_id=agreement.id, source="social_care", review_on=date(2026, 9, 30), text=text,
                        service_id=codes[code] if code else None) for text, code in served]
    session.add_all(found)
    session.flush()
    return found


def _outings(session: Session, agreement: IsfAgreement, outcome: IsfOutcome, asker: User,
             approver: User) -> list[IsfSpend]:
    made = []
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
        made.append(service.approve_spend(session, spend, approver, day, day))
    return made
