"""Signing in and out, the session cookie, CSRF, bearer tokens, and what each role sees first."""
import pytest
from sqlmodel import func, select

from provider.db import unit_of_work
from provider.users.models import ApiToken, LoginSession, User
from provider.web import security
from tests.conftest import PASSWORD, api, csrf_token, post_form, sign_in

HOME_HEADINGS = {
    "admin": "<h1>Administration</h1>",
    "finance": "<h1>Finance</h1>",
    "coordinator": "<h1>Care coordination</h1>",
    "trustee": "<h1>Trustees</h1>",
    "family": "<h1>Welcome, Test family</h1>",
}


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def new_user_json(email="new.person@example.org"):
    return {"email": email, "name": "New Person", "role": "coordinator", "password": "a long enough password"}


def test_wrong_password_is_refused_on_the_email_field_and_starts_no_session(client, db, make_user):
    user = make_user("finance")
    before = count(db, LoginSession)
    response = post_form(client, "/login", {"email": user.email, "password": "not the password"})
    assert response.status_code == 401
    assert 'class="error-summary"' in response.text and 'href="#email"' in response.text
    assert "Email address or password is not right" in response.text
    assert "Email address The" not in response.text  # reads as one sentence after the field's label
    assert f'value="{user.email}"' in response.text  # what was typed is kept
    assert "not the password" not in response.text  # but never the password
    assert count(db, LoginSession) == before
    assert client.get("/").status_code == 303


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, db):
    response = post_form(client, "/login", {"email": "nobody@example.org", "password": PASSWORD})
    assert response.status_code == 401
    assert "Email address or password is not right" in response.text


@pytest.mark.parametrize("role", sorted(HOME_HEADINGS))
def test_right_password_signs_in_and_shows_the_roles_home(client, db, make_user, role):
    user = make_user(role)
    before = count(db, LoginSession)
    response = post_form(client, "/login", {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert count(db, LoginSession) == before + 1
    home = client.get("/")
    assert home.status_code == 200
    assert HOME_HEADINGS[role] in home.text
    assert user.name in home.text and "Sign out" in home.text


def test_signing_in_follows_a_local_next_address(client, make_user):
    user = make_user("admin")
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/users?page=2"})
    assert response.headers["location"] == "/users?page=2"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)", "evil.example", "/\t/evil.example"])
def test_next_never_sends_the_browser_to_another_site(client, make_user, target):
    user = make_user("admin")
    assert client.get("/login", params={"next": target}).text.count(f'value="{target}"') == 0
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    # and once signed in, /login?next=... redirects the same way
    assert client.get("/login", params={"next": target}).headers["location"] == "/"


def test_logout_ends_the_session_so_the_old_cookie_no_longer_works(client, anon, db, make_user):
    sign_in(client, make_user("coordinator"))
    old_cookie = client.cookies.get(security.COOKIE)
    anon.cookies.set(security.COOKIE, old_cookie)
    assert anon.get("/").status_code == 200  # the copied cookie is a working session before logout
    sessions = count(db, LoginSession)
    response = post_form(client, "/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert count(db, LoginSession) == sessions - 1
    assert client.get("/").status_code == 303
    again = anon.get("/")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_logout_needs_the_csrf_token(client, make_user):
    sign_in(client, make_user("trustee"))
    assert client.post("/logout").status_code == 403
    assert client.get("/").status_code == 200  # still signed in


def test_inactive_user_cannot_sign_in(client, db, make_user):
    user = make_user("finance")
    with unit_of_work(db):
        user.is_active = False
        db.add(user)
    before = count(db, LoginSession)
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert count(db, LoginSession) == before


def test_switching_a_user_off_ends_their_session_and_their_tokens(client, anon, db, make_user):
    user = make_user("coordinator")
    sign_in(client, user)
    token = api(client, "POST", "/api/tokens", json={"name": "laptop"}).json()["token"]
    with unit_of_work(db):
        user.is_active = False
        db.add(user)
    assert client.get("/").status_code == 303
    assert client.get("/api/me").status_code == 401
    assert anon.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_an_expired_session_is_signed_out(client, db, make_user):
    from datetime import timedelta

    from provider.base import utcnow

    user = make_user("finance")
    sign_in(client, user)
    assert client.get("/").status_code == 200
    with unit_of_work(db):
        row = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.add(row)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_signing_in_gives_the_browser_a_new_token_and_csrf_token(client, make_user):
    client.get("/login")
    before_cookie, before_csrf = client.cookies.get(security.COOKIE), csrf_token(client)
    sign_in(client, make_user("trustee"))
    assert client.cookies.get(security.COOKIE) != before_cookie
    assert csrf_token(client) != before_csrf
    assert client.post("/logout", data={"csrf_token": before_csrf}).status_code == 403  # the old token is dead


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user("admin")
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(security.COOKIE + "=")
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_session_cookie_value_is_signed_not_the_stored_token(client, anon, db, make_user):
    user = make_user("admin")
    sign_in(client, user)
    value = client.cookies.get(security.COOKIE)
    token = security.unsign("test-secret-key-for-lantern", value)
    stored = db.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert stored.token_hash == security.token_hash(token) != token
    anon.cookies.set(security.COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert anon.get("/").status_code == 303  # a tampered cookie is nobody


def test_login_without_csrf_token_is_refused_and_starts_no_session(client, db, make_user):
    user = make_user("admin")
    client.get("/login")
    before = count(db, LoginSession)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "security token" in response.text
    assert count(db, LoginSession) == before
    assert "set-cookie" not in response.headers or "lantern_session" not in response.headers["set-cookie"]


@pytest.mark.parametrize("forged", ["0" * 64, "not-a-token", ""])
def test_login_with_forged_csrf_token_is_refused(client, db, make_user, forged):
    user = make_user("admin")
    client.get("/login")
    before = count(db, LoginSession)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": forged})
    assert response.status_code == 403
    assert count(db, LoginSession) == before


def test_csrf_token_of_another_browser_is_refused(client, anon, db, make_user):
    admin = make_user("admin")
    sign_in(client, admin)
    users = count(db, User)
    stolen = csrf_token(anon)  # valid, but for a different browser
    response = client.post("/users/new", data={"csrf_token": stolen, **new_user_json()})
    assert response.status_code == 403
    assert count(db, User) == users


def test_signed_in_form_without_csrf_token_is_refused_and_writes_nothing(client, db, signed_in):
    signed_in("admin")
    users = count(db, User)
    response = client.post("/users/new", data=new_user_json())
    assert response.status_code == 403
    assert count(db, User) == users
    assert post_form(client, "/users/new", new_user_json()).status_code == 303  # the same form with it works
    assert count(db, User) == users + 1


def test_json_api_with_cookie_but_no_csrf_header_is_refused(client, db, signed_in):
    signed_in("admin")
    users = count(db, User)
    response = client.post("/api/users", json=new_user_json())
    assert response.status_code == 403
    assert "security token" in response.json()["detail"]
    assert count(db, User) == users
    assert api(client, "POST", "/api/users", json=new_user_json()).status_code == 201


def test_bearer_token_works_without_csrf_and_only_its_hash_is_kept(client, anon, db, signed_in):
    admin = signed_in("admin")
    made = api(client, "POST", "/api/tokens", json={"name": "finance laptop"})
    assert made.status_code == 201
    token = made.json()["token"]
    stored = db.exec(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
    assert stored.token_hash != token and token not in stored.token_hash
    bearer = {"Authorization": f"Bearer {token}"}
    assert anon.get("/api/me", headers=bearer).json()["email"] == admin.email
    users = count(db, User)
    created = anon.post("/api/users", json=new_user_json(), headers=bearer)
    assert created.status_code == 201, created.text
    assert count(db, User) == users + 1


def test_revoked_bearer_token_is_refused(client, anon, db, signed_in):
    from provider.base import utcnow

    admin = signed_in("finance")
    token = api(client, "POST", "/api/tokens", json={"name": "old"}).json()["token"]
    with unit_of_work(db):
        row = db.exec(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
        row.revoked_at = utcnow()
        db.add(row)
    assert anon.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("header", ["Bearer lt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_unknown_bearer_token_gets_401(anon, db, header):
    users = count(db, User)
    assert anon.get("/api/me", headers={"Authorization": header}).status_code == 401
    response = anon.post("/api/users", json=new_user_json(), headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert count(db, User) == users


def test_token_request_needs_a_name(client, signed_in):
    signed_in("trustee")
    response = api(client, "POST", "/api/tokens", json={})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize("url", ["/login", "/", "/api/me", "/users"])
def test_pages_carry_a_strict_content_security_policy(client, signed_in, url):
    signed_in("admin")
    headers = client.get(url).headers
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_refusals_carry_the_security_headers_too(anon):
    for response in (anon.get("/"), anon.get("/api/me"), anon.get("/no-such-page")):
        assert response.headers["x-frame-options"] == "DENY"
        assert "unsafe-inline" not in response.headers["content-security-policy"]
