"""Every route says who may use it; a role outside that list is refused; URLs carry UUIDs."""
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from provider.users.models import Role, User
from provider.web.deps import allow, route_rules, unguarded_routes
from tests.conftest import api, post_form, sign_in


def assert_every_route_is_guarded(app) -> None:
    unguarded = unguarded_routes(app)
    assert unguarded == [], f"routes without allow(...) or public(): {unguarded}"


def test_every_route_of_the_app_declares_who_may_use_it(app):
    paths = {path for _methods, path, _rule in route_rules(app)}
    assert {"/", "/login", "/users", "/api/users", "/history/{entity}/{entity_id}"} <= paths
    assert_every_route_is_guarded(app)


def test_the_route_check_fails_on_a_deliberately_unguarded_route(app):
    app.get("/api/oops")(lambda: 1)
    assert unguarded_routes(app) == ["GET /api/oops"]
    with pytest.raises(AssertionError, match="GET /api/oops"):
        assert_every_route_is_guarded(app)


def test_the_route_check_looks_inside_included_routers(app):
    from fastapi import APIRouter

    router = APIRouter(prefix="/api/extra")
    router.get("/open")(lambda: 1)
    router.get("/closed")(lambda _=allow(Role.admin): 1)
    app.include_router(router)
    guarded_by_router = APIRouter(prefix="/api/staff", dependencies=[allow(Role.finance)])
    guarded_by_router.get("/report")(lambda: 1)
    app.include_router(guarded_by_router)
    assert unguarded_routes(app) == ["GET /api/extra/open"]


def test_the_route_check_also_catches_a_plain_starlette_route(app):
    from starlette.responses import PlainTextResponse

    app.add_route("/raw", lambda request: PlainTextResponse("open to all"), methods=["GET"])
    assert any("/raw" in entry for entry in unguarded_routes(app))


def _guarded_routes(app):
    for methods, path, rule in route_rules(app):
        if rule != "public":
            for method in methods.split(","):
                yield method, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path), rule


def test_every_guarded_route_turns_an_anonymous_visitor_away(app, anon):
    checked = 0
    for method, url, _roles in _guarded_routes(app):
        response = anon.request(method, url)
        if url.startswith("/api"):
            assert response.status_code == 401, (method, url, response.status_code)
            assert "Sign in" in response.json()["detail"]
        else:
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
        checked += 1
    assert checked > 10


def test_every_guarded_route_refuses_each_role_it_does_not_allow(app, make_user):
    browsers = {}
    for role in Role:
        browser = TestClient(app, follow_redirects=False)
        sign_in(browser, make_user(role.value))
        browsers[role] = browser
    refusals = 0
    for method, url, roles in _guarded_routes(app):
        for role, browser in browsers.items():
            if role in roles:
                continue
            response = api(browser, method, url)  # with the CSRF header, so only the role can be the reason
            assert response.status_code == 403, (role.value, method, url, response.status_code)
            refusals += 1
    for browser in browsers.values():
        browser.close()
    assert refusals > 10


@pytest.mark.parametrize("role, url", [("finance", "/users"), ("trustee", "/users"), ("coordinator", "/users/new"),
                                        ("family", "/users")])
def test_a_role_reaching_a_page_not_meant_for_it_gets_403(client, signed_in, role, url):
    signed_in(role)
    response = client.get(url)
    assert response.status_code == 403
    assert "Your role does not give you access" in response.text


@pytest.mark.parametrize("role", ["family", "trustee", "finance", "coordinator"])
def test_a_role_reaching_an_api_not_meant_for_it_gets_403_json(client, signed_in, role):
    signed_in(role)
    response = client.get("/api/users")
    assert response.status_code == 403
    assert "role" in response.json()["detail"]


def test_a_refused_role_writes_nothing(client, db, signed_in):
    signed_in("finance")
    before = len(db.exec(select(User)).all())
    response = post_form(client, "/users/new", {"email": "sneaky@example.org", "name": "Sneaky",
                                               "role": "admin", "password": "a long enough password"})
    assert response.status_code == 403
    response = api(client, "POST", "/api/users", json={"email": "sneaky@example.org", "name": "Sneaky",
                                                      "role": "admin", "password": "a long enough password"})
    assert response.status_code == 403
    assert len(db.exec(select(User)).all()) == before


def test_anonymous_page_visit_redirects_to_login_and_comes_back(anon, make_user):
    response = anon.get("/users?role=finance")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/users%3Frole%3Dfinance"
    admin = make_user("admin")
    page = anon.get(response.headers["location"])
    assert 'name="next" value="/users?role=finance"' in page.text
    signed = post_form(anon, "/login", {"email": admin.email, "password": "correct horse battery",
                                        "next": "/users?role=finance"})
    assert signed.headers["location"] == "/users?role=finance"


def test_anonymous_api_call_gets_401_json(anon):
    response = anon.get("/api/users")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"].startswith("Sign in")


def test_user_addresses_use_random_uuids(client, db, signed_in):
    signed_in("admin")
    ids = []
    for n in range(3):
        response = post_form(client, "/users/new", {"email": f"person{n}@example.org", "name": f"Person {n}",
                                                   "role": "coordinator", "password": "a long enough password"})
        assert response.status_code == 303
        match = re.fullmatch(r"/users/([0-9a-f-]{36})", response.headers["location"])
        assert match, response.headers["location"]
        ids.append(uuid.UUID(match.group(1)))
    assert all(i.version == 4 for i in ids)
    assert len(set(ids)) == 3
    assert client.get(f"/users/{ids[0]}").status_code == 200
    assert client.get(f"/users/{uuid.uuid4()}").status_code == 404
    assert client.get("/users/1").status_code in (404, 422)  # a sequential number is not an address
    created = api(client, "POST", "/api/users", json={"email": "api.person@example.org", "name": "Api",
                                                     "role": "trustee", "password": "a long enough password"})
    assert uuid.UUID(created.json()["id"]).version == 4
