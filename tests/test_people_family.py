"""Family members: added from a child's page with their relationship, changed, and related to a second child."""
from __future__ import annotations

import uuid

from sqlmodel import select

from provider.people.models import ChildRelationship, FamilyMember
from tests.conftest import api, post_form
from tests.test_people_children import fixed_today  # noqa: F401  (the autouse fixture: today is 10 April 2027)
from tests.test_people_children import add_child, count, error_summary_names, relate_family_user

LEILA = {"name": "Leila Haddad", "relationship": "mother", "parental_responsibility": "true",
         "date_of_birth": "1988-02-11", "address": "4 Mill Lane\nNorthshire NS1 4AB", "email": "leila@example.org",
         "phone": "01632 960123", "notes": ""}
SAM = {"name": "Sam Haddad", "relationship": "sibling", "parental_responsibility": "false",
       "date_of_birth": "2019-09-01", "address": "", "email": "", "phone": "", "notes": ""}


def rows(db) -> tuple[int, int]:
    return count(db, FamilyMember), count(db, ChildRelationship)


def test_a_coordinator_adds_a_mother_and_a_sibling_from_the_childs_page(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    page = client.get(f"/children/{child.id}")
    assert f'href="/children/{child.id}/family/new"' in page.text
    assert client.get(f"/children/{child.id}/family/new").status_code == 200
    for person in (LEILA, SAM):
        response = post_form(client, f"/children/{child.id}/family/new", person)
        assert response.status_code == 303, response.text
    assert rows(db) == (2, 2)
    page = client.get(f"/children/{child.id}").text
    assert "Leila Haddad" in page and "Mother" in page and "leila@example.org" in page
    assert "Sam Haddad" in page and "Sibling (can take part in services)" in page
    assert page.count("Sibling (can take part in services)") == 1
    mother = db.exec(select(ChildRelationship).where(ChildRelationship.relationship == "mother")).one()
    assert mother.parental_responsibility is True


def test_form_refuses_a_bad_email_address_and_saves_neither_person_nor_relationship(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    before = rows(db)
    response = post_form(client, f"/children/{child.id}/family/new", {**LEILA, "email": "leila.example.org"})
    assert response.status_code == 422
    assert error_summary_names(response.text, "email") and "must be an email address" in response.text
    assert 'value="leila.example.org"' in response.text and 'value="Leila Haddad"' in response.text
    assert rows(db) == before


def test_api_refuses_a_bad_email_address_and_saves_neither_person_nor_relationship(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    before = rows(db)
    body = {"name": "Leila Haddad", "relationship": "mother", "email": "leila@"}
    response = api(client, "POST", f"/api/children/{child.id}/family", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "email",
                                          "message": "must be an email address, like name@example.org"}]
    assert rows(db) == before


def test_an_unknown_relationship_saves_no_person_either(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    before = rows(db)
    response = post_form(client, f"/children/{child.id}/family/new", {**LEILA, "relationship": "cousin"})
    assert response.status_code == 422 and error_summary_names(response.text, "relationship")
    assert rows(db) == before


def test_a_family_members_birth_date_may_be_left_out_but_not_be_in_the_future(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    response = post_form(client, f"/children/{child.id}/family/new", {**SAM, "date_of_birth": "2027-05-01"})
    assert response.status_code == 422 and error_summary_names(response.text, "date_of_birth")
    response = api(client, "POST", f"/api/children/{child.id}/family",
                   json={"name": "Sam Haddad", "relationship": "sibling", "date_of_birth": "2027-05-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "date_of_birth"
    assert rows(db) == (0, 0)
    response = api(client, "POST", f"/api/children/{child.id}/family",
                   json={"name": "Sam Haddad", "relationship": "sibling"})
    assert response.status_code == 201 and response.json()["date_of_birth"] is None


def test_a_coordinator_changes_a_family_members_details_and_relationship(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    post_form(client, f"/children/{child.id}/family/new", LEILA)
    member = db.exec(select(FamilyMember)).one()
    edit = client.get(f"/children/{child.id}/family/{member.id}")
    assert edit.status_code == 200 and 'value="leila@example.org"' in edit.text and "checked" in edit.text
    response = post_form(client, f"/children/{child.id}/family/{member.id}",
                         {**LEILA, "relationship": "guardian", "parental_responsibility": "false", "email": "bad"})
    assert response.status_code == 422 and error_summary_names(response.text, "email")
    db.expire_all()
    link = db.exec(select(ChildRelationship)).one()
    assert link.relationship == "mother"
    response = post_form(client, f"/children/{child.id}/family/{member.id}",
                         {**LEILA, "relationship": "guardian", "parental_responsibility": "false",
                          "phone": "07700 900123"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(FamilyMember, member.id).phone == "07700 900123"
    link = db.get(ChildRelationship, link.id)
    assert (link.relationship, link.parental_responsibility) == ("guardian", False)


def test_the_api_relates_a_parent_to_a_second_child_once(client, db, signed_in):
    signed_in("coordinator")
    amira = add_child(db)
    sam = add_child(db, first_name="Sam")
    created = api(client, "POST", f"/api/children/{amira.id}/family",
                  json={"name": "Leila Haddad", "relationship": "mother", "parental_responsibility": True,
                        "email": "leila@example.org"})
    assert created.status_code == 201, created.text
    member_id = created.json()["id"]
    assert created.json()["relationship_label"] == "Mother" and created.json()["is_sibling"] is False
    linked = api(client, "POST", f"/api/children/{sam.id}/family/{member_id}",
                 json={"relationship": "mother", "parental_responsibility": True})
    assert linked.status_code == 201 and linked.json()["name"] == "Leila Haddad"
    assert rows(db) == (1, 2)
    again = api(client, "POST", f"/api/children/{sam.id}/family/{member_id}", json={"relationship": "mother"})
    assert again.status_code == 409
    missing = api(client, "POST", f"/api/children/{sam.id}/family/{uuid.uuid4()}", json={"relationship": "mother"})
    assert missing.status_code == 404
    assert rows(db) == (1, 2)
    family = api(client, "GET", f"/api/children/{sam.id}").json()["family"]
    assert [(f["name"], f["parental_responsibility"]) for f in family] == [("Leila Haddad", True)]


def test_the_api_changes_a_family_member_and_a_relationship(client, db, signed_in):
    signed_in("coordinator")
    child = add_child(db)
    member_id = api(client, "POST", f"/api/children/{child.id}/family",
                    json={"name": "Sam Haddad", "relationship": "other"}).json()["id"]
    changed = api(client, "PATCH", f"/api/family-members/{member_id}", json={"phone": "01632 960999"})
    assert changed.status_code == 200 and changed.json()["phone"] == "01632 960999"
    assert changed.json()["name"] == "Sam Haddad"
    refused = api(client, "PATCH", f"/api/family-members/{member_id}", json={"email": "not-an-email"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "email"
    refused = api(client, "PATCH", f"/api/family-members/{member_id}", json={"name": None})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "name"
    sibling = api(client, "PATCH", f"/api/children/{child.id}/family/{member_id}", json={"relationship": "sibling"})
    assert sibling.status_code == 200 and sibling.json()["is_sibling"] is True
    db.expire_all()
    assert db.get(FamilyMember, uuid.UUID(member_id)).name == "Sam Haddad"


def test_family_and_trustee_users_cannot_add_or_change_family_members(client, db, make_user, signed_in):
    child = add_child(db)
    parent = signed_in("family")
    relate_family_user(db, child, parent)
    member = db.exec(select(FamilyMember)).one()
    before = rows(db)
    assert client.get(f"/children/{child.id}/family/new").status_code == 403
    assert post_form(client, f"/children/{child.id}/family/new", LEILA).status_code == 403
    new = {"name": "X", "relationship": "other"}
    assert api(client, "POST", f"/api/children/{child.id}/family", json=new).status_code == 403
    assert api(client, "PATCH", f"/api/family-members/{member.id}", json={"name": "X"}).status_code == 403
    signed_in("trustee")
    assert client.get(f"/children/{child.id}/family/{member.id}").status_code == 403
    link = api(client, "POST", f"/api/children/{child.id}/family/{member.id}", json={"relationship": "other"})
    assert link.status_code == 403
    signed_in("finance")
    assert post_form(client, f"/children/{child.id}/family/{member.id}", LEILA).status_code == 403
    assert rows(db) == before
    db.expire_all()
    assert db.get(FamilyMember, member.id).name == "Test family"
