"""Issue 8 item 8: a trustee reaches the reports and charitable income totals and nothing that names a child.

Every route of the app is tried as the demo's trustee: those written below (by hand, not read from the routes'
own declarations) answer, and no answer carries any child's name or NHS number, or any family member's name; every
other route is refused, even with a real child's id in its address."""
from __future__ import annotations

import html
import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from lantern import demo
from provider.organisation.models import ProviderSettings
from provider.people.models import Child, FamilyMember
from provider.users.models import Role
from provider.web.deps import route_rules
from tests.conftest import api, demo_once_per_module, post_form

demo_connection, connection = demo_once_per_module()

TRUSTEE_GETS = [
    "/", "/charity", "/charity?year=2026", "/reports", "/reports?year=2026", "/reports?year=2026&quarter=3",
    "/reports?month=2027-01", "/reports/income.csv?year=2026", "/reports/cost-of-care.csv?year=2026",
    "/reports/paid-by.csv?year=2026", "/reports/contracts.csv?year=2026", "/reports/activity.csv?year=2026",
    "/reports/pack.pdf?year=2026", "/api/me", "/api/charity/totals?year=2026",
    "/api/reports/statutory-income?year=2026", "/api/reports/care?year=2026&quarter=2", "/account/two-factor",
    "/account/tokens", "/api/tokens",
]
TRUSTEE_ROUTES = {  # (method, path) a trustee may use, as a trustee's work needs them
    ("GET", "/"), ("POST", "/logout"), ("GET", "/charity"), ("GET", "/reports"), ("GET", "/reports/income.csv"),
    ("GET", "/reports/{name}.csv"), ("GET", "/reports/pack.pdf"), ("GET", "/api/me"), ("POST", "/api/tokens"),
    ("GET", "/api/charity/totals"), ("GET", "/api/reports/statutory-income"), ("GET", "/api/reports/care"),
    ("GET", "/account/two-factor"), ("POST", "/account/two-factor"), ("POST", "/account/two-factor/off"),
    ("GET", "/account/tokens"), ("POST", "/account/tokens"), ("GET", "/api/tokens"),
    ("POST", "/tokens/{token_id}/revoke"), ("POST", "/api/tokens/{token_id}/revoke"),
}


@pytest.fixture
def trustee(app, db) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    assert post_form(browser, "/login", {"email": "trustee@willow.example",
                                         "password": demo.DEMO_PASSWORD}).status_code == 303
    return browser


def markers(db) -> set[str]:
    """Every child's names and NHS number, and every family member's name, as the demo holds them."""
    found = set()
    for child in db.exec(select(Child)):
        found |= {child.first_name, child.last_name, child.preferred_name, child.nhs_number}
    for member in db.exec(select(FamilyMember)):
        found |= {member.name, *member.name.split()}
    return {m for m in found if m and len(m) > 2}


def body_text(response) -> str:
    if response.headers.get("content-type", "").startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return html.unescape(response.text)


def names_in(text: str, found: set[str], hospice: str) -> list[str]:
    text = text.replace(hospice, "the hospice")
    return sorted(m for m in found if re.search(rf"\b{re.escape(m)}\b", text))


def test_the_routes_a_trustee_may_use_are_exactly_these(app):
    allowed = {(method, path) for methods, path, rule in route_rules(app) if rule != "public" and rule
               and Role.trustee in rule for method in methods.split(",")}
    assert allowed == TRUSTEE_ROUTES


def test_every_page_a_trustee_reads_names_no_child_and_no_family(trustee, db):
    found, hospice = markers(db), db.get(ProviderSettings, 1).name
    assert {"Amira", "Haddad", "Leila"} <= found
    for url in TRUSTEE_GETS:
        answer = trustee.get(url)
        assert answer.status_code == 200, url
        assert names_in(body_text(answer), found, hospice) == [], url


def test_every_other_route_refuses_a_trustee_even_with_a_real_childs_id(app, trustee, db):
    amira = db.exec(select(Child).where(Child.first_name == "Amira")).one()
    found, hospice = markers(db), db.get(ProviderSettings, 1).name
    refused = 0
    for methods, path, rule in route_rules(app):
        for method in methods.split(","):
            if rule == "public" or (method, path) in TRUSTEE_ROUTES or method == "HEAD":
                continue
            url = re.sub(r"\{[^}]+\}", str(amira.id), path)
            answer = api(trustee, method, url)
            assert answer.status_code == 403, (method, url, answer.status_code)
            assert names_in(answer.text, found, hospice) == [], (method, url)
            refused += 1
    assert refused > 150
