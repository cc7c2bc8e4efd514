"""Finance takes the demo's March bank statement, matches it, sees aged debt fall, sends reminders (none to a
bereaved family) and exports to Xero and Sage, in a real browser (Chromium, Playwright)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.live import live_server
from tests.test_browser import assert_accessible, chromium, page, screenshots  # noqa: F401  (fixtures)
from tests.test_browser_bookings import sign_in

pytestmark = pytest.mark.browser
STATEMENT = Path(__file__).parent.parent / "lantern" / "demo_data" / "statements" / "willow-operating-2027-03.csv"


@pytest.fixture(scope="module")
def server(_fresh_urls, tmp_path_factory):
    from lantern import demo
    from tests.test_browser import _browser_available

    _browser_available()
    with live_server(_fresh_urls("browser_money_in"), tmp_path_factory.mktemp("browser-money-in-data"),
                     lambda session: demo.build(session)) as address:
        yield address


def _total_owed(page) -> str:
    return re.search(r"Owed in all:? (£[\d,]+\.\d\d)", page.locator("main").inner_text()).group(1)


def test_finance_matches_marchs_statement_chases_what_is_left_and_exports(page, server, screenshots):
    sign_in(page, server, "finance@willow.example")
    page.goto(f"{server}/debt")
    before = page.locator("main").inner_text()
    assert "£116,080.00" in before
    assert_accessible(page, "aged debt")

    page.get_by_role("link", name="Bank", exact=True).click()
    operating = page.locator("#account_id option", has_text="Operating").first.get_attribute("value")
    page.get_by_label("Account").select_option(operating)
    page.get_by_label("Statement file").set_input_files(str(STATEMENT))
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    assert "9 new" in page.locator("main").inner_text()
    assert_accessible(page, "bank statements")
    page.get_by_role("link", name=re.compile("Operating")).first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(screenshots / "bank-lines.png"), full_page=True)
    assert_accessible(page, "statement lines")
    for _ in range(4):   # Northshire's quarter, Eastvale's balance, the grant's quarter, Leila's session
        page.get_by_role("button", name=re.compile("^Accept")).first.click()
        page.wait_for_load_state()
    matched = page.locator("main").inner_text()
    assert "From Northshire County Council" in matched and "From Riverside ICB" in matched

    page.goto(f"{server}/debt")
    after = page.locator("main").inner_text()
    assert "£720.00" in after and "£116,080.00" not in after   # only the night Riverside disputes is left
    page.screenshot(path=str(screenshots / "aged-debt-after-march.png"), full_page=True)

    page.goto(f"{server}/debt/overdue")
    overdue = page.locator("main").inner_text()
    assert "Thompson" not in overdue   # Ellie's family: no letter, ever, under the hold
    assert_accessible(page, "overdue invoices")

    page.goto(f"{server}/exports?from=2026-04-01&to=2027-03-31")
    for name in ("xero", "sage"):
        link = page.locator(f"a[href*='/exports/{name}.csv']").first.get_attribute("href")
        download = page.request.get(f"{server}{link}")
        assert download.status == 200 and download.headers["content-type"].startswith("text/csv")
        assert "INV2627000014" in download.text()
    assert_accessible(page, "exports")
