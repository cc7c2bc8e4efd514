"""The Willow demo holds the people, prices and funders of DOMAIN.md §10, to the penny."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from invoicing.models import Invoice, InvoiceLine
from invoicing.runs import draft_run, month_bounds
from lantern import demo
from provider.audit.models import AuditEvent
from provider.catalogue.models import PricePeriod, Service, TimeBand
from provider.clock import today
from provider.funders.models import CharitableFund, CodeKind, Funder, FunderCode, FunderDepartment, FundService
from provider.organisation.models import BankAccount, Holiday, HolidayKind, ProviderSettings
from provider.people.access import children_of_family_user
from provider.people.models import Child, ChildRelationship, FamilyMember, Nomination, Nominee, Relationship
from provider.people.nhs import nhs_number_problem
from provider.users.models import Role, User
from tests.conftest import demo_once_per_module


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def one(db, model, **where):
    return db.exec(select(model).filter_by(**where)).one()


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def prices(db, code: str) -> dict[str, tuple[int, int]]:
    service = one(db, Service, code=code)
    periods = db.exec(select(PricePeriod).where(PricePeriod.service_id == service.id)).all()
    assert all(p.starts_on == date(2026, 4, 1) and p.ends_on is None for p in periods)
    return {p.time_band: (p.price_pence, p.full_cost_pence) for p in periods}


def relatives(db, child: Child) -> list[tuple[FamilyMember, ChildRelationship]]:
    query = (select(FamilyMember, ChildRelationship)
             .join(ChildRelationship, ChildRelationship.family_member_id == FamilyMember.id)
             .where(ChildRelationship.child_id == child.id))
    return list(db.exec(query))


def test_the_demo_clock_stands_at_10_april_2027(willow):
    assert today(willow) == date(2027, 4, 10)


def test_prices_from_1_april_2026_are_willows_to_the_penny(willow):
    assert prices(willow, "SHORT_BREAK_NIGHT") == {"all": (65000, 115000)}
    assert prices(willow, "SIBLING_SUPPORT") == {"all": (3500, 6000)}
    assert prices(willow, "ACTIVITY_BREAK_DAY") == {"all": (18000, 24000)}
    assert prices(willow, "HYDROTHERAPY") == {"all": (6000, 7500)}
    assert prices(willow, "END_OF_LIFE_NIGHT") == {"all": (0, 140000)}
    assert prices(willow, "CARE_AFTER_DEATH_NIGHT") == {"all": (0, 90000)}
    assert prices(willow, "ISF_MANAGEMENT_FEE") == {"all": (1500, 1500)}
    advice = prices(willow, "DP_ADVICE")
    assert set(advice) == {"weekday", "evening", "night", "weekend", "bank_holiday"}
    assert {price for price, _ in advice.values()} == {4000}
    assert prices(willow, "BEREAVEMENT_SUPPORT")["all"][0] == 0
    assert TimeBand.bank_holiday in prices(willow, "CARE_AT_HOME")


def test_care_is_exempt_free_care_is_free_and_the_fee_is_outside_the_scope_of_vat(willow):
    services = {s.code: s for s in willow.exec(select(Service))}
    assert {"DAY_CARE", "MUSIC_PLAY_THERAPY", "CARE_AT_HOME"} <= set(services)
    free = {code for code, s in services.items() if s.free_to_families}
    assert free == {"END_OF_LIFE_NIGHT", "CARE_AFTER_DEATH_NIGHT", "BEREAVEMENT_SUPPORT"}
    assert services["SHORT_BREAK_NIGHT"].vat_treatment == "exempt"
    assert "charity" in services["SHORT_BREAK_NIGHT"].vat_reason
    assert services["ISF_MANAGEMENT_FEE"].vat_treatment == "outside_scope"
    assert "not registered for VAT" in services["ISF_MANAGEMENT_FEE"].vat_reason
    assert services["SHORT_BREAK_NIGHT"].bed_based and services["SIBLING_SUPPORT"].group
    assert services["CARE_AT_HOME"].priced_by_time_band and not services["HYDROTHERAPY"].priced_by_time_band


def test_willow_is_a_charitable_company_not_registered_for_vat(willow):
    settings = willow.get(ProviderSettings, 1)
    assert settings.name == "Willow Children's Hospice"
    assert settings.charity_number and settings.company_number and settings.registered_office
    assert settings.vat_number is None
    assert (settings.financial_year_start_month, settings.payment_terms_days) == (4, 30)
    accounts = {a.purpose: a for a in willow.exec(select(BankAccount))}
    assert set(accounts) == {"operating", "isf_client"}
    for account in accounts.values():
        assert len(account.sort_code) == 6 and account.sort_code.isdigit()
        assert len(account.account_number) == 8 and account.account_number.isdigit()


def test_bank_holidays_of_2026_27_and_2027_28_are_weekdays_with_substitutes(willow):
    days = {h.starts_on for h in willow.exec(select(Holiday).where(Holiday.kind == HolidayKind.bank_holiday))}
    assert {date(2026, 4, 3), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 29), date(2027, 12, 27),
            date(2027, 12, 28), date(2028, 1, 3)} <= days
    assert date(2026, 12, 26) not in days
    assert all(day.weekday() < 5 for day in days)
    school = willow.exec(select(Holiday).where(Holiday.kind == HolidayKind.school_holiday)).all()
    assert any(h.starts_on <= date(2026, 8, 17) <= h.ends_on for h in school)  # Amira's August stay
    assert any(h.starts_on <= date(2027, 12, 25) <= h.ends_on for h in school)


def test_two_councils_two_icbs_and_nhs_england_with_their_invoice_rules(willow):
    kinds = [f.kind for f in willow.exec(select(Funder))]
    assert (kinds.count("local_authority"), kinds.count("icb"), kinds.count("nhs_england")) == (2, 2, 1)
    eastvale = one(willow, Funder, name="Eastvale Council")
    assert eastvale.po_required
    northshire = one(willow, Funder, name="Northshire County Council")
    departments = {d.kind for d in willow.exec(select(FunderDepartment)
                                               .where(FunderDepartment.funder_id == northshire.id))}
    assert departments == {"social_care", "education"}
    riverside = one(willow, Funder, name="Riverside ICB")
    assert (riverside.invoice_number_max_length, riverside.max_days_dated_ahead) == (30, 14)
    assert riverside.secure_email and riverside.secure_email != riverside.invoice_email
    codes = willow.exec(select(FunderCode).where(FunderCode.funder_id == riverside.id)).all()
    assert {c.kind for c in codes} == {CodeKind.organisation_code, CodeKind.payables_code}
    assert all(c.starts_on == date(2024, 4, 1) and c.ends_on is None for c in codes)


def test_the_sibling_support_appeal_is_restricted_to_sibling_support(willow):
    appeal = one(willow, CharitableFund, name="Sibling Support Appeal")
    assert appeal.restricted
    allowed = willow.exec(select(Service.code).join(FundService, FundService.service_id == Service.id)
                          .where(FundService.fund_id == appeal.id)).all()
    assert allowed == ["SIBLING_SUPPORT"]
    assert not one(willow, CharitableFund, name="General Fund").restricted


def test_at_least_40_children_each_with_a_valid_unique_nhs_number(willow):
    children = willow.exec(select(Child)).all()
    assert len(children) >= 40
    numbers = [c.nhs_number for c in children]
    assert all(nhs_number_problem(n) is None for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert all(date(2009, 1, 1) <= c.date_of_birth <= date(2026, 12, 31) for c in children)
    assert len({c.home_authority_id for c in children}) == 2 and len({c.icb_id for c in children}) == 2
    coordinator = one(willow, User, email="coordinator@willow.example")
    assert {c.key_worker_id for c in children} == {coordinator.id}
    assert {c.status for c in children} == {"active", "died", "adult_services"}


def test_the_scenario_children(willow):
    ben = one(willow, Child, last_name="Carter")
    assert ben.nhs_number == "9990000018" and ben.display_name == "Ben Carter"
    dev = one(willow, Child, first_name="Dev")
    assert dev.council_reference == "EV-104233"
    assert one(willow, Funder, id=dev.home_authority_id).name == "Eastvale Council"
    ellie = one(willow, Child, preferred_name="Ellie")
    assert (ellie.status, ellie.status_date) == ("died", date(2026, 11, 20))
    family = {link.relationship: member.name for member, link in relatives(willow, ellie)}
    assert set(family) == {Relationship.mother, Relationship.father, Relationship.sibling}


def test_chloes_father_nominated_brightway_in_writing_on_2_march_2026(willow):
    chloe = one(willow, Child, first_name="Chloe")
    father = next(m for m, link in relatives(willow, chloe) if link.relationship == Relationship.father)
    nomination = one(willow, Nomination, child_id=chloe.id)
    assert nomination.received_on == date(2026, 3, 2) and nomination.withdrawn_on is None
    assert father.name in nomination.nominated_by
    assert one(willow, Nominee, id=nomination.nominee_id).name == "Brightway Direct Payment Support"
    assert "Riverside ICB" in nomination.budget
    assert count(willow, Nominee) >= 3


def test_leilas_login_reaches_amira_only(willow):
    leila = one(willow, User, email="leila@family.example")
    assert [c.first_name for c in children_of_family_user(willow, leila)] == ["Amira"]
    amira = one(willow, Child, first_name="Amira")
    family = {member.name: (link.relationship, link.parental_responsibility)
              for member, link in relatives(willow, amira)}
    assert family == {"Leila Haddad": ("mother", True), "Sam Haddad": ("sibling", False)}


def test_one_user_for_each_role(willow):
    roles = sorted(willow.exec(select(User.role)).all())
    assert roles == sorted(role.value for role in Role)


def test_every_demo_row_is_audited_as_done_by_system(willow):
    actors = set(willow.exec(select(AuditEvent.actor_name).where(AuditEvent.entity == "children")).all())
    assert actors == {"system"}


def test_loading_again_into_a_database_that_has_users_changes_nothing(willow):
    before = [count(willow, model) for model in (User, Child, Service, AuditEvent)]
    assert demo.load(if_empty=True, session=willow) is False
    with pytest.raises(demo.NotEmpty):
        demo.load(session=willow)
    assert [count(willow, model) for model in (User, Child, Service, AuditEvent)] == before


def test_the_demo_bills_the_grant_in_four_quarterly_invoices(willow):
    db = willow
    grants = db.exec(select(Invoice).where(Invoice.kind == "grant").order_by(Invoice.number)).all()
    assert [(g.issued_on, g.total_pence) for g in grants] == [
        (date(2026, 4, 1), 7_750_000), (date(2026, 7, 1), 7_750_000), (date(2026, 10, 1), 7_750_000),
        (date(2027, 1, 4), 7_750_000)]
    assert all(line.child_id is None and line.service_id is None
               for line in db.exec(select(InvoiceLine).join(Invoice).where(Invoice.kind == "grant")))
    assert [d for d in draft_run(db, *month_bounds("2027-03")) if d.kind == "grant"] == []
