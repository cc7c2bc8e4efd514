"""Charitable income (issue 8, part 1): Willow's donations, legacies, events, trading and trust grants, by fund,
posted to the ledger to the penny; a fundraising system's export imported whole or not at all, and never twice;
corrections that name what they correct; finance records, trustees read totals and no donor."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import func, select

from provider.charity import api as charity_api
from provider.charity import importing, routes as charity_routes, service
from provider.charity.models import CharitableIncome, IncomeType, SorpHead
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from lantern.demo_data import organisation
from provider.errors import FieldErrors
from provider.funders.models import CharitableFund
from lantern.check import run_all as ledger_checks
from provider.ledger.models import EntryKind, LedgerAccount, LedgerEntry, LedgerLine
from provider.ledger.post import balances
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child
from tests.conftest import api, post_form, sign_in

FIXTURE = Path(__file__).parent / "fixtures" / "fundraising" / "gifts-2026-05.csv"
TODAY = date(2027, 4, 10)
HEADING = "Gift ID,Date,Donor ID,Amount,Type,Fund,Gift Aid,Reference\n"


@pytest.fixture
def willow(db):
    """Willow's settings and bank accounts, its General Fund and its restricted Sibling Support Appeal."""
    with unit_of_work(db):
        organisation.build(db)
        db.add_all([CharitableFund(name="General Fund", purpose="Unrestricted income"),
                    CharitableFund(name="Sibling Support Appeal", restricted=True, purpose="Sibling support")])
        set_as_of_date(db, TODAY)
    return db


def fund(db, name: str) -> CharitableFund:
    return db.exec(select(CharitableFund).where(CharitableFund.name == name)).one()


def bank_code(db) -> str:
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating)).one()
    return f"bank:{bank.id}"


def record(db, **values) -> CharitableIncome:
    """Income as finance records it; a correction (naming `corrects_id`) takes its record's type and fund."""
    kept = {} if "corrects_id" in values else {"income_type": "donation", "fund_id": fund(db, "General Fund").id}
    shape = {"received_on": date(2026, 5, 3), "amount_pence": 2_500, **kept, **values}
    with unit_of_work(db):
        return service.record_income(db, shape, TODAY)


def refused(db, **values) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        record(db, **values)
    return caught.value.errors


def import_file(db, content: bytes, name: str = "gifts.csv") -> importing.ImportResult:
    with unit_of_work(db):
        return importing.import_file(db, name, content, TODAY)


def charitable_credits(db) -> int:
    """Credits less debits on every income:charitable:* account: the income a report reads."""
    credit, debit = db.exec(select(func.coalesce(func.sum(LedgerLine.credit_pence), 0),
                                   func.coalesce(func.sum(LedgerLine.debit_pence), 0))
                            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                            .where(LedgerAccount.code.like("income:charitable:%"))).one()
    return int(credit) - int(debit)


def recorded_total(db) -> int:
    return int(db.exec(select(func.coalesce(func.sum(CharitableIncome.amount_pence), 0))).one())


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


# --- recording and posting ---------------------------------------------------------------------------------------

def test_a_donation_of_25_pounds_debits_the_bank_and_credits_unrestricted_donations(willow):
    gift = record(willow, gift_aid=True, donor_ref="D-10234", external_id="G-1")
    assert (gift.sorp_head, gift.exchange, gift.restricted, gift.gift_aid) == \
        (SorpHead.donations_and_legacies, False, False, True)
    totals = balances(willow)
    assert totals["income:charitable:donation:unrestricted"] == -2_500
    assert totals[bank_code(willow)] == 2_500
    [entry] = willow.exec(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.charitable_income)).all()
    assert (entry.posted_on, entry.source_ref, entry.group_id) == (date(2026, 5, 3), f"charitable_income:{gift.id}",
                                                                    gift.id)
    assert "D-10234" not in entry.description
    account = willow.exec(select(LedgerAccount).where(
        LedgerAccount.code == "income:charitable:donation:unrestricted")).one()
    assert (account.name, account.type) == ("Income, charitable: donations (unrestricted)", "income")


@pytest.mark.parametrize("kind, head, exchange", [
    ("donation", "donations_and_legacies", False), ("legacy", "donations_and_legacies", False),
    ("trust_grant", "donations_and_legacies", False), ("event", "other_trading_activities", True),
    ("trading", "other_trading_activities", True), ("other", "other", False)])
def test_each_type_takes_its_sorp_head_and_exchange_flag_by_default(willow, kind, head, exchange):
    income = record(willow, income_type=kind)
    assert (income.sorp_head, income.exchange) == (head, exchange)


def test_the_head_and_the_exchange_flag_can_be_set(willow):
    grant = record(willow, income_type="trust_grant", sorp_head="charitable_activities", exchange=True,
                   amount_pence=1_200_000)
    assert (grant.sorp_head, grant.exchange) == (SorpHead.charitable_activities, True)
    assert balances(willow)["income:charitable:trust_grant:unrestricted"] == -1_200_000


def test_a_restricted_funds_income_goes_to_the_restricted_account_of_its_type(willow):
    appeal = fund(willow, "Sibling Support Appeal")
    grant = record(willow, income_type="trust_grant", amount_pence=1_000_000, fund_id=appeal.id)
    assert grant.restricted
    assert balances(willow)["income:charitable:trust_grant:restricted"] == -1_000_000
    name = willow.exec(select(LedgerAccount.name).where(
        LedgerAccount.code == "income:charitable:trust_grant:restricted")).one()
    assert name == "Income, charitable: trust grants (restricted)"


def test_income_in_a_closed_month_is_posted_in_the_first_open_one(willow):
    from provider.ledger.post import close_month

    with unit_of_work(willow):
        close_month(willow, 2026, 5)
    gift = record(willow, received_on=date(2026, 5, 30))
    entry = willow.exec(select(LedgerEntry).where(LedgerEntry.source_ref == f"charitable_income:{gift.id}")).one()
    assert (entry.service_date, entry.posted_on) == (date(2026, 5, 30), date(2026, 6, 1))


# --- refusals ------------------------------------------------------------------------------------------------------

def test_bad_input_names_each_field_and_records_nothing(willow):
    errors = refused(willow, received_on=date(2027, 4, 11), amount_pence=0, income_type="raffle", fund_id=None)
    assert errors["received_on"] == "is after today (10/04/2027): record income once it is received"
    assert errors["amount_pence"] == "must not be nothing"
    assert errors["income_type"] == "is not one of the allowed choices"
    assert errors["fund_id"].startswith("is required")
    assert refused(willow, amount_pence=-500) == {
        "amount_pence": "must be more than nothing: only a correction that names the record it corrects may take "
                        "money off"}
    assert refused(willow, amount_pence=12.5) == {"amount_pence": "must not be finer than a penny: send whole pence"}
    assert refused(willow, amount_pence="25.00") == {"amount_pence": "must be a whole number of pence, like 2500 "
                                                                     "for £25.00"}
    assert count(willow, CharitableIncome) == 0 and count(willow, LedgerEntry) == 0


def test_a_fund_no_longer_in_use_or_unknown_is_refused(willow):
    with unit_of_work(willow):
        old = CharitableFund(name="Old Appeal", restricted=True, purpose="Done", is_active=False)
        willow.add(old)
    assert refused(willow, fund_id=old.id) == {"fund_id": "is no longer in use: choose another fund"}
    assert refused(willow, fund_id="8d1c1b3e-0000-4000-8000-000000000000") == {"fund_id": "is not a charitable fund"}


def test_no_child_is_named_in_a_donor_reference_or_a_note(willow):
    with unit_of_work(willow):
        willow.add(Child(first_name="Amira", last_name="Haddad", date_of_birth=date(2016, 3, 1)))
    assert refused(willow, donor_ref="In memory of amira  HADDAD", notes="From Amira Haddad's school") == {
        "donor_ref": service.NAMES_A_CHILD, "notes": service.NAMES_A_CHILD}
    assert record(willow, donor_ref="Haddad family friends").donor_ref == "Haddad family friends"


def test_a_fundraising_systems_gift_is_recorded_once(willow):
    record(willow, external_id="G-77")
    assert refused(willow, external_id="G-77") == {
        "external_id": "is recorded already: the fundraising system's gift is in Lantern"}
    assert count(willow, CharitableIncome) == 1


def test_without_an_operating_bank_account_nothing_is_recorded(willow):
    with unit_of_work(willow):
        for bank in willow.exec(select(BankAccount)):
            bank.is_active = False
            willow.add(bank)
    assert refused(willow) == {"bank_account": "is not set up: add the operating bank account in Settings first"}


# --- corrections ---------------------------------------------------------------------------------------------------

def test_a_correction_names_its_record_keeps_its_fund_and_type_and_posts_the_difference(willow):
    gift = record(willow, amount_pence=10_000, fund_id=fund(willow, "Sibling Support Appeal").id)
    less = record(willow, amount_pence=-2_550, corrects_id=gift.id, received_on=date(2026, 6, 2), fund_id=None,
                  income_type=None, notes="Counted twice")
    assert (less.income_type, less.fund_id, less.restricted) == (gift.income_type, gift.fund_id, True)
    assert service.net_of(willow, gift) == 7_450
    assert balances(willow)["income:charitable:donation:restricted"] == -7_450
    assert balances(willow)[bank_code(willow)] == 7_450
    entry = willow.exec(select(LedgerEntry).where(LedgerEntry.source_ref == f"charitable_income:{less.id}")).one()
    assert entry.group_id == gift.id and entry.description.startswith("Correction of charitable income")
    more = record(willow, amount_pence=50, corrects_id=gift.id,
                  received_on=date(2026, 6, 3))
    assert service.net_of(willow, gift) == 7_500 and more.amount_pence == 50


def test_a_correction_never_takes_a_record_below_nothing(willow):
    gift = record(willow, amount_pence=10_000)
    record(willow, amount_pence=-6_000, corrects_id=gift.id)
    assert refused(willow, amount_pence=-4_001, corrects_id=gift.id) == {
        "amount_pence": "takes off more than the record holds: at most £40.00 can be taken off"}
    record(willow, amount_pence=-4_000, corrects_id=gift.id)
    assert service.net_of(willow, gift) == 0
    assert refused(willow, amount_pence=-1, corrects_id=gift.id)["amount_pence"].endswith(
        "at most £0.00 can be taken off")
    assert charitable_credits(willow) == recorded_total(willow) == 0


def test_a_correction_cannot_move_income_correct_a_correction_or_come_before_its_record(willow):
    gift = record(willow, amount_pence=10_000)
    errors = refused(willow, amount_pence=-100, corrects_id=gift.id, fund_id=fund(willow, "Sibling Support Appeal").id,
                     income_type="legacy", received_on=date(2026, 5, 2))
    assert errors["fund_id"].startswith("must be the record's own: a correction changes only the amount")
    assert errors["income_type"].startswith("must be the record's own")
    assert errors["received_on"] == "must not be before the record it corrects (03/05/2026)"
    fix = record(willow, amount_pence=-100, corrects_id=gift.id)
    assert refused(willow, amount_pence=-100, corrects_id=fix.id) == {
        "corrects_id": "names a correction: correct the record it corrects"}
    assert refused(willow, amount_pence=-100, corrects_id="8d1c1b3e-0000-4000-8000-000000000000") == {
        "corrects_id": "is not recorded charitable income"}


def test_the_database_refuses_to_change_or_delete_posted_income(willow, connection):
    gift = record(willow, amount_pence=10_000)
    for statement in (update(CharitableIncome).where(CharitableIncome.id == gift.id).values(amount_pence=1),
                      delete(CharitableIncome).where(CharitableIncome.id == gift.id)):
        savepoint = connection.begin_nested()
        with pytest.raises(DBAPIError, match="never changed or deleted"):
            connection.execute(statement)
        savepoint.rollback()
    assert willow.exec(select(CharitableIncome.amount_pence)).one() == 10_000


# --- the fundraising system's export -------------------------------------------------------------------------------

def test_the_export_is_imported_to_the_penny_and_ties_to_the_ledger(willow):
    result = import_file(willow, FIXTURE.read_bytes(), "gifts-2026-05.csv")
    assert (result.gifts, result.added, result.held_already, result.added_pence) == (9, 9, 0, 6_283_500)
    assert result.message == "gifts-2026-05.csv: 9 gifts added, £62,835.00 in all."
    totals = balances(willow)
    assert totals["income:charitable:donation:unrestricted"] == -(2_500 + 1_250 + 15_000)
    assert totals["income:charitable:donation:restricted"] == -125_000
    assert totals["income:charitable:legacy:unrestricted"] == -4_500_000
    assert totals["income:charitable:event:unrestricted"] == -348_075
    assert totals["income:charitable:trading:unrestricted"] == -291_640
    assert totals["income:charitable:trust_grant:restricted"] == -1_000_000
    assert totals["income:charitable:other:unrestricted"] == -35
    assert totals[bank_code(willow)] == 6_283_500 == charitable_credits(willow) == recorded_total(willow)
    gift = willow.exec(select(CharitableIncome).where(CharitableIncome.external_id == "G-260502")).one()
    assert (gift.amount_pence, gift.donor_ref, gift.gift_aid, gift.received_on, gift.source) == \
        (125_000, "D-20981 · Sibling support appeal", True, date(2026, 5, 3), "import gifts-2026-05.csv line 3")
    event = willow.exec(select(CharitableIncome).where(CharitableIncome.external_id == "G-260505")).one()
    assert (event.sorp_head, event.exchange) == (SorpHead.other_trading_activities, True)
    assert ledger_checks(willow) == []


def test_the_same_export_imported_twice_adds_nothing_and_says_so(willow):
    import_file(willow, FIXTURE.read_bytes(), "gifts-2026-05.csv")
    before = (count(willow, CharitableIncome), count(willow, LedgerEntry), balances(willow))
    again = import_file(willow, FIXTURE.read_bytes(), "gifts-2026-05.csv")
    assert (again.added, again.held_already, again.added_pence) == (0, 9, 0)
    assert again.message == ("gifts-2026-05.csv was imported before: its 9 gifts are recorded already, "
                             "so nothing was added.")
    assert (count(willow, CharitableIncome), count(willow, LedgerEntry), balances(willow)) == before


def test_an_export_overlapping_one_imported_before_adds_only_its_new_gifts(willow):
    import_file(willow, FIXTURE.read_bytes())
    more = HEADING + ("G-260509,31/05/2026,D-10234,0.35,Other,General Fund,No,Rounding\n"
                      "G-260601,02/06/2026,D-10234,25.00,Donation,General Fund,Yes,Spring appeal\n")
    result = import_file(willow, more.encode(), "gifts-2026-06.csv")
    assert (result.added, result.held_already, result.added_pence) == (1, 1, 2_500)
    assert result.message == ("gifts-2026-06.csv: 1 gift added, £25.00 in all. 1 had been imported before and were "
                              "left out.")
    assert charitable_credits(willow) == recorded_total(willow) == 6_283_500 + 2_500


def bad_file() -> bytes:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    lines[6] = 'G-260506,16/05/2026,D-10777,"12,5x",Donation,General Fund,Yes,Sponsorship,Online'  # line 7
    lines[8] = "G-260508,31/02/2026,T-00412,0.355,Raffle,Roof Appeal,Maybe,A trust,Card"  # line 9
    return ("\n".join(lines) + "\n").encode()


def test_a_malformed_export_is_refused_by_line_and_column_with_nothing_stored(willow):
    with pytest.raises(FieldErrors) as caught:
        import_file(willow, bad_file())
    errors = caught.value.errors
    assert errors["file"] == ("was not imported: 2 lines are wrong. Nothing was recorded; put the lines right and "
                              "import the file again.")
    assert errors["line 7"] == "Amount '12,5x' is not an amount of money"
    assert errors["line 9"] == (
        "Date '31/02/2026' is not a date written DD/MM/YYYY; Amount '0.355' is finer than a penny; "
        "Type 'Raffle' is not one of: Donation, Legacy, Event, Trading, Trust grant, Other; "
        "Fund 'Roof Appeal' is not a charitable fund in use: the funds are General Fund, Sibling Support Appeal; "
        "Gift Aid 'Maybe' must be Yes or No")
    assert set(errors) == {"file", "line 7", "line 9"}
    assert count(willow, CharitableIncome) == 0 and count(willow, LedgerEntry) == 0


@pytest.mark.parametrize("content, problem", [
    (b"", "is empty: export the gifts with a heading line, then one line each"),
    (HEADING.encode(), "has no gifts in it: only its heading line"),
    (b"Date,Amount,Type,Fund\n01/05/2026,25.00,Donation,General Fund\n",
     "has no Gift ID column: its heading line must name the columns Date, Amount, Type, Fund, Gift ID "
     "(and may name Gift Aid, Reference, Donor ID)"),
    (b"\x00\x01PK", "is not a CSV file: save the export as CSV (comma-separated) and try again"),
])
def test_a_file_that_is_not_an_export_is_refused_whole(willow, content, problem):
    with pytest.raises(FieldErrors) as caught:
        import_file(willow, content)
    assert caught.value.errors == {"file": problem}


def test_blank_refunds_future_and_repeated_lines_are_each_named(willow):
    content = HEADING + (
        "G-1,01/05/2026,,-5.00,Donation,General Fund,,\n"
        "G-2,,,25.00,Donation,general fund,,\n"
        "G-3,11/04/2027,,25.00,Donation,General Fund,,\n"
        ",01/05/2026,,25.00,Donation,General Fund,,\n"
        "G-3,01/05/2026,,25.00,trust grant,General Fund,yes,\n")
    with pytest.raises(FieldErrors) as caught:
        import_file(willow, content.encode())
    errors = caught.value.errors
    assert errors["line 2"] == ("Amount '-5.00' is not more than nothing: a refund is a correction, made on the page "
                                "of the gift it refunds")
    assert errors["line 3"] == "Date is blank"
    assert errors["line 4"] == "Date '11/04/2027' is after today (10/04/2027)"
    assert errors["line 5"] == "Gift ID is blank: each gift needs the fundraising system's id"
    assert errors["line 6"] == "Gift ID 'G-3' is also on line 4: each gift once"
    assert count(willow, CharitableIncome) == 0


def test_a_windows_export_with_a_byte_order_mark_and_a_pound_sign_is_read(willow):
    content = (HEADING + 'G-9,01/05/2026,D-1,"£1,000.00",Legacy,General Fund,No,Estate\r\n').encode("utf-8-sig")
    assert import_file(willow, content).added_pence == 100_000
    content = (HEADING + 'G-10,01/05/2026,D-1,"£2.00",Donation,General Fund,No,Tin\r\n').encode("cp1252")
    assert import_file(willow, content).added_pence == 200


# --- reading by period ---------------------------------------------------------------------------------------------

def test_totals_by_month_type_and_fund_include_corrections_in_their_month(willow):
    import_file(willow, FIXTURE.read_bytes())
    shop = willow.exec(select(CharitableIncome).where(CharitableIncome.external_id == "G-260507")).one()
    record(willow, amount_pence=-16_400, corrects_id=shop.id, received_on=date(2026, 6, 1))
    year = service.period(willow, 2026, None, TODAY)
    assert (year.first, year.last, year.label) == (date(2026, 4, 1), date(2027, 3, 31), "2026/27")
    rows = service.totals(willow, year)
    assert sum(r.pence for r in rows) == 6_283_500 - 16_400 == charitable_credits(willow)
    assert {(r.month, r.income_type, r.pence) for r in rows if r.income_type == IncomeType.trading} == {
        ("2026-05", IncomeType.trading, 291_640), ("2026-06", IncomeType.trading, -16_400)}
    restricted = service.totals(willow, service.period(willow, None, "2026-05", TODAY),
                                fund_id=fund(willow, "Sibling Support Appeal").id)
    assert sorted((r.income_type, r.pence) for r in restricted) == [("donation", 125_000), ("trust_grant", 1_000_000)]
    assert service.totals(willow, service.period(willow, 2025, None, TODAY)) == []


def test_a_month_outside_the_year_asked_for_is_refused(willow):
    with pytest.raises(FieldErrors) as caught:
        service.period(willow, 2026, "2027-04", TODAY)
    assert caught.value.errors == {"month": "is not in 2026/27: choose a month of that year"}
    with pytest.raises(FieldErrors) as caught:
        service.period(willow, None, "May 2026", TODAY)
    assert caught.value.errors == {"month": "must be a month written YYYY-MM, like 2026-10"}


# --- pages and the API ---------------------------------------------------------------------------------------------

@pytest.fixture
def web(app):
    """The app with the charity pages and API (registered in provider/web/app.py once it lists them)."""
    from provider.web.deps import route_rules

    if not any(path == "/charity" for _, path, _ in route_rules(app)):
        app.include_router(charity_routes.router)
        app.include_router(charity_api.router)
    return app


@pytest.fixture
def browser(web, make_user):
    opened = []

    def as_role(role: str) -> TestClient:
        client = TestClient(web, follow_redirects=False)
        opened.append(client)
        return sign_in(client, make_user(role))

    yield as_role
    for client in opened:
        client.close()


def test_every_charity_route_says_who_may_use_it(web):
    from provider.web.deps import route_rules, unguarded_routes

    assert unguarded_routes(web) == []
    rules = {(methods, path): rule for methods, path, rule in route_rules(web) if "charity" in path}
    assert rules[("GET", "/charity")] == ("finance", "trustee")
    assert rules[("GET", "/api/charity/totals")] == ("finance", "trustee")
    assert all(rule == ("finance",) for (methods, _), rule in rules.items() if methods == "POST")


def test_finance_records_income_on_the_form_and_sees_it_by_month_and_fund(willow, browser):
    finance = browser("finance")
    assert finance.get("/charity/new").status_code == 200
    response = post_form(finance, "/charity/new", {
        "received_on": "2026-05-03", "amount": "£1,250.50", "income_type": "trust_grant",
        "fund_id": str(fund(willow, "Sibling Support Appeal").id), "sorp_head": "", "exchange": "",
        "donor_ref": "T-00412", "gift_aid": "false", "external_id": "", "notes": ""})
    assert response.status_code == 303, response.text
    gift = willow.exec(select(CharitableIncome)).one()
    assert (gift.amount_pence, gift.income_type, gift.restricted, gift.source) == (125_050, "trust_grant", True, "form")
    assert "£1,250.50 of charitable income" in finance.get(response.headers["location"]).text
    page = finance.get("/charity?year=2026").text
    assert "Charitable income 2026/27" in page and "May 2026" in page and "T-00412" in page
    assert page.count("£1,250.50") >= 4  # the month, its fund, restricted, the total ...


def test_the_form_comes_back_with_each_problem_and_records_nothing(willow, browser):
    finance = browser("finance")
    response = post_form(finance, "/charity/new", {"received_on": "2026-05-03", "amount": "12,5x",
                                                   "income_type": "donation", "fund_id": ""})
    assert response.status_code == 422
    assert "Amount is not an amount of money: write pounds and pence, like 1,234.50" in response.text
    assert "Fund is required: choose the charitable fund the income belongs to" in response.text
    assert 'value="12,5x"' in response.text
    assert count(willow, CharitableIncome) == 0


def test_finance_corrects_a_gift_on_its_page(willow, browser):
    finance = browser("finance")
    gift = record(willow, amount_pence=10_000)
    response = post_form(finance, f"/charity/{gift.id}/corrections", {"received_on": "2026-05-04",
                                                                       "amount": "-120.00", "notes": "Typed twice"})
    assert response.status_code == 422
    assert "Difference takes off more than the record holds: at most £100.00 can be taken off" in response.text
    response = post_form(finance, f"/charity/{gift.id}/corrections", {"received_on": "2026-05-04",
                                                                       "amount": "-20.00", "notes": "Typed wrong"})
    assert response.status_code == 303
    page = finance.get(response.headers["location"]).text
    assert "Corrected: the record now comes to £80.00." in page and "Typed wrong" in page
    assert charitable_credits(willow) == recorded_total(willow) == 8_000


def test_finance_imports_the_export_on_the_page_and_a_bad_one_is_refused_by_line(willow, browser):
    finance = browser("finance")
    page = finance.get("/charity/import").text
    for column in ("Date", "Amount", "Type", "Fund", "Gift ID", "Gift Aid", "Reference", "Donor ID", "DD/MM/YYYY"):
        assert column in page
    bad = post_form(finance, "/charity/import", files={"file": ("gifts.csv", bad_file(), "text/csv")})
    assert bad.status_code == 422
    assert "line 7: Amount &#39;12,5x&#39; is not an amount of money" in bad.text
    assert count(willow, CharitableIncome) == 0
    export = {"file": ("gifts-2026-05.csv", FIXTURE.read_bytes(), "text/csv")}
    good = post_form(finance, "/charity/import", files=export)
    assert good.status_code == 200 and "gifts-2026-05.csv: 9 gifts added, £62,835.00 in all." in good.text
    again = post_form(finance, "/charity/import", files=export)
    assert "was imported before: its 9 gifts are recorded already, so nothing was added." in again.text
    assert recorded_total(willow) == 6_283_500
    none = post_form(finance, "/charity/import", data={})
    assert none.status_code == 422 and "The file was not chosen" in none.text


def test_the_json_api_records_lists_and_refuses_by_field(willow, browser):
    finance = browser("finance")
    body = {"received_on": "2026-06-12", "amount_pence": 4_825_000, "income_type": "legacy",
            "fund_id": str(fund(willow, "General Fund").id), "donor_ref": "Estate ref L-2026-014",
            "external_id": "WCH-1"}
    created = api(finance, "POST", "/api/charity/income", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["sorp_head"] == "donations_and_legacies" and created.json()["net_pence"] == 4_825_000
    again = api(finance, "POST", "/api/charity/income", json=body)
    assert again.status_code == 422
    assert again.json()["errors"] == [{"field": "external_id",
                                       "message": "is recorded already: the fundraising system's gift is in Lantern"}]
    wrong = api(finance, "POST", "/api/charity/income", json={**body, "amount_pence": "lots", "external_id": None})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "amount_pence"
    imported = api(finance, "POST", "/api/charity/imports?filename=gifts-2026-05.csv", content=FIXTURE.read_bytes(),
                   headers={"Content-Type": "text/csv"})
    assert imported.status_code == 201 and imported.json()["added_pence"] == 6_283_500
    listed = api(finance, "GET", "/api/charity/income?year=2026&type=legacy").json()
    assert [(r["external_id"], r["amount_pence"]) for r in listed] == [("G-260504", 4_500_000), ("WCH-1", 4_825_000)]
    may = api(finance, "GET", f"/api/charity/income?month=2026-05&fund_id={fund(willow, 'Sibling Support Appeal').id}")
    assert sum(r["amount_pence"] for r in may.json()) == 1_125_000
    bad = api(finance, "GET", "/api/charity/income?year=2026&month=2027-05")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
    refused_import = api(finance, "POST", "/api/charity/imports", content=bad_file(),
                         headers={"Content-Type": "text/csv"})
    assert refused_import.status_code == 422
    assert {"field": "line 7", "message": "Amount '12,5x' is not an amount of money"} in refused_import.json()["errors"]


def test_trustees_read_totals_with_no_donor_and_nothing_else(willow, browser):
    import_file(willow, FIXTURE.read_bytes())
    trustee = browser("trustee")
    totals = api(trustee, "GET", "/api/charity/totals?year=2026")
    assert totals.status_code == 200
    data = totals.json()
    assert (data["period"], data["total_pence"], data["restricted_pence"], data["unrestricted_pence"]) == \
        ("2026/27", 6_283_500, 1_125_000, 5_158_500)
    assert "D-10234" not in totals.text and "G-2605" not in totals.text and "donor" not in totals.text
    page = trustee.get("/charity")  # 10 April 2027: the latest year with income is 2026/27
    assert page.status_code == 200 and "Charitable income 2026/27" in page.text and "£62,835.00" in page.text
    assert "D-10234" not in page.text and "Records" not in page.text and "Record income" not in page.text
    gift = willow.exec(select(CharitableIncome)).first()
    assert trustee.get(f"/charity/{gift.id}").status_code == 403
    assert api(trustee, "GET", "/api/charity/income").status_code == 403
    assert post_form(trustee, "/charity/new", {"amount": "1.00"}).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "family"])
def test_coordinators_and_families_are_refused_everything(willow, browser, role):
    someone = browser(role)
    gift = record(willow)
    for url in ("/charity", "/charity/new", "/charity/import", f"/charity/{gift.id}"):
        assert someone.get(url).status_code == 403, url
    for url in ("/api/charity/income", "/api/charity/totals", f"/api/charity/income/{gift.id}"):
        assert api(someone, "GET", url).status_code == 403, url
    assert api(someone, "POST", "/api/charity/income", json={}).status_code == 403
    assert count(willow, CharitableIncome) == 1


def test_the_administrator_neither_reads_nor_records_gifts(willow, browser):
    admin = browser("admin")
    gift = record(willow, donor_ref="D-555")
    assert admin.get("/charity?year=2026").status_code == 403
    assert admin.get(f"/charity/{gift.id}").status_code == 403
    assert "D-555" not in admin.get(f"/charity/{gift.id}").text
    assert api(admin, "GET", f"/api/charity/income/{gift.id}").status_code == 403
    assert api(admin, "GET", "/api/charity/totals?year=2026").status_code == 403
    assert admin.get("/charity/new").status_code == 403
    assert api(admin, "POST", "/api/charity/income", json={}).status_code == 403


def test_a_year_with_no_income_is_an_empty_state_not_an_error(willow, browser):
    finance = browser("finance")
    page = finance.get("/charity?year=2025")
    assert page.status_code == 200 and "No charitable income is recorded for 2025/26." in page.text
    bad = finance.get("/charity?year=2026&month=2027-05")
    assert bad.status_code == 422 and "is not in 2026/27" in bad.text


# --- the demo ------------------------------------------------------------------------------------------------------

def test_the_demo_year_is_realistic_ties_to_the_ledger_and_matches_its_docstring(db):
    from lantern import demo
    from lantern.demo_data import charity as demo_charity
    from provider.users.models import User

    with unit_of_work(db):
        demo.build(db)
        if not count(db, CharitableIncome):  # until provider/demo.py calls it
            demo_charity.build(db, db.exec(select(User).where(User.role == "finance")).one())
    rows = service.totals(db, service.period(db, 2026, None, TODAY))
    total = sum(r.pence for r in rows)
    restricted = sum(r.pence for r in rows if r.restricted)
    by_type = {kind: sum(r.pence for r in rows if r.income_type == kind) for kind in IncomeType}
    assert (total, restricted) == (153_427_720, 26_296_300)
    assert by_type == {"donation": 57_716_870, "legacy": 30_217_037, "event": 13_405_000, "trading": 28_553_850,
                       "trust_grant": 22_687_000, "other": 847_963}
    for pence in (total, restricted, total - restricted, *by_type.values()):
        assert _gbp(pence) in demo_charity.__doc__, _gbp(pence)
    assert charitable_credits(db) == recorded_total(db) == total
    income = {code: -pence for code, pence in balances(db).items() if code.startswith("income:")}
    statutory = sum(pence for code, pence in income.items() if not code.startswith("income:charitable:"))
    assert 0.20 <= statutory / sum(income.values()) <= 0.30
    assert ledger_checks(db) == []


def _gbp(pence: int) -> str:
    from provider.money import format_gbp

    return format_gbp(pence)
