"""Emailed links point only where configuration says (issue 20, item 3): invitations and password resets use
LANTERN_PUBLIC_URL and never the Host header a request came with; without it no such link is sent, and the person
asking, the coordinator inviting and the administrator are told what to set."""
from __future__ import annotations

import dataclasses
import email
import email.policy

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from lantern import demo
from lantern.app import create_app
from provider.config import PUBLIC_URL_MISSING, public_url
from provider.mail import SentMessage
from provider.people.invitations import EmailedLink
from provider.people.models import Child, FamilyMember
from tests.conftest import PUBLIC_URL, _bound_session, api, demo_once_per_module, post_form

demo_connection, connection = demo_once_per_module()
EVIL = {"host": "evil.example", "x-forwarded-host": "evil.example"}


@pytest.fixture
def unset_app(test_settings, engine, connection):
    """The app started without LANTERN_PUBLIC_URL."""
    return create_app(dataclasses.replace(test_settings, public_url=None), engine,
                      session_factory=lambda read_only: _bound_session(connection), check_schema=False)


def browser(app, email_address: str | None = None) -> TestClient:
    found = TestClient(app, follow_redirects=False)
    if email_address:
        assert post_form(found, "/login", {"email": email_address, "password": demo.DEMO_PASSWORD}).status_code == 303
    return found


def bodies(db, kind: str) -> list[str]:
    sent = db.exec(select(SentMessage).where(SentMessage.kind == kind)).all()
    return [email.message_from_bytes(m.eml, policy=email.policy.default).get_body().get_content() for m in sent]


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_a_reset_asked_with_an_evil_host_header_emails_a_link_to_the_configured_address(app, db):
    visitor = browser(app)
    asked = post_form(visitor, "/password-reset", {"email": "leila@family.example"}, headers=EVIL)
    assert asked.status_code == 200 and "on its way" in asked.text
    [body] = bodies(db, "password_reset")
    assert f"{PUBLIC_URL}/password-reset/" in body
    assert "evil.example" not in body and "testserver" not in body


def test_without_the_setting_a_reset_with_an_evil_host_header_sends_nothing_and_says_what_to_set(unset_app, db):
    visitor = browser(unset_app)
    page = visitor.get("/password-reset", headers=EVIL)
    assert page.status_code == 503 and "LANTERN_PUBLIC_URL" in page.text and "Email me a link" not in page.text
    asked = post_form(visitor, "/password-reset", {"email": "leila@family.example"}, headers=EVIL)
    assert asked.status_code == 503
    assert "LANTERN_PUBLIC_URL" in asked.text and "on its way" not in asked.text
    assert bodies(db, "password_reset") == [] and count(db, EmailedLink) == 0


def _ben_and_joanne(db):
    ben = db.exec(select(Child).where(Child.first_name == "Benjamin")).one()
    joanne = db.exec(select(FamilyMember).where(FamilyMember.name == "Joanne Carter")).one()
    return ben, joanne


def test_an_invitation_links_to_the_configured_address_whatever_host_the_coordinator_used(app, db):
    ben, joanne = _ben_and_joanne(db)
    coordinator = browser(app, "coordinator@willow.example")
    answer = post_form(coordinator, f"/children/{ben.id}/family/{joanne.id}/invite", headers=EVIL)
    assert answer.status_code == 303 and f"invited={joanne.id}" in answer.headers["location"]
    [body] = bodies(db, "invitation")
    assert f"{PUBLIC_URL}/invite/" in body and "evil.example" not in body


def test_without_the_setting_no_invitation_is_sent_and_the_childs_page_says_what_to_set(unset_app, db):
    ben, joanne = _ben_and_joanne(db)
    coordinator = browser(unset_app, "coordinator@willow.example")
    answer = post_form(coordinator, f"/children/{ben.id}/family/{joanne.id}/invite", headers=EVIL)
    assert answer.status_code == 303 and "invite_unset=1" in answer.headers["location"]
    page = coordinator.get(answer.headers["location"])
    assert "Not invited" in page.text and "LANTERN_PUBLIC_URL" in page.text
    assert bodies(db, "invitation") == [] and count(db, EmailedLink) == 0


def test_the_administrator_is_told_on_the_home_page_and_by_the_api_when_links_cannot_be_sent(unset_app, app, db):
    admin = browser(unset_app, "admin@willow.example")
    assert "LANTERN_PUBLIC_URL" in admin.get("/").text
    assert api(admin, "GET", "/api/configuration").json() == {
        "public_url": None, "links_can_be_emailed": False, "problems": [PUBLIC_URL_MISSING]}
    configured = browser(app, "admin@willow.example")
    assert "LANTERN_PUBLIC_URL" not in configured.get("/").text
    assert api(configured, "GET", "/api/configuration").json() == {
        "public_url": PUBLIC_URL, "links_can_be_emailed": True, "problems": []}
    assert api(browser(unset_app, "finance@willow.example"), "GET", "/api/configuration").status_code == 403


@pytest.mark.parametrize("value, expected", [
    ("https://lantern.willow.example/", "https://lantern.willow.example"),
    (" http://127.0.0.1:8000 ", "http://127.0.0.1:8000"),
    ("https://willow.example/lantern", "https://willow.example/lantern"), ("", None), (None, None)])
def test_the_public_address_is_read_without_its_trailing_slash(value, expected):
    assert public_url(value) == expected


@pytest.mark.parametrize("value", ["lantern.willow.example", "ftp://willow.example", "https://", "javascript:alert(1)",
                                   "https://willow.example/?next=evil", "https://user:pw@willow.example"])
def test_a_public_address_that_is_not_one_is_refused_naming_the_variable(value):
    with pytest.raises(ValueError, match="LANTERN_PUBLIC_URL must be the address Lantern is reached at"):
        public_url(value)
