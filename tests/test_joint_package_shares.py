"""Issue 18, item 5: Dev's day care is a joint package at £649.99 a day, 70% Eastvale's Children's Social Care Team
and 30% Eastvale's education department, each with its own purchase order and contract reference. Each share's
invoice quotes its own department, order and contract reference, and each share's reason gives its own part and
percentage (£195.00, 30%), not the whole day's price."""
from __future__ import annotations

import html

import pytest
from sqlmodel import select

from lantern.check import run_all
from provider.catalogue.models import Service
from provider.db import unit_of_work
from provider.funders.models import DepartmentKind, Funder, FunderDepartment
from provider.people.models import Child
from tests.conftest import api, demo_once_per_module, sign_in

demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)

SOCIAL_CARE = "Eastvale Council, Children's Social Care Team"
EDUCATION = "Eastvale Council, Education (SEND)"


@pytest.fixture
def willow(db):
    eastvale = db.exec(select(Funder).where(Funder.name == "Eastvale Council")).one()
    with unit_of_work(db):
        db.add(FunderDepartment(funder_id=eastvale.id, kind=DepartmentKind.education, name="Education (SEND)",
                                invoice_email="send.finance@eastvale.example"))
    return db


def ids(db) -> dict[str, str]:
    eastvale = db.exec(select(Funder).where(Funder.name == "Eastvale Council")).one()
    departments = {d.name: str(d.id) for d in db.exec(select(FunderDepartment)
                                                      .where(FunderDepartment.funder_id == eastvale.id))}
    return {"dev": str(db.exec(select(Child).where(Child.first_name == "Dev")).one().id),
            "day_care": str(db.exec(select(Service).where(Service.code == "DAY_CARE")).one().id),
            "eastvale": str(eastvale.id), "social_care": departments["Children's Social Care Team"],
            "education": departments["Education (SEND)"]}


def devs_joint_package(db) -> dict:
    i = ids(db)
    return {"child_id": i["dev"], "kind": "joint", "name": "Dev's joint day-care package",
            "starts_on": "2026-04-01", "ends_on": "2027-03-31", "services": [{"service_id": i["day_care"]}],
            "rates": [{"service_id": i["day_care"], "starts_on": "2026-04-01", "price_pence": 64_999}],
            "shares": [{"funder_id": i["eastvale"], "department_id": i["social_care"], "percent": 70,
                        "po_number": "EV-PO-SC-100", "contract_reference": "EV-CSC-2627-14"},
                       {"funder_id": i["eastvale"], "department_id": i["education"], "percent": 30,
                        "po_number": "EV-PO-ED-200", "contract_reference": "EV-SEND-2627-03"}]}


@pytest.fixture
def finance(client, make_user):
    return make_user("finance", name="Fran Finance")


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", name="Cora Coordinator")


def test_each_share_of_devs_joint_package_says_its_own_part_and_percentage(client, willow, finance, coordinator):
    sign_in(client, finance)
    made = api(client, "POST", "/api/arrangements", json=devs_joint_package(willow))
    assert made.status_code == 201, made.text
    assert [(s["po_number"], s["contract_reference"]) for s in made.json()["shares"]] == [
        ("EV-PO-SC-100", "EV-CSC-2627-14"), ("EV-PO-ED-200", "EV-SEND-2627-03")]
    page = html.unescape(client.get(f"/arrangements/{made.json()['id']}").text)
    assert "EV-SEND-2627-03" in page

    sign_in(client, coordinator)
    i = ids(willow)
    preview = api(client, "POST", "/api/bookings/preview",
                  json={"child_id": i["dev"], "service_id": i["day_care"], "starts_on": "2027-03-10"}).json()
    [line] = preview["lines"]
    assert [(p["payer_name"], p["pence"], p["reason"]) for p in line["parts"]] == [
        (SOCIAL_CARE, 45_499, f"Dev's joint day-care package: {SOCIAL_CARE} pays £454.99, its 70% share of £649.99 "
                              f"for Day care at £649.99."),
        (EDUCATION, 19_500, f"Dev's joint day-care package: {EDUCATION} pays £195.00, its 30% share of £649.99 "
                            f"for Day care at £649.99.")]


def test_each_shares_invoice_quotes_its_own_department_order_and_contract_reference(client, willow, finance,
                                                                                      coordinator):
    sign_in(client, finance)
    assert api(client, "POST", "/api/arrangements", json=devs_joint_package(willow)).status_code == 201
    sign_in(client, coordinator)
    i = ids(willow)
    made = api(client, "POST", "/api/bookings",
               json={"child_id": i["dev"], "service_id": i["day_care"], "starts_on": "2027-03-10"})
    assert made.status_code == 201, made.text
    [booking] = made.json()["bookings"]
    assert api(client, "POST", f"/api/bookings/{booking['id']}/confirm").status_code == 200
    assert api(client, "POST", f"/api/bookings/{booking['id']}/attendance",
               json={"status": "delivered"}).status_code == 200

    sign_in(client, finance)
    drafts = {d["payer_name"]: d for d in api(client, "GET", "/api/invoice-runs/2027-03").json()["drafts"]}
    assert (drafts[SOCIAL_CARE]["po_number"], drafts[SOCIAL_CARE]["total_pence"]) == ("EV-PO-SC-100", 45_499)
    assert (drafts[EDUCATION]["po_number"], drafts[EDUCATION]["total_pence"]) == ("EV-PO-ED-200", 19_500)
    assert drafts[SOCIAL_CARE]["exceptions"] == [] and drafts[EDUCATION]["exceptions"] == []
    issued = api(client, "POST", "/api/invoice-runs/2027-03/issue",
                 json={"payer_refs": [drafts[SOCIAL_CARE]["payer_ref"], drafts[EDUCATION]["payer_ref"]]})
    assert issued.status_code == 200, issued.text
    documents = {d["payer_name"]: d["document"] for d in issued.json()["invoices"]}
    assert (documents[SOCIAL_CARE]["purchase_order"], documents[SOCIAL_CARE]["contract_reference"]) == (
        "EV-PO-SC-100", "EV-CSC-2627-14")
    assert (documents[EDUCATION]["purchase_order"], documents[EDUCATION]["contract_reference"]) == (
        "EV-PO-ED-200", "EV-SEND-2627-03")
    assert run_all(willow) == []
