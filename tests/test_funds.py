"""Charitable funds: Willow's restricted Sibling Support Appeal and its General Fund, and every refusal."""
from __future__ import annotations

import html
import uuid

import pytest
from sqlmodel import func, select

from provider.catalogue import service as catalogue
from provider.catalogue.models import Service
from provider.db import unit_of_work
from provider.funders import funds
from provider.funders.models import CharitableFund, FundService
from tests.conftest import api, post_form

APPEAL = {"name": "Sibling Support Appeal", "restricted": "true",
          "purpose": "Sibling support sessions for the brothers and sisters of the children we care for"}


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def names_field(page: str, field: str) -> bool:
    return f'href="#{field}"' in page and f'id="{field}-error"' in page


def only_error(response, field: str) -> str:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    return errors[0]["message"]


def add_service(db, code: str, name: str, unit: str = "session") -> Service:
    with unit_of_work(db):
        return catalogue.create_service(db, {"code": code, "name": name, "unit": unit, "vat_treatment": "exempt",
                                             "vat_reason": "Care supplied by a charity"})


@pytest.fixture
def sibling_support(db) -> Service:
    return add_service(db, "SIBLING_SUPPORT", "Sibling support session")


@pytest.fixture
def short_break(db) -> Service:
    return add_service(db, "SHORT_BREAK_NIGHT", "Short-break night", "night")


def add_fund(db, **values) -> CharitableFund:
    with unit_of_work(db):
        return funds.save_fund(db, values)


def allowed(db, fund) -> set[uuid.UUID]:
    db.expire_all()
    return set(db.exec(select(FundService.service_id).where(FundService.fund_id == fund.id)))


def test_finance_adds_the_sibling_support_appeal_for_sibling_sessions(client, db, signed_in, sibling_support,
                                                                        short_break):
    signed_in("finance")
    form = client.get("/funds/new").text
    assert "Sibling support session" in form and "Short-break night" in form
    response = post_form(client, "/funds/new", {**APPEAL, "service_ids": [str(sibling_support.id)]})
    assert response.status_code == 303
    [fund] = db.exec(select(CharitableFund)).all()
    assert fund.restricted is True and allowed(db, fund) == {sibling_support.id}
    listing = client.get("/funds").text
    assert "Sibling Support Appeal" in listing and "Restricted" in listing and "Sibling support session" in listing


def test_finance_changes_the_services_a_fund_may_pay_for(client, db, signed_in, sibling_support, short_break):
    fund = add_fund(db, **APPEAL, service_ids=[sibling_support.id])
    signed_in("finance")
    page = client.get(f"/funds/{fund.id}").text
    assert f'value="{sibling_support.id}" checked' in page and f'value="{short_break.id}" checked' not in page
    response = post_form(client, f"/funds/{fund.id}", {**APPEAL, "service_ids": [str(short_break.id)],
                                                       "is_active": "true"})
    assert response.status_code == 303
    assert allowed(db, fund) == {short_break.id}


def test_the_api_creates_reads_and_changes_funds(client, db, signed_in, sibling_support):
    signed_in("finance")
    created = api(client, "POST", "/api/funds", json={**APPEAL, "restricted": True,
                                                      "service_ids": [str(sibling_support.id)]})
    assert created.status_code == 201 and created.json()["service_ids"] == [str(sibling_support.id)]
    general = api(client, "POST", "/api/funds", json={"name": "General Fund", "purpose": "Unrestricted income"})
    assert general.status_code == 201 and general.json()["restricted"] is False
    changed = api(client, "PATCH", f"/api/funds/{created.json()['id']}", json={"is_active": False})
    assert changed.status_code == 200 and changed.json()["service_ids"] == [str(sibling_support.id)]
    assert [f["name"] for f in api(client, "GET", "/api/funds").json()] == ["General Fund", "Sibling Support Appeal"]
    assert api(client, "GET", f"/api/funds/{general.json()['id']}").json()["purpose"] == "Unrestricted income"


def test_form_refuses_a_fund_name_already_used(client, db, signed_in):
    add_fund(db, name="General Fund")
    signed_in("finance")
    response = post_form(client, "/funds/new", {"name": "general fund", "restricted": "false", "purpose": ""})
    assert response.status_code == 422 and names_field(response.text, "name")
    assert "is already used by another fund" in response.text and 'value="general fund"' in response.text
    assert count(db, CharitableFund) == 1


def test_api_refuses_a_fund_name_already_used(client, db, signed_in):
    add_fund(db, name="General Fund")
    appeal = add_fund(db, **APPEAL)
    signed_in("finance")
    assert only_error(api(client, "POST", "/api/funds", json={"name": "General Fund"}), "name") == \
        "is already used by another fund"
    only_error(api(client, "PATCH", f"/api/funds/{appeal.id}", json={"name": "GENERAL FUND"}), "name")
    db.expire_all()
    assert count(db, CharitableFund) == 2 and db.get(CharitableFund, appeal.id).name == "Sibling Support Appeal"


def test_a_restricted_fund_needs_its_purpose(client, db, signed_in, sibling_support):
    signed_in("finance")
    response = post_form(client, "/funds/new", {**APPEAL, "purpose": "", "service_ids": [str(sibling_support.id)]})
    assert response.status_code == 422 and names_field(response.text, "purpose")
    assert f'value="{sibling_support.id}" checked' in response.text
    response = api(client, "POST", "/api/funds", json={"name": "Appeal", "restricted": True})
    assert only_error(response, "purpose") == "is required for a restricted fund"
    assert count(db, CharitableFund) == 0


def test_only_a_restricted_fund_names_services(client, db, signed_in, sibling_support):
    signed_in("finance")
    response = post_form(client, "/funds/new", {"name": "General Fund", "restricted": "false", "purpose": "",
                                                "service_ids": [str(sibling_support.id)]})
    assert response.status_code == 422 and names_field(response.text, "service_ids")
    response = api(client, "POST", "/api/funds", json={"name": "General Fund", "service_ids": [str(sibling_support.id)]})
    assert only_error(response, "service_ids").startswith("are only for a restricted fund")
    assert count(db, CharitableFund) == 0 and count(db, FundService) == 0


def test_a_fund_may_only_name_services_in_the_catalogue(client, db, signed_in):
    signed_in("finance")
    response = api(client, "POST", "/api/funds", json={**APPEAL, "restricted": True, "service_ids": [str(uuid.uuid4())]})
    assert only_error(response, "service_ids") == "must be services in the catalogue"
    response = api(client, "POST", "/api/funds", json={**APPEAL, "restricted": True, "service_ids": ["SIBLINGS"]})
    assert only_error(response, "service_ids.0") == "is not a known record"
    assert count(db, CharitableFund) == 0


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family", "admin"])
def test_only_finance_manages_funds(client, db, signed_in, role):
    fund = add_fund(db, name="General Fund")
    signed_in(role)
    assert client.get("/funds").status_code == 403
    assert client.get(f"/funds/{fund.id}").status_code == 403
    assert post_form(client, f"/funds/{fund.id}", {"name": "Renamed"}).status_code == 403
    assert api(client, "GET", "/api/funds").status_code == 403
    assert api(client, "POST", "/api/funds", json={"name": "Another"}).status_code == 403
    db.expire_all()
    assert count(db, CharitableFund) == 1 and db.get(CharitableFund, fund.id).name == "General Fund"


def test_finance_reads_the_history_of_a_fund(client, db, signed_in):
    fund = add_fund(db, name="General Fund")
    signed_in("finance", name="Fran Finance")
    assert api(client, "PATCH", f"/api/funds/{fund.id}", json={"purpose": "Unrestricted income"}).status_code == 200
    page = html.unescape(client.get(f"/history/charitable_funds/{fund.id}").text)
    assert "Fran Finance" in page and "Unrestricted income" in page
    assert f'href="/history/charitable_funds/{fund.id}"' in client.get(f"/funds/{fund.id}").text


def test_an_unknown_fund_is_404(client, signed_in):
    signed_in("finance")
    assert client.get(f"/funds/{uuid.uuid4()}").status_code == 404
    assert api(client, "PATCH", f"/api/funds/{uuid.uuid4()}", json={"name": "X"}).status_code == 404


def test_every_fund_page_has_one_h1_labels_and_no_inline_script_or_style(client, db, signed_in, sibling_support):
    from tests.test_settings import assert_plain_page

    fund = add_fund(db, **APPEAL, service_ids=[sibling_support.id])
    signed_in("finance")
    for url in ("/funds", "/funds/new", f"/funds/{fund.id}"):
        assert_plain_page(client.get(url).text)
    assert_plain_page(post_form(client, "/funds/new", {"name": "", "restricted": "true"}).text)
