"""Optional two-factor sign-in for staff (issue 9 item 4): turned on with a code from the app, then the password
alone does not sign in; a wrong, reused or late code is refused; family users cannot turn it on."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient

from provider.base import utcnow
from provider.users.models import User
from tests.conftest import PASSWORD, post_form, sign_in


def code_for(secret: str, moment=None) -> str:
    return pyotp.TOTP(secret).at(moment or utcnow())


def turn_on(client: TestClient) -> str:
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "Two-factor sign-in is <strong>off</strong>" in page.text
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page.text).group(1)
    sealed = re.search(r'name="sealed" value="([^"]+)"', page.text).group(1)
    wrong = post_form(client, "/account/two-factor", {"sealed": sealed, "code": "000000"})
    assert wrong.status_code == 422 and "is not the code your app shows now" in wrong.text
    done = post_form(client, "/account/two-factor", {"sealed": sealed, "code": code_for(secret)})
    assert done.status_code == 303
    return secret


def password_step(app, user) -> tuple[TestClient, str]:
    browser = TestClient(app, follow_redirects=False)
    answer = post_form(browser, "/login", {"email": user.email, "password": PASSWORD})
    assert answer.status_code == 200 and "Enter the code from your app" in answer.text
    return browser, re.search(r'name="pending" value="([^"]+)"', answer.text).group(1)


def test_finance_turns_it_on_and_then_signs_in_with_password_and_code(app, client, make_user, db):
    user = make_user("finance")
    sign_in(client, user)
    secret = turn_on(client)
    db.refresh(user)
    assert user.totp_secret == secret
    browser, pending = password_step(app, user)
    assert browser.get("/").status_code == 303                    # not signed in by the password alone
    wrong = post_form(browser, "/login/code", {"pending": pending, "code": "123456"})
    assert wrong.status_code == 401 and "is not right, or has been used already" in wrong.text
    ok = post_form(browser, "/login/code", {"pending": pending, "code": code_for(secret, utcnow() + timedelta(seconds=30))})
    assert ok.status_code == 303 and browser.get("/").status_code == 200
    again, pending = password_step(app, user)                     # the same code a second time: refused
    reused = post_form(again, "/login/code", {"pending": pending,
                                              "code": code_for(secret, utcnow() + timedelta(seconds=30))})
    assert reused.status_code == 401 and again.get("/").status_code == 303


def test_a_forged_or_missing_pending_sign_in_is_refused(app, client, make_user):
    user = make_user("coordinator")
    sign_in(client, user)
    secret = turn_on(client)
    stranger = TestClient(app, follow_redirects=False)
    forged = post_form(stranger, "/login/code", {"pending": "forged", "code": code_for(secret)})
    assert forged.status_code == 401 and stranger.get("/").status_code == 303


def test_it_is_turned_off_only_with_a_code(client, make_user, db):
    user = make_user("admin")
    sign_in(client, user)
    secret = turn_on(client)
    refused = post_form(client, "/account/two-factor/off", {"code": "999999"})
    assert refused.status_code == 422
    db.refresh(user)
    assert user.totp_secret == secret
    later = utcnow() + timedelta(seconds=30)
    assert post_form(client, "/account/two-factor/off", {"code": code_for(secret, later)}).status_code == 303
    db.refresh(user)
    assert user.totp_secret is None


@pytest.mark.parametrize("role", ["family"])
def test_a_family_user_has_no_two_factor_page(client, make_user, role):
    sign_in(client, make_user(role))
    assert client.get("/account/two-factor").status_code == 403
    assert post_form(client, "/account/two-factor", {"sealed": "x", "code": "123456"}).status_code == 403
