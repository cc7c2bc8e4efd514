"""Issue 9 item 6, the journeys not already driven elsewhere: a trustee opens the report and the pack; Leila reads
Amira's statement on a phone-sized screen (DOMAIN.md §10). Every page passes axe with no serious or critical
violation and leaves a screenshot. (A coordinator booking a short break: test_browser_bookings.py; finance
running invoicing and opening a PDF: test_browser_invoicing.py.)"""
from __future__ import annotations

import re

import pytest

from tests.live import live_server
from tests.test_browser import CHROMIUM, assert_accessible, chromium, screenshots, watch  # noqa: F401  (fixtures)
from tests.test_browser_bookings import sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def server(_fresh_urls, tmp_path_factory):
    from lantern import demo
    from tests.test_browser import _browser_available

    _browser_available()
    with live_server(_fresh_urls("browser_journeys"), tmp_path_factory.mktemp("browser-journeys-data"),
                     lambda session: demo.build(session)) as address:
        yield address


def test_a_trustee_reads_2026_27_and_opens_the_pack(chromium, server, screenshots):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = watch(context.new_page())
    sign_in(page, server, "trustee@willow.example")
    page.get_by_role("link", name="Reports").first.click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Statutory income, 2026/27" in main                       # last year, while 2027/28 has no income yet
    assert "NCC-SB-2627" in main and "£150,000.00" in main and "£310,000.00" in main
    assert "Lines from fewer than 5 children each" in main and "Amira" not in main
    assert page.locator("svg[role=img]").count() == 3
    assert_accessible(page, "the trustee's report")
    page.screenshot(path=str(screenshots / "trustee-report.png"), full_page=True)
    pack = page.get_by_role("link", name="The trustee pack (PDF)").get_attribute("href")
    pdf = page.request.get(f"{server}{pack}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    context.close()


def test_leila_reads_amiras_statement_on_a_phone(chromium, server, screenshots):  # noqa: F811
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = watch(context.new_page())
    sign_in(page, server, "leila@family.example")
    main = page.locator("main").inner_text()
    assert "Amira's money" in main and "£1,415.00" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]   # nothing wider than the phone
    assert_accessible(page, "Leila's home page on a phone")
    page.screenshot(path=str(screenshots / "family-home-phone.png"), full_page=True)
    page.get_by_role("link", name="Read Amira's statements").click()
    page.wait_for_load_state()
    assert_accessible(page, "Amira's statements on a phone")
    page.get_by_role("link", name="Read it (period 13)").click()
    page.wait_for_load_state()
    statement = page.locator("main").inner_text()
    assert "£1,415.00" in statement
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "Amira's statement for period 13 on a phone")
    page.screenshot(path=str(screenshots / "family-statement-phone.png"), full_page=True)
    context.close()
