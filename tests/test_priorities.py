"""The order of priority: the provider's, a service's own, and one child's own with its reason."""
from __future__ import annotations

import html
import uuid

import pytest
from sqlmodel import func, select

from provider.db import unit_of_work
from provider.funding import contracts, inputs, priorities, service
from provider.funding.models import DEFAULT_PRIORITY, ChildPriority, PriorityRule
from tests.conftest import api, post_form
from tests.test_arrangements import World, amira_isf, leila_direct_payment, refused, world  # noqa: F401
from tests.test_block_contracts import northshire

KINDS = [k.value for k in DEFAULT_PRIORITY]
BLOCK_FIRST = ["block", "spot", "joint", "personal_budget", "restricted_fund", "unrestricted_fund"]


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def finance(client, signed_in):
    signed_in("finance")
    return client


def rank_form(order: list[str], service_id: str = "", action: str = "save") -> dict:
    return {"service_id": service_id, "action": action, **{f"rank-{n}": k for n, k in enumerate(order, start=1)}}


@pytest.fixture
def amira(db, world):
    """Amira's ISF and Leila's direct payment, and the Northshire block contract covering her."""
    with unit_of_work(db):
        isf = service.save_arrangement(db, amira_isf(world))
        direct = service.save_arrangement(db, leila_direct_payment(world))
        block = contracts.save_contract(db, northshire(world))
    return {"isf": f"arrangement:{isf.id}", "direct": f"arrangement:{direct.id}", "block": f"block:{block.id}",
            "appeal": f"fund:{world.funders.sibling_appeal.id}", "child": world.children["Amira"]}


def test_the_default_order_is_the_usual_one_until_the_provider_sets_its_own(finance, db, world):
    assert priorities.priority_order(db) == (KINDS, {})
    assert api(finance, "GET", "/api/priorities").json() == {"default": KINDS, "by_service": {}, "children": {}}
    page = html.unescape(finance.get("/priorities").text)
    assert page.index("Spot package") < page.index("Block-contract allowance") < page.index("Personal budget")


def test_finance_puts_block_contracts_first_for_every_service_on_the_page(finance, db, world):
    response = post_form(finance, "/priorities", rank_form(BLOCK_FIRST))
    assert response.status_code == 303, response.text
    assert priorities.priority_order(db) == (BLOCK_FIRST, {})
    assert inputs.priority(db).default == tuple(BLOCK_FIRST)


def test_a_service_gets_its_own_order_and_can_return_to_the_usual_one(finance, db, world):
    sibling = world.sid("SIBLING_SUPPORT")
    own = ["restricted_fund", "personal_budget", "spot", "joint", "block", "unrestricted_fund"]
    assert post_form(finance, "/priorities", rank_form(own, sibling)).status_code == 303
    assert priorities.priority_order(db) == (KINDS, {uuid.UUID(sibling): own})
    page = html.unescape(finance.get("/priorities").text)
    assert "Order for Sibling support session" in page
    assert post_form(finance, "/priorities", rank_form([], sibling, "remove")).status_code == 303
    assert priorities.priority_order(db) == (KINDS, {}) and count(db, PriorityRule) == 0


def test_the_api_sets_the_default_and_a_services_order(finance, db, world):
    night = world.sid("SHORT_BREAK_NIGHT")
    response = api(finance, "PUT", "/api/priorities", json={"default": BLOCK_FIRST, "by_service": {night: KINDS}})
    assert response.status_code == 200, response.text
    assert response.json() == {"default": BLOCK_FIRST, "by_service": {night: KINDS}, "children": {}}
    response = api(finance, "PUT", "/api/priorities", json={"by_service": {night: None}})
    assert response.json() == {"default": BLOCK_FIRST, "by_service": {}, "children": {}}


def test_one_child_has_her_own_order_with_a_reason(finance, db, amira):
    child_id = str(amira["child"].id)
    order = [amira["direct"], amira["isf"]]
    response = api(finance, "PUT", "/api/priorities", json={"children": {child_id: {
        "order": order, "reason": "Agreed at the review on 2 May 2026: the health budget first"}}})
    assert response.status_code == 200, response.text
    assert response.json()["children"] == {child_id: {
        "order": order, "reason": "Agreed at the review on 2 May 2026: the health budget first"}}
    assert priorities.child_overrides(db) == {amira["child"].id: order}
    assert inputs.priority(db).by_child == {child_id: tuple(order)}
    page = html.unescape(finance.get(f"/children/{child_id}/arrangements").text)
    assert page.index("Leila's direct payment") < page.index("Reason: Agreed at the review")


def test_finance_sets_and_clears_a_childs_order_on_her_funding_page(finance, db, amira):
    url = f"/children/{amira['child'].id}/arrangements/priority"
    response = post_form(finance, url, {"order-1": amira["block"], "order-2": amira["appeal"], "order-3": "",
                                        "reason": "Northshire asked for its nights to be used first"})
    assert response.status_code == 303, response.text
    assert priorities.child_override(db, amira["child"].id) == (
        [amira["block"], amira["appeal"]], "Northshire asked for its nights to be used first")
    assert post_form(finance, url, {"order-1": "", "reason": ""}).status_code == 303
    assert priorities.child_overrides(db) == {} and count(db, ChildPriority) == 0


def test_a_coordinator_reads_the_order_but_cannot_change_it(client, db, world, signed_in):
    signed_in("coordinator")
    page = client.get("/priorities")
    assert page.status_code == 200 and "<select" not in page.text
    assert post_form(client, "/priorities", rank_form(BLOCK_FIRST)).status_code == 403
    assert api(client, "PUT", "/api/priorities", json={"default": BLOCK_FIRST}).status_code == 403
    assert count(db, PriorityRule) == 0


# --- bad input: one named test per rule -------------------------------------------------------------------------------

def test_refuses_an_order_that_leaves_a_kind_out(finance, db, world):
    message = refused(api(finance, "PUT", "/api/priorities", json={"default": KINDS[:-1]}), "default")
    assert message == "must list every kind once: Unrestricted charitable funds is missing"
    response = post_form(finance, "/priorities", rank_form(KINDS[:-1] + [""]))
    assert response.status_code == 422 and 'href="#order"' in response.text and 'id="order-error"' in response.text
    assert count(db, PriorityRule) == 0


def test_refuses_an_order_that_names_a_kind_twice(finance, db, world):
    twice = ["spot", "spot", "block", "personal_budget", "restricted_fund", "unrestricted_fund"]
    assert refused(api(finance, "PUT", "/api/priorities", json={"default": twice}), "default") == \
        "lists Spot package more than once"
    response = post_form(finance, "/priorities", rank_form(twice))
    assert response.status_code == 422 and "Order lists Spot package more than once" in html.unescape(response.text)
    assert count(db, PriorityRule) == 0


def test_refuses_an_order_for_an_unknown_service(finance, db, world):
    unknown = str(uuid.uuid4())
    assert refused(api(finance, "PUT", "/api/priorities", json={"by_service": {unknown: KINDS}}),
                   f"by_service.{unknown}") == "is not a service in the catalogue"
    assert count(db, PriorityRule) == 0


def test_refuses_a_childs_order_without_a_reason(finance, db, amira):
    child_id = str(amira["child"].id)
    assert refused(api(finance, "PUT", "/api/priorities", json={"children": {child_id: {"order": [amira["isf"]]}}}),
                   f"children.{child_id}.reason").startswith("is required")
    response = post_form(finance, f"/children/{child_id}/arrangements/priority",
                         {"order-1": amira["isf"], "reason": ""})
    assert response.status_code == 422 and 'href="#reason"' in response.text
    assert count(db, ChildPriority) == 0


def test_refuses_a_childs_order_naming_what_does_not_fund_her(finance, db, world, amira):
    with unit_of_work(db):
        ben = service.save_arrangement(db, {"child_id": world.child("Ben"), "kind": "spot",
                                            "starts_on": "2026-04-01", "funder_id": str(world.funders.riverside.id),
                                            "services": [{"service_id": world.sid("SHORT_BREAK_NIGHT")}]})
    child_id = str(amira["child"].id)
    for ref, problem in [(f"arrangement:{ben.id}", "is not one of this child's arrangements"),
                         (f"block:{uuid.uuid4()}", "is not a block contract covering this child"),
                         (f"fund:{world.funders.general_fund.id}", "is not a restricted charitable fund"),
                         ("isf", 'must be "arrangement:<id>", "block:<id>" or "fund:<id>"')]:
        message = refused(api(finance, "PUT", "/api/priorities", json={"children": {child_id: {
            "order": [ref], "reason": "Testing"}}}), f"children.{child_id}.order")
        assert message.endswith(problem), message
    assert count(db, ChildPriority) == 0


def test_refuses_an_order_for_an_unknown_child(finance, db, world):
    unknown = str(uuid.uuid4())
    assert refused(api(finance, "PUT", "/api/priorities", json={"children": {unknown: {"order": [], "reason": "x"}}}),
                   f"children.{unknown}") == "is not a known child"
