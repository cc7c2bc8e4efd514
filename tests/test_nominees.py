"""Nominees and their written nominations: recorded, shown, withdrawn — and refused when the dates are wrong."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import select

from provider.db import unit_of_work
from provider.people import nominations
from provider.people.models import Nomination, Nominee
from tests.conftest import api, post_form
from tests.test_people_children import fixed_today  # noqa: F401  (the autouse fixture: today is 10 April 2027)
from tests.test_people_children import add_child, count, error_summary_names, relate_family_user

BRIGHTWAY = {"kind": "organisation", "name": "Brightway Direct Payment Support", "contact_name": "Pat Reid",
             "address": "Unit 3, Eastvale Business Park\nEastvale EV2 9QT", "email": "accounts@brightway.example",
             "phone": "01632 960555", "notes": ""}
NOMINATION = {"budget": "Personal health budget — Riverside ICB", "nominated_by": "Chloe's father, Mark Brown",
              "received_on": "2026-03-02"}


def add_nominee(db, **values) -> Nominee:
    with unit_of_work(db):
        return nominations.create_nominee(db, {**BRIGHTWAY, **values})


def add_nomination(db, nominee, child, **values) -> Nomination:
    with unit_of_work(db):
        return nominations.add_nomination(db, nominee, {**NOMINATION, "child_id": child.id, **values})


def test_a_coordinator_records_a_nominee_and_chloes_written_nomination(client, db, signed_in):
    signed_in("coordinator")
    chloe = add_child(db, first_name="Chloe", last_name="Brown")
    response = post_form(client, "/nominees/new", BRIGHTWAY)
    assert response.status_code == 303, response.text
    nominee_id = re.fullmatch(r"/nominees/([0-9a-f-]{36})", response.headers["location"]).group(1)
    form = client.get(f"/children/{chloe.id}/nominations/new")
    assert "Brightway Direct Payment Support" in form.text
    response = post_form(client, f"/children/{chloe.id}/nominations/new", {**NOMINATION, "nominee_id": nominee_id})
    assert response.status_code == 303, response.text
    page = client.get(f"/nominees/{nominee_id}").text
    for text in ("Brightway Direct Payment Support", "Pat Reid", "Chloe Brown",
                 "Personal health budget — Riverside ICB", "2 March 2026", "In force",
                 f"/history/nominees/{nominee_id}"):
        assert text in page, text
    child_page = client.get(f"/children/{chloe.id}").text
    assert "Brightway Direct Payment Support" in child_page and "2 March 2026" in child_page
    detail = api(client, "GET", f"/api/nominees/{nominee_id}").json()
    assert [(n["child_name"], n["in_force"]) for n in detail["nominations"]] == [("Chloe Brown", True)]


def test_the_api_records_a_nominee_and_a_nomination_then_withdraws_it(client, db, signed_in):
    signed_in("coordinator")
    chloe = add_child(db, first_name="Chloe", last_name="Brown")
    created = api(client, "POST", "/api/nominees", json={**BRIGHTWAY, "notes": "Holds PHBs for several families"})
    assert created.status_code == 201, created.text
    nominee_id = created.json()["id"]
    nominated = api(client, "POST", f"/api/nominees/{nominee_id}/nominations",
                    json={**NOMINATION, "child_id": str(chloe.id)})
    assert nominated.status_code == 201, nominated.text
    assert nominated.json()["in_force"] is True and nominated.json()["nominee_name"] == BRIGHTWAY["name"]
    withdrawn = api(client, "POST", f"/api/nominations/{nominated.json()['id']}/withdraw",
                    json={"withdrawn_on": "2027-01-31"})
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    assert withdrawn.json()["withdrawn_on"] == "2027-01-31"
    listed = api(client, "GET", "/api/nominees", params={"q": "brightway"}).json()
    assert [n["name"] for n in listed] == [BRIGHTWAY["name"]]


def test_a_coordinator_edits_a_nominee_and_the_history_shows_it(client, db, signed_in):
    signed_in("coordinator", name="Cora Coordinator")
    nominee = add_nominee(db)
    assert 'value="Pat Reid"' in client.get(f"/nominees/{nominee.id}/edit").text
    response = post_form(client, f"/nominees/{nominee.id}/edit", {**BRIGHTWAY, "contact_name": "Jo Reid"})
    assert response.status_code == 303
    history = client.get(f"/history/nominees/{nominee.id}").text
    assert "Updated by Cora Coordinator" in history and "Pat Reid" in history and "Jo Reid" in history
    patched = api(client, "PATCH", f"/api/nominees/{nominee.id}", json={"phone": "01632 960000"})
    assert patched.status_code == 200 and patched.json()["contact_name"] == "Jo Reid"


# --- bad input ------------------------------------------------------------------------------------------------

def test_form_refuses_a_nomination_withdrawn_before_it_was_received(client, db, signed_in):
    signed_in("coordinator")
    nomination = add_nomination(db, add_nominee(db), add_child(db))
    response = post_form(client, f"/nominations/{nomination.id}/withdraw", {"withdrawn_on": "2026-03-01"})
    assert response.status_code == 422
    assert error_summary_names(response.text, "withdrawn_on")
    assert "must not be before the date the nomination was received" in response.text
    assert 'value="2026-03-01"' in response.text
    db.expire_all()
    assert db.get(Nomination, nomination.id).withdrawn_on is None


def test_api_refuses_a_nomination_withdrawn_before_it_was_received(client, db, signed_in):
    signed_in("coordinator")
    nominee, child = add_nominee(db), add_child(db)
    nomination = add_nomination(db, nominee, child)
    response = api(client, "POST", f"/api/nominations/{nomination.id}/withdraw", json={"withdrawn_on": "2026-03-01"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "withdrawn_on",
                                          "message": "must not be before the date the nomination was received"}]
    db.expire_all()
    assert db.get(Nomination, nomination.id).withdrawn_on is None
    before = count(db, Nomination)
    response = api(client, "POST", f"/api/nominees/{nominee.id}/nominations",
                   json={**NOMINATION, "child_id": str(child.id), "withdrawn_on": "2026-03-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "withdrawn_on"
    assert count(db, Nomination) == before


def test_a_nomination_received_in_the_future_is_refused(client, db, signed_in):
    signed_in("coordinator")
    nominee, child = add_nominee(db), add_child(db)
    response = post_form(client, f"/children/{child.id}/nominations/new",
                         {**NOMINATION, "nominee_id": str(nominee.id), "received_on": "2027-04-11"})
    assert response.status_code == 422 and error_summary_names(response.text, "received_on")
    response = api(client, "POST", f"/api/nominees/{nominee.id}/nominations",
                   json={**NOMINATION, "child_id": str(child.id), "received_on": "2027-04-11"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "received_on", "message": "must not be in the future"}]
    assert count(db, Nomination) == 0


def test_a_nomination_needs_a_nominee_a_real_date_and_a_known_child(client, db, signed_in):
    signed_in("coordinator")
    nominee, child = add_nominee(db), add_child(db)
    response = post_form(client, f"/children/{child.id}/nominations/new",
                         {**NOMINATION, "nominee_id": "", "received_on": "2026-02-30"})
    assert response.status_code == 422 and error_summary_names(response.text, "nominee_id")
    response = post_form(client, f"/children/{child.id}/nominations/new",
                         {**NOMINATION, "nominee_id": str(nominee.id), "received_on": "2026-02-30"})
    assert response.status_code == 422 and "must be a real date" in response.text
    response = api(client, "POST", f"/api/nominees/{nominee.id}/nominations",
                   json={**NOMINATION, "child_id": str(uuid.uuid4())})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "child_id"
    assert count(db, Nomination) == 0


def test_a_nomination_cannot_be_withdrawn_twice(client, db, signed_in):
    signed_in("coordinator")
    nomination = add_nomination(db, add_nominee(db), add_child(db), withdrawn_on="2026-12-01")
    response = api(client, "POST", f"/api/nominations/{nomination.id}/withdraw", json={"withdrawn_on": "2027-01-01"})
    assert response.status_code == 422 and "1 December 2026" in response.json()["errors"][0]["message"]
    db.expire_all()
    assert str(db.get(Nomination, nomination.id).withdrawn_on) == "2026-12-01"


def test_form_refuses_a_nominee_with_a_bad_email_and_no_address(client, db, signed_in):
    signed_in("coordinator")
    response = post_form(client, "/nominees/new", {**BRIGHTWAY, "email": "accounts at brightway", "address": ""})
    assert response.status_code == 422
    assert error_summary_names(response.text, "email") and error_summary_names(response.text, "address")
    assert 'value="accounts at brightway"' in response.text
    assert count(db, Nominee) == 0


def test_api_refuses_a_nominee_with_a_bad_email(client, db, signed_in):
    signed_in("coordinator")
    response = api(client, "POST", "/api/nominees", json={**BRIGHTWAY, "email": "accounts@"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "email",
                                          "message": "must be an email address, like name@example.org"}]
    assert count(db, Nominee) == 0


# --- who may see and change nominees ---------------------------------------------------------------------------

def test_finance_reads_nominees_but_cannot_change_them(client, db, signed_in):
    nominee = add_nominee(db)
    nomination = add_nomination(db, nominee, add_child(db))
    signed_in("finance")
    assert client.get("/nominees").status_code == 200
    page = client.get(f"/nominees/{nominee.id}")
    assert page.status_code == 200 and "/withdraw" not in page.text and "/edit" not in page.text
    assert api(client, "GET", f"/api/nominees/{nominee.id}").status_code == 200
    assert client.get("/nominees/new").status_code == 403
    assert post_form(client, "/nominees/new", BRIGHTWAY).status_code == 403
    assert api(client, "POST", "/api/nominees", json=BRIGHTWAY).status_code == 403
    assert api(client, "PATCH", f"/api/nominees/{nominee.id}", json={"name": "X"}).status_code == 403
    assert api(client, "POST", f"/api/nominations/{nomination.id}/withdraw",
               json={"withdrawn_on": "2027-01-01"}).status_code == 403
    assert count(db, Nominee) == 1
    db.expire_all()
    assert db.get(Nomination, nomination.id).withdrawn_on is None


@pytest.mark.parametrize("role", ["admin", "trustee", "family"])
def test_administrators_trustees_and_families_get_403_on_nominee_pages_and_api(client, db, signed_in, role):
    nominee = add_nominee(db)
    signed_in(role)
    for url in ("/nominees", f"/nominees/{nominee.id}", "/nominees/new", f"/nominees/{nominee.id}/edit"):
        assert client.get(url).status_code == 403, url
    assert api(client, "GET", "/api/nominees").status_code == 403
    assert api(client, "GET", f"/api/nominees/{nominee.id}").status_code == 403


def test_a_family_user_sees_the_nomination_on_their_childs_page_but_cannot_add_one(client, db, signed_in):
    parent = signed_in("family")
    child = add_child(db)
    relate_family_user(db, child, parent)
    nominee = add_nominee(db)
    add_nomination(db, nominee, child)
    page = client.get(f"/children/{child.id}")
    assert "Brightway Direct Payment Support" in page.text and f"/nominees/{nominee.id}" not in page.text
    assert client.get(f"/children/{child.id}/nominations/new").status_code == 403
    response = post_form(client, f"/children/{child.id}/nominations/new", {**NOMINATION, "nominee_id": str(nominee.id)})
    assert response.status_code == 403
    assert len(db.exec(select(Nomination)).all()) == 1


def test_every_people_page_has_one_h1_and_no_inline_script_or_style(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    nominee = add_nominee(db)
    nomination = add_nomination(db, nominee, child)
    member_id = api(client, "POST", f"/api/children/{child.id}/family",
                    json={"name": "Sam Haddad", "relationship": "sibling"}).json()["id"]
    pages = ["/children", "/children?q=Amira", "/children/new", f"/children/{child.id}", f"/children/{child.id}/edit",
             f"/children/{child.id}/family/new", f"/children/{child.id}/family/{member_id}",
             f"/children/{child.id}/nominations/new", "/nominees", "/nominees/new", f"/nominees/{nominee.id}",
             f"/nominees/{nominee.id}/edit", f"/nominations/{nomination.id}/withdraw"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert html.count("<h1") == 1, url
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [] and re.findall(r"\sstyle=", html) == [], url
        inputs = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        assert inputs <= set(re.findall(r'<label for="([^"]+)"', html)), url
