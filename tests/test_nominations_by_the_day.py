"""Issue 18, item 2: Brightway's written nomination for Chloe is withdrawn on 15 March 2027. Brightway's budget pays
only for Chloe's care on days a nomination is in force; after it, the next arrangement pays (Chloe has none, so the
General Fund), and the booking preview, Chloe's page and finance's home page say the budget has no nominee from
15 March so finance can ask Riverside ICB who holds it now. A nominee invoice never carries a day without one."""
from __future__ import annotations

import html
from datetime import date

import pytest
from sqlmodel import select

from lantern.check import run_all
from provider.catalogue.models import Service
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from provider.funding.engine import Funding, Payer, PricePoint, ServiceInfo, UnitOfCare, allocate
from provider.funding.nominee_gaps import no_nominee_from
from provider.people.models import Child, Nomination
from tests.conftest import api, demo_once_per_module, post_form, sign_in

demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)

BRIGHTWAY = "Brightway Direct Payment Support"
NO_NOMINEE = ("Chloe's PHB (nominee: Brightway) has no nominee from 15 March 2027: ask Riverside ICB who holds the "
              "budget now.")


@pytest.fixture
def willow(db):
    with unit_of_work(db):
        set_as_of_date(db, date(2027, 3, 25))
    return db


@pytest.fixture
def coordinator(client, make_user):
    return make_user("coordinator", name="Cora Coordinator")


@pytest.fixture
def finance(make_user):
    return make_user("finance", name="Fran Finance")


def chloe(db) -> Child:
    return db.exec(select(Child).where(Child.first_name == "Chloe")).one()


def nomination(db) -> Nomination:
    return db.exec(select(Nomination).where(Nomination.child_id == chloe(db).id)).one()


def session_form(db, day: date) -> dict:
    hydro = db.exec(select(Service).where(Service.code == "HYDROTHERAPY")).one()
    return {"child_id": str(chloe(db).id), "service_id": str(hydro.id), "starts_on": day.isoformat()}


def book_and_deliver(client, db, day: date) -> dict:
    made = api(client, "POST", "/api/bookings", json=session_form(db, day))
    assert made.status_code == 201, made.text
    [booking] = made.json()["bookings"]
    assert api(client, "POST", f"/api/bookings/{booking['id']}/confirm").status_code == 200
    delivered = api(client, "POST", f"/api/bookings/{booking['id']}/attendance", json={"status": "delivered"})
    assert delivered.status_code == 200, delivered.text
    return booking


def withdraw(client, db, on: str):
    response = api(client, "POST", f"/api/nominations/{nomination(db).id}/withdraw", json={"withdrawn_on": on})
    assert response.status_code == 200, response.text


def march_drafts(client) -> dict[str, dict]:
    run = api(client, "GET", "/api/invoice-runs/2027-03")
    assert run.status_code == 200, run.text
    return {d["payer_name"]: d for d in run.json()["drafts"]}


def test_chloes_session_after_brightways_withdrawal_is_not_on_brightways_invoice(client, willow, coordinator,
                                                                                 finance):
    sign_in(client, coordinator)
    book_and_deliver(client, willow, date(2027, 3, 8))
    withdraw(client, willow, "2027-03-15")
    preview = api(client, "POST", "/api/bookings/preview", json=session_form(willow, date(2027, 3, 22))).json()
    assert [[(p["payer_name"], p["pence"]) for p in line["parts"]] for line in preview["lines"]] == [
        [("General Fund", 6000)]]
    assert preview["notices"] == [NO_NOMINEE]
    book_and_deliver(client, willow, date(2027, 3, 22))

    sign_in(client, finance)
    brightway = march_drafts(client)[BRIGHTWAY]
    assert (brightway["total_pence"], brightway["exceptions"]) == (6000, [])
    assert [(l["first_day"], l["last_day"]) for l in brightway["lines"]] == [("2027-03-08", "2027-03-08")]
    assert run_all(willow) == []


def test_a_withdrawal_recorded_late_holds_brightways_invoice_until_the_charges_are_recalculated(client, willow,
                                                                                               coordinator, finance):
    sign_in(client, coordinator)
    book_and_deliver(client, willow, date(2027, 3, 8))
    book_and_deliver(client, willow, date(2027, 3, 22))
    withdraw(client, willow, "2027-03-15")

    sign_in(client, finance)
    held = march_drafts(client)[BRIGHTWAY]
    assert held["total_pence"] == 12000
    assert held["exceptions"] == [
        "no written nomination of Brightway Direct Payment Support for Chloe is in force on 22/03/2027: nothing is "
        "invoiced to a nominee for care on a day without one; recalculate the charges so the next arrangement pays"]
    issued = api(client, "POST", "/api/invoice-runs/2027-03/issue", json={}).json()
    assert BRIGHTWAY not in {i["payer_name"] for i in issued["invoices"]}
    assert BRIGHTWAY in {d["payer_name"] for d in issued["left"]}

    dry = api(client, "POST", "/api/charges/recalculate", json={"month": "2027-03"}).json()
    applied = api(client, "POST", "/api/charges/recalculate",
                  json={"month": "2027-03", "apply": True, "fingerprint": dry["fingerprint"]})
    assert applied.status_code == 200, applied.text
    brightway = march_drafts(client)[BRIGHTWAY]
    assert (brightway["total_pence"], brightway["exceptions"]) == (6000, [])
    assert run_all(willow) == []


def test_chloes_page_and_finances_home_say_the_budget_has_no_nominee_from_the_withdrawal(client, willow, coordinator,
                                                                                         finance):
    sign_in(client, coordinator)
    page = html.unescape(client.get(f"/children/{chloe(willow).id}").text)
    assert "has no nominee" not in page
    withdraw(client, willow, "2027-03-15")
    page = html.unescape(client.get(f"/children/{chloe(willow).id}").text)
    assert ("Chloe's PHB (nominee: Brightway) has no nominee from 15 March 2027: no written nomination of Brightway "
            "Direct Payment Support for Chloe is in force, so the next arrangement pays for Chloe's care from that "
            "day; ask Riverside ICB who holds the budget now.") in page

    sign_in(client, finance)
    home = html.unescape(client.get("/").text)
    assert "Budgets with no nominee" in home
    assert "Chloe's PHB (nominee: Brightway) has no nominee from 15 March 2027" in home


def test_finances_home_says_nothing_of_nominees_while_every_nomination_is_in_force(client, willow, finance):
    sign_in(client, finance)
    assert "Budgets with no nominee" not in client.get("/").text


def test_a_withdrawal_dated_before_the_nomination_was_received_is_refused_naming_the_field(client, willow,
                                                                                           coordinator):
    sign_in(client, coordinator)
    kept = nomination(willow)
    refused = api(client, "POST", f"/api/nominations/{kept.id}/withdraw", json={"withdrawn_on": "2026-03-01"})
    assert refused.status_code == 422
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("withdrawn_on", "must not be before the date the nomination was received")]
    form = post_form(client, f"/nominations/{kept.id}/withdraw", {"withdrawn_on": "2026-03-01"})
    assert form.status_code == 422 and "must not be before the date the nomination was received" in form.text
    willow.expire_all()
    assert nomination(willow).withdrawn_on is None


MARCH_2 = date(2026, 3, 2)


def test_a_withdrawal_recorded_ahead_shows_the_day_the_budget_will_have_no_nominee():
    spans = [(MARCH_2, date(2027, 5, 1))]
    assert no_nominee_from(spans, date(2026, 4, 1), None, date(2027, 3, 25)) == date(2027, 5, 1)
    assert no_nominee_from(spans, date(2026, 4, 1), date(2027, 3, 31), date(2027, 3, 25)) is None


def test_a_new_nomination_after_a_withdrawal_closes_the_gap_from_the_day_it_is_received():
    withdrawn = [(MARCH_2, date(2027, 3, 15))]
    assert no_nominee_from(withdrawn, date(2026, 4, 1), None, date(2027, 3, 25)) == date(2027, 3, 15)
    renewed = withdrawn + [(date(2027, 3, 20), None)]
    assert no_nominee_from(renewed, date(2026, 4, 1), None, date(2027, 3, 25)) is None


def test_the_engine_passes_a_day_without_a_nomination_to_the_next_arrangement():
    hydro = ServiceInfo("hydro", "Hydrotherapy", "session", prices=(PricePoint(date(2026, 4, 1), 6000, 9000),))
    brightway = Funding("arrangement:b", "personal_budget", "Chloe's PHB (nominee: Brightway)",
                        (Payer("nominee:b", "Brightway"),), children=frozenset({"chloe"}),
                        nominated=((MARCH_2, date(2027, 3, 15)),), commissioner="Riverside ICB")
    charity = Funding("fund:unrestricted", "unrestricted_fund", "General Fund",
                      (Payer("fund:unrestricted", "General Fund"),))
    before, after = allocate([UnitOfCare("u1", "chloe", "hydro", date(2027, 3, 8)),
                              UnitOfCare("u2", "chloe", "hydro", date(2027, 3, 22))], [brightway, charity],
                             {"hydro": hydro})
    assert [(p.payer_name, p.pence) for p in before.parts] == [("Brightway", 6000)] and before.notices == ()
    assert [(p.payer_name, p.pence) for p in after.parts] == [("General Fund", 6000)]
    assert after.notices == (NO_NOMINEE,)
