"""Finance runs, checks, issues, sends and credits a month's invoicing in a real browser (Chromium, Playwright)."""
from __future__ import annotations

import re

import pytest

from tests.live import live_server
from tests.test_browser import assert_accessible, chromium, page, screenshots  # noqa: F401  (fixtures)
from tests.test_browser_bookings import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(_fresh_urls, tmp_path_factory):
    from lantern import demo
    from tests.test_browser import _browser_available

    _browser_available()
    with live_server(_fresh_urls("browser_invoicing"), tmp_path_factory.mktemp("browser-invoicing-data"),
                     lambda session: demo.build(session, invoicing=False)) as address:
        yield address


def test_finance_runs_issues_sends_and_credits_october(page, server, screenshots):
    sign_in(page, server, "finance@willow.example")
    page.get_by_role("link", name="Invoices", exact=True).click()
    page.get_by_label("Month of supply").fill("2026-10")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Run invoicing for 2026-10").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Riverside ICB · purchase order RIV-PO-55012: £2,160.00" in main
    assert "Riverside ICB · grant NHS-CHF-2627: £77,500.00" in main   # scenario 7's quarterly grant invoice
    assert "Ben" not in page.locator("table", has_text="Riverside ICB · purchase order").inner_text()
    assert_accessible(page, "the invoice run")
    page.screenshot(path=str(screenshots / "invoice-run.png"), full_page=True)
    page.get_by_role("button", name=re.compile(r"^Issue 4 invoices")).click()
    page.wait_for_url("**/invoices?month=2026-10&issued=4", timeout=30_000)   # after the PDFs' progress page
    listed = page.locator("main").inner_text()
    assert "Issued 4 invoices." in listed and "INV2728000003" in listed and "INV2728000004" in listed

    page.get_by_role("button", name="Send the invoices not yet sent").click()
    page.wait_for_load_state()
    assert "In the outbox for riversideicb.invoices@nhs.example" in page.locator("main").inner_text()

    page.get_by_role("link", name="INV2728000003").click()
    page.wait_for_load_state()
    pdf_link = page.get_by_role("link", name=re.compile("as issued")).get_attribute("href")
    pdf = page.request.get(f"{server}{pdf_link}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    page.get_by_label("Reason").fill("One night charged at the wrong rate")
    page.get_by_label(re.compile("Credit on")).fill("70.00")
    page.get_by_role("button", name="Issue the credit note").click()
    page.wait_for_load_state()
    note = page.locator("main").inner_text()
    assert "Credit note CN2728000001" in note and "Invoice INV2728000003" in note and "£70.00" in note
    assert_accessible(page, "a credit note")
