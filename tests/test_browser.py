"""A real browser: Debian's Chromium through Playwright against a live server, one user per role.

Each role signs in through the form, sees its home page, passes axe (no serious or critical
violations) and leaves a screenshot in test-output/screenshots/.
"""
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long enough password"
PEOPLE = {
    "admin": ("Ada Admin", "Administration"),
    "finance": ("Fran Finance", "Finance"),
    "coordinator": ("Cora Coordinator", "Care coordination"),
    "trustee": ("Tom Trustee", "Trustees"),
    "family": ("Leila Haddad", "Welcome, Leila Haddad"),
}

pytestmark = pytest.mark.browser


def _browser_available() -> None:
    if os.environ.get("LANTERN_NO_BROWSER") == "1" and os.environ.get("CI") != "true":
        pytest.skip("LANTERN_NO_BROWSER=1: the browser tests are switched off on this machine")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: under CI=true the browser test must run")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium package)")


@pytest.fixture(scope="module")
def server(_fresh_urls, tmp_path_factory):
    """A live server over its own committed database with one user per role."""
    _browser_available()
    from provider.users.service import create_user
    from tests.live import live_server

    def people(session):
        for role, (name, _heading) in PEOPLE.items():
            create_user(session, {"email": f"{role}@browser.example", "name": name, "role": role,
                                  "password": PASSWORD})

    with live_server(_fresh_urls("browser"), tmp_path_factory.mktemp("browser-data"), people) as address:
        yield address


@pytest.fixture(scope="module")
def chromium(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch(page)
    yield page
    context.close()


@pytest.fixture(scope="module")
def screenshots(output_dir) -> Path:
    folder = output_dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def watch(page):
    """Collect console errors and failed sub-resources (a stylesheet blocked or missing)."""
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and response.request.resource_type != "document"
            and page.console_errors.append(f"{response.status} {response.url}"))
    return page


def sign_in(page, server, role, password=PASSWORD):
    page.goto(f"{server}/login")
    page.get_by_label("Email address").fill(f"{role}@browser.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_accessible(page, what: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    assert results["passes"], "axe did not run on the page"
    violations = results["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    for v in serious:
        print(f"{what}: {v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}")
    assert serious == [], f"{what} has serious accessibility problems: {[v['id'] for v in serious]}"
    problems = [e for e in page.console_errors if "Failed to load resource" not in e or "status of" not in e]
    assert problems == [], problems  # no stylesheet missing, nothing blocked by the content security policy


@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_role_signs_in_and_sees_an_accessible_home_page(page, server, screenshots, role):
    name, heading = PEOPLE[role]
    sign_in(page, server, role)
    assert page.url == f"{server}/"
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert name in page.locator("header").inner_text()
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert_accessible(page, f"the {role} home page")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.screenshot(path=str(screenshots / f"{role}.png"), full_page=True)


def test_wrong_password_shows_the_error_summary_and_stays_accessible(page, server, screenshots):
    sign_in(page, server, "finance", password="not the password")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    assert "Email address or password is not right" in summary.inner_text()
    assert page.get_by_label("Email address").input_value() == "finance@browser.example"
    assert page.get_by_label("Password").input_value() == ""
    assert_accessible(page, "the login page with an error")
    page.screenshot(path=str(screenshots / "login-error.png"), full_page=True)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "email"  # the summary link leads to the field


def test_signing_out_returns_to_the_login_page(page, server):
    sign_in(page, server, "trustee")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.url == f"{server}/login"
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")


def test_a_phone_sized_screen_needs_no_sideways_scrolling(chromium, server, screenshots):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = watch(context.new_page())
    try:
        sign_in(page, server, "coordinator")
        assert page.get_by_role("heading", level=1).inner_text() == "Care coordination"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert_accessible(page, "the coordinator home page on a phone")
        page.screenshot(path=str(screenshots / "coordinator-phone.png"), full_page=True)
    finally:
        context.close()
