"""ISF statements (DOMAIN.md §5, §10 scenario 1): Amira's family reads, for each four-week period and for the year,
what came in, every night and sibling session the fund paid for in plain words, the fees and what is left, to the
penny; in the app and as a PDF; the commissioner gets a monitoring return; `lantern statements` writes a month's."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, strategies as st
from pypdf import PdfReader
from sqlmodel import select

from isf import service, statement_routes, statements
from isf.models import IsfAgreement, IsfOutcome, Supplier
from isf.statements import CARE, FEE, IN, RETURN, SUPPLIER, Movement
from lantern import demo
from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.db import make_engine, open_session, unit_of_work
from provider.funders.models import Funder
from provider.funding.models import Arrangement, ArrangementKind, ManagementOption
from provider.people.access import children_of_family_user
from provider.money import format_gbp
from provider.people.models import Child, ChildStatus
from provider.users.models import User
from tests.conftest import post_form, demo_once_per_module
from tests.test_cli import run  # noqa: F401  (the fixture)

ON = date(2027, 4, 10)
YEAR = (date(2026, 4, 1), date(2027, 3, 30))
JARGON = ("debit", "credit", "accrual", "accrued", "ledger", "liability", "drawdown", "draw-down", "payer", "isf:")


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .join(Child, Child.id == Arrangement.child_id).where(Child.first_name == "Amira")).one()


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def _words(found: statements.Statement) -> list[str]:
    return [line.what for line in found.spend]


# ---------------------------------------------------------------------------------------------------------------
# Amira's figures


def test_amiras_statement_for_period_13_shows_her_march_night_and_ends_at_1415_pounds(willow):
    found = statements.period_statement(willow, _amira(willow), 13, ON)
    assert (found.first, found.last, found.title) == (date(2027, 3, 3), date(2027, 3, 30),
                                                      "period 13, 3 March 2027 to 30 March 2027")
    assert (found.opening, found.total_in, found.total_spent, found.total_fees) == (184_000, 24_000, 65_000, 1_500)
    assert [(line.day, line.what, line.pence) for line in found.money_in] == [
        (date(2027, 3, 3), "From Northshire County Council (social care), for period 13", 24_000)]
    assert [(line.day, line.what, line.pence) for line in found.spend] == [
        (date(2027, 3, 15), "Short break at Willow: 1 night × £650.00", 65_000)]
    assert [(line.day, line.what) for line in found.fees] == [
        (date(2027, 3, 3), "Willow's fee for looking after the money, period 13")]
    assert (found.closing, found.reserved, found.available) == (141_500, 0, 141_500)
    assert (found.surplus_limit, found.above_limit) == (48_000, 93_500)
    assert found.in_by_source == [("Northshire County Council (social care)", 24_000)]


def test_amiras_year_in_one_statement_to_the_penny(willow):
    agreement = _amira(willow)
    found = statements.statement(willow, agreement, *YEAR, ON)
    assert found.opening == 0
    assert (found.total_in, found.total_spent, found.total_fees, found.total_returned) == (312_000, 151_000,
                                                                                          19_500, 0)
    assert found.closing == 141_500 == service.position(willow, agreement, ON).balance
    assert _words(found) == ["Sibling support session for Sam: £35.00"] * 6 + \
        ["Short break at Willow: 1 night × £650.00"] * 2
    assert [line.day for line in found.spend if "Short break" in line.what] == [date(2027, 1, 11), date(2027, 3, 15)]
    assert dict(found.by_category) == {"Short breaks": 130_000, "Sibling support": 21_000,
                                       "Other care from the hospice": 0, "Other suppliers": 0, "Fees": 19_500,
                                       "Money returned": 0}
    assert len(found.money_in) == 13 and len(found.fees) == 13


def test_each_periods_end_is_the_next_ones_start_and_the_last_is_the_isfs_balance(willow):
    agreement = _amira(willow)
    found = [statements.period_statement(willow, agreement, p.number, ON) for p in service.periods_of(agreement)]
    assert all(a.closing == b.opening for a, b in zip(found, found[1:]))
    assert [s.closing for s in found[:3]] == [19_000, 38_000, 57_000]   # each: £240 in, a £15 fee, a £35 session
    assert found[-1].closing == service.position(willow, agreement, ON).balance == 141_500
    assert sum(s.total_spent for s in found) == 151_000


# ---------------------------------------------------------------------------------------------------------------
# Opening + in − out = closing, always


days = st.dates(date(2026, 1, 1), date(2027, 12, 31))
kinds = st.sampled_from([IN, CARE, SUPPLIER, FEE, RETURN])


@st.composite
def moves(draw) -> Movement:
    kind = draw(kinds)
    units = draw(st.integers(1, 4)) if kind == CARE else 0
    return Movement(draw(days), kind, draw(st.integers(1, 500_000)), draw(st.sampled_from(["Short break", "Taxi"])),
                    source=draw(st.sampled_from(["Council", "ICB"])), outcome=draw(st.sampled_from(["", "Rest"])),
                    category=draw(st.sampled_from(statements.CATEGORIES)), stay=draw(st.sampled_from(["", "a", "b"])),
                    units=units, unit=draw(st.sampled_from(["night", "session"])))


@given(st.lists(moves(), max_size=40), days, st.integers(0, 400), st.integers(0, 400))
def test_the_money_at_the_end_is_the_start_plus_in_less_out_over_any_lines_and_dates(found, first, length, cut):
    last = first + timedelta(days=length)
    whole = statements.build(found, first, last)
    assert whole.closing == whole.opening + whole.total_in - whole.total_out
    assert whole.closing == sum(m.signed for m in found if m.day <= last)
    assert whole.total_in == sum(pence for _, pence in whole.in_by_source)
    assert whole.total_spent == sum(pence for _, pence in whole.by_outcome)
    assert whole.total_out == sum(whole.by_category.values())
    middle = first + timedelta(days=min(cut, length))
    before, after = statements.build(found, first, middle), statements.build(found, middle + timedelta(days=1), last)
    assert before.opening == whole.opening and before.closing == after.opening and after.closing == whole.closing


def test_the_nights_of_one_stay_at_one_price_make_one_line():
    nights = [Movement(date(2026, 4, 20) + timedelta(days=i), CARE, 65_000, "Short break at Willow", stay="b1",
                       units=1, unit="night", category=statements.SHORT_BREAKS) for i in range(2)]
    hours = [Movement(date(2026, 4, 22), CARE, 9_000, "Care at home", stay="b2", units=3, unit="hour")]
    found = statements.build(nights + hours, date(2026, 4, 1), date(2026, 4, 28))
    assert [(line.day, line.what, line.pence) for line in found.spend] == [
        (date(2026, 4, 20), "Short break at Willow: 2 nights × £650.00", 130_000),
        (date(2026, 4, 22), "Care at home: 3 hours × £30.00", 9_000)]


# ---------------------------------------------------------------------------------------------------------------
# Other suppliers, outcomes, and money set aside


def test_a_suppliers_payment_is_named_with_what_it_was_for(willow):
    agreement = _amira(willow)
    goal = willow.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id,
                                                IsfOutcome.text.startswith("Sam"))).one()
    with unit_of_work(willow):
        supplier = Supplier(name="Northfield Cabs")
        willow.add(supplier)
        willow.flush()
        proof = service.store_evidence(willow, "taxi.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")
        spend = service.ask_spend(willow, agreement, 2_400, date(2027, 3, 20), "Taxi for Sam to the young carers' "
                                  "group", goal.id, supplier.id, proof.id, _user(willow, "coordinator@willow.example"))
        service.approve_spend(willow, spend, _user(willow, "finance@willow.example"), date(2027, 3, 20), ON)
    found = statements.period_statement(willow, agreement, 13, ON)
    assert [(line.what, line.outcome, line.pence) for line in found.spend] == [
        ("Short break at Willow: 1 night × £650.00",
         "Amira has regular short breaks away from home, and her family has a rest", 65_000),
        ("Taxi for Sam to the young carers' group (paid to Northfield Cabs)", goal.text, 2_400)]
    assert found.closing == 141_500 - 2_400 == service.position(willow, agreement, ON).balance
    assert dict(found.by_outcome)[goal.text] == 2_400
    assert dict(found.by_outcome)["Amira has regular short breaks away from home, and her family has a rest"] == 65_000


def test_a_night_booked_for_later_is_set_aside_from_when_it_was_booked(willow):
    agreement = _amira(willow)
    amira = willow.get(Child, willow.get(Arrangement, agreement.arrangement_id).child_id)
    night = willow.exec(select(Service).where(Service.code == "SHORT_BREAK_NIGHT")).one()
    with unit_of_work(willow):
        booking = Booking(child_id=amira.id, service_id=night.id, starts_on=date(2027, 3, 29),
                          ends_on=date(2027, 3, 30), status=BookingStatus.confirmed,
                          confirmed_at=datetime(2027, 3, 10, 10, 0, tzinfo=UTC))
        willow.add(booking)
        willow.flush()
        willow.add(BookingUnit(booking_id=booking.id, day=date(2027, 3, 29), status=UnitStatus.booked))
    march = statements.period_statement(willow, agreement, 13, ON)
    assert (march.closing, march.reserved, march.available) == (141_500, 65_000, 76_500)
    # On 2 March, the end of period 12, the night of 15 March was booked (a year ahead) and not yet given; the night
    # of 29 March was booked only on 10 March.
    february = statements.period_statement(willow, agreement, 12, ON)
    assert (february.closing, february.reserved, february.available) == (184_000, 65_000, 119_000)


# ---------------------------------------------------------------------------------------------------------------
# Words for a parent, and the PDF


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_holds_the_years_lines_in_plain_words_with_page_numbers(willow, output_dir):
    found = statements.statement(willow, _amira(willow), *YEAR, ON)
    pdf = statements.render_pdf(found)
    (output_dir / "isf-statement-amira-2026-27.pdf").write_bytes(pdf)
    text = " ".join(_pdf_text(pdf).split())
    assert text.count("Sibling support session for Sam: £35.00") == 6
    assert text.count("Short break at Willow: 1 night × £650.00") == 2
    for words in ("Money at the start, 1 April 2026 £0.00", "Money in + £3,120.00",
                  "Spent on Amira's care and support − £1,510.00",
                  "Willow's fees for looking after the money − £195.00",
                  "Money at the end, 30 March 2027 £1,415.00", "Free to spend £1,415.00",
                  "An Individual Service Fund (ISF) is money the council gives for Amira's support, which Willow "
                  "looks after and spends for your family.", "Page 1 of"):
        assert words in text, words
    assert re.search(r"Page (\d+) of \1", text)
    assert not [word for word in JARGON if word in text.lower()]


def test_the_page_explains_an_isf_once_and_uses_no_accounting_words(willow):
    found = statements.period_statement(willow, _amira(willow), 13, ON)
    html = statements.render_html(found)
    assert html.count("Individual Service Fund (ISF) is money the council gives for") == 1
    visible = re.sub(r"<[^>]+>", " ", html).lower()
    assert not [word for word in JARGON if word in visible]


# ---------------------------------------------------------------------------------------------------------------
# Who may read them


@pytest.fixture
def pages(app):
    """The app with the statement pages (registered in provider/web/app.py once it lists them)."""
    from provider.web.deps import route_rules

    if not any(path == "/isf/{agreement_id}/statements" for _, path, _ in route_rules(app)):
        app.include_router(statement_routes.router)
    return app


def _browser(app, email: str | None) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    if email:
        signed = post_form(browser, "/login", {"email": email, "password": demo.DEMO_PASSWORD})
        assert signed.status_code == 303, signed.text
    return browser


def _other_familys_isf(db) -> IsfAgreement:
    """An ISF for a child who is not Leila's, made for the test when the demo holds none."""
    leilas = {c.id for c in children_of_family_user(db, _user(db, "leila@family.example"))}
    found = db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                    .where(Arrangement.child_id.not_in(leilas))).first()
    if found:
        return found
    child = db.exec(select(Child).where(Child.status == ChildStatus.active, Child.id.not_in(leilas))
                    .order_by(Child.last_name)).first()
    northshire = db.exec(select(Funder).where(Funder.name == "Northshire County Council")).one()
    with unit_of_work(db):
        arrangement = Arrangement(child_id=child.id, kind=ArrangementKind.personal_budget,
                                  name=f"{child.first_name}'s ISF", starts_on=date(2026, 4, 1),
                                  ends_on=date(2027, 3, 30), funder_id=northshire.id, source="social_care",
                                  law="children_act", management=ManagementOption.isf, yearly_pence=156_000,
                                  agreed=True)
        db.add(arrangement)
        db.flush()
        return service.make_agreement(db, service.AgreementIn(arrangement.id, "four_weekly", date(2026, 4, 1), 13,
                                                              12_000))


def test_finance_key_workers_and_amiras_mother_read_it_and_nobody_else_does(willow, pages):
    amira, other = _amira(willow), _other_familys_isf(willow)
    page, pdf = f"/isf/{amira.id}/statements/13", f"/isf/{amira.id}/statements/13.pdf"
    for email in ("finance@willow.example", "coordinator@willow.example", "leila@family.example"):
        browser = _browser(pages, email)
        listed = browser.get(f"/isf/{amira.id}/statements")
        assert listed.status_code == 200 and f'href="{page}"' in listed.text, email
        shown = browser.get(page)
        assert shown.status_code == 200, email
        assert "Short break at Willow: 1 night × £650.00" in shown.text and "£1,415.00" in shown.text
        got = browser.get(pdf)
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf", email
        assert "Short break at Willow: 1 night × £650.00" in " ".join(_pdf_text(got.content).split())
    leila = _browser(pages, "leila@family.example")
    for url in (f"/isf/{other.id}/statements", f"/isf/{other.id}/statements/1", f"/isf/{other.id}/statements/1.pdf"):
        refused = leila.get(url)
        assert refused.status_code == 404 and "Short break" not in refused.text
    for email in ("trustee@willow.example", "admin@willow.example"):
        browser = _browser(pages, email)
        assert [browser.get(url).status_code for url in (page, pdf)] == [403, 403], email
    stranger = _browser(pages, None)
    answer = stranger.get(pdf)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_period_not_yet_started_or_not_in_the_schedule_has_no_statement(willow, pages):
    browser = _browser(pages, "finance@willow.example")
    amira = _amira(willow)
    assert browser.get(f"/isf/{amira.id}/statements/14").status_code == 404
    year = browser.get(f"/isf/{amira.id}/statements/dates?first=2026-04-01&last=2027-03-30")
    assert year.status_code == 200 and year.text.count("Sibling support session for Sam: £35.00") == 6
    assert browser.get(f"/isf/{amira.id}/statements/dates?first=2027-03-30&last=2026-04-01").status_code == 422


# ---------------------------------------------------------------------------------------------------------------
# The commissioner's monitoring return


def test_the_monitoring_return_gives_totals_by_source_and_category_and_the_balance_banked(willow, pages):
    finance = _browser(pages, "finance@willow.example")
    answer = finance.get("/isf-monitoring.csv?first=2026-04-01&last=2027-03-31")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = {row["child"]: row for row in csv.DictReader(io.StringIO(answer.text))}
    amira = rows["Amira Haddad"]
    assert (amira["received: Northshire County Council (social care)"], amira["short breaks"],
            amira["sibling support"], amira["other suppliers"], amira["fees"], amira["balance_banked"],
            amira["above_surplus_limit"]) == ("3120.00", "1300.00", "210.00", "0.00", "195.00", "1415.00", "935.00")
    held = sum(service.position(willow, a, ON).balance for a in willow.exec(select(IsfAgreement)))
    assert rows["Total"]["balance_banked"] == f"{held // 100}.{held % 100:02d}"
    assert len(rows) == len(willow.exec(select(IsfAgreement)).all()) + 1
    pdf = finance.get("/isf-monitoring.pdf?first=2026-04-01&last=2027-03-31")
    assert pdf.status_code == 200
    text = " ".join(_pdf_text(pdf.content).split())
    # At the start, received, short breaks, sibling support, other care and suppliers, fees, returned, banked, above.
    amiras_row = ("Amira Haddad NS-208341 £0.00 £3,120.00 £1,300.00 £210.00 £0.00 £0.00 £195.00 £0.00 £1,415.00 "
                  "£935.00")
    assert amiras_row in text
    assert f"Balance banked, 31 March 2027 {format_gbp(held)}" in text
    coordinator = _browser(pages, "coordinator@willow.example")
    assert coordinator.get("/isf-monitoring.csv?first=2026-04-01&last=2027-03-31").status_code == 403


# ---------------------------------------------------------------------------------------------------------------
# `lantern statements`


def test_lantern_statements_writes_the_months_pdfs_and_prints_each_childs_balance(run, fresh_database_url,  # noqa: F811
                                                                                  tmp_path):
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session)
    finally:
        engine.dispose()
    result = run(fresh_database_url, "statements", "--period", "2027-03")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["Amira", "Haddad", "£1,415.00"] in lines      # one line for each ISF
    assert len(lines) == len({tuple(line[:-1]) for line in lines})
    written = sorted(p.name for p in (tmp_path / "statements" / "2027-03").iterdir())
    # Two of Amira's four-week periods end in March: to 2 March and to 30 March.
    assert {"isf-statement-amira-haddad-period-12-2027-03-02.pdf",
            "isf-statement-amira-haddad-period-13-2027-03-30.pdf"} <= set(written)
    march = tmp_path / "statements" / "2027-03" / "isf-statement-amira-haddad-period-13-2027-03-30.pdf"
    text = " ".join(_pdf_text(march.read_bytes()).split())
    assert "Short break at Willow: 1 night × £650.00" in text and "Money at the end, 30 March 2027 £1,415.00" in text
    assert f"Wrote {len(written)} statement(s)" in result.stderr
    elsewhere = run(fresh_database_url, "statements", "--period", "2027-03", "--out", str(tmp_path / "out"))
    assert elsewhere.returncode == 0 and len(list(Path(tmp_path / "out").iterdir())) == len(written)


def test_lantern_statements_refuses_a_period_that_is_not_a_month(run, fresh_database_url):  # noqa: F811
    result = run(fresh_database_url, "statements", "--period", "March")
    assert result.returncode == 1
    assert result.stderr.strip() == "lantern: --period must be a month written YYYY-MM, like 2026-10 (got 'March')"


def test_a_name_with_an_apostrophe_reads_as_written_at_the_foot_of_each_page(willow):
    import dataclasses

    found = dataclasses.replace(statements.period_statement(willow, _amira(willow), 13, ON), child="Niamh O'Brien")
    text = _pdf_text(statements.render_pdf(found))
    assert "Niamh O'Brien: ISF statement" in text and "&#39;" not in text
