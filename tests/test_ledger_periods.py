"""Finance closes the ledger's months, in order and once ended, and then the financial year: from the page, the API
and the CLI. Whatever is refused closes nothing; nobody but finance may close."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlmodel import func, select

from lantern import demo
from provider.db import make_engine, open_session, unit_of_work
from provider.ledger.models import AccountingPeriod, AccountType, EntryKind
from provider.ledger.accounts import account
from provider.ledger.post import Line, post
from tests.conftest import api, post_form
from tests.test_cli import run  # noqa: F401  (the fixture)


@pytest.fixture
def willow(db):
    """Willow's people and settings, its clock at 10 April 2027: 2026/27 has just ended."""
    with unit_of_work(db):
        demo.build(db, care=False, invoicing=False)
    return db


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def closed_months(db) -> list[str]:
    return [f"{p.year}-{p.month:02d}" for p in db.exec(select(AccountingPeriod).order_by(AccountingPeriod.year,
                                                                                         AccountingPeriod.month))]


def invoice(db, service_date: date, pence: int):
    debtors = account(db, "debtors:riverside", "Debtors — Riverside ICB", AccountType.asset)
    income = account(db, "income:care", "Income — care", AccountType.income)
    return post(db, EntryKind.invoice, [Line(debtors, debit=pence), Line(income, credit=pence)],
                service_date=service_date, description="Invoice")


def test_the_page_shows_the_twelve_months_of_the_financial_year_all_open(client, willow, signed_in):
    signed_in("finance")
    home = client.get("/")
    assert 'href="/ledger/periods"' in home.text and "Closing the ledger" in text_of(home)
    page = text_of(client.get("/ledger/periods?year=2026"))
    assert "Closing the ledger for 2026/27" in page
    months = re.findall(r"(\w+ 20\d\d) (Open|Closed)", page)
    assert [m for m, _ in months] == ["April 2026", "May 2026", "June 2026", "July 2026", "August 2026",
                                      "September 2026", "October 2026", "November 2026", "December 2026",
                                      "January 2027", "February 2027", "March 2027"]
    assert {state for _, state in months} == {"Open"}
    assert "Close every open month of 2026/27 (12)" in page
    assert "Closing the ledger for 2027/28" in text_of(client.get("/ledger/periods"))  # this year, by the clock
    assert "2027/28 can be closed once it has ended, on 31 March 2028." in text_of(client.get("/ledger/periods"))


def test_finance_closes_a_month_from_the_page_and_a_late_posting_lands_in_the_next_open_month(client, willow,
                                                                                             signed_in):
    fran = signed_in("finance", name="Fran Finance")
    with unit_of_work(willow):
        invoice(willow, date(2026, 4, 20), 216000)
        invoice(willow, date(2026, 5, 3), 6000)
    closing = post_form(client, "/ledger/periods/close", {"month": "2026-04"})
    assert closing.status_code == 303
    assert closing.headers["location"] == "/ledger/periods?year=2026&closed=2026-04"
    page = text_of(client.get(closing.headers["location"]))
    assert "Closed April 2026." in page
    assert re.search(r"April 2026 Closed Fran Finance \d+ \w+ 20\d\d, \d\d:\d\d Trial balance at 30 April 2026 "
                     r"May 2026 Open", page), page
    assert "Trial balance at 30 April 2026: every entry posted on or before that day Account Debit Credit" in page
    assert "Debtors — Riverside ICB £2,160.00 " in page and "Income — care £2,160.00 " in page  # not May's £60
    debit, credit = re.search(r"Total (£[\d,.]+) (£[\d,.]+)", page).groups()
    assert debit == credit
    [period] = willow.exec(select(AccountingPeriod)).all()
    assert period.closed_by_id == fran.id

    with unit_of_work(willow):
        late = invoice(willow, date(2026, 4, 28), 72000)
    assert (late.posted_on, late.service_date) == (date(2026, 5, 1), date(2026, 4, 28))
    still = text_of(client.get("/ledger/periods?year=2026&at=2026-04"))
    assert "Debtors — Riverside ICB £2,160.00 " in still and "Income — care £2,160.00 " in still  # unchanged


def test_finance_closes_a_month_then_the_year_through_the_api(client, willow, signed_in):
    signed_in("finance", name="Fran Finance")
    april = api(client, "POST", "/api/ledger/periods/close", json={"month": "2026-04"})
    assert april.status_code == 200, april.text
    assert april.json()["closed"] == ["2026-04"]
    with unit_of_work(willow):
        late = invoice(willow, date(2026, 4, 30), 6000)
    assert (late.posted_on, late.service_date) == (date(2026, 5, 1), date(2026, 4, 30))

    year = api(client, "POST", "/api/ledger/periods/close", json={"year": 2026})
    assert year.status_code == 200, year.text
    assert year.json()["closed"] == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
                                     "2026-12", "2027-01", "2027-02", "2027-03"]
    shown = api(client, "GET", "/api/ledger/periods?year=2026").json()
    assert shown["label"] == "2026/27" and len(shown["months"]) == 12
    assert all(m["closed"] and m["closed_by"] == "Fran Finance" for m in shown["months"])
    with unit_of_work(willow):
        march = invoice(willow, date(2027, 3, 31), 6000)
    assert (march.posted_on, march.service_date) == (date(2027, 4, 1), date(2027, 3, 31))


def test_closing_the_year_from_the_page_closes_every_month_in_order(client, willow, signed_in):
    signed_in("finance")
    done = post_form(client, "/ledger/periods/close", {"year": "2026"})
    assert done.status_code == 303
    assert "Closed April 2026, May 2026, June 2026," in text_of(client.get(done.headers["location"]))
    assert closed_months(willow)[0] == "2026-04" and closed_months(willow)[-1] == "2027-03"
    assert len(closed_months(willow)) == 12
    assert "Every month of 2026/27 is closed." in text_of(client.get("/ledger/periods?year=2026"))


def refused(client, data: dict, field: str, message: str) -> None:
    """Refused with the field named, on the page and through the API."""
    page = post_form(client, "/ledger/periods/close", data)
    assert page.status_code == 422
    label = {"month": "Month", "year": "Financial year"}[field]
    assert f"{label} {message}" in text_of(page), text_of(page)
    answer = api(client, "POST", "/api/ledger/periods/close", json=data)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": field, "message": message}]


@pytest.mark.parametrize("month", ["2026-13", "April", "2026-4-1", ""])
def test_a_malformed_month_is_refused_and_closes_nothing(client, willow, signed_in, month):
    signed_in("finance")
    if month == "":
        refused(client, {"month": month}, "month", "is required: give a month written YYYY-MM, or a financial year")
    else:
        refused(client, {"month": month}, "month", "must be a month written YYYY-MM, like 2026-10")
    assert closed_months(willow) == []


def test_a_month_already_closed_is_refused_and_changes_nothing(client, willow, signed_in):
    signed_in("finance")
    assert post_form(client, "/ledger/periods/close", {"month": "2026-04"}).status_code == 303
    [before] = willow.exec(select(AccountingPeriod)).all()
    refused(client, {"month": "2026-04"}, "month", "is already closed: April 2026")
    [after] = willow.exec(select(AccountingPeriod)).all()
    assert (after.id, after.closed_at) == (before.id, before.closed_at)


def test_a_month_that_has_not_ended_is_refused_and_closes_nothing(client, willow, signed_in):
    signed_in("finance")
    refused(client, {"month": "2027-04"}, "month", "has not ended yet: April 2027 ends on 30 April 2027")
    refused(client, {"year": 2027}, "year", "has not ended yet: April 2027 ends on 30 April 2027")
    assert closed_months(willow) == []


def test_a_month_is_refused_while_an_earlier_month_of_its_year_is_open_and_closes_nothing(client, willow,
                                                                                          signed_in):
    signed_in("finance")
    refused(client, {"month": "2026-10"}, "month",
            "cannot be closed yet: April 2026 is still open, and the months of 2026/27 close in order")
    assert post_form(client, "/ledger/periods/close", {"month": "2026-04"}).status_code == 303
    refused(client, {"month": "2026-06"}, "month",
            "cannot be closed yet: May 2026 is still open, and the months of 2026/27 close in order")
    assert closed_months(willow) == ["2026-04"]


def test_a_year_already_closed_is_refused_and_changes_nothing(client, willow, signed_in):
    signed_in("finance")
    assert post_form(client, "/ledger/periods/close", {"year": "2026"}).status_code == 303
    refused(client, {"year": 2026}, "year", "is already closed: every month of 2026/27 is closed")
    assert len(closed_months(willow)) == 12


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family", "admin"])
def test_only_finance_may_see_or_close_the_periods(client, willow, signed_in, role):
    signed_in(role)
    assert client.get("/ledger/periods?year=2026").status_code == 403
    assert post_form(client, "/ledger/periods/close", {"month": "2026-04"}).status_code == 403
    assert api(client, "GET", "/api/ledger/periods?year=2026").status_code == 403
    assert api(client, "POST", "/api/ledger/periods/close", json={"year": 2026}).status_code == 403
    assert closed_months(willow) == []


def test_nobody_signed_in_may_see_or_close_the_periods(anon, willow):
    page = anon.get("/ledger/periods?year=2026")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert post_form(anon, "/ledger/periods/close", {"month": "2026-04"}).status_code == 303
    answer = api(anon, "POST", "/api/ledger/periods/close", json={"month": "2026-04"})
    assert answer.status_code == 401
    assert closed_months(willow) == []


def test_the_cli_refuses_an_unfinished_month_and_closes_in_order(run, fresh_database_url):  # noqa: F811
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session, care=False, invoicing=False)
        unfinished = run(fresh_database_url, "close-month", "--period", "2027-04")
        assert unfinished.returncode == 1
        assert unfinished.stderr.strip() == "lantern: --period has not ended yet: April 2027 ends on 30 April 2027"
        early = run(fresh_database_url, "close-month", "--period", "2026-05")
        assert early.returncode == 1 and "April 2026 is still open" in early.stderr
        with open_session(engine, read_only=True) as session:
            assert session.exec(select(func.count()).select_from(AccountingPeriod)).one() == 0
        april = run(fresh_database_url, "close-month", "--period", "2026-04")
        assert april.returncode == 0 and april.stdout.strip() == "Closed April 2026."
        year = run(fresh_database_url, "close-month", "--period", "2027-03", "--year")
        assert year.returncode == 0, year.stderr
        assert year.stdout.strip().startswith("Closed May 2026, June 2026,") and "March 2027." in year.stdout
    finally:
        engine.dispose()
