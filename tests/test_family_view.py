"""The family view (issue 9 item 1): Leila reads Amira's ISF, bookings and the invoices addressed to her, within what
staff granted her; what is not granted is simply not there; a question reaches the key worker; staff grant access
with its basis and scope, and bad grants are refused naming the field."""
from __future__ import annotations

import html
import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import func, select

from invoicing.models import Invoice
from isf.models import IsfAgreement
from lantern import demo
from provider.db import unit_of_work
from provider.funding.models import Arrangement
from provider.people.family_access import FamilyAccess
from provider.people.models import Child, FamilyMember
from provider.people.questions import FamilyQuestion
from provider.users.models import User
from tests.conftest import api, demo_once_per_module, post_form

demo_connection, connection = demo_once_per_module()


def browser(app, email: str | None) -> TestClient:
    found = TestClient(app, follow_redirects=False)
    if email:
        assert post_form(found, "/login", {"email": email, "password": demo.DEMO_PASSWORD}).status_code == 303
    return found


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def child(db, first_name: str) -> Child:
    return db.exec(select(Child).where(Child.first_name == first_name)).one()


def member(db, name: str) -> FamilyMember:
    return db.exec(select(FamilyMember).where(FamilyMember.name == name)).one()


def leilas_grant(db) -> FamilyAccess:
    return db.exec(select(FamilyAccess).where(FamilyAccess.family_member_id == member(db, "Leila Haddad").id)).one()


def amiras_isf(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement).where(Arrangement.child_id == child(db, "Amira").id)).one()


@pytest.fixture
def leila(app, db) -> TestClient:
    return browser(app, "leila@family.example")


def test_leila_reads_amiras_money_bookings_and_her_invoices_in_plain_words(leila, db):
    text = text_of(leila.get("/"))
    assert "In Amira's ISF (Northshire social care) today £1,415.00" in text
    assert "Set aside for care already booked £0.00 Free to plan with £1,415.00" in text
    assert "An Individual Service Fund (ISF) is Amira's personal budget" in text      # explained where it appears
    assert "a direct payment (money the council or the NHS pays to you" in text
    assert "Short-break night 15 March 2027 to 16 March 2027 Amira took place" in text
    assert "Sibling support session 20 February 2027 Sam took place" in text
    assert "You owe £60.00 in all." in text and "INV2627000019 1 March 2027 31 March 2027 £60.00 £60.00" in text
    assert f'href="/isf/{amiras_isf(db).id}/statements"' in leila.get("/").text
    statement = leila.get(f"/isf/{amiras_isf(db).id}/statements/13")
    assert statement.status_code == 200 and "£1,415.00" in text_of(statement)
    invoice = db.exec(select(Invoice).where(Invoice.number == "INV2627000019")).one()
    pdf = leila.get(f"/family/invoices/{invoice.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "INV2627000019" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    every = text_of(leila.get(f"/family/children/{child(db, 'Amira').id}/bookings"))
    assert "Amira's bookings" in every and "Short-break night" in every


def test_a_grant_of_statements_only_shows_nothing_else(app, db):
    with unit_of_work(db):
        grant = leilas_grant(db)
        grant.bookings = grant.invoices = False
        db.add(grant)
    leila = browser(app, "leila@family.example")
    text = text_of(leila.get("/"))
    assert "£1,415.00" in text and "Amira's bookings" not in text and "Invoices addressed to you" not in text
    amira = child(db, "Amira")
    assert leila.get(f"/family/children/{amira.id}/bookings").status_code == 404
    invoice = db.exec(select(Invoice).where(Invoice.number == "INV2627000019")).one()
    assert leila.get(f"/family/invoices/{invoice.id}.pdf").status_code == 404


def test_being_related_without_a_grant_shows_nothing(app, db):
    with unit_of_work(db):
        db.delete(leilas_grant(db))
    leila = browser(app, "leila@family.example")
    assert "Nothing has been shared with you yet" in text_of(leila.get("/"))
    amira = child(db, "Amira")
    assert leila.get(f"/children/{amira.id}").status_code == 404
    assert leila.get(f"/isf/{amiras_isf(db).id}/statements").status_code == 404
    assert api(leila, "GET", f"/api/isfs/{amiras_isf(db).id}").status_code == 404


def test_another_familys_invoice_and_child_are_not_found(leila, db):
    other = db.exec(select(Invoice).where(Invoice.payer_ref.startswith("family:"),
                                          Invoice.payer_name != "Leila Haddad")).first()
    riverside = db.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB")).first()
    for invoice in (other, riverside):
        if invoice is not None:
            answer = leila.get(f"/family/invoices/{invoice.id}.pdf")
            assert answer.status_code == 404 and invoice.number not in answer.text
    ben = child(db, "Benjamin")
    assert leila.get(f"/family/children/{ben.id}/bookings").status_code == 404
    assert post_form(leila, f"/family/children/{ben.id}/questions", {"text": "Hello"}).status_code == 404
    assert db.exec(select(func.count()).select_from(FamilyQuestion)).one() == 0


def test_a_question_reaches_the_key_worker_and_an_empty_one_is_refused(leila, app, db):
    amira = child(db, "Amira")
    empty = post_form(leila, f"/family/children/{amira.id}/questions", {"subject": "Half term", "text": " "})
    assert empty.status_code == 422 and "Your question is required: write your question" in text_of(empty)
    assert db.exec(select(func.count()).select_from(FamilyQuestion)).one() == 0
    sent = post_form(leila, f"/family/children/{amira.id}/questions",
                     {"subject": "Half term", "text": "Could Amira stay two nights in the February half term?"})
    assert sent.status_code == 303
    assert "Your question has been sent to the key worker." in text_of(leila.get(sent.headers["location"]))
    question = db.exec(select(FamilyQuestion)).one()
    coordinator = db.exec(select(User).where(User.email == "coordinator@willow.example")).one()
    assert (question.key_worker_id, question.child_id) == (coordinator.id, amira.id)
    staff_page = text_of(browser(app, "coordinator@willow.example").get(f"/children/{amira.id}"))
    assert "Half term from Leila Haddad" in staff_page and "two nights in the February half term" in staff_page


def test_a_family_user_never_sees_another_family_members_contact_details(leila, db):
    amira = child(db, "Amira")
    with unit_of_work(db):
        sam = member(db, "Sam Haddad")
        sam.email, sam.phone = "sam.haddad@example.com", "07700 900 999"
        db.add(sam)
    page = leila.get(f"/children/{amira.id}")
    assert page.status_code == 200 and "sam.haddad@example.com" not in page.text and "07700 900 999" not in page.text
    found = api(leila, "GET", f"/api/children/{amira.id}").json()
    sams = next(x for x in found["family"] if x["name"] == "Sam Haddad")
    assert (sams["email"], sams["phone"], sams["address"]) == (None, None, "")


def test_a_coordinator_grants_access_with_its_basis_and_scope(app, db):
    coordinator = browser(app, "coordinator@willow.example")
    ben, joanne = child(db, "Benjamin"), member(db, "Joanne Carter")
    url = f"/children/{ben.id}/family/{joanne.id}/access"
    assert coordinator.get(url).status_code == 200
    done = post_form(coordinator, url, {"basis": "parental_responsibility", "statements": "true", "bookings": "true",
                                        "invoices": "false", "address_withheld": "true",
                                        "note": "Separated: address withheld from Ben's father"})
    assert done.status_code == 303
    grant = db.exec(select(FamilyAccess).where(FamilyAccess.family_member_id == joanne.id)).one()
    assert (grant.statements, grant.bookings, grant.invoices, grant.address_withheld) == (True, True, False, True)
    page = text_of(coordinator.get(f"/children/{ben.id}"))
    assert "Joanne Carter (no login) Parental responsibility Statements, bookings; address withheld" in page


@pytest.mark.parametrize("name, data, field, message", [
    ("Sam Haddad", {"basis": "parental_responsibility", "statements": "true"}, "basis",
     "Sam Haddad is not recorded as having it"),
    ("Sam Haddad", {"basis": "young_person", "consent_on": "2027-04-01", "statements": "true"}, "basis",
     "show them to be 16 or more"),
    ("Sam Haddad", {"basis": "young_person", "statements": "true"}, "consent_on", "is required for a young person"),
    ("Leila Haddad", {"basis": "friend", "statements": "true"}, "basis", "must be parental responsibility"),
    ("Leila Haddad", {"basis": "parental_responsibility", "consent_on": "01/04/2027"}, "consent_on",
     "must be a date written YYYY-MM-DD"),
])
def test_a_bad_grant_is_refused_naming_the_field_and_changes_nothing(app, db, name, data, field, message):
    coordinator = browser(app, "coordinator@willow.example")
    amira, person = child(db, "Amira"), member(db, name)
    before = [(g.id, g.statements, g.bookings, g.invoices) for g in db.exec(select(FamilyAccess))]
    refused = post_form(coordinator, f"/children/{amira.id}/family/{person.id}/access", data)
    assert refused.status_code == 422
    assert f'href="#{field}"' in refused.text and message in text_of(refused)
    db.expire_all()
    assert [(g.id, g.statements, g.bookings, g.invoices) for g in db.exec(select(FamilyAccess))] == before


@pytest.mark.parametrize("email", ["finance@willow.example", "trustee@willow.example", "leila@family.example"])
def test_only_coordinators_and_admins_grant_access(app, db, email):
    amira, leila_member = child(db, "Amira"), member(db, "Leila Haddad")
    other = browser(app, email)
    url = f"/children/{amira.id}/family/{leila_member.id}/access"
    assert other.get(url).status_code == 403
    assert post_form(other, url, {"basis": "parental_responsibility", "statements": "true"}).status_code == 403
    assert leilas_grant(db).bookings is True
