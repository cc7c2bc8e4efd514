"""Charge pages and API: a month's allocation, why each part went where it did, and recalculation by finance."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from provider.catalogue import service as catalogue
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargeState
from provider.db import unit_of_work
from provider.people.models import Child
from tests.conftest import api, post_form, demo_once_per_module


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def uplift_hydrotherapy(db):
    hydro = db.exec(select(Service).where(Service.code == "HYDROTHERAPY")).one()
    with unit_of_work(db):
        catalogue.add_price(db, hydro, {"starts_on": date(2027, 2, 1), "price_pence": 6500, "full_cost_pence": 8000})


def test_finance_sees_a_months_charges_by_child_and_payer(client, willow, signed_in):
    signed_in("finance")
    page = client.get("/charges?month=2026-10")
    assert page.status_code == 200
    assert "Ben Carter</td><td>Riverside ICB</td><td class=\"num\">3</td>" in page.text
    assert "£2,160.00" in page.text


def test_a_charge_page_says_why_each_part_went_where_it_did(client, willow, signed_in):
    signed_in("coordinator")
    ben = willow.exec(select(Child).where(Child.first_name == "Benjamin")).one()
    charge = willow.exec(select(Charge).where(Charge.child_id == ben.id, Charge.day == date(2026, 10, 6))).one()
    page = client.get(f"/charges/{charge.id}")
    assert page.status_code == 200
    assert "Ben&#39;s continuing-care package (Riverside ICB) pays £720.00 for Short-break night at £720.00." in page.text


def test_the_api_lists_charges_with_their_parts(client, willow, signed_in):
    signed_in("finance")
    body = api(client, "GET", "/api/charges?month=2026-09").json()
    dev = [c for c in body if c["child_name"] == "Dev Patel"]
    assert [(c["day"], [(p["payer_name"], p["pence"]) for p in c["parts"]]) for c in dev] == [
        ("2026-09-07", [("Eastvale Council, Children's Social Care Team", 65000)]),
        ("2026-09-08", [("Eastvale Council, Children's Social Care Team", 65000)])]


@pytest.mark.parametrize("month", ["2026-13", "October", ""])
def test_a_month_that_is_not_one_is_refused_naming_the_field(client, willow, signed_in, month):
    signed_in("finance")
    page = client.get(f"/charges?month={month}") if month else client.get("/charges?month=x")
    assert page.status_code == 422 and 'href="#month"' in page.text
    response = api(client, "POST", "/api/charges/recalculate", json={"month": month or "x"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "month", "message": "must be a month written YYYY-MM, like 2026-10"}]


def test_recalculation_is_a_dry_run_until_finance_applies_what_it_saw(client, willow, signed_in):
    signed_in("finance")
    uplift_hydrotherapy(willow)
    page = client.get("/charges/recalculate?month=2027-02")
    assert "03/02/2027  Amira Haddad  Hydrotherapy session: Leila Haddad £60.00 -&gt; Leila Haddad £65.00" in page.text
    assert "Apply these 1 change</button>" in page.text
    stored = lambda: [c.id for c in willow.exec(select(Charge).where(Charge.day == date(2027, 2, 3),
                                                                      Charge.state == ChargeState.current))]
    before = stored()
    dry = api(client, "POST", "/api/charges/recalculate", json={"month": "2027-02"}).json()
    assert dry["applied"] is False and len(dry["differences"]) == 1
    willow.expire_all()
    assert stored() == before
    stale = api(client, "POST", "/api/charges/recalculate", json={"month": "2027-02", "apply": True,
                                                                  "fingerprint": "0" * 32})
    assert stale.status_code == 409
    willow.expire_all()
    assert stored() == before
    done = post_form(client, "/charges/recalculate", {"month": "2027-02", "fingerprint": dry["fingerprint"]})
    assert done.status_code == 303
    willow.expire_all()
    assert stored() != before
    assert api(client, "POST", "/api/charges/recalculate", json={"month": "2027-02"}).json()["differences"] == []


def test_coordinators_read_charges_but_cannot_recalculate(client, willow, signed_in):
    signed_in("coordinator")
    assert client.get("/charges?month=2026-10").status_code == 200
    assert client.get("/charges/recalculate?month=2026-10").status_code == 403
    assert api(client, "POST", "/api/charges/recalculate", json={"month": "2026-10"}).status_code == 403


@pytest.mark.parametrize("role", ["trustee", "family"])
def test_trustees_and_families_see_no_charges(client, willow, signed_in, role):
    signed_in(role)
    assert client.get("/charges?month=2026-10").status_code == 403
    assert api(client, "GET", "/api/charges?month=2026-10").status_code == 403


def test_a_stranger_is_sent_to_sign_in(anon, willow):
    assert anon.get("/charges?month=2026-10", follow_redirects=False).status_code in (302, 303)
    assert anon.get("/api/charges?month=2026-10").status_code == 401
