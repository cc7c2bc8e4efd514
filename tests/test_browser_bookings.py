"""A coordinator books in a real browser: sees who pays, books, confirms and marks attendance; finance sees the charge.

Willow without care yet (its children and funding only), served live; Debian's Chromium through Playwright.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.live import live_server
from tests.test_browser import assert_accessible, chromium, page, screenshots  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(_fresh_urls, tmp_path_factory):
    from lantern import demo
    from tests.test_browser import _browser_available

    _browser_available()
    with live_server(_fresh_urls("browser_bookings"), tmp_path_factory.mktemp("browser-bookings-data"),
                     lambda session: demo.build(session, care=False)) as address:
        yield address


def sign_in(page, server, email):
    from lantern.demo import DEMO_PASSWORD

    page.goto(f"{server}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def book(page, server, child: str, service: str, first: str, last: str = "") -> str:
    """Fill the booking form, look at who pays, book; returns the text of the who-pays table."""
    page.goto(f"{server}/bookings/new")
    page.get_by_label("Child", exact=True).select_option(label=child)
    page.get_by_label("Service", exact=True).select_option(label=service)
    page.get_by_label("First night or day").fill(first)
    if last:
        page.get_by_label("Last day").fill(last)
    page.get_by_role("button", name="See who pays").click()
    page.wait_for_load_state()
    table = page.locator("table", has_text="Who will pay").inner_text()
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_load_state()
    assert "It is requested until you confirm it." in page.locator("main").inner_text()
    return table


def confirm_and_deliver(page) -> None:
    page.get_by_role("button", name="Confirm the booking").click()
    page.wait_for_load_state()
    assert "Confirmed." in page.locator("main").inner_text()
    whole = page.locator("form", has=page.get_by_role("button", name="Save attendance"))
    whole.get_by_label("Attendance").select_option(label="Delivered")
    whole.get_by_role("button", name="Save attendance").click()
    page.wait_for_load_state()
    assert "Attendance saved." in page.locator("main").inner_text()


def test_a_coordinator_books_bens_stay_sees_riverside_pays_confirms_and_marks_it_delivered(page, server,
                                                                                          screenshots):
    sign_in(page, server, "coordinator@willow.example")
    who_pays = book(page, server, "Ben Carter", "Short-break night", "2026-10-06", "2026-10-09")
    rows = [line for line in who_pays.splitlines() if "Riverside ICB" in line]
    assert len(rows) == 3 and all("£720.00" in row for row in rows)
    assert_accessible(page, "a requested booking")
    confirm_and_deliver(page)
    status = page.locator("dl.summary").inner_text()
    assert re.search(r"Status\s+Delivered", status)
    page.screenshot(path=str(screenshots / "booking-delivered.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "finance@willow.example")
    page.goto(f"{server}/charges?month=2026-10")
    charges = page.locator("main").inner_text()
    assert "Ben Carter" in charges and "Riverside ICB" in charges and "£2,160.00" in charges
    assert_accessible(page, "the charges of October 2026")


def test_amira_unwell_for_one_night_is_charged_for_the_other(page, server):
    sign_in(page, server, "coordinator@willow.example")
    who_pays = book(page, server, "Amira Haddad", "Short-break night", "2027-01-11", "2027-01-13")
    assert re.findall(r"^\w{3} (\d\d/01/2027)\tNorthshire County Council", who_pays, re.MULTILINE) == [
        "11/01/2027", "12/01/2027"]
    page.get_by_role("button", name="Confirm the booking").click()
    page.wait_for_load_state()
    nights = page.locator("table", has_text="Each unit of the booking").locator("tbody tr")
    first, second = nights.nth(0), nights.nth(1)
    first.get_by_label(re.compile("Attendance")).select_option(label="Delivered")
    first.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    second = page.locator("table", has_text="Each unit of the booking").locator("tbody tr").nth(1)
    second.get_by_label(re.compile("Attendance")).select_option(label="Cancelled")
    second.get_by_label(re.compile("Reason")).select_option(label="Child unwell")
    second.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    rows = page.locator("table", has_text="Each unit of the booking").locator("tbody tr")
    assert "Delivered" in rows.nth(0).inner_text()
    assert "Cancelled – child unwell" in rows.nth(1).inner_text()
    assert re.search(r"Status\s+Delivered", page.locator("dl.summary").inner_text())


def open_child(page, server, name: str) -> None:
    page.goto(f"{server}/children")
    page.get_by_role("link", name=name).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("child, link, service, day, participant, payer, amount", [
    ("Haddad, Amira", "Book for Amira", "Sibling support session", "2026-04-18", "Sam Haddad", "Amira's ISF",
     "£35.00"),
    ("Haddad, Amira", "Book for Amira", "Hydrotherapy session", "2026-05-06", None, "Leila Haddad", "£60.00"),
    ("Wilson, Chloe", "Book for Chloe", "Hydrotherapy session", "2026-08-03", None,
     "Brightway Direct Payment Support (nominee for Chloe)", "£60.00"),
    ("Patel, Dev", "Book for Dev", "Short-break night", "2026-09-07", None,
     "Eastvale Council, Children's Social Care Team", "£650.00"),
    ("Thompson, Eleanor", "Book for Ellie", "End-of-life care night", "2026-11-16", None, "General Fund",
     "£0.00 (full cost £1,400.00)"),
])
def test_each_scenario_is_booked_from_the_childs_page_with_who_pays_shown_first(page, server, child, link, service,
                                                                                 day, participant, payer, amount):
    sign_in(page, server, "coordinator@willow.example")
    open_child(page, server, child)
    page.get_by_role("link", name=link).click()
    page.wait_for_load_state()
    page.get_by_label("Service", exact=True).select_option(label=service)
    page.get_by_label("First night or day").fill(day)
    if service.endswith("night"):
        page.get_by_label("Last day").fill((date.fromisoformat(day) + timedelta(days=1)).isoformat())
    if participant:
        page.get_by_label("Who takes part").select_option(label=participant)
    page.get_by_role("button", name="See who pays").click()
    page.wait_for_load_state()
    table = page.locator("table", has_text="Who will pay").inner_text()
    first_row = table.splitlines()[2].split("\t")
    assert first_row[1:3] == [payer, amount], table
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_load_state()
    confirm_and_deliver(page)
    assert re.search(r"Status\s+Delivered", page.locator("dl.summary").inner_text())
