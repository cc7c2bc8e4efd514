"""Refusals from the JSON API name the field and the problem; nothing is written; OpenAPI documents them."""
import pytest
from sqlmodel import func, select

from provider.users.models import User
from tests.conftest import api

GOOD = {"email": "new.person@example.org", "name": "New Person", "role": "coordinator",
        "password": "a long enough password"}


def count_users(db) -> int:
    return db.exec(select(func.count()).select_from(User)).one()


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"]
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture
def admin_api(client, signed_in):
    signed_in("admin")
    return client


@pytest.mark.parametrize("raw", ['{"email":', "{'email': 'x'}", "not json at all"])
def test_malformed_json_is_refused_naming_the_body(admin_api, db, raw):
    before = count_users(db)
    response = api(admin_api, "POST", "/api/users", content=raw, headers={"content-type": "application/json"})
    assert errors_of(response) == {"body": "is not valid JSON"}
    assert count_users(db) == before


@pytest.mark.parametrize("raw", ["[1, 2]", '"x"', "null", ""])
def test_a_body_that_is_not_an_object_is_refused_naming_the_body(admin_api, db, raw):
    before = count_users(db)
    response = api(admin_api, "POST", "/api/users", content=raw, headers={"content-type": "application/json"})
    assert list(errors_of(response)) == ["body"]
    assert count_users(db) == before


def test_unknown_field_is_refused_naming_it(admin_api, db):
    before = count_users(db)
    response = api(admin_api, "POST", "/api/users", json={**GOOD, "is_superuser": True})
    assert errors_of(response) == {"is_superuser": "is not a field this accepts"}
    assert count_users(db) == before


@pytest.mark.parametrize("missing", ["email", "name", "role", "password"])
def test_missing_field_is_refused_naming_it(admin_api, db, missing):
    before = count_users(db)
    body = {k: v for k, v in GOOD.items() if k != missing}
    assert errors_of(api(admin_api, "POST", "/api/users", json=body)) == {missing: "is required"}
    assert count_users(db) == before


@pytest.mark.parametrize("field, value", [("name", 5), ("name", ["a"]), ("role", "king"), ("role", 3),
                                          ("email", 42)])
def test_wrong_type_is_refused_naming_the_field(admin_api, db, field, value):
    before = count_users(db)
    problems = errors_of(api(admin_api, "POST", "/api/users", json={**GOOD, field: value}))
    assert list(problems) == [field] and problems[field]
    assert count_users(db) == before


def test_wrong_role_says_it_is_not_an_allowed_choice(admin_api):
    problems = errors_of(api(admin_api, "POST", "/api/users", json={**GOOD, "role": "king"}))
    assert problems == {"role": "is not one of the allowed choices"}


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.org", "a b@example.org"])
def test_bad_email_is_refused_naming_email(admin_api, db, email):
    before = count_users(db)
    problems = errors_of(api(admin_api, "POST", "/api/users", json={**GOOD, "email": email}))
    assert list(problems) == ["email"] and "email" in problems["email"]
    assert count_users(db) == before


def test_short_password_is_refused_naming_password(admin_api, db):
    before = count_users(db)
    problems = errors_of(api(admin_api, "POST", "/api/users", json={**GOOD, "password": "short"}))
    assert problems == {"password": "must be at least 10 characters"}
    assert count_users(db) == before


def test_duplicate_email_is_refused_naming_email(admin_api, db):
    assert api(admin_api, "POST", "/api/users", json=GOOD).status_code == 201
    before = count_users(db)
    again = {**GOOD, "email": GOOD["email"].upper(), "name": "Someone Else"}
    assert errors_of(api(admin_api, "POST", "/api/users", json=again)) == {"email": "is already used by another user"}
    assert count_users(db) == before


def test_every_problem_is_named_at_once(admin_api):
    problems = errors_of(api(admin_api, "POST", "/api/users",
                             json={"email": "nope", "name": "", "role": "king", "password": "x"}))
    assert set(problems) == {"email", "name", "role", "password"}


def test_update_refuses_an_unknown_field_and_changes_nothing(admin_api, db, make_user):
    user = make_user("finance", name="Fran")
    response = api(admin_api, "PATCH", f"/api/users/{user.id}", json={"name": "Frances", "email": "x@example.org"})
    assert errors_of(response) == {"email": "is not a field this accepts"}
    assert api(admin_api, "GET", f"/api/users/{user.id}").json()["name"] == "Fran"


def test_unknown_user_is_404_and_a_non_uuid_is_named(admin_api):
    import uuid

    missing = api(admin_api, "GET", f"/api/users/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["detail"] == "No such user."
    assert errors_of(api(admin_api, "GET", "/api/users/42")) == {"user_id": "is not a known record"}


def test_an_unknown_api_address_is_a_json_404(admin_api):
    response = admin_api.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_every_api_route_documents_its_error_answers(anon):
    spec = anon.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/users" in paths and "/api/tokens" in paths
    operations = 0
    for path, methods in paths.items():
        assert path.startswith("/api/"), f"{path} is in the API document but not under /api"
        for method, operation in methods.items():
            answers = set(operation["responses"])
            assert {"401", "403", "404", "409", "422"} <= answers, (method, path, answers)
            operations += 1
    assert operations >= 6


def test_docs_page_renders_the_api_for_a_person(anon):
    page = anon.get("/docs")
    assert page.status_code == 200
    assert "/api/users" in page.text
    assert "Bearer" in page.text or "bearer" in page.text
    assert "<script" not in page.text  # the strict content security policy would block it anyway
