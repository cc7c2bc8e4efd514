"""Children's records: registering, changing and finding a child; the refusals a coordinator meets; who may see what."""
from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from sqlmodel import func, select

from provider.clock import set_as_of_date
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import Funder, FunderKind
from provider.people import service
from provider.people.family_access import AccessBasis, FamilyAccess
from provider.people.models import Child, ChildRelationship, FamilyMember, Relationship
from tests.conftest import api, post_form, sign_in

TODAY = date(2027, 4, 10)
AMIRA_NHS = "943 476 5919"
BEN_NHS = "999 000 0018"


@pytest.fixture(autouse=True)
def fixed_today(db):
    with unit_of_work(db):
        set_as_of_date(db, TODAY)


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def add_child(db, **values) -> Child:
    with unit_of_work(db):
        return service.create_child(db, {"first_name": "Amira", "last_name": "Haddad",
                                         "date_of_birth": "2016-05-04", **values})


def add_funder(db, kind: FunderKind, name: str) -> Funder:
    with unit_of_work(db):
        funder = Funder(kind=kind, name=name, billing_address="County Hall\nNorthshire")
        db.add(funder)
        db.flush()
        return funder


def relate_family_user(db, child: Child, user) -> None:
    with unit_of_work(db):
        member = FamilyMember(name=user.name, user_id=user.id)
        db.add(member)
        db.flush()
        db.add(ChildRelationship(child_id=child.id, family_member_id=member.id, relationship=Relationship.mother,
                                 parental_responsibility=True))
        db.flush()
        db.add(FamilyAccess(child_id=child.id, family_member_id=member.id, basis=AccessBasis.parental_responsibility,
                            statements=True, invoices=True, bookings=True))


def error_summary_names(html: str, field: str) -> bool:
    return f'href="#{field}"' in html and f'id="{field}-error"' in html


FORM = {"first_name": "Amira", "last_name": "Haddad", "preferred_name": "", "date_of_birth": "2016-05-04",
        "nhs_number": AMIRA_NHS, "council_reference": "NS-2231", "home_authority_id": "", "icb_id": "",
        "key_worker_id": "", "status": "active", "status_date": "", "notes": ""}
JSON = {"first_name": "Amira", "last_name": "Haddad", "date_of_birth": "2016-05-04", "nhs_number": AMIRA_NHS}


# --- registering and viewing ---------------------------------------------------------------------------------

def test_coordinator_registers_a_child_with_funders_and_key_worker(client, db, signed_in, make_user):
    signed_in("coordinator")
    worker = make_user("coordinator", name="Kim Keyworker")
    council = add_funder(db, FunderKind.local_authority, "Northshire County Council")
    icb = add_funder(db, FunderKind.icb, "Riverside ICB")
    form = client.get("/children/new")
    assert "Northshire County Council" in form.text and "Riverside ICB" in form.text and "Kim Keyworker" in form.text
    response = post_form(client, "/children/new", {**FORM, "home_authority_id": str(council.id), "icb_id": str(icb.id),
                                                    "key_worker_id": str(worker.id), "preferred_name": "Mira"})
    assert response.status_code == 303
    child_id = uuid.UUID(re.fullmatch(r"/children/([0-9a-f-]{36})", response.headers["location"]).group(1))
    stored = db.get(Child, child_id)
    assert stored.nhs_number == "9434765919"
    page = client.get(f"/children/{child_id}").text
    for text in ("Mira Haddad", "4 May 2016", AMIRA_NHS, "NS-2231", "Northshire County Council", "Riverside ICB",
                 "Kim Keyworker", "Active", f"/history/children/{child_id}"):
        assert text in page, text


def test_the_api_registers_a_child_and_shows_the_nhs_number_3_3_4(client, db, signed_in):
    signed_in("coordinator")
    response = api(client, "POST", "/api/children", json={**JSON, "nhs_number": "9434765919"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["nhs_number"] == AMIRA_NHS and uuid.UUID(body["id"]).version == 4
    assert db.get(Child, uuid.UUID(body["id"])).nhs_number == "9434765919"
    fetched = api(client, "GET", f"/api/children/{body['id']}").json()
    assert fetched["nhs_number"] == AMIRA_NHS and fetched["family"] == [] and fetched["nominations"] == []


def test_a_funder_of_the_wrong_kind_or_a_key_worker_who_is_not_a_coordinator_is_refused(client, db, signed_in,
                                                                                         make_user):
    signed_in("coordinator")
    icb = add_funder(db, FunderKind.icb, "Riverside ICB")
    finance = make_user("finance")
    before = count(db, Child)
    response = post_form(client, "/children/new", {**FORM, "home_authority_id": str(icb.id),
                                                    "key_worker_id": str(finance.id)})
    assert response.status_code == 422
    assert error_summary_names(response.text, "home_authority_id")
    assert error_summary_names(response.text, "key_worker_id")
    response = api(client, "POST", "/api/children", json={**JSON, "icb_id": str(uuid.uuid4())})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "icb_id"
    assert count(db, Child) == before


def test_a_child_who_died_shows_the_date_of_death(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db, first_name="Ellie", last_name="Moss", status="died", status_date="2026-11-20")
    page = client.get(f"/children/{child.id}").text
    assert "Died on 20 November 2026" in page


def test_coordinator_changes_a_childs_name_and_the_history_shows_who_before_and_after(client, db, signed_in):
    coordinator = signed_in("coordinator", name="Cora Coordinator")
    child = add_child(db)
    edit = client.get(f"/children/{child.id}/edit")
    assert 'value="Amira"' in edit.text
    response = post_form(client, f"/children/{child.id}/edit", {**FORM, "nhs_number": "", "first_name": "Amina"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Child, child.id).first_name == "Amina"
    history = client.get(f"/history/children/{child.id}")
    assert history.status_code == 200
    assert f"Updated by {coordinator.name}" in history.text
    assert re.search(r"First name</th><td>Amira</td><td>Amina</td>", history.text)
    events = api(client, "GET", f"/api/history/children/{child.id}").json()
    assert events[-1]["actor"] == "Cora Coordinator" and events[-1]["changes"]["first_name"] == ["Amira", "Amina"]


def test_the_api_patch_changes_only_what_is_sent(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db, nhs_number=AMIRA_NHS, council_reference="NS-2231")
    response = api(client, "PATCH", f"/api/children/{child.id}", json={"preferred_name": "Mira"})
    assert response.status_code == 200, response.text
    assert response.json()["preferred_name"] == "Mira" and response.json()["council_reference"] == "NS-2231"
    assert response.json()["nhs_number"] == AMIRA_NHS


def test_the_api_refuses_unknown_fields_and_blanking_a_required_one(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    response = api(client, "POST", "/api/children", json={**JSON, "favourite_colour": "blue"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "favourite_colour", "message": "is not a field this accepts"}]
    response = api(client, "PATCH", f"/api/children/{child.id}", json={"last_name": None})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "last_name"
    db.expire_all()
    assert db.get(Child, child.id).last_name == "Haddad"


# --- bad input: one named test per rule, through the form and through the API ----------------------------------

def _refused_by_form(client, db, changes: dict, field: str, message: str) -> None:
    before = count(db, Child)
    response = post_form(client, "/children/new", {**FORM, **changes})
    assert response.status_code == 422
    assert error_summary_names(response.text, field) and message in response.text
    for name, value in changes.items():  # what was typed stays in the form
        assert f'value="{value}"' in response.text or value in response.text, name
    assert count(db, Child) == before


def _refused_by_api(client, db, changes: dict, field: str, message: str) -> None:
    before = count(db, Child)
    response = api(client, "POST", "/api/children", json={**JSON, **changes})
    assert response.status_code == 422, response.text
    assert {"field": field, "message": message} in response.json()["errors"]
    assert count(db, Child) == before


def test_form_refuses_a_birth_date_in_the_future(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_form(client, db, {"date_of_birth": "2027-04-11"}, "date_of_birth", "must not be in the future")


def test_api_refuses_a_birth_date_in_the_future(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_api(client, db, {"date_of_birth": "2027-04-11"}, "date_of_birth", "must not be in the future")


def test_form_refuses_an_nhs_number_whose_check_digit_is_wrong(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_form(client, db, {"nhs_number": "943 476 5918"}, "nhs_number", "check digit does not match")


def test_api_refuses_an_nhs_number_whose_check_digit_is_wrong(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_api(client, db, {"nhs_number": "9434765918"}, "nhs_number",
                    "is not a valid NHS number (the check digit does not match)")


def test_form_refuses_an_nhs_number_of_one_repeated_digit(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_form(client, db, {"nhs_number": "444 444 4444"}, "nhs_number", "cannot be one digit repeated")


def test_api_refuses_an_nhs_number_of_one_repeated_digit(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_api(client, db, {"nhs_number": "4444444444"}, "nhs_number", "cannot be one digit repeated")


def test_form_refuses_a_date_that_does_not_exist(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_form(client, db, {"date_of_birth": "2026-02-30"}, "date_of_birth", "must be a real date")


def test_api_refuses_a_date_that_does_not_exist(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_api(client, db, {"date_of_birth": "2026-02-30"}, "date_of_birth", "must be a real date")


def test_form_refuses_a_date_of_death_before_the_date_of_birth(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_form(client, db, {"status": "died", "status_date": "2016-05-03"}, "status_date",
                     "must not be before the date of birth")


def test_api_refuses_a_date_of_death_before_the_date_of_birth(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_api(client, db, {"status": "died", "status_date": "2016-05-03"}, "status_date",
                    "must not be before the date of birth")


def test_a_date_of_death_before_birth_is_refused_when_editing_too_and_nothing_changes(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    response = post_form(client, f"/children/{child.id}/edit",
                         {**FORM, "nhs_number": "", "first_name": "Amina", "status": "died",
                          "status_date": "2015-01-01"})
    assert response.status_code == 422 and error_summary_names(response.text, "status_date")
    assert 'value="Amina"' in response.text
    response = api(client, "PATCH", f"/api/children/{child.id}", json={"status": "died", "status_date": "2015-01-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status_date"
    db.expire_all()
    stored = db.get(Child, child.id)
    assert (stored.first_name, stored.status, stored.status_date) == ("Amira", "active", None)


def test_a_status_other_than_active_needs_its_date_and_not_one_in_the_future(client, db, signed_in):
    signed_in("coordinator")
    _refused_by_form(client, db, {"status": "adult_services"}, "status_date", "moved to adult services")
    _refused_by_api(client, db, {"status": "died"}, "status_date", "is required: give the date of death")
    _refused_by_api(client, db, {"status": "died", "status_date": "2027-04-11"}, "status_date",
                    "must not be in the future")
    _refused_by_api(client, db, {"status_date": "2020-01-01"}, "status_date",
                    "must be blank while the child's status is active")


def test_a_second_child_with_the_same_nhs_number_is_refused(client, db, signed_in):
    signed_in("coordinator")
    add_child(db, nhs_number=AMIRA_NHS)
    _refused_by_form(client, db, {"first_name": "Other", "nhs_number": "9434765919"}, "nhs_number",
                     "is already recorded for another child")
    _refused_by_api(client, db, {"first_name": "Other", "nhs_number": AMIRA_NHS}, "nhs_number",
                    "is already recorded for another child")


def test_a_duplicate_nhs_number_that_slips_past_the_check_is_still_refused_by_name(db, monkeypatch):
    add_child(db, nhs_number=AMIRA_NHS)
    monkeypatch.setattr(service, "_reference_problems", lambda *args: {})  # as if another user saved it just now
    with pytest.raises(FieldErrors) as refused:
        with unit_of_work(db):
            service.create_child(db, {**JSON, "first_name": "Other"})
    assert refused.value.errors == {"nhs_number": "is already recorded for another child"}
    assert count(db, Child) == 1


def test_a_blank_form_names_every_required_field(client, db, signed_in):
    signed_in("coordinator")
    response = post_form(client, "/children/new", {**FORM, "first_name": "", "last_name": "", "date_of_birth": ""})
    assert response.status_code == 422
    for name in ("first_name", "last_name", "date_of_birth"):
        assert error_summary_names(response.text, name)
    assert "is required" in response.text


# --- finding a child -----------------------------------------------------------------------------------------

@pytest.fixture
def three_children(db):
    return [add_child(db, first_name="Amira", last_name="Haddad", nhs_number=AMIRA_NHS, council_reference="NS-2231"),
            add_child(db, first_name="Benjamin", preferred_name="Ben", last_name="Okafor", nhs_number=BEN_NHS),
            add_child(db, first_name="Devendra", preferred_name="Dev", last_name="Patel",
                      council_reference="EV-104233")]


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/children/[0-9a-f-]{36}">([^<]+)</a>', html)


@pytest.mark.parametrize("q, expected", [
    ("hAdDa", ["Haddad, Amira"]),                    # last name, any case, part of it
    ("ben", ["Okafor, Benjamin"]),                   # preferred name
    ("deven", ["Patel, Devendra"]),                  # first name
    ("ben okaf", ["Okafor, Benjamin"]),              # several words, each part of a name
    ("999 000 0018", ["Okafor, Benjamin"]),          # NHS number with spaces
    ("9434765919", ["Haddad, Amira"]),               # NHS number without
    ("ev-104233", ["Patel, Devendra"]),              # council reference
    ("100%", []),
])
def test_search_finds_children_by_name_nhs_number_or_council_reference(client, signed_in, three_children, q, expected):
    signed_in("coordinator")
    page = client.get("/children", params={"q": q})
    assert page.status_code == 200
    assert _names(page.text) == expected
    found = api(client, "GET", "/api/children", params={"q": q}).json()
    assert [f"{c['last_name']}, {c['first_name']}" for c in found["children"]] == expected


def test_the_list_is_ordered_by_last_name_fifty_to_a_page(client, db, signed_in):
    signed_in("coordinator")
    with unit_of_work(db):
        for n in range(53):
            db.add(Child(first_name=f"Child{n:02d}", last_name=f"Surname{52 - n:02d}", date_of_birth=date(2015, 1, 1)))
    first = client.get("/children").text
    names = _names(first)
    assert len(names) == 50 and names[0] == "Surname00, Child52" and names[-1] == "Surname49, Child03"
    assert "Page 1 of 2" in first and 'href="/children?page=2"' in first
    second = _names(client.get("/children?page=2").text)
    assert second == ["Surname50, Child02", "Surname51, Child01", "Surname52, Child00"]
    listed = api(client, "GET", "/api/children", params={"page": 2}).json()
    assert listed["total"] == 53 and listed["pages"] == 2 and len(listed["children"]) == 3


# --- who may see and change children ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/children", "/children/new", "/children/{id}", "/children/{id}/edit"])
def test_a_trustee_gets_403_on_every_child_page(client, db, signed_in, url):
    child = add_child(db)
    signed_in("trustee")
    assert client.get(url.format(id=child.id)).status_code == 403


def test_a_trustee_gets_403_from_the_child_api(client, db, signed_in):
    child = add_child(db)
    signed_in("trustee")
    assert api(client, "GET", "/api/children").status_code == 403
    assert api(client, "GET", f"/api/children/{child.id}").status_code == 403
    assert api(client, "POST", "/api/children", json=JSON).status_code == 403


def test_finance_may_read_children_but_not_register_or_change_them(client, db, signed_in):
    child = add_child(db, notes="Likes the sensory room")
    signed_in("finance")
    assert client.get("/children").status_code == 200
    page = client.get(f"/children/{child.id}")
    assert page.status_code == 200 and "Likes the sensory room" in page.text
    assert f"/children/{child.id}/edit" not in page.text
    before = count(db, Child)
    assert client.get("/children/new").status_code == 403
    assert post_form(client, "/children/new", FORM).status_code == 403
    assert api(client, "POST", "/api/children", json=JSON).status_code == 403
    assert api(client, "PATCH", f"/api/children/{child.id}", json={"first_name": "X"}).status_code == 403
    assert post_form(client, f"/children/{child.id}/edit", {**FORM, "first_name": "X"}).status_code == 403
    assert count(db, Child) == before
    db.expire_all()
    assert db.get(Child, child.id).first_name == "Amira"


def test_the_administrator_reads_no_childs_record(client, db, signed_in):
    child = add_child(db, notes="Likes the sensory room")
    signed_in("admin")
    for url in ("/children", f"/children/{child.id}", f"/history/children/{child.id}"):
        page = client.get(url)
        assert page.status_code == 403 and "Likes the sensory room" not in page.text and "Amira" not in page.text
    assert api(client, "GET", "/api/children").status_code == 403
    assert api(client, "GET", f"/api/children/{child.id}").status_code == 403


def test_a_family_user_sees_their_own_child_and_gets_404_for_another(client, db, signed_in):
    parent = signed_in("family", name="Leila Haddad")
    own = add_child(db, notes="Staff-only note")
    other = add_child(db, first_name="Chloe", last_name="Brown")
    relate_family_user(db, own, parent)
    page = client.get(f"/children/{own.id}")
    assert page.status_code == 200 and "Amira Haddad" in page.text
    assert "Staff-only note" not in page.text and "/history/" not in page.text and "/edit" not in page.text
    assert client.get(f"/children/{other.id}").status_code == 404
    assert api(client, "GET", f"/api/children/{other.id}").status_code == 404
    mine = api(client, "GET", f"/api/children/{own.id}")
    assert mine.status_code == 200 and mine.json()["notes"] is None


def test_a_family_user_gets_403_on_the_list_search_and_every_change(client, db, signed_in):
    parent = signed_in("family")
    own = add_child(db)
    relate_family_user(db, own, parent)
    assert client.get("/children").status_code == 403
    assert client.get("/children?q=Amira").status_code == 403
    assert api(client, "GET", "/api/children", params={"q": "Amira"}).status_code == 403
    assert client.get(f"/children/{own.id}/edit").status_code == 403
    assert post_form(client, f"/children/{own.id}/edit", {**FORM, "first_name": "X"}).status_code == 403
    assert api(client, "PATCH", f"/api/children/{own.id}", json={"first_name": "X"}).status_code == 403
    assert api(client, "POST", "/api/children", json=JSON).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in_and_the_api_answers_401(anon, db):
    child = add_child(db)
    response = anon.get(f"/children/{child.id}")
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/children/")
    assert anon.get("/children?q=Amira").headers["location"] == "/login?next=/children%3Fq%3DAmira"
    assert anon.get("/api/children").status_code == 401
    assert anon.get(f"/api/children/{child.id}").status_code == 401


def test_the_history_of_a_child_is_closed_to_a_family_user(client, db, make_user):
    parent = make_user("family")
    child = add_child(db)
    relate_family_user(db, child, parent)
    sign_in(client, parent)
    assert client.get(f"/history/children/{child.id}").status_code == 403
