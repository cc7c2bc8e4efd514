"""Bereavement holds (DOMAIN.md §6, scenario 5): started by staff or by a death being recorded, lifted only with a
reason; while one is open the family gets no invoice from a run; who started and lifted it, and when, is kept."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from invoicing.runs import draft_run, issue_run, month_bounds
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.people import holds, service
from provider.people.models import BereavementHold, Child
from tests.conftest import api, post_form, demo_once_per_module

SEPTEMBER = month_bounds("2026-09")


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def child(db, first_name: str) -> Child:
    return db.exec(select(Child).where(Child.first_name == first_name)).one()


def test_ellies_family_has_been_on_hold_since_her_end_of_life_care_began(willow):
    hold = holds.open_hold(willow, child(willow, "Eleanor").id)
    assert (hold.started_on, hold.reason) == (date(2026, 11, 16), "End-of-life care began.")


def test_a_hold_starts_by_itself_when_a_death_is_recorded(willow):
    dev = child(willow, "Dev")
    with unit_of_work(willow):
        service.update_child(willow, dev, {"status": "died", "status_date": "2027-04-02"})
    hold = holds.open_hold(willow, dev.id)
    assert (hold.started_on, hold.started_by) == (date(2027, 4, 2), holds.BY_LANTERN)


def test_a_family_under_a_hold_gets_no_invoice_from_the_run(willow):
    amira = child(willow, "Amira")
    with unit_of_work(willow):
        holds.start_hold(willow, amira, "Cora Coordinator", {"reason": "Amira is very unwell."})
    leila = next(d for d in draft_run(willow, *SEPTEMBER) if d.payer.name == "Leila Haddad")
    assert leila.exceptions == ("Leila Haddad's family is under a bereavement hold since 10/04/2027: nothing is sent "
                                "to them without a person deciding to; Cora Coordinator may lift the hold, or a named "
                                "decision may release this one invoice",)
    with unit_of_work(willow):
        issued = issue_run(willow, *SEPTEMBER).issued
    assert "Leila Haddad" not in {i.payer_name for i in issued}
    with unit_of_work(willow):
        holds.lift_hold(willow, amira, "Fran Finance", {"reason": "Amira is home and well; Leila asked."})
    assert next(d for d in draft_run(willow, *SEPTEMBER) if d.payer.name == "Leila Haddad").can_issue


def test_lifting_a_hold_needs_a_reason_and_changes_nothing_without_one(willow):
    ellie = child(willow, "Eleanor")
    with pytest.raises(FieldErrors) as refused:
        with unit_of_work(willow):
            holds.lift_hold(willow, ellie, "Fran Finance", {"reason": " "})
    assert refused.value.errors == {"reason": "is required: say why the family can be written to again"}
    assert holds.open_hold(willow, ellie.id) is not None


def test_staff_start_and_lift_a_hold_from_the_childs_page(client, willow, signed_in):
    signed_in("coordinator", name="Cora Coordinator")
    amira = child(willow, "Amira")
    page = client.get(f"/children/{amira.id}")
    assert "Start a bereavement hold" in page.text
    assert post_form(client, f"/children/{amira.id}/hold", {"reason": "End-of-life care began."}).status_code == 303
    assert "In place since 10 April 2027, started by Cora Coordinator" in client.get(f"/children/{amira.id}").text
    refused = post_form(client, f"/children/{amira.id}/hold/lift", {"reason": ""})
    assert refused.status_code == 422 and "say why the family can be written to again" in refused.text
    assert post_form(client, f"/children/{amira.id}/hold/lift", {"reason": "Leila asked."}).status_code == 303
    [kept] = willow.exec(select(BereavementHold).where(BereavementHold.child_id == amira.id)).all()
    assert (kept.started_by, kept.lifted_by, kept.lift_reason) == ("Cora Coordinator", "Cora Coordinator",
                                                                   "Leila asked.")


def test_the_api_reads_and_refuses_a_second_hold_naming_the_field(client, willow, signed_in):
    signed_in("finance")
    ellie = child(willow, "Eleanor")
    assert api(client, "GET", f"/api/children/{ellie.id}/bereavement-hold").json()["in_place"] is True
    again = api(client, "POST", f"/api/children/{ellie.id}/bereavement-hold", json={})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "hold"


@pytest.mark.parametrize("role", ["family", "trustee", "admin"])
def test_others_may_not_start_or_lift_a_hold(client, willow, signed_in, role):
    signed_in(role)
    amira = child(willow, "Amira")
    assert api(client, "POST", f"/api/children/{amira.id}/bereavement-hold", json={}).status_code == 403
    assert post_form(client, f"/children/{amira.id}/hold", {}).status_code == 403
    assert holds.open_hold(willow, amira.id) is None
