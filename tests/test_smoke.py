"""The shell stands up: the login page, each role's pages, the stylesheet, and no inline script anywhere."""
import re

import pytest

from provider.users.models import Role


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_finance_signs_in_and_sees_finance_home(client, signed_in):
    signed_in("finance", name="Fran Finance")
    page = client.get("/")
    assert page.status_code == 200
    assert "Fran Finance" in page.text and "Funders" in page.text


def test_health_check_answers_anyone(anon):
    assert anon.get("/healthz").json() == {"status": "ok"}


def test_the_stylesheet_is_served_by_the_app_itself(anon):
    response = anon.get("/static/lantern.css")
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]
    login = anon.get("/login").text
    assert re.findall(r'(?:href|src)="(https?:)?//', login) == []  # nothing fetched from elsewhere


def _no_inline_script_or_style(html: str) -> None:
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], "inline <script>"
    assert re.findall(r"\son[a-z]+=", html) == [], "inline event handler"
    assert re.findall(r"\sstyle=", html) == [] and "<style" not in html, "inline style"


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_pages_have_no_inline_script_or_style(client, signed_in, role):
    _no_inline_script_or_style(client.get("/login").text)
    signed_in(role)
    _no_inline_script_or_style(client.get("/").text)
    if role == "admin":
        for url in ("/users", "/users/new", "/docs"):
            _no_inline_script_or_style(client.get(url).text)


def test_every_page_has_one_h1_a_title_and_a_language(client, signed_in):
    signed_in("admin")
    for url in ("/", "/users", "/users/new", "/no-such-page"):
        html = client.get(url).text
        assert html.count("<h1") == 1, url
        assert '<html lang="en-GB">' in html and re.search(r"<title>[^<]+ – Lantern</title>", html), url


def test_an_unknown_page_is_a_friendly_404(client, signed_in):
    signed_in("coordinator")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text and 'href="/"' in response.text
