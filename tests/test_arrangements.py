"""Funding arrangements for Willow's children (DOMAIN.md §10) through the pages and the API, and every refusal."""
from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import func, select

from lantern import demo
from provider.catalogue.models import Service
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from lantern.demo_data import catalogue, funders, organisation, people
from lantern.demo_data.funders import DemoFunders
from provider.funders.models import FunderDepartment
from provider.funding import service
from provider.funding.models import Arrangement, ArrangementRate, ArrangementService, ArrangementShare
from provider.people.models import Child, FamilyMember, Nominee
from tests.conftest import api, post_form


@dataclass
class World:
    """Willow's services, funders, children and families from the demo builders; no arrangements yet."""

    services: dict[str, Service]
    funders: DemoFunders
    children: dict[str, Child]
    db: object

    def sid(self, code: str) -> str:
        return str(self.services[code].id)

    def child(self, name: str) -> str:
        return str(self.children[name].id)

    def member(self, name: str) -> str:
        return str(self.db.exec(select(FamilyMember).where(FamilyMember.name == name)).one().id)

    def nominee(self, name: str) -> str:
        return str(self.db.exec(select(Nominee).where(Nominee.name == name)).one().id)

    def department(self, funder, name_start: str) -> str:
        return str(self.db.exec(select(FunderDepartment).where(FunderDepartment.funder_id == funder.id,
                                                               FunderDepartment.name.startswith(name_start))).one().id)


@pytest.fixture
def world(db, make_user) -> World:
    key_worker, family_user = make_user("coordinator"), make_user("family", email="leila@family.example")
    with unit_of_work(db):
        set_as_of_date(db, demo.AS_OF)
        organisation.build(db)
        services = catalogue.build(db)
        found = funders.build(db, services)
        children = people.build(db, found, key_worker=key_worker, family_user=family_user)
    return World(services, found, children, db)


def count(db, model=Arrangement) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def names_field(page: str, field: str) -> bool:
    return f'href="#{field}"' in page and f'id="{field}-error"' in page


def refused(response, field: str) -> str:
    """The API refused with 422 and named `field`; its message."""
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    return errors[field]


YEAR = {"starts_on": "2026-04-01", "ends_on": "2027-03-31"}


def amira_isf(w: World) -> dict:
    return {"child_id": w.child("Amira"), "kind": "personal_budget", "name": "Amira's ISF (Northshire social care)",
            "starts_on": "2026-04-01", "ends_on": "2027-03-30", "funder_id": str(w.funders.northshire.id),
            "department_id": w.department(w.funders.northshire, "Children's Social Care"),
            "source": "social_care", "law": "children_act", "management": "isf", "yearly_pence": 312_000,
            "fees_per_year_pence": 19_500, "agreed": True, "family_agreed_by": "Leila Haddad (mother)",
            "family_agreed_on": "2026-03-18",
            "services": [{"service_id": w.sid("SHORT_BREAK_NIGHT"), "family_agreed": True},
                         {"service_id": w.sid("ACTIVITY_BREAK_DAY"), "family_agreed": True},
                         {"service_id": w.sid("SIBLING_SUPPORT"), "cap_units": 6, "family_agreed": True}]}


def leila_direct_payment(w: World) -> dict:
    return {"child_id": w.child("Amira"), "kind": "personal_budget", "name": "Leila's direct payment (Riverside PHB)",
            **YEAR, "funder_id": str(w.funders.riverside.id), "source": "health", "law": "nhs_direct_payments",
            "management": "direct_payment", "holder_id": w.member("Leila Haddad"), "yearly_pence": 200_000,
            "agreed": True, "family_agreed_by": "Leila Haddad (mother)", "family_agreed_on": "2026-03-18",
            "services": [{"service_id": w.sid("HYDROTHERAPY"), "family_agreed": True}]}


def ben_spot(w: World) -> dict:
    return {"child_id": w.child("Ben"), "kind": "spot", "name": "Ben's continuing-care package (Riverside ICB)",
            **YEAR, "funder_id": str(w.funders.riverside.id), "cap_units": 20, "po_number": "RIV-PO-55012",
            "po_value_pence": 1_440_000, "po_starts_on": "2026-04-01", "po_ends_on": "2027-03-31",
            "services": [{"service_id": w.sid("SHORT_BREAK_NIGHT")}],
            "rates": [{"service_id": w.sid("SHORT_BREAK_NIGHT"), "starts_on": "2026-04-01", "price_pence": 72_000}]}


def chloe_nominee(w: World, nominee: str = "Brightway Direct Payment Support") -> dict:
    return {"child_id": w.child("Chloe"), "kind": "personal_budget", "name": "Chloe's PHB (nominee: Brightway)",
            **YEAR, "funder_id": str(w.funders.riverside.id), "source": "health", "law": "nhs_direct_payments",
            "management": "nominee", "nominee_id": w.nominee(nominee), "yearly_pence": 180_000, "agreed": True,
            "family_agreed_by": "Mark Wilson (father)", "family_agreed_on": "2026-03-02",
            "services": [{"service_id": w.sid("HYDROTHERAPY"), "family_agreed": True}]}


def dev_managed(w: World) -> dict:
    return {"child_id": w.child("Dev"), "kind": "personal_budget", "name": "Dev's personal budget (managed by Eastvale)",
            **YEAR, "funder_id": str(w.funders.eastvale.id),
            "department_id": w.department(w.funders.eastvale, "Children's Social Care"), "source": "social_care",
            "law": "children_act", "management": "commissioner_managed", "yearly_pence": 400_000, "agreed": True,
            "po_number": "EV-PO-7781", "po_value_pence": 400_000, "po_starts_on": "2026-04-01",
            "po_ends_on": "2027-03-31",
            "services": [{"service_id": w.sid("SHORT_BREAK_NIGHT")}, {"service_id": w.sid("DAY_CARE")}]}


def joint(w: World) -> dict:
    f = w.funders
    return {"child_id": w.child("Ben"), "kind": "joint", "name": "Ben's joint package", **YEAR,
            "services": [{"service_id": w.sid("CARE_AT_HOME")}],
            "shares": [{"funder_id": str(f.riverside.id), "percent": 50, "po_number": "RIV-PO-60001"},
                       {"funder_id": str(f.eastvale.id), "department_id": w.department(f.eastvale, "Children's"),
                        "percent": 30},
                       {"funder_id": str(f.northshire.id),
                        "department_id": w.department(f.northshire, "Education"), "percent": 20}]}


def post(client, body: dict):
    return api(client, "POST", "/api/arrangements", json=body)


def created(client, body: dict) -> dict:
    response = post(client, body)
    assert response.status_code == 201, response.text
    return response.json()


# --- the page form ---------------------------------------------------------------------------------------------

def isf_form(w: World) -> dict:
    """Amira's ISF as finance types it: amounts in pounds, services ticked."""
    short, activity, sibling = w.sid("SHORT_BREAK_NIGHT"), w.sid("ACTIVITY_BREAK_DAY"), w.sid("SIBLING_SUPPORT")
    return {"child_id": w.child("Amira"), "kind": "personal_budget", "name": "Amira's ISF (Northshire social care)",
            "status": "active", "starts_on": "2026-04-01", "ends_on": "2027-03-30",
            "funder_id": str(w.funders.northshire.id),
            "department_id": w.department(w.funders.northshire, "Children's Social Care"),
            "year_start_month": "4", "year_start_day": "1", "hard_limit": "false",
            "source": "social_care", "law": "children_act", "management": "isf", "yearly": "3,120.00",
            "fees_per_year": "195.00", "agreed": "true", "family_agreed_by": "Leila Haddad (mother)",
            "family_agreed_on": "2026-03-18",
            f"services-{short}-selected": "true", f"services-{short}-family_agreed": "true",
            f"services-{activity}-selected": "true", f"services-{activity}-family_agreed": "true",
            f"services-{sibling}-selected": "true", f"services-{sibling}-cap_units": "6",
            f"services-{sibling}-family_agreed": "true",
            "rates-1-service_id": "", "rates-1-time_band": "", "rates-1-starts_on": "", "rates-1-price": "",
            "shares-1-funder_id": "", "shares-1-percent": "", "notes": ""}


def test_finance_adds_amiras_isf_through_the_page_in_pounds(client, db, world, signed_in):
    signed_in("finance")
    form_page = client.get(f"/arrangements/new?child_id={world.child('Amira')}")
    assert form_page.status_code == 200 and "Add an arrangement for Amira Haddad" in html.unescape(form_page.text)
    response = post_form(client, "/arrangements/new", isf_form(world))
    assert response.status_code == 303, response.text
    arrangement_id = re.fullmatch(r"/arrangements/([0-9a-f-]{36})\?saved=1", response.headers["location"]).group(1)
    isf = db.get(Arrangement, uuid.UUID(arrangement_id))
    assert (isf.yearly_pence, isf.fees_pence_per_year, isf.management, isf.law) == (312_000, 19_500, "isf",
                                                                                  "children_act")
    assert (isf.family_agreed_by, isf.family_agreed_on) == ("Leila Haddad (mother)", date(2026, 3, 18))
    caps = {world.services[c].id: (c, cap, agreed) for c, cap, agreed in [
        ("SHORT_BREAK_NIGHT", None, True), ("ACTIVITY_BREAK_DAY", None, True), ("SIBLING_SUPPORT", 6, True)]}
    stored = db.exec(select(ArrangementService).where(ArrangementService.arrangement_id == isf.id)).all()
    assert {s.service_id: (caps[s.service_id][0], s.cap_units, s.family_agreed) for s in stored} == caps
    page = html.unescape(client.get(f"/arrangements/{arrangement_id}").text)
    assert "£3,120.00" in page and "£195.00" in page and "Individual Service Fund held by the hospice" in page
    assert "Children Act 1989 s17A" in page and "6 a year" in page and "Leila Haddad (mother), 18 March 2026" in page


def test_bens_spot_package_through_the_page_with_its_contract_rate(client, db, world, signed_in):
    signed_in("finance")
    night = world.sid("SHORT_BREAK_NIGHT")
    form = {"child_id": world.child("Ben"), "kind": "spot", "name": "", "status": "active", **YEAR,
            "funder_id": str(world.funders.riverside.id), "cap_units": "20", "year_start_month": "4",
            "year_start_day": "1", "po_number": "RIV-PO-55012", "po_value": "£14,400.00",
            "po_starts_on": "2026-04-01", "po_ends_on": "2027-03-31", f"services-{night}-selected": "true",
            "rates-1-service_id": night, "rates-1-time_band": "all", "rates-1-starts_on": "2026-04-01",
            "rates-1-price": "720.00", "rates-2-service_id": "", "rates-2-starts_on": "", "rates-2-price": ""}
    response = post_form(client, "/arrangements/new", form)
    assert response.status_code == 303, response.text
    spot = db.exec(select(Arrangement).where(Arrangement.child_id == world.children["Ben"].id)).one()
    assert spot.name == "Spot package: Riverside ICB"
    assert (spot.cap_units, spot.po_number, spot.po_value_pence) == (20, "RIV-PO-55012", 1_440_000)
    rate = db.exec(select(ArrangementRate).where(ArrangementRate.arrangement_id == spot.id)).one()
    assert (rate.price_pence, rate.time_band, rate.starts_on) == (72_000, "all", date(2026, 4, 1))
    page = html.unescape(client.get(f"/arrangements/{spot.id}").text)
    assert "£720.00" in page and "RIV-PO-55012, £14,400.00" in page and "Left on the purchase order" in page


def test_leilas_direct_payment_for_hydrotherapy_through_the_api(client, world, signed_in):
    signed_in("finance")
    body = created(client, leila_direct_payment(world))
    assert (body["holder_id"], body["yearly_pence"], body["management"]) == (world.member("Leila Haddad"), 200_000,
                                                                              "direct_payment")
    assert [(s["service_name"], s["family_agreed"]) for s in body["services"]] == [("Hydrotherapy session", True)]
    assert body["warnings"] == []


def test_bens_spot_package_through_the_api_shows_what_is_left_on_its_purchase_order(client, world, signed_in):
    signed_in("finance")
    body = created(client, ben_spot(world))
    assert (body["funder_name"], body["cap_units"], body["po_number"]) == ("Riverside ICB", 20, "RIV-PO-55012")
    assert body["po_value_pence"] == body["po_remaining_pence"] == 1_440_000
    assert body["rates"] == [{"service_id": world.sid("SHORT_BREAK_NIGHT"), "time_band": "all",
                              "starts_on": "2026-04-01", "price_pence": 72_000}]
    assert api(client, "GET", f"/api/arrangements/{body['id']}").json() == body


def test_bens_contract_rate_is_what_the_who_pays_preview_charges_riverside(client, db, world, signed_in):
    from provider.funding.preview import who_pays

    signed_in("finance")
    created(client, ben_spot(world))
    nights = [(date(2026, 10, d), "all", 1) for d in (6, 7, 8)]
    preview = who_pays(db, child_id=world.children["Ben"].id, service_id=world.services["SHORT_BREAK_NIGHT"].id,
                       units=nights)
    assert preview.totals_by_payer == {"Riverside ICB": 216_000}


def test_chloes_nominee_budget_with_its_written_nomination_has_no_warning(client, world, signed_in):
    signed_in("finance")
    body = created(client, chloe_nominee(world))
    assert (body["management"], body["nominee_id"], body["warnings"]) == ("nominee", world.nominee(
        "Brightway Direct Payment Support"), [])


def test_a_nominee_budget_saved_before_its_written_nomination_warns_on_the_page_and_in_the_api(client, world,
                                                                                            signed_in):
    signed_in("finance")
    body = created(client, chloe_nominee(world, nominee="Margaret Bell"))
    assert body["warnings"] == ["No written nomination of Margaret Bell for this child is in force: the invoice "
                                "run will issue nothing to Margaret Bell until one is recorded."]
    page = html.unescape(client.get(f"/arrangements/{body['id']}").text)
    assert "No written nomination of Margaret Bell for this child is in force" in page


def test_a_family_held_budget_warns_of_a_service_the_family_has_not_agreed_to(client, world, signed_in):
    signed_in("finance")
    body = leila_direct_payment(world)
    body["services"].append({"service_id": world.sid("MUSIC_PLAY_THERAPY"), "family_agreed": False})
    assert created(client, body)["warnings"] == [
        "The family has not agreed to this budget paying for Music and play therapy session: it will not pay for it "
        "until their agreement is recorded."]


def test_devs_budget_managed_by_eastvale_with_its_purchase_order(client, world, signed_in):
    signed_in("finance")
    body = created(client, dev_managed(world))
    assert (body["management"], body["funder_name"], body["po_number"], body["po_value_pence"]) == (
        "commissioner_managed", "Eastvale Council", "EV-PO-7781", 400_000)
    assert sorted(s["service_name"] for s in body["services"]) == ["Day care", "Short-break night"]


def test_a_joint_package_shared_50_30_20_between_three_payers(client, db, world, signed_in):
    signed_in("finance")
    body = created(client, joint(world))
    assert [(s["funder_name"], s["percent"]) for s in body["shares"]] == [
        ("Riverside ICB", 50), ("Eastvale Council", 30), ("Northshire County Council", 20)]
    assert body["name"] == "Ben's joint package" and body["funder_id"] is None
    page = html.unescape(client.get(f"/arrangements/{body['id']}").text)
    assert "Northshire County Council, Education (Special Educational Needs)" in page and "20%" in page
    assert count(db, ArrangementShare) == 3


def test_a_joint_package_through_the_page_with_a_row_for_each_share(client, db, world, signed_in):
    signed_in("finance")
    f, hours = world.funders, world.sid("CARE_AT_HOME")
    form = {"child_id": world.child("Ben"), "kind": "joint", "name": "Ben's care at home", "status": "active", **YEAR,
            "year_start_month": "4", "year_start_day": "1", f"services-{hours}-selected": "true",
            f"services-{hours}-cap_units": "400",
            "shares-1-funder_id": str(f.riverside.id), "shares-1-percent": "50", "shares-1-po_number": "RIV-PO-60001",
            "shares-2-funder_id": str(f.eastvale.id), "shares-2-department_id": world.department(f.eastvale, "Chil"),
            "shares-2-percent": "30",
            "shares-3-funder_id": str(f.northshire.id), "shares-3-department_id": world.department(f.northshire, "Edu"),
            "shares-3-percent": "20", "shares-4-funder_id": "", "shares-4-percent": ""}
    response = post_form(client, "/arrangements/new", {**form, "shares-3-percent": "25"})
    assert response.status_code == 422 and names_field(response.text, "shares")
    assert "Shares must add up to exactly 100% (these add up to 105%)" in html.unescape(response.text)
    assert count(db) == 0
    response = post_form(client, "/arrangements/new", form)
    assert response.status_code == 303, response.text
    shares = db.exec(select(ArrangementShare).order_by(ArrangementShare.percent.desc())).all()
    assert [(s.funder_id, s.percent, s.po_number) for s in shares] == [
        (f.riverside.id, 50, "RIV-PO-60001"), (f.eastvale.id, 30, None), (f.northshire.id, 20, None)]


def test_all_of_willows_arrangements_are_listed_for_each_child(client, db, world, signed_in):
    signed_in("finance")
    for body in (amira_isf(world), leila_direct_payment(world), ben_spot(world), chloe_nominee(world),
                 dev_managed(world)):
        created(client, body)
    amira = service.arrangements_for_child(db, world.children["Amira"].id)
    assert [d.arrangement.name for d in amira] == ["Amira's ISF (Northshire social care)",
                                                   "Leila's direct payment (Riverside PHB)"]
    assert {s.cap_units for s in amira[0].services} == {None, 6}
    listed = api(client, "GET", "/api/arrangements", params={"child_id": world.child("Amira")}).json()
    assert [a["name"] for a in listed] == [d.arrangement.name for d in amira]
    assert len(api(client, "GET", "/api/arrangements").json()) == 5
    found = html.unescape(client.get("/arrangements?q=haddad").text)
    assert "Amira's ISF" in found and "Ben's continuing-care" not in found and "Add an arrangement" in found


def test_a_childs_arrangements_page_shows_arrangements_caps_and_agreement(client, world, signed_in):
    signed_in("finance")
    created(client, amira_isf(world))
    created(client, leila_direct_payment(world))
    page = html.unescape(client.get(f"/children/{world.child('Amira')}/arrangements").text)
    assert "Amira Haddad’s funding" in page and "Sibling support session (up to 6 a year)" in page
    assert "Leila's direct payment (Riverside PHB)" in page and "No block contract covers Amira Haddad" in page


def test_a_coordinator_reads_arrangements_but_cannot_change_them(client, db, world, signed_in, make_user):
    from tests.conftest import sign_in

    sign_in(client, make_user("finance"))
    body = created(client, amira_isf(world))
    signed_in("coordinator")
    page = client.get(f"/children/{world.child('Amira')}/arrangements")
    assert page.status_code == 200 and "Add an arrangement" not in page.text
    view = client.get(f"/arrangements/{body['id']}")
    assert view.status_code == 200 and "Change the arrangement" not in view.text
    assert api(client, "GET", f"/api/arrangements/{body['id']}").status_code == 200
    assert post(client, leila_direct_payment(world)).status_code == 403
    assert api(client, "PATCH", f"/api/arrangements/{body['id']}", json={"name": "x"}).status_code == 403
    assert client.get(f"/arrangements/new?child_id={world.child('Amira')}").status_code == 403
    assert count(db) == 1


def test_editing_on_the_page_keeps_what_was_typed_on_refusal_and_records_history(client, db, world, signed_in):
    signed_in("finance")
    body = created(client, ben_spot(world))
    edit = client.get(f"/arrangements/{body['id']}/edit")
    assert edit.status_code == 200 and 'value="14400.00"' in edit.text and 'value="720.00"' in edit.text
    night = world.sid("SHORT_BREAK_NIGHT")
    form = {"name": "Ben's package", "status": "active", **YEAR, "funder_id": str(world.funders.riverside.id),
            "cap_units": "0", "year_start_month": "4", "year_start_day": "1", "po_number": "RIV-PO-55012",
            "po_value": "14400.00", "po_starts_on": "2026-04-01", "po_ends_on": "2027-03-31",
            f"services-{night}-selected": "true", "rates-1-service_id": night, "rates-1-time_band": "all",
            "rates-1-starts_on": "2026-04-01", "rates-1-price": "750.00"}
    response = post_form(client, f"/arrangements/{body['id']}/edit", form)
    assert response.status_code == 422 and names_field(response.text, "cap_units")
    assert "Cap in units must be more than zero" in html.unescape(response.text)
    assert 'value="Ben\'s package"' in html.unescape(response.text) or "Ben&#39;s package" in response.text
    db.expire_all()
    assert db.get(Arrangement, uuid.UUID(body["id"])).cap_units == 20
    response = post_form(client, f"/arrangements/{body['id']}/edit", {**form, "cap_units": "22"})
    assert response.status_code == 303
    after = api(client, "GET", f"/api/arrangements/{body['id']}").json()
    assert (after["name"], after["cap_units"], after["rates"][0]["price_pence"]) == ("Ben's package", 22, 75_000)
    history = html.unescape(client.get(f"/history/arrangements/{body['id']}").text)
    assert "Ben's package" in history and "22" in history


def test_patch_changes_only_what_is_sent_and_a_list_sent_replaces_the_list(client, world, signed_in):
    signed_in("finance")
    body = created(client, amira_isf(world))
    changed = api(client, "PATCH", f"/api/arrangements/{body['id']}",
                  json={"yearly_pence": 330_000, "services": [{"service_id": world.sid("SIBLING_SUPPORT"),
                                                               "cap_units": 8, "family_agreed": True}]})
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert (after["yearly_pence"], after["family_agreed_by"], after["fees_per_year_pence"]) == (
        330_000, "Leila Haddad (mother)", 19_500)
    assert [(s["service_name"], s["cap_units"]) for s in after["services"]] == [("Sibling support session", 8)]
    refused(api(client, "PATCH", f"/api/arrangements/{body['id']}", json={"kind": "spot"}), "kind")


# --- bad input: one named test per rule ------------------------------------------------------------------------------

@pytest.fixture
def finance(client, signed_in):
    signed_in("finance")
    return client


def test_refuses_an_end_before_the_start(finance, db, world):
    message = refused(post(finance, {**ben_spot(world), "ends_on": "2026-03-31"}), "ends_on")
    assert message == "must not be before the start date" and count(db) == 0


def test_the_page_refuses_an_end_before_the_start_naming_the_field(finance, db, world):
    response = post_form(finance, "/arrangements/new", {**isf_form(world), "ends_on": "2026-01-01"})
    assert response.status_code == 422 and names_field(response.text, "ends_on")
    assert "End date must not be before the start date" in html.unescape(response.text)
    assert 'value="3,120.00"' in response.text and count(db) == 0


@pytest.mark.parametrize("cap", [0, -3])
def test_refuses_a_cap_of_zero_or_less(finance, db, world, cap):
    assert refused(post(finance, {**ben_spot(world), "cap_units": cap}), "cap_units") == "must be more than zero"
    assert refused(post(finance, {**ben_spot(world), "cap_pence": cap}), "cap_pence") in (
        "must be more than zero", "must not be negative")
    body = amira_isf(world)
    body["services"][2]["cap_units"] = cap
    assert refused(post(finance, body), "services.2.cap_units") == "must be more than zero"
    assert count(db) == 0


def test_refuses_a_negative_amount(finance, db, world):
    assert refused(post(finance, {**amira_isf(world), "yearly_pence": -100}), "yearly_pence") == "must not be negative"
    body = ben_spot(world)
    body["rates"][0]["price_pence"] = -1
    assert refused(post(finance, body), "rates.0.price_pence") == "must not be negative"
    response = post_form(finance, "/arrangements/new", {**isf_form(world), "yearly": "-3120.00"})
    assert response.status_code == 422 and names_field(response.text, "yearly")
    assert count(db) == 0


def test_refuses_an_amount_finer_than_a_penny(finance, db, world):
    message = refused(post(finance, {**ben_spot(world), "po_value_pence": 1_440_000.5}), "po_value_pence")
    assert "finer than a penny" in message
    response = post_form(finance, "/arrangements/new", {**isf_form(world), "yearly": "3120.001"})
    assert response.status_code == 422 and names_field(response.text, "yearly")
    assert "Yearly amount must not be finer than a penny" in html.unescape(response.text)
    assert count(db) == 0


def test_refuses_joint_shares_that_do_not_add_up_to_100(finance, db, world):
    body = joint(world)
    body["shares"][2]["percent"] = 10
    assert refused(post(finance, body), "shares") == "must add up to exactly 100% (these add up to 90%)"
    assert count(db) == 0 and count(db, ArrangementShare) == 0


@pytest.mark.parametrize("percent", [0, -20])
def test_refuses_a_joint_share_of_zero_or_less(finance, db, world, percent):
    body = joint(world)
    body["shares"][1]["percent"] = percent
    assert refused(post(finance, body), "shares.1.percent") == "must be more than 0%"
    assert count(db) == 0


def test_refuses_a_joint_package_with_fewer_than_two_shares(finance, db, world):
    body = joint(world)
    body["shares"] = [{**body["shares"][0], "percent": 100}]
    assert "at least two shares" in refused(post(finance, body), "shares")
    assert count(db) == 0


def test_refuses_a_spot_package_without_a_funder(finance, db, world):
    body = {**ben_spot(world), "funder_id": None}
    assert refused(post(finance, body), "funder_id").startswith("is required for a spot package")
    assert count(db) == 0


def test_refuses_a_commissioner_managed_budget_without_a_funder(finance, db, world):
    body = {**dev_managed(world), "funder_id": None, "department_id": None}
    assert refused(post(finance, body), "funder_id") == "is required for a budget the commissioner manages"
    assert count(db) == 0


@pytest.mark.parametrize("field", ["source", "law", "management"])
def test_refuses_a_personal_budget_without_source_law_or_management(finance, db, world, field):
    body = {**dev_managed(world), field: None}
    assert refused(post(finance, body), field) == "is required for a personal budget"
    assert count(db) == 0


def test_refuses_a_direct_payment_without_a_holder(finance, db, world):
    body = {**leila_direct_payment(world), "holder_id": None}
    assert refused(post(finance, body), "holder_id").startswith("is required for a direct payment")
    assert count(db) == 0


def test_refuses_a_direct_payment_held_by_someone_outside_the_childs_family(finance, db, world):
    body = {**leila_direct_payment(world), "holder_id": world.member("Mark Wilson")}
    assert refused(post(finance, body), "holder_id") == "must be a member of this child's family"
    assert count(db) == 0


def test_refuses_a_nominee_budget_without_a_nominee(finance, db, world):
    body = {**chloe_nominee(world), "nominee_id": None}
    assert refused(post(finance, body), "nominee_id") == "is required for a direct payment to a nominee"
    assert count(db) == 0


@pytest.mark.parametrize("missing", ["family_agreed_by", "family_agreed_on"])
def test_refuses_a_family_held_budget_agreed_for_a_service_without_who_and_when(finance, db, world, missing):
    body = {**leila_direct_payment(world), missing: None}
    assert refused(post(finance, body), missing).startswith("is required")
    assert count(db) == 0


def test_the_page_names_every_problem_at_once_even_beside_a_malformed_amount(finance, db, world):
    form = {**isf_form(world), "yearly": "three thousand", "ends_on": "2026-01-01", "family_agreed_by": ""}
    response = post_form(finance, "/arrangements/new", form)
    assert response.status_code == 422
    for field in ("yearly", "ends_on", "family_agreed_by"):
        assert names_field(response.text, field), field
    assert 'value="three thousand"' in response.text and count(db) == 0


def test_the_page_refuses_agreement_without_who_agreed(finance, db, world):
    response = post_form(finance, "/arrangements/new", {**isf_form(world), "family_agreed_by": ""})
    assert response.status_code == 422 and names_field(response.text, "family_agreed_by")
    assert count(db) == 0


def test_refuses_a_service_free_to_families_on_a_family_held_budget(finance, db, world):
    body = leila_direct_payment(world)
    body["services"].append({"service_id": world.sid("END_OF_LIFE_NIGHT"), "family_agreed": True})
    message = refused(post(finance, body), "services.1.service_id")
    assert message.startswith("End-of-life care night is free to families")
    form = isf_form(world)
    form[f"services-{world.sid('BEREAVEMENT_SUPPORT')}-selected"] = "true"
    response = post_form(finance, "/arrangements/new", form)
    assert response.status_code == 422
    assert names_field(response.text, f"services-{world.sid('BEREAVEMENT_SUPPORT')}-selected")
    assert "Bereavement support session is free to families" in html.unescape(response.text)
    assert count(db) == 0


def test_a_commissioner_managed_budget_may_pay_for_a_free_service(finance, world):
    body = dev_managed(world)
    body["services"].append({"service_id": world.sid("END_OF_LIFE_NIGHT")})
    assert post(finance, body).status_code == 201


def test_refuses_a_purchase_order_ending_before_it_starts(finance, db, world):
    body = {**ben_spot(world), "po_ends_on": "2026-03-01"}
    assert refused(post(finance, body), "po_ends_on") == "must not be before the purchase order's start date"
    assert count(db) == 0


@pytest.mark.parametrize("field, message", [("child_id", "is not a known child"),
                                            ("funder_id", "is not a known funder")])
def test_refuses_an_unknown_child_or_funder(finance, db, world, field, message):
    assert refused(post(finance, {**ben_spot(world), field: str(uuid.uuid4())}), field) == message
    assert count(db) == 0


def test_the_page_refuses_an_unknown_child_naming_the_field(finance, db, world):
    response = post_form(finance, "/arrangements/new", {**isf_form(world), "child_id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "<strong>Child id</strong> is not a known child" in response.text and count(db) == 0


def test_refuses_an_unknown_service(finance, db, world):
    body = {**ben_spot(world), "services": [{"service_id": str(uuid.uuid4())}], "rates": []}
    assert refused(post(finance, body), "services.0.service_id") == "is not a service in the catalogue"
    assert count(db) == 0


def test_refuses_a_department_of_another_funder(finance, db, world):
    body = {**dev_managed(world), "department_id": world.department(world.funders.northshire, "Children's")}
    assert refused(post(finance, body), "department_id").startswith("belongs to another funder")
    body = joint(world)
    body["shares"][0]["department_id"] = world.department(world.funders.eastvale, "Children's")
    assert refused(post(finance, body), "shares.0.department_id").startswith("belongs to another funder")
    assert count(db) == 0


def test_refuses_a_block_allowance_made_as_a_childs_arrangement(finance, db, world):
    assert refused(post(finance, {**ben_spot(world), "kind": "block"}), "kind") == "is not one of the allowed choices"
    assert count(db) == 0


def test_a_purchase_order_longer_than_the_commissioner_allows_is_refused(client, db, world, signed_in):
    signed_in("finance")
    riverside = world.funders.riverside
    with unit_of_work(db):
        riverside.po_number_max_length = 10
        db.add(riverside)
    refused = post(client, ben_spot(world))
    assert refused.status_code == 422
    assert {"field": "po_number", "message": "is 12 characters: Riverside ICB takes purchase order numbers of at "
                                             "most 10"} in refused.json()["errors"]
    share = post(client, joint(world))
    assert share.status_code == 422 and any(e["field"] == "shares.0.po_number" for e in share.json()["errors"])
    assert db.exec(select(Arrangement).where(Arrangement.kind.in_(("spot", "joint")))).all() == []
