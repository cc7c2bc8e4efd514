"""Funders: Willow's ICBs and councils, their codes, departments and successors, and every refusal."""
from __future__ import annotations

import html
import re
import uuid
from datetime import date

import pytest
from sqlmodel import func, select

from provider.db import unit_of_work
from provider.funders import codes, service as funders
from provider.funders.models import CodeKind, Funder, FunderCode, FunderDepartment
from tests.conftest import api, post_form

RIVERSIDE = {"kind": "icb", "name": "Riverside ICB",
             "billing_address": "NHS Riverside Integrated Care Board\nQRV Payables K9R1\nPO Box 9999\nWakefield WF3 1WE",
             "contact_name": "Children's commissioning team", "phone": "0113 496 0310",
             "invoice_email": "riverside.invoices@nhs.example", "secure_email": "riverside.validation@nhs.example",
             "payment_terms_days": "30", "po_required": "false", "pays_without_invoice": "false",
             "invoice_number_max_length": "30", "max_days_dated_ahead": "14", "successor_id": "", "notes": ""}
NORTHSHIRE = {"kind": "local_authority", "name": "Northshire County Council",
              "billing_address": "County Hall\nMarket Square\nNorthfield NF1 1CH",
              "invoice_email": "accounts.payable@northshire.example"}


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def names_field(page: str, field: str) -> bool:
    return f'href="#{field}"' in page and f'id="{field}-error"' in page


def only_error(response, field: str) -> str:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    return errors[0]["message"]


def add_funder(db, **values) -> Funder:
    with unit_of_work(db):
        return funders.create_funder(db, {**NORTHSHIRE, **values})


def stored(db, funder) -> Funder:
    db.expire_all()
    return db.get(Funder, funder.id)


def as_json(form: dict) -> dict:
    body = {k: v for k, v in form.items() if v != ""}
    for key in ("payment_terms_days", "invoice_number_max_length", "max_days_dated_ahead"):
        body[key] = int(body[key])
    return {**body, "po_required": False, "pays_without_invoice": False}


# --- funders through the pages and the API -------------------------------------------------------------------

def test_finance_adds_riverside_icb_with_its_invoice_rules(client, db, signed_in):
    signed_in("finance")
    assert client.get("/funders/new").status_code == 200
    response = post_form(client, "/funders/new", RIVERSIDE)
    assert response.status_code == 303
    funder_id = uuid.UUID(re.fullmatch(r"/funders/([0-9a-f-]{36})", response.headers["location"]).group(1))
    funder = db.get(Funder, funder_id)
    assert (funder.kind, funder.invoice_number_max_length, funder.max_days_dated_ahead) == ("icb", 30, 14)
    assert funder.secure_email == "riverside.validation@nhs.example"
    page = html.unescape(client.get(f"/funders/{funder_id}").text)
    assert "Integrated Care Board" in page and "At most 14 days" in page and "30 characters" in page


def test_the_funders_list_filters_by_kind_and_name(client, db, signed_in):
    add_funder(db)
    add_funder(db, **{k: v for k, v in RIVERSIDE.items() if v != ""})
    signed_in("finance")
    councils = client.get("/funders?kind=local_authority").text
    assert "Northshire County Council" in councils and "Riverside ICB" not in councils
    assert "Riverside ICB" in client.get("/funders?q=river").text
    listed = api(client, "GET", "/api/funders", params={"kind": "icb"}).json()
    assert [f["name"] for f in listed] == ["Riverside ICB"]
    assert api(client, "GET", "/api/funders", params={"kind": "charity"}).status_code == 422


def test_the_api_creates_reads_and_changes_a_funder(client, db, signed_in):
    signed_in("finance")
    created = api(client, "POST", "/api/funders", json=as_json(RIVERSIDE))
    assert created.status_code == 201, created.text
    funder_id = created.json()["id"]
    changed = api(client, "PATCH", f"/api/funders/{funder_id}", json={"po_required": True, "phone": None})
    assert changed.status_code == 200 and changed.json()["po_required"] is True and changed.json()["phone"] is None
    detail = api(client, "GET", f"/api/funders/{funder_id}").json()
    assert detail["current_funder_id"] == funder_id and detail["codes"] == [] and detail["departments"] == []


def test_editing_a_funder_keeps_what_was_typed_on_refusal(client, db, signed_in):
    funder = add_funder(db)
    signed_in("finance")
    page = client.get(f"/funders/{funder.id}/edit")
    assert page.status_code == 200 and 'value="Northshire County Council"' in page.text
    form = {**RIVERSIDE, **NORTHSHIRE, "name": "Northshire Council", "invoice_number_max_length": "2",
            "is_active": "true"}
    response = post_form(client, f"/funders/{funder.id}/edit", form)
    assert response.status_code == 422 and names_field(response.text, "invoice_number_max_length")
    assert 'value="Northshire Council"' in response.text
    assert stored(db, funder).name == "Northshire County Council"
    response = post_form(client, f"/funders/{funder.id}/edit", {**form, "invoice_number_max_length": ""})
    assert response.status_code == 303 and stored(db, funder).name == "Northshire Council"


@pytest.mark.parametrize("field", ["invoice_email", "secure_email"])
def test_form_refuses_a_bad_email(client, db, signed_in, field):
    signed_in("finance")
    response = post_form(client, "/funders/new", {**RIVERSIDE, field: "invoices.nhs.example"})
    assert response.status_code == 422 and names_field(response.text, field)
    assert 'value="invoices.nhs.example"' in response.text
    assert count(db, Funder) == 0


@pytest.mark.parametrize("field", ["invoice_email", "secure_email"])
def test_api_refuses_a_bad_email(client, db, signed_in, field):
    funder = add_funder(db)
    signed_in("finance")
    response = api(client, "POST", "/api/funders", json={**as_json(RIVERSIDE), field: "riverside@"})
    assert only_error(response, field) == "must be an email address, like name@example.org"
    response = api(client, "PATCH", f"/api/funders/{funder.id}", json={field: "not an email"})
    only_error(response, field)
    assert count(db, Funder) == 1 and stored(db, funder).invoice_email == "accounts.payable@northshire.example"


def test_a_funder_needs_a_kind_a_name_and_a_billing_address(client, db, signed_in):
    signed_in("finance")
    response = post_form(client, "/funders/new", {**RIVERSIDE, "kind": "", "name": "", "billing_address": ""})
    assert response.status_code == 422
    for field in ("kind", "name", "billing_address"):
        assert names_field(response.text, field), field
    assert "Name is required" in response.text and "Billing address is required" in response.text
    assert count(db, Funder) == 0


# --- successors ----------------------------------------------------------------------------------------------

def test_a_funder_replaced_by_another_shows_it_and_current_funder_follows_the_chain(client, db, signed_in):
    old = add_funder(db, kind="icb", name="Hillshire ICB")
    middle = add_funder(db, kind="icb", name="Hillshire and Dale ICB")
    new = add_funder(db, kind="icb", name="Greater Dale ICB")
    signed_in("finance")
    form = {**RIVERSIDE, **NORTHSHIRE, "kind": "icb", "name": "Hillshire ICB", "successor_id": str(middle.id),
            "is_active": "false"}
    assert post_form(client, f"/funders/{old.id}/edit", form).status_code == 303
    assert api(client, "PATCH", f"/api/funders/{middle.id}", json={"successor_id": str(new.id)}).status_code == 200
    page = client.get(f"/funders/{old.id}").text
    assert "Replaced by" in page and "Hillshire and Dale ICB" in page and "Greater Dale ICB" in page
    assert "Replaced by Hillshire and Dale ICB" in client.get("/funders").text
    assert funders.current_funder(db, stored(db, old)).id == new.id
    assert funders.current_funder(db, stored(db, new)).id == new.id
    assert api(client, "GET", f"/api/funders/{old.id}").json()["current_funder_id"] == str(new.id)


def test_form_refuses_a_successor_that_makes_a_cycle(client, db, signed_in):
    first = add_funder(db, kind="icb", name="Hillshire ICB")
    second = add_funder(db, kind="icb", name="Dale ICB", successor_id=first.id)
    signed_in("finance")
    form = {**RIVERSIDE, **NORTHSHIRE, "kind": "icb", "name": "Hillshire ICB", "successor_id": str(second.id),
            "is_active": "true"}
    response = post_form(client, f"/funders/{first.id}/edit", form)
    assert response.status_code == 422 and names_field(response.text, "successor_id")
    assert "would make a loop" in response.text
    assert stored(db, first).successor_id is None


def test_api_refuses_a_successor_that_makes_a_cycle(client, db, signed_in):
    a = add_funder(db, kind="icb", name="A ICB")
    b = add_funder(db, kind="icb", name="B ICB", successor_id=a.id)
    c = add_funder(db, kind="icb", name="C ICB", successor_id=b.id)
    signed_in("finance")
    response = api(client, "PATCH", f"/api/funders/{a.id}", json={"successor_id": str(c.id)})
    assert only_error(response, "successor_id").startswith("would make a loop: C ICB")
    response = api(client, "PATCH", f"/api/funders/{a.id}", json={"successor_id": str(a.id)})
    assert only_error(response, "successor_id") == "must be another funder, not this one"
    response = api(client, "PATCH", f"/api/funders/{a.id}", json={"successor_id": str(uuid.uuid4())})
    assert only_error(response, "successor_id") == "is not a known funder"
    assert stored(db, a).successor_id is None


def test_current_funder_stops_at_a_cycle_written_behind_its_back(db):
    a = add_funder(db, name="A")
    b = add_funder(db, name="B", successor_id=a.id)
    with unit_of_work(db):
        a.successor_id = b.id  # bypassing the check, as a bad import might
        db.add(a)
    assert funders.current_funder(db, a).id == b.id
    assert [f.name for f in funders.successor_chain(db, b)] == ["A"]


# --- codes and departments -----------------------------------------------------------------------------------

def add_code(db, funder, kind, value, starts_on) -> FunderCode:
    with unit_of_work(db):
        return codes.add_code(db, funder, {"kind": kind, "value": value, "starts_on": starts_on})


def code_rows(db, funder) -> list[tuple]:
    db.expire_all()
    return sorted((c.kind, c.value, c.starts_on, c.ends_on) for c in codes.codes_of(db, funder))


def test_a_new_code_closes_the_old_one_the_day_before(client, db, signed_in):
    riverside = add_funder(db, kind="icb", name="Riverside ICB")
    add_code(db, riverside, "organisation_code", "QRV", "2024-04-01")
    add_code(db, riverside, "payables_code", "K9R1", "2024-04-01")
    signed_in("finance")
    response = post_form(client, f"/funders/{riverside.id}/codes/new",
                         {"kind": "payables_code", "value": "k9r2", "starts_on": "2026-07-01", "ends_on": ""})
    assert response.status_code == 303
    assert code_rows(db, riverside) == [("organisation_code", "QRV", date(2024, 4, 1), None),
                                        ("payables_code", "K9R1", date(2024, 4, 1), date(2026, 6, 30)),
                                        ("payables_code", "K9R2", date(2026, 7, 1), None)]
    all_codes = codes.codes_of(db, riverside)
    assert codes.code_on(all_codes, CodeKind.payables_code, date(2026, 6, 30)).value == "K9R1"
    assert codes.code_on(all_codes, CodeKind.payables_code, date(2026, 7, 1)).value == "K9R2"
    assert codes.code_on(all_codes, CodeKind.organisation_code, date(2026, 7, 1)).value == "QRV"
    assert codes.code_on(all_codes, CodeKind.organisation_code, date(2024, 3, 31)) is None
    page = client.get(f"/funders/{riverside.id}").text
    assert "30 June 2026" in page and "K9R2" in page


def test_the_api_adds_a_code_and_refuses_an_overlapping_one(client, db, signed_in):
    riverside = add_funder(db, kind="icb", name="Riverside ICB")
    add_code(db, riverside, "organisation_code", "QRV", "2024-04-01")
    signed_in("finance")
    added = api(client, "POST", f"/api/funders/{riverside.id}/codes",
                json={"kind": "organisation_code", "value": "QRX", "starts_on": "2026-07-01"})
    assert added.status_code == 201 and added.json()["value"] == "QRX"
    response = api(client, "POST", f"/api/funders/{riverside.id}/codes",
                   json={"kind": "organisation_code", "value": "QRY", "starts_on": "2026-07-01"})
    assert only_error(response, "starts_on").startswith("overlaps the code from 1 July 2026")
    listed = api(client, "GET", f"/api/funders/{riverside.id}/codes").json()
    assert sorted(c["value"] for c in listed) == ["QRV", "QRX"]


def test_form_refuses_a_malformed_code_date_and_value(client, db, signed_in):
    riverside = add_funder(db, kind="icb", name="Riverside ICB")
    signed_in("finance")
    response = post_form(client, f"/funders/{riverside.id}/codes/new",
                         {"kind": "payables_code", "value": "K9 R1!", "starts_on": "2026-02-30"})
    assert response.status_code == 422
    assert names_field(response.text, "starts_on") and names_field(response.text, "value")
    assert count(db, FunderCode) == 0


def test_api_refuses_a_malformed_code_date(client, db, signed_in):
    riverside = add_funder(db, kind="icb", name="Riverside ICB")
    signed_in("finance")
    response = api(client, "POST", f"/api/funders/{riverside.id}/codes",
                   json={"kind": "payables_code", "value": "K9R1", "starts_on": "2026-04-31"})
    assert only_error(response, "starts_on") == "must be a real date"
    assert count(db, FunderCode) == 0


def test_a_council_has_departments_with_their_own_invoice_email(client, db, signed_in):
    council = add_funder(db)
    signed_in("finance")
    response = post_form(client, f"/funders/{council.id}/departments/new",
                         {"kind": "social_care", "name": "Children's Social Care",
                          "invoice_email": "csc.invoices@northshire.example", "billing_address": ""})
    assert response.status_code == 303
    [department] = db.exec(select(FunderDepartment)).all()
    assert (department.kind, department.billing_address) == ("social_care", None)
    response = api(client, "POST", f"/api/funders/{council.id}/departments",
                   json={"kind": "education", "name": "Education (SEN)", "invoice_email": "send@northshire.example"})
    assert response.status_code == 201
    changed = api(client, "PATCH", f"/api/funders/{council.id}/departments/{department.id}",
                  json={"billing_address": "Children's Services\nCounty Hall"})
    assert changed.status_code == 200 and changed.json()["billing_address"].startswith("Children's Services")
    page = html.unescape(client.get(f"/funders/{council.id}").text)
    assert "Children's Social Care" in page and "Education (SEN)" in page
    assert client.get(f"/funders/{council.id}/departments/{department.id}").status_code == 200


def test_a_department_with_a_bad_email_is_refused_through_the_form_and_the_api(client, db, signed_in):
    council = add_funder(db)
    signed_in("finance")
    response = post_form(client, f"/funders/{council.id}/departments/new",
                         {"kind": "education", "name": "Education", "invoice_email": "send@"})
    assert response.status_code == 422 and names_field(response.text, "invoice_email")
    response = api(client, "POST", f"/api/funders/{council.id}/departments",
                   json={"kind": "education", "name": "Education", "invoice_email": "send@"})
    assert only_error(response, "invoice_email") == "must be an email address, like name@example.org"
    assert count(db, FunderDepartment) == 0


def test_a_department_of_another_funder_is_404(client, db, signed_in):
    council = add_funder(db)
    other = add_funder(db, name="Eastvale Council")
    with unit_of_work(db):
        department = codes.save_department(db, council, {"kind": "social_care", "name": "CSC"})
    signed_in("finance")
    assert client.get(f"/funders/{other.id}/departments/{department.id}").status_code == 404
    assert api(client, "PATCH", f"/api/funders/{other.id}/departments/{department.id}",
               json={"name": "Moved"}).status_code == 404


# --- access and history ----------------------------------------------------------------------------------------

def test_a_coordinator_reads_funders_but_cannot_change_them(client, db, signed_in):
    funder = add_funder(db)
    signed_in("coordinator")
    page = client.get(f"/funders/{funder.id}")
    assert page.status_code == 200 and "Change the funder" not in page.text and "History of this record" not in page.text
    assert client.get("/funders").status_code == 200
    assert api(client, "GET", f"/api/funders/{funder.id}").status_code == 200
    assert client.get("/funders/new").status_code == 403
    assert post_form(client, f"/funders/{funder.id}/edit", {**NORTHSHIRE, "name": "X"}).status_code == 403
    assert api(client, "PATCH", f"/api/funders/{funder.id}", json={"name": "X"}).status_code == 403
    assert api(client, "POST", f"/api/funders/{funder.id}/codes",
               json={"kind": "payables_code", "value": "K1", "starts_on": "2026-04-01"}).status_code == 403
    assert client.get(f"/history/funders/{funder.id}").status_code == 403
    assert stored(db, funder).name == "Northshire County Council" and count(db, FunderCode) == 0


@pytest.mark.parametrize("role", ["trustee", "family", "admin"])
def test_other_roles_get_403_on_funders(client, db, signed_in, role):
    funder = add_funder(db)
    signed_in(role)
    assert client.get("/funders").status_code == 403
    assert client.get(f"/funders/{funder.id}").status_code == 403
    assert api(client, "GET", "/api/funders").status_code == 403
    assert api(client, "POST", "/api/funders", json=as_json(RIVERSIDE)).status_code == 403
    assert count(db, Funder) == 1


def test_finance_reads_the_history_of_a_funder(client, db, signed_in):
    funder = add_funder(db)
    signed_in("finance", name="Fran Finance")
    assert api(client, "PATCH", f"/api/funders/{funder.id}", json={"payment_terms_days": 45}).status_code == 200
    page = client.get(f"/history/funders/{funder.id}")
    assert page.status_code == 200 and "Fran Finance" in page.text and "45" in page.text


def test_every_funder_page_has_one_h1_labels_and_no_inline_script_or_style(client, db, signed_in):
    from tests.test_settings import assert_plain_page

    council = add_funder(db)
    with unit_of_work(db):
        department = codes.save_department(db, council, {"kind": "social_care", "name": "CSC"})
    add_code(db, council, "payables_code", "K1", "2026-04-01")
    signed_in("finance")
    for url in ("/funders", "/funders?kind=icb", "/funders/new", f"/funders/{council.id}", f"/funders/{council.id}/edit",
                f"/funders/{council.id}/codes/new", f"/funders/{council.id}/departments/new",
                f"/funders/{council.id}/departments/{department.id}"):
        assert_plain_page(client.get(url).text)
    assert_plain_page(post_form(client, "/funders/new", {**RIVERSIDE, "name": ""}).text)


def test_finance_sets_whether_a_funder_pays_for_cancellations(client, db, signed_in):
    signed_in("finance")
    response = post_form(client, "/funders/new", {**RIVERSIDE, "charges_cancellations": "true"})
    assert response.status_code == 303
    funder = db.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
    assert funder.charges_cancellations is True
    assert "Charged when the family cancels late" in client.get(f"/funders/{funder.id}").text
    changed = api(client, "PATCH", f"/api/funders/{funder.id}", json={"charges_cancellations": False})
    assert changed.status_code == 200 and changed.json()["charges_cancellations"] is False
