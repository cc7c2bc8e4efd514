"""Tokens and sessions with an end (issue 20 item 4): API tokens expire, note their last use, are listed and revoked
by their owner and by the administrator; a password reset or change, two-factor changes and switching a user off end
every session and token of theirs, and switching them on again revives none; a token made before two-factor sign-in
was turned on cannot act for its owner after."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient

from provider.base import utcnow
from provider.db import unit_of_work
from provider.people.invitations import LinkPurpose, make_link
from tests.conftest import PASSWORD, api, post_form, sign_in
from tests.test_two_factor import code_for, password_step, turn_on

NEW_PASSWORD = "a fresh password for today"


@pytest.fixture
def clock(app):
    """The moment the app checks bearer tokens at: `clock.now = ...` moves it."""

    class Clock:
        now = utcnow()

    app.state.clock = lambda: Clock.now
    return Clock


def browser(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def signed_in_browser(app, user) -> TestClient:
    return sign_in(browser(app), user)


def make_token(client: TestClient, name: str = "laptop script", **extra) -> str:
    made = api(client, "POST", "/api/tokens", json={"name": name, **extra})
    assert made.status_code == 201, made.text
    return made.json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def works(app, token: str) -> bool:
    answer = browser(app).get("/api/me", headers=bearer(token))
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def listed(client: TestClient, name: str) -> dict:
    return next(t for t in api(client, "GET", "/api/tokens").json() if t["name"] == name)


# --- expiry and last use ------------------------------------------------------------------------------------------


def test_a_new_token_works_for_90_days_and_is_refused_after(app, client, make_user, clock):
    sign_in(client, make_user("finance"))
    start = clock.now
    token = make_token(client)
    assert listed(client, "laptop script")["expires_at"].startswith((start + timedelta(days=90)).date().isoformat())
    clock.now = start + timedelta(days=89, hours=23)
    assert works(app, token)
    clock.now = start + timedelta(days=90, seconds=1)
    assert not works(app, token)
    assert listed(client, "laptop script")["status"] == "Expired"


def test_a_token_lasts_the_days_its_maker_chooses_up_to_a_year(app, client, make_user, clock):
    sign_in(client, make_user("coordinator"))
    start = clock.now
    token = make_token(client, "weekly export", days=7)
    clock.now = start + timedelta(days=7, seconds=1)
    assert not works(app, token)
    for days, problem in ((366, "must be at most 365"), (0, "must be at least 1")):
        refused = api(client, "POST", "/api/tokens", json={"name": "too long", "days": days})
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["field"] == "days" and problem in error["message"]
    assert [t["name"] for t in api(client, "GET", "/api/tokens").json()] == ["weekly export"]


def test_a_tokens_last_use_is_written_at_most_once_a_minute(app, client, make_user, clock):
    sign_in(client, make_user("trustee"))
    start = clock.now
    token = make_token(client, "reports")
    assert listed(client, "reports")["last_used_at"] is None
    assert works(app, token)
    first = listed(client, "reports")["last_used_at"]
    assert first.startswith(start.isoformat()[:19])
    clock.now = start + timedelta(seconds=50)
    assert works(app, token)
    assert listed(client, "reports")["last_used_at"] == first
    clock.now = start + timedelta(minutes=1, seconds=5)
    assert works(app, token)
    assert listed(client, "reports")["last_used_at"].startswith(clock.now.isoformat()[:19])


def test_a_token_cannot_make_another_token_that_would_outlive_it(app, client, make_user):
    sign_in(client, make_user("admin"))
    token = make_token(client)
    refused = browser(app).post("/api/tokens", json={"name": "forever"}, headers=bearer(token))
    assert refused.status_code == 403 and "signed-in browser" in refused.json()["detail"]
    assert [t["name"] for t in api(client, "GET", "/api/tokens").json()] == ["laptop script"]


# --- listing and revoking -----------------------------------------------------------------------------------------


def test_the_owner_makes_a_token_on_their_page_sees_it_once_and_revokes_it(app, client, make_user):
    sign_in(client, make_user("coordinator", name="Cara Coordinator"))
    made = post_form(client, "/account/tokens", {"name": "rota sync", "days": "30"})
    assert made.status_code == 201
    token = re.search(r"<code>(lt_[^<]+)</code>", made.text).group(1)
    assert works(app, token)
    page = client.get("/account/tokens")
    assert "rota sync" in page.text and "Active" in page.text and token not in page.text
    token_id = listed(client, "rota sync")["id"]
    revoked = post_form(client, f"/tokens/{token_id}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/account/tokens?revoked=1"
    assert not works(app, token)
    assert "Ended: revoked by Cara Coordinator" in client.get("/account/tokens").text


def test_a_token_page_form_names_a_missing_name_and_a_bad_number_of_days(client, make_user):
    sign_in(client, make_user("family"))
    refused = post_form(client, "/account/tokens", {"name": "", "days": "forever"})
    assert refused.status_code == 422
    assert "The name is required" in refused.text or "must be a whole number of days" in refused.text
    refused = post_form(client, "/account/tokens", {"name": "phone", "days": "400"})
    assert refused.status_code == 422 and "Days must be from 1 to 365 days" in refused.text
    assert api(client, "GET", "/api/tokens").json() == []


def test_nobody_but_the_owner_and_the_administrator_sees_or_revokes_a_token(app, client, make_user):
    owner = make_user("finance", name="Fiona Finance")
    sign_in(client, owner)
    token = make_token(client, "bank feed")
    token_id = listed(client, "bank feed")["id"]
    colleague = signed_in_browser(app, make_user("finance"))
    assert api(colleague, "GET", "/api/tokens").json() == []
    assert "bank feed" not in colleague.get("/account/tokens").text
    assert api(colleague, "POST", f"/api/tokens/{token_id}/revoke").status_code == 404
    assert post_form(colleague, f"/tokens/{token_id}/revoke").status_code == 404
    assert colleague.get("/tokens").status_code == 403
    assert api(colleague, "GET", "/api/tokens/all").status_code == 403
    assert works(app, token)


def test_the_administrator_lists_everyones_tokens_and_revokes_one(app, client, make_user):
    owner = make_user("finance", name="Fiona Finance")
    sign_in(client, owner)
    token = make_token(client, "bank feed")
    admin = signed_in_browser(app, make_user("admin", name="Ada Admin"))
    page = admin.get("/tokens")
    assert page.status_code == 200 and "Fiona Finance" in page.text and "bank feed" in page.text
    [row] = [t for t in api(admin, "GET", "/api/tokens/all").json() if t["name"] == "bank feed"]
    assert row["owner_email"] == owner.email and "token_hash" not in row and "token" not in row
    revoked = post_form(admin, f"/tokens/{row['id']}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/tokens?revoked=1"
    assert not works(app, token)
    assert listed(client, "bank feed")["status"] == "Ended: revoked by Ada Admin"


def test_the_api_revokes_the_callers_own_token(app, client, make_user):
    sign_in(client, make_user("trustee"))
    token = make_token(client, "pack download")
    answer = api(client, "POST", f"/api/tokens/{listed(client, 'pack download')['id']}/revoke")
    assert answer.status_code == 200 and answer.json()["status"].startswith("Ended: revoked by")
    assert not works(app, token)


# --- everything ends together -------------------------------------------------------------------------------------


def test_a_password_reset_ends_every_session_and_token(app, db, client, make_user):
    user = make_user("family")
    sign_in(client, user)
    token = make_token(client)
    other_browser = signed_in_browser(app, user)
    with unit_of_work(db):
        link = make_link(db, LinkPurpose.password_reset, user.email, utcnow(), user=user)
    done = post_form(browser(app), f"/password-reset/{link}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert client.get("/").status_code == 303 and other_browser.get("/").status_code == 303
    assert not works(app, token)
    again = browser(app)
    assert post_form(again, "/login", {"email": user.email, "password": NEW_PASSWORD}).status_code == 303
    assert listed(again, "laptop script")["status"] == "Ended: the password was changed"


def test_an_administrators_password_change_ends_the_users_sessions_and_tokens(app, client, make_user):
    user = make_user("coordinator", name="Cara Coordinator")
    sign_in(client, user)
    token = make_token(client)
    admin = signed_in_browser(app, make_user("admin"))
    changed = post_form(admin, f"/users/{user.id}", {"name": user.name, "role": "coordinator", "is_active": "true",
                                                      "password": NEW_PASSWORD})
    assert changed.status_code == 303
    assert client.get("/").status_code == 303
    assert not works(app, token)
    assert admin.get("/users").status_code == 200


def test_an_administrator_changing_their_own_password_stays_signed_in_here_while_all_else_ends(app, client,
                                                                                                make_user):
    admin = make_user("admin", name="Ada Admin")
    sign_in(client, admin)
    token = make_token(client)
    elsewhere = signed_in_browser(app, admin)
    changed = post_form(client, f"/users/{admin.id}", {"name": admin.name, "role": "admin", "is_active": "true",
                                                        "password": NEW_PASSWORD})
    assert changed.status_code == 303
    assert client.get("/users").status_code == 200
    assert elsewhere.get("/").status_code == 303
    assert not works(app, token)


def test_a_name_change_alone_ends_nothing(app, client, make_user):
    user = make_user("coordinator")
    sign_in(client, user)
    token = make_token(client)
    admin = signed_in_browser(app, make_user("admin"))
    changed = post_form(admin, f"/users/{user.id}", {"name": "Cara Renamed", "role": "coordinator",
                                                      "is_active": "true"})
    assert changed.status_code == 303
    assert client.get("/").status_code == 200 and works(app, token)


@pytest.mark.parametrize("through", ["page", "api"])
def test_switching_a_user_off_and_on_again_revives_no_session_or_token(app, client, make_user, through):
    user = make_user("finance", name="Fiona Finance")
    sign_in(client, user)
    token = make_token(client)
    admin = signed_in_browser(app, make_user("admin"))
    for active in (False, True):
        if through == "page":
            fields = {"name": user.name, "role": "finance", **({"is_active": "true"} if active else {})}
            assert post_form(admin, f"/users/{user.id}", fields).status_code == 303
        else:
            assert api(admin, "PATCH", f"/api/users/{user.id}", json={"is_active": active}).status_code == 200
    assert client.get("/").status_code == 303
    assert not works(app, token)
    assert [t["status"] for t in api(admin, "GET", "/api/tokens/all").json()
            if t["owner_email"] == user.email] == ["Ended: the user was switched off"]
    assert signed_in_browser(app, user).get("/").status_code == 200   # signing in afresh works


def test_turning_two_factor_on_ends_other_sessions_and_tokens_and_keeps_this_browser(app, client, make_user):
    user = make_user("finance")
    sign_in(client, user)
    before = make_token(client, "made before")
    elsewhere = signed_in_browser(app, user)
    turn_on(client)
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 303
    assert not works(app, before)
    after = make_token(client, "made after")
    assert works(app, after)


def test_a_token_made_before_two_factor_stays_refused_even_once_two_factor_is_off_again(app, client, make_user):
    user = make_user("coordinator")
    sign_in(client, user)
    before = make_token(client, "made before")
    secret = turn_on(client)
    during = make_token(client, "made during")
    later = utcnow() + timedelta(seconds=30)
    off = post_form(client, "/account/two-factor/off", {"code": code_for(secret, later)})
    assert off.status_code == 303 and client.get("/").status_code == 200
    assert not works(app, before) and not works(app, during)


def test_a_sign_in_with_password_and_code_makes_tokens_that_work(app, make_user):
    user = make_user("admin")
    first = signed_in_browser(app, user)
    secret = turn_on(first)
    second, pending = password_step(app, user)
    code = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))
    assert post_form(second, "/login/code", {"pending": pending, "code": code}).status_code == 303
    assert works(app, make_token(second))


def test_an_administrator_turning_off_a_users_two_factor_ends_their_sessions_and_tokens(app, client, make_user):
    user = make_user("finance", name="Fiona Finance")
    sign_in(client, user)
    turn_on(client)
    token = make_token(client)
    admin = signed_in_browser(app, make_user("admin"))
    page = admin.get(f"/users/{user.id}")
    assert "Turn off two-factor sign-in for Fiona Finance" in page.text
    reset = post_form(admin, f"/users/{user.id}/two-factor/reset")
    assert reset.status_code == 303
    assert client.get("/").status_code == 303 and not works(app, token)
    assert "Turn off two-factor sign-in" not in admin.get(f"/users/{user.id}").text
    assert post_form(browser(app), "/login", {"email": user.email, "password": PASSWORD}).status_code == 303
    again = post_form(admin, f"/users/{user.id}/two-factor/reset")
    assert again.status_code == 422 and "is not on for Fiona Finance" in again.text


def test_only_the_administrator_turns_off_someone_elses_two_factor(app, client, make_user):
    user = make_user("finance")
    other = signed_in_browser(app, user)
    turn_on(other)
    sign_in(client, make_user("finance"))
    assert post_form(client, f"/users/{user.id}/two-factor/reset").status_code == 403
    assert other.get("/").status_code == 200


def test_a_password_step_taken_before_a_password_change_cannot_be_finished_with_a_code(app, make_user):
    user = make_user("finance")
    secret = turn_on(signed_in_browser(app, user))
    half_signed_in, pending = password_step(app, user)
    admin = signed_in_browser(app, make_user("admin"))
    assert post_form(admin, f"/users/{user.id}", {"name": user.name, "role": "finance", "is_active": "true",
                                                   "password": NEW_PASSWORD}).status_code == 303
    code = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))
    assert post_form(half_signed_in, "/login/code", {"pending": pending, "code": code}).status_code == 401
    assert half_signed_in.get("/").status_code == 303
