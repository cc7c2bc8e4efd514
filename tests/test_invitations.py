"""Invitations and password resets by emailed link (issue 9 item 2): single use, expiring, through the same mail
route as invoices (here the outbox, no mail server being set), and every bad link refused with one message."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from provider.mail import SentMessage
from lantern import demo
from provider.base import utcnow
from provider.db import unit_of_work
from provider.people.family_access import AccessBasis, FamilyAccess
from provider.people.models import Child, FamilyMember
from provider.people.invitations import SPENT, EmailedLink
from provider.users.models import LoginSession, User
from tests.conftest import demo_once_per_module, post_form

demo_connection, connection = demo_once_per_module()


def browser(app, email_address: str | None = None, password: str = demo.DEMO_PASSWORD) -> TestClient:
    found = TestClient(app, follow_redirects=False)
    if email_address:
        assert post_form(found, "/login", {"email": email_address, "password": password}).status_code == 303
    return found


def one(db, model, *where):
    return db.exec(select(model).where(*where)).one()


def link_in_last_message(db, kind: str, to: str) -> str:
    sent = db.exec(select(SentMessage).where(SentMessage.kind == kind, SentMessage.recipient == to)
                   .order_by(SentMessage.created_at.desc())).first()
    assert sent is not None and sent.route == "outbox"
    body = email.message_from_bytes(sent.eml, policy=email.policy.default).get_body().get_content()
    return re.search(r"https?://\S+(/(?:invite|password-reset)/\S+)", body).group(1)


def invite_joanne(app, db) -> str:
    coordinator = browser(app, "coordinator@willow.example")
    ben = one(db, Child, Child.first_name == "Benjamin")
    joanne = one(db, FamilyMember, FamilyMember.name == "Joanne Carter")
    answer = post_form(coordinator, f"/children/{ben.id}/family/{joanne.id}/invite")
    assert answer.status_code == 303 and f"invited={joanne.id}" in answer.headers["location"]
    return link_in_last_message(db, "invitation", "joanne.carter@example.com")


def test_joanne_is_invited_sets_her_password_once_and_sees_what_was_granted(app, db):
    ben = one(db, Child, Child.first_name == "Benjamin")
    joanne = one(db, FamilyMember, FamilyMember.name == "Joanne Carter")
    with unit_of_work(db):
        db.add(FamilyAccess(child_id=ben.id, family_member_id=joanne.id, basis=AccessBasis.parental_responsibility,
                            bookings=True))
    path = invite_joanne(app, db)
    visitor = browser(app)
    assert visitor.get(path).status_code == 200
    short = post_form(visitor, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "must be at least 10 characters" in short.text
    mismatch = post_form(visitor, path, {"password": "a long enough one", "confirm": "another long one"})
    assert mismatch.status_code == 422 and "does not match the password" in mismatch.text
    assert db.exec(select(func.count()).select_from(User).where(User.email == "joanne.carter@example.com")).one() == 0
    done = post_form(visitor, path, {"password": "a long enough one", "confirm": "a long enough one"})
    assert done.status_code == 303
    db.expire_all()
    assert db.get(FamilyMember, joanne.id).user_id is not None
    joanne_browser = browser(app, "joanne.carter@example.com", "a long enough one")
    home = joanne_browser.get("/").text
    assert "Ben" in home and "Amira" not in home
    again = post_form(browser(app), path, {"password": "another long one", "confirm": "another long one"})
    assert again.status_code == 404 and SPENT in again.text
    assert browser(app).get(path).status_code == 404


@pytest.mark.parametrize("spoil", ["expired", "garbage", "reset_path"])
def test_a_bad_link_is_refused_with_one_message_and_changes_nothing(app, db, spoil):
    path = invite_joanne(app, db)
    if spoil == "expired":
        with unit_of_work(db):
            link = db.exec(select(EmailedLink)).one()
            link.expires_at = utcnow() - timedelta(minutes=1)
            db.add(link)
    elif spoil == "garbage":
        path = "/invite/not-a-real-token"
    else:
        path = path.replace("/invite/", "/password-reset/")      # an invitation is not a reset
    visitor = browser(app)
    assert visitor.get(path).status_code == 404
    refused = post_form(visitor, path, {"password": "a long enough one", "confirm": "a long enough one"})
    assert refused.status_code == 404 and SPENT in refused.text
    assert db.exec(select(func.count()).select_from(User).where(User.email == "joanne.carter@example.com")).one() == 0


def test_a_form_without_its_csrf_token_is_refused(app, db):
    path = invite_joanne(app, db)
    visitor = browser(app)
    visitor.get(path)
    refused = visitor.post(path, data={"password": "a long enough one", "confirm": "a long enough one"})
    assert refused.status_code == 403
    assert db.exec(select(func.count()).select_from(User).where(User.email == "joanne.carter@example.com")).one() == 0


def test_no_invitation_without_an_email_address_or_for_someone_who_can_sign_in(app, db):
    coordinator = browser(app, "coordinator@willow.example")
    ben = one(db, Child, Child.first_name == "Benjamin")
    paul = one(db, FamilyMember, FamilyMember.name == "Paul Carter")          # no email address recorded
    answer = post_form(coordinator, f"/children/{ben.id}/family/{paul.id}/invite")
    assert "invite_refused" in answer.headers["location"]
    amira = one(db, Child, Child.first_name == "Amira")
    leila = one(db, FamilyMember, FamilyMember.name == "Leila Haddad")        # has a login already
    assert "invite_refused" in post_form(coordinator, f"/children/{amira.id}/family/{leila.id}/invite"
                                         ).headers["location"]
    assert db.exec(select(func.count()).select_from(EmailedLink)).one() == 0
    assert post_form(browser(app, "finance@willow.example"),
                     f"/children/{ben.id}/family/{paul.id}/invite").status_code == 403


def test_leila_resets_her_password_by_emailed_link_and_her_old_sessions_end(app, db):
    signed_in_before = browser(app, "leila@family.example")
    visitor = browser(app)
    asked = post_form(visitor, "/password-reset", {"email": "Leila@Family.example"})
    assert asked.status_code == 200 and "a link to set a new password is on its way" in asked.text
    unknown = post_form(visitor, "/password-reset", {"email": "nobody@example.org"})
    assert unknown.status_code == 200 and unknown.text.count("on its way") == asked.text.count("on its way")
    assert db.exec(select(func.count()).select_from(SentMessage).where(SentMessage.kind == "password_reset")).one() == 1
    path = link_in_last_message(db, "password_reset", "leila@family.example")
    assert post_form(visitor, path, {"password": "a brand new one!", "confirm": "a brand new one!"}).status_code == 303
    leila = one(db, User, User.email == "leila@family.example")
    assert db.exec(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == leila.id)).one() == 0
    assert signed_in_before.get("/").status_code == 303                      # signed out
    old = post_form(browser(app), "/login", {"email": "leila@family.example", "password": demo.DEMO_PASSWORD})
    assert old.status_code == 401
    browser(app, "leila@family.example", "a brand new one!")
    assert post_form(browser(app), path, {"password": "and again one", "confirm": "and again one"}).status_code == 404


def test_a_reset_asked_for_with_no_email_address_names_the_field(app, db):
    refused = post_form(browser(app), "/password-reset", {"email": ""})
    assert refused.status_code == 422 and 'href="#email"' in refused.text
