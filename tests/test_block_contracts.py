"""Block contracts: Northshire's 240 short-break nights for £150,000 (DOMAIN.md §10), and every refusal."""
from __future__ import annotations

import html
import re
import uuid
from datetime import date

import pytest
from sqlmodel import func, select

from provider.db import unit_of_work
from provider.funding import contracts
from provider.funding.models import BlockContract, BlockContractChild, BlockContractService
from tests.conftest import api, post_form
from tests.test_arrangements import World, refused, names_field, world  # noqa: F401  (the fixture)


def northshire(w: World) -> dict:
    f = w.funders
    return {"reference": "NCC-SB-2627", "funder_id": str(f.northshire.id),
            "department_id": w.department(f.northshire, "Children's Social Care"),
            "starts_on": "2026-04-01", "ends_on": "2027-03-31", "service_ids": [w.sid("SHORT_BREAK_NIGHT")],
            "volume_units": 240, "value_pence": 15_000_000, "instalments": "quarterly", "in_advance": True,
            "covers_area_id": str(f.northshire.id), "overage": "charity", "allowance_units": 14}


def northshire_form(w: World) -> dict:
    body = northshire(w)
    return {**{k: str(v) for k, v in body.items() if k not in ("service_ids", "value_pence", "in_advance")},
            "service_ids": body["service_ids"], "value": "150,000.00", "in_advance": "true", "overage_rate": "",
            "status": "active", "hard_limit": "false", "notes": ""}


def count(db, model=BlockContract) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def post(client, body: dict):
    return api(client, "POST", "/api/contracts", json=body)


@pytest.fixture
def finance(client, signed_in):
    signed_in("finance")
    return client


def test_finance_adds_northshires_block_contract_through_the_page(finance, db, world):
    assert finance.get("/contracts/new").status_code == 200
    response = post_form(finance, "/contracts/new", northshire_form(world))
    assert response.status_code == 303, response.text
    contract_id = re.fullmatch(r"/contracts/([0-9a-f-]{36})\?saved=1", response.headers["location"]).group(1)
    contract = db.get(BlockContract, uuid.UUID(contract_id))
    assert (contract.volume_units, contract.value_pence, contract.allowance_units) == (240, 15_000_000, 14)
    assert (contract.instalments, contract.in_advance, contract.covers_area_id) == (
        "quarterly", True, world.funders.northshire.id)
    page = html.unescape(finance.get(f"/contracts/{contract_id}").text)
    assert "Northshire County Council</a>, Children's Social Care" in page
    assert "240 units; 0 used so far, 240 left" in page and "Quarterly, in advance" in page
    for day in ("1 April 2026", "1 July 2026", "1 October 2026", "1 January 2027"):
        assert f"<td>{day}</td>" in page
    assert page.count("£37,500.00") == 4 and "14 units a year" in page
    assert "NCC-SB-2627" in html.unescape(finance.get("/contracts").text)


def test_the_api_gives_the_quarterly_instalments_in_advance(finance, world):
    response = post(finance, northshire(world))
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(i["due_on"], i["amount_pence"]) for i in body["schedule"]] == [
        ("2026-04-01", 3_750_000), ("2026-07-01", 3_750_000), ("2026-10-01", 3_750_000), ("2027-01-01", 3_750_000)]
    assert body["used_units"] == 0 and body["service_ids"] == [world.sid("SHORT_BREAK_NIGHT")]
    assert api(finance, "GET", f"/api/contracts/{body['id']}").json() == body
    assert [c["reference"] for c in api(finance, "GET", "/api/contracts").json()] == ["NCC-SB-2627"]


def test_monthly_instalments_in_arrears_add_up_to_the_value_to_the_penny(finance, world):
    body = {**northshire(world), "instalments": "monthly", "in_advance": False, "value_pence": 100_000}
    schedule = post(finance, body).json()["schedule"]
    assert len(schedule) == 12 and sum(i["amount_pence"] for i in schedule) == 100_000
    assert {i["amount_pence"] for i in schedule} == {8_333, 8_334}
    assert (schedule[0]["due_on"], schedule[-1]["due_on"]) == ("2026-04-30", "2027-03-31")


def test_a_contract_covers_the_children_of_its_area_or_the_children_it_names(finance, db, world):
    area = post(finance, northshire(world)).json()
    listed = post(finance, {**northshire(world), "reference": "RIV-CC-LIST", "funder_id": str(world.funders.riverside.id),
                            "department_id": None, "covers_area_id": None,
                            "child_ids": [world.child("Ben"), world.child("Chloe")]}).json()
    ids = lambda child: [str(c.id) for c in contracts.contracts_covering(db, world.children[child])]  # noqa: E731
    assert ids("Amira") == [area["id"]] and ids("Ellie") == [area["id"]]
    assert ids("Ben") == [listed["id"]] and ids("Dev") == []
    page = html.unescape(finance.get(f"/children/{world.child('Amira')}/arrangements").text)
    assert "NCC-SB-2627" in page and "14 units a year for each child" in page


def test_a_coordinator_reads_a_contract_but_cannot_change_it(client, db, world, signed_in, make_user):
    from tests.conftest import sign_in

    sign_in(client, make_user("finance"))
    body = post(client, northshire(world)).json()
    signed_in("coordinator")
    page = client.get(f"/contracts/{body['id']}")
    assert page.status_code == 200 and "Change the contract" not in page.text
    assert post(client, {**northshire(world), "reference": "OTHER"}).status_code == 403
    assert client.get("/contracts/new").status_code == 403
    assert count(db) == 1


def test_changing_a_contract_on_the_page_and_through_the_api(finance, db, world):
    body = post(finance, northshire(world)).json()
    edit = finance.get(f"/contracts/{body['id']}/edit")
    assert edit.status_code == 200 and 'value="150000.00"' in edit.text
    response = post_form(finance, f"/contracts/{body['id']}/edit",
                         {**northshire_form(world), "volume_units": "260", "value": "162,500.00"})
    assert response.status_code == 303, response.text
    changed = api(finance, "PATCH", f"/api/contracts/{body['id']}", json={"overage": "rate",
                                                                         "overage_rate_pence": 65_000})
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert (after["volume_units"], after["value_pence"], after["overage"], after["overage_rate_pence"]) == (
        260, 16_250_000, "rate", 65_000)
    assert finance.get(f"/history/block_contracts/{body['id']}").status_code == 200
    history = api(finance, "GET", f"/api/history/block_contracts/{body['id']}").json()
    assert [e["action"] for e in history] == ["create", "update", "update"]


# --- bad input: one named test per rule -------------------------------------------------------------------------------

@pytest.mark.parametrize("volume", [0, -240])
def test_refuses_a_volume_of_zero_or_less(finance, db, world, volume):
    assert refused(post(finance, {**northshire(world), "volume_units": volume}), "volume_units") == \
        "must be more than zero"
    assert count(db) == 0


def test_the_page_refuses_a_volume_of_zero_naming_the_field(finance, db, world):
    response = post_form(finance, "/contracts/new", {**northshire_form(world), "volume_units": "0"})
    assert response.status_code == 422 and names_field(response.text, "volume_units")
    assert "Volume must be more than zero" in html.unescape(response.text)
    assert 'value="150,000.00"' in response.text and count(db) == 0


def test_refuses_a_contract_covering_both_an_area_and_a_list(finance, db, world):
    body = {**northshire(world), "child_ids": [world.child("Amira")]}
    assert "not both" in refused(post(finance, body), "covers_area_id")
    assert count(db) == 0 and count(db, BlockContractChild) == 0


def test_refuses_a_contract_covering_neither_an_area_nor_a_list(finance, db, world):
    body = {**northshire(world), "covers_area_id": None}
    assert refused(post(finance, body), "covers_area_id").startswith("is required")
    response = post_form(finance, "/contracts/new", {**northshire_form(world), "covers_area_id": ""})
    assert response.status_code == 422 and names_field(response.text, "covers_area_id")
    assert count(db) == 0


def test_refuses_an_overage_rate_without_a_rate(finance, db, world):
    body = {**northshire(world), "overage": "rate"}
    assert refused(post(finance, body), "overage_rate_pence") == \
        "is required when activity above the volume is paid at a rate"
    response = post_form(finance, "/contracts/new", {**northshire_form(world), "overage": "rate"})
    assert response.status_code == 422 and names_field(response.text, "overage_rate")
    assert count(db) == 0


def test_refuses_a_contract_ending_before_it_starts(finance, db, world):
    assert refused(post(finance, {**northshire(world), "ends_on": "2026-03-01"}), "ends_on") == \
        "must not be before the start date"
    assert count(db) == 0


def test_refuses_a_negative_value_or_one_finer_than_a_penny(finance, db, world):
    assert refused(post(finance, {**northshire(world), "value_pence": -1}), "value_pence") == "must not be negative"
    assert "finer than a penny" in refused(post(finance, {**northshire(world), "value_pence": 10.5}), "value_pence")
    response = post_form(finance, "/contracts/new", {**northshire_form(world), "value": "150000.005"})
    assert response.status_code == 422 and names_field(response.text, "value")
    assert count(db) == 0


@pytest.mark.parametrize("field, message", [("funder_id", "is not a known funder"),
                                            ("covers_area_id", "is not a known funder")])
def test_refuses_an_unknown_funder_or_area(finance, db, world, field, message):
    assert refused(post(finance, {**northshire(world), field: str(uuid.uuid4()), "department_id": None}),
                   field) == message
    assert count(db) == 0


def test_refuses_an_unknown_child_or_service(finance, db, world):
    body = {**northshire(world), "covers_area_id": None, "child_ids": [str(uuid.uuid4())]}
    assert refused(post(finance, body), "child_ids") == "must all be known children"
    body = {**northshire(world), "service_ids": [str(uuid.uuid4())]}
    assert refused(post(finance, body), "service_ids") == "must all be services in the catalogue"
    assert count(db) == 0 and count(db, BlockContractService) == 0


def test_refuses_a_department_of_another_funder(finance, db, world):
    body = {**northshire(world), "department_id": world.department(world.funders.eastvale, "Children's")}
    assert refused(post(finance, body), "department_id").startswith("belongs to another funder")
    assert count(db) == 0


def test_refuses_a_reference_already_used(finance, db, world):
    assert post(finance, northshire(world)).status_code == 201
    assert refused(post(finance, {**northshire(world), "reference": "ncc-sb-2627"}), "reference") == \
        "is already used by another contract"
    assert count(db) == 1


def test_refuses_an_area_that_is_not_a_council_or_icb(finance, db, world):
    body = {**northshire(world), "covers_area_id": str(world.funders.nhs_england.id)}
    assert refused(post(finance, body), "covers_area_id").startswith("must be a council or an ICB")
    assert count(db) == 0


def test_contracts_covering_reads_the_database_directly(db, world):
    with unit_of_work(db):
        contract = contracts.save_contract(db, northshire(world))
    assert contracts.instalment_schedule(contract)[0].due_on == date(2026, 4, 1)
    assert [c.id for c in contracts.contracts_covering(db, world.children["Amira"])] == [contract.id]
