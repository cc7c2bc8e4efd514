"""The hospice's settings: administrators keep its details and calendars, finance its bank accounts and
payment terms; the refusals each meets; who may see what."""
from __future__ import annotations

import html
import re
import uuid
from datetime import date

import pytest
from sqlmodel import func, select

from provider.db import unit_of_work
from provider.organisation import calendar, holidays
from provider.organisation import service as organisation
from provider.organisation.models import BankAccount, Holiday, ProviderSettings
from provider.users.models import Role
from tests.conftest import api, post_form

WILLOW = {"name": "Willow Children's Hospice", "address": "Orchard Lane\nNorthfield\nNF4 2WL",
          "phone": "01632 960 400", "email": "accounts@willow.example", "website": "https://www.willow.example",
          "charity_number": "1187342", "company_number": "11293847", "registered_office": "Orchard Lane\nNorthfield",
          "vat_number": "", "financial_year_start_month": "4"}
OPERATING = {"purpose": "operating", "bank_name": "Lloyds Bank", "account_name": "WILLOW CHILDRENS HOSPICE",
             "sort_code": "30-96-34", "account_number": "41872205", "is_active": "true"}


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def names_field(html: str, field: str) -> bool:
    return f'href="#{field}"' in html and f'id="{field}-error"' in html


def only_error(response, field: str) -> str:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    return errors[0]["message"]


def enter_willow(db) -> ProviderSettings:
    with unit_of_work(db):
        return organisation.update_settings(db, {k: v or None for k, v in WILLOW.items()}, Role.admin)


def add_account(db, **values) -> BankAccount:
    with unit_of_work(db):
        return organisation.save_bank_account(db, {**OPERATING, **values})


def stored_settings(db) -> ProviderSettings | None:
    db.expire_all()
    return db.get(ProviderSettings, 1)


# --- the hospice's details (administrator) -------------------------------------------------------------------

def test_an_administrator_enters_the_hospices_details(client, db, signed_in):
    signed_in("admin")
    page = client.get("/settings")
    assert page.status_code == 200 and "Enter the hospice’s details" in page.text
    response = post_form(client, "/settings/details", WILLOW)
    assert response.status_code == 303 and response.headers["location"] == "/settings?saved=1"
    settings = stored_settings(db)
    assert (settings.name, settings.charity_number, settings.vat_number) == ("Willow Children's Hospice", "1187342", None)
    assert settings.financial_year_start_month == 4 and settings.payment_terms_days == 30
    page = client.get("/settings").text
    assert "Registered charity no." in page and "1187342" in page and "1 April" in page
    assert "Not registered for VAT" in page and "Change the payment terms" not in page


def test_an_administrator_changes_the_details_through_the_api(client, db, signed_in):
    enter_willow(db)
    signed_in("admin")
    response = api(client, "PATCH", "/api/settings", json={"vat_number": "gb 123 4567 89"})
    assert response.status_code == 200 and response.json()["vat_number"] == "GB123456789"
    assert api(client, "GET", "/api/settings").json()["name"] == "Willow Children's Hospice"
    assert stored_settings(db).vat_number == "GB123456789"


def test_the_first_entry_through_the_api_needs_the_required_details(client, db, signed_in):
    signed_in("admin")
    assert api(client, "GET", "/api/settings").status_code == 404
    response = api(client, "PATCH", "/api/settings", json={"name": "Willow Children's Hospice"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"address", "charity_number"}
    assert stored_settings(db) is None


def test_form_refuses_a_bad_email_for_the_hospice(client, db, signed_in):
    enter_willow(db)
    signed_in("admin")
    response = post_form(client, "/settings/details", {**WILLOW, "email": "accounts at willow", "name": "Willow"})
    assert response.status_code == 422 and names_field(response.text, "email")
    assert 'value="accounts at willow"' in response.text
    assert stored_settings(db).name == "Willow Children's Hospice"


def test_api_refuses_a_bad_email_for_the_hospice(client, db, signed_in):
    enter_willow(db)
    signed_in("admin")
    response = api(client, "PATCH", "/api/settings", json={"email": "accounts@", "name": "Willow"})
    assert only_error(response, "email") == "must be an email address, like name@example.org"
    assert stored_settings(db).email == "accounts@willow.example"


def test_a_charitable_company_needs_its_registered_office(client, db, signed_in):
    signed_in("admin")
    response = post_form(client, "/settings/details", {**WILLOW, "registered_office": ""})
    assert response.status_code == 422 and names_field(response.text, "registered_office")
    response = api(client, "PATCH", "/api/settings", json={**WILLOW, "registered_office": None, "vat_number": None,
                                                           "financial_year_start_month": 4})
    assert only_error(response, "registered_office") == "is required for a charitable company"
    assert stored_settings(db) is None


@pytest.mark.parametrize("field, value", [("company_number", "1234"), ("vat_number", "GB12345"),
                                          ("charity_number", "charity"), ("financial_year_start_month", 13)])
def test_api_refuses_malformed_registration_numbers(client, db, signed_in, field, value):
    enter_willow(db)
    signed_in("admin")
    only_error(api(client, "PATCH", "/api/settings", json={field: value}), field)
    assert stored_settings(db).company_number == "11293847"


# --- payment terms (finance) ---------------------------------------------------------------------------------

def test_finance_changes_the_payment_terms_and_sees_the_details_read_only(client, db, signed_in):
    enter_willow(db)
    signed_in("finance")
    page = html.unescape(client.get("/settings").text)
    assert "Willow Children's Hospice" in page and "Change the hospice’s details" not in page
    assert post_form(client, "/settings/payment-terms", {"payment_terms_days": "14"}).status_code == 303
    assert stored_settings(db).payment_terms_days == 14
    response = api(client, "PATCH", "/api/settings", json={"payment_terms_days": 28})
    assert response.status_code == 200 and response.json()["payment_terms_days"] == 28


@pytest.mark.parametrize("value", ["121", "-1", "thirty"])
def test_payment_terms_are_0_to_120_days(client, db, signed_in, value):
    enter_willow(db)
    signed_in("finance")
    response = post_form(client, "/settings/payment-terms", {"payment_terms_days": value})
    assert response.status_code == 422 and names_field(response.text, "payment_terms_days")
    response = api(client, "PATCH", "/api/settings", json={"payment_terms_days": int(value) if value[-1].isdigit() else value})
    only_error(response, "payment_terms_days")
    assert stored_settings(db).payment_terms_days == 30


def test_each_role_is_refused_the_others_part_of_the_settings(client, db, signed_in):
    enter_willow(db)
    signed_in("finance")
    assert post_form(client, "/settings/details", {**WILLOW, "name": "Renamed"}).status_code == 403
    response = api(client, "PATCH", "/api/settings", json={"name": "Renamed", "payment_terms_days": 10})
    assert response.status_code == 403 and "name" in response.json()["detail"]
    signed_in("admin")
    assert post_form(client, "/settings/payment-terms", {"payment_terms_days": "10"}).status_code == 403
    response = api(client, "PATCH", "/api/settings", json={"payment_terms_days": 10})
    assert response.status_code == 403 and "payment_terms_days" in response.json()["detail"]
    settings = stored_settings(db)
    assert (settings.name, settings.payment_terms_days) == ("Willow Children's Hospice", 30)


def test_finance_cannot_set_terms_before_the_details_exist(client, db, signed_in):
    signed_in("finance")
    response = api(client, "PATCH", "/api/settings", json={"payment_terms_days": 10})
    assert response.status_code == 409 and "administrator" in response.json()["detail"]
    assert stored_settings(db) is None


# --- bank accounts (finance) ---------------------------------------------------------------------------------

def test_finance_adds_the_operating_account_with_a_dashed_sort_code(client, db, signed_in):
    signed_in("finance")
    response = post_form(client, "/settings/bank-accounts/new", OPERATING)
    assert response.status_code == 303
    [account] = db.exec(select(BankAccount)).all()
    assert (account.sort_code, account.account_number, account.account_name) == (
        "309634", "41872205", "WILLOW CHILDRENS HOSPICE")
    page = client.get("/settings").text
    assert "30-96-34" in page and "41872205" in page
    edit = client.get(f"/settings/bank-accounts/{account.id}")
    assert edit.status_code == 200 and 'value="30-96-34"' in edit.text
    response = post_form(client, f"/settings/bank-accounts/{account.id}", {**OPERATING, "sort_code": "309635"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(BankAccount, account.id).sort_code == "309635"


def test_the_api_adds_and_changes_a_bank_account(client, db, signed_in):
    signed_in("finance")
    created = api(client, "POST", "/api/bank-accounts", json={**OPERATING, "purpose": "isf_client", "is_active": True,
                                                              "sort_code": "309634"})
    assert created.status_code == 201 and created.json()["sort_code"] == "309634"
    changed = api(client, "PATCH", f"/api/bank-accounts/{created.json()['id']}", json={"sort_code": "30 96 35"})
    assert changed.status_code == 200 and changed.json()["sort_code"] == "309635"
    assert [a["purpose"] for a in api(client, "GET", "/api/bank-accounts").json()] == ["isf_client"]


@pytest.mark.parametrize("sort_code", ["30-96-3", "3096345", "30/96/34", "ab-cd-ef", ""])
def test_form_refuses_a_sort_code_that_is_not_6_digits(client, db, signed_in, sort_code):
    signed_in("finance")
    response = post_form(client, "/settings/bank-accounts/new", {**OPERATING, "sort_code": sort_code})
    assert response.status_code == 422 and names_field(response.text, "sort_code")
    assert 'value="WILLOW CHILDRENS HOSPICE"' in response.text
    assert count(db, BankAccount) == 0


@pytest.mark.parametrize("sort_code", ["30-96-3", "1234567", "12-3456-"])
def test_api_refuses_a_sort_code_that_is_not_6_digits(client, db, signed_in, sort_code):
    account = add_account(db)
    signed_in("finance")
    body = {**OPERATING, "is_active": True, "purpose": "other", "sort_code": sort_code}
    assert only_error(api(client, "POST", "/api/bank-accounts", json=body), "sort_code") == "must be 6 digits, like 12-34-56"
    response = api(client, "PATCH", f"/api/bank-accounts/{account.id}", json={"sort_code": sort_code})
    only_error(response, "sort_code")
    db.expire_all()
    assert count(db, BankAccount) == 1 and db.get(BankAccount, account.id).sort_code == "309634"


@pytest.mark.parametrize("number", ["4187220", "418722055", "4187220A"])
def test_form_refuses_an_account_number_that_is_not_8_digits(client, db, signed_in, number):
    signed_in("finance")
    response = post_form(client, "/settings/bank-accounts/new", {**OPERATING, "account_number": number})
    assert response.status_code == 422 and names_field(response.text, "account_number")
    assert "must be exactly 8 digits" in response.text
    assert count(db, BankAccount) == 0


@pytest.mark.parametrize("number", ["4187220", "418722055"])
def test_api_refuses_an_account_number_that_is_not_8_digits(client, db, signed_in, number):
    signed_in("finance")
    body = {**OPERATING, "is_active": True, "account_number": number}
    assert only_error(api(client, "POST", "/api/bank-accounts", json=body), "account_number") == "must be exactly 8 digits"
    assert count(db, BankAccount) == 0


def test_only_one_operating_account_is_in_use_at_a_time(client, db, signed_in):
    old = add_account(db)
    signed_in("finance")
    body = {**OPERATING, "is_active": True, "account_number": "12345678"}
    assert only_error(api(client, "POST", "/api/bank-accounts", json=body), "purpose").startswith("already has")
    assert api(client, "PATCH", f"/api/bank-accounts/{old.id}", json={"is_active": False}).status_code == 200
    assert api(client, "POST", "/api/bank-accounts", json=body).status_code == 201


# --- calendars (administrator) -------------------------------------------------------------------------------

def add_holiday(db, kind, name, starts_on, ends_on=None) -> Holiday:
    with unit_of_work(db):
        return holidays.add_holiday(db, {"kind": kind, "name": name, "starts_on": starts_on, "ends_on": ends_on})


def test_an_administrator_adds_and_removes_holidays(client, db, signed_in):
    signed_in("admin")
    response = post_form(client, "/settings/holidays/new", {"kind": "bank_holiday", "name": "Easter Monday",
                                                            "starts_on": "2027-03-29", "ends_on": ""})
    assert response.status_code == 303 and response.headers["location"].startswith("/settings/holidays?year=2027")
    response = post_form(client, "/settings/holidays/new", {"kind": "school_holiday", "name": "Easter holidays 2027",
                                                            "starts_on": "2027-03-29", "ends_on": "2027-04-09"})
    assert response.status_code == 303
    page = client.get("/settings/holidays?year=2027").text
    assert "Easter Monday" in page and "29 March 2027 to 9 April 2027" in page
    assert calendar.is_bank_holiday(db, date(2027, 3, 29)) and not calendar.is_bank_holiday(db, date(2027, 3, 30))
    assert calendar.school_holiday_on(db, date(2027, 4, 9)).name == "Easter holidays 2027"
    assert calendar.school_holiday_on(db, date(2027, 4, 10)) is None
    [monday] = db.exec(select(Holiday).where(Holiday.name == "Easter Monday")).all()
    assert post_form(client, f"/settings/holidays/{monday.id}/remove").status_code == 303
    db.expire_all()
    assert not calendar.is_bank_holiday(db, date(2027, 3, 29))


def test_the_api_lists_adds_and_removes_holidays_by_year(client, db, signed_in):
    add_holiday(db, "school_holiday", "Christmas holidays 2026", "2026-12-21", "2027-01-01")
    signed_in("admin")
    created = api(client, "POST", "/api/holidays", json={"kind": "bank_holiday", "name": "New Year's Day",
                                                         "starts_on": "2027-01-01"})
    assert created.status_code == 201 and created.json()["ends_on"] == "2027-01-01"
    in_2027 = api(client, "GET", "/api/holidays", params={"year": 2027}).json()
    assert [h["name"] for h in in_2027] == ["Christmas holidays 2026", "New Year's Day"]
    banks = api(client, "GET", "/api/holidays", params={"year": 2027, "kind": "bank_holiday"}).json()
    assert [h["name"] for h in banks] == ["New Year's Day"]
    assert api(client, "DELETE", f"/api/holidays/{created.json()['id']}").status_code == 204
    assert calendar.bank_holidays_between(db, date(2026, 12, 1), date(2027, 1, 31)) == set()


def test_form_refuses_a_school_holiday_that_ends_before_it_starts(client, db, signed_in):
    signed_in("admin")
    response = post_form(client, "/settings/holidays/new", {"kind": "school_holiday", "name": "Half term",
                                                            "starts_on": "2027-02-19", "ends_on": "2027-02-15"})
    assert response.status_code == 422 and names_field(response.text, "ends_on")
    assert 'value="Half term"' in response.text
    assert count(db, Holiday) == 0


def test_api_refuses_a_school_holiday_without_an_end_or_ending_before_it_starts(client, db, signed_in):
    signed_in("admin")
    body = {"kind": "school_holiday", "name": "Half term", "starts_on": "2027-02-19"}
    assert only_error(api(client, "POST", "/api/holidays", json=body), "ends_on") == "is required for a school holiday"
    body["ends_on"] = "2027-02-15"
    assert only_error(api(client, "POST", "/api/holidays", json=body), "ends_on") == "must not be before the first day"
    assert count(db, Holiday) == 0


def test_form_refuses_a_malformed_holiday_date(client, db, signed_in):
    signed_in("admin")
    response = post_form(client, "/settings/holidays/new", {"kind": "bank_holiday", "name": "Boxing Day",
                                                            "starts_on": "2026-12-32"})
    assert response.status_code == 422 and names_field(response.text, "starts_on")
    assert "must be a real date" in response.text
    assert count(db, Holiday) == 0


def test_api_refuses_a_malformed_holiday_date(client, db, signed_in):
    signed_in("admin")
    response = api(client, "POST", "/api/holidays", json={"kind": "bank_holiday", "name": "Boxing Day",
                                                          "starts_on": "26/12/2026"})
    assert only_error(response, "starts_on") == "must be a real date"
    assert count(db, Holiday) == 0


def test_the_same_bank_holiday_twice_and_overlapping_school_holidays_are_refused(client, db, signed_in):
    add_holiday(db, "bank_holiday", "Christmas Day", "2026-12-25")
    add_holiday(db, "school_holiday", "Christmas holidays 2026", "2026-12-21", "2027-01-01")
    signed_in("admin")
    body = {"kind": "bank_holiday", "name": "Christmas", "starts_on": "2026-12-25"}
    assert only_error(api(client, "POST", "/api/holidays", json=body), "starts_on") == "is already a bank holiday (Christmas Day)"
    body = {"kind": "school_holiday", "name": "Winter break", "starts_on": "2026-12-31", "ends_on": "2027-01-04"}
    assert "overlaps Christmas holidays 2026" in only_error(api(client, "POST", "/api/holidays", json=body), "starts_on")
    assert count(db, Holiday) == 2


def test_finance_reads_the_calendars_but_cannot_change_them(client, db, signed_in):
    holiday = add_holiday(db, "bank_holiday", "Christmas Day", "2026-12-25")
    signed_in("finance")
    page = client.get("/settings/holidays?year=2026")
    assert page.status_code == 200 and "Christmas Day" in page.text and "Remove" not in page.text
    assert api(client, "GET", "/api/holidays").status_code == 200
    assert post_form(client, "/settings/holidays/new", {"kind": "bank_holiday", "name": "X",
                                                        "starts_on": "2026-12-28"}).status_code == 403
    assert api(client, "DELETE", f"/api/holidays/{holiday.id}").status_code == 403
    assert count(db, Holiday) == 1


# --- access and history ----------------------------------------------------------------------------------------

def test_the_administrator_reads_bank_accounts_but_cannot_change_them(client, db, signed_in):
    account = add_account(db)
    signed_in("admin")
    assert "41872205" in client.get("/settings").text
    assert client.get(f"/settings/bank-accounts/{account.id}").status_code == 403
    assert api(client, "POST", "/api/bank-accounts", json={**OPERATING, "is_active": True}).status_code == 403
    assert api(client, "PATCH", f"/api/bank-accounts/{account.id}", json={"sort_code": "111111"}).status_code == 403
    assert count(db, BankAccount) == 1


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family"])
def test_other_roles_get_403_on_settings(client, db, signed_in, role):
    enter_willow(db)
    add_account(db)
    signed_in(role)
    for url in ("/settings", "/settings/holidays", "/settings/details", "/settings/bank-accounts/new"):
        assert client.get(url).status_code == 403, url
    for url in ("/api/settings", "/api/bank-accounts", "/api/holidays"):
        assert api(client, "GET", url).status_code == 403, url
    assert api(client, "PATCH", "/api/settings", json={"payment_terms_days": 1}).status_code == 403
    assert client.get("/history/provider_settings/1").status_code == 403
    assert stored_settings(db).payment_terms_days == 30


def test_finance_and_the_administrator_read_the_history_of_the_settings(client, db, signed_in):
    enter_willow(db)
    account = add_account(db)
    signed_in("finance", name="Fran Finance")
    post_form(client, "/settings/payment-terms", {"payment_terms_days": "21"})
    page = client.get("/history/provider_settings/1")
    assert page.status_code == 200 and "Fran Finance" in page.text
    assert client.get(f"/history/bank_accounts/{account.id}").status_code == 200
    signed_in("admin")
    assert "Fran Finance" in client.get("/history/provider_settings/1").text


def test_an_unknown_bank_account_or_holiday_is_404(client, signed_in):
    signed_in("finance")
    assert client.get(f"/settings/bank-accounts/{uuid.uuid4()}").status_code == 404
    signed_in("admin")
    assert api(client, "DELETE", f"/api/holidays/{uuid.uuid4()}").status_code == 404


def assert_plain_page(page: str) -> None:
    assert page.count("<h1") == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=|\sstyle=|<style", page)
    for name in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', page):
        assert f'for="{name}"' in page, f"no label for {name}"


def test_every_settings_page_has_one_h1_labels_and_no_inline_script_or_style(client, db, signed_in):
    enter_willow(db)
    account = add_account(db)
    add_holiday(db, "bank_holiday", "Christmas Day", "2026-12-25")
    signed_in("admin")
    for url in ("/settings", "/settings/details", "/settings/holidays?year=2026", "/settings/holidays/new"):
        assert_plain_page(client.get(url).text)
    assert_plain_page(post_form(client, "/settings/details", {**WILLOW, "email": "x"}).text)
    signed_in("finance")
    for url in ("/settings", "/settings/payment-terms", "/settings/bank-accounts/new",
                f"/settings/bank-accounts/{account.id}"):
        assert_plain_page(client.get(url).text)
