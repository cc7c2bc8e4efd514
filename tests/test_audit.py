"""Every create and change records who, when and what changed; staff with the right role read it."""
import json
import uuid

import pytest
from sqlmodel import select

from provider.audit.models import AuditEvent
from provider.users.models import User
from tests.conftest import api, post_form


def events_for(db, user_id) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.entity == "users",
                                                 AuditEvent.entity_id == str(user_id)).order_by(AuditEvent.at)))


def create_through_form(client, **overrides) -> User:
    data = {"email": "ravi@example.org", "name": "Ravi Patel", "role": "coordinator",
            "password": "a long enough password", **overrides}
    response = post_form(client, "/users/new", data)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def edit_through_form(client, user_id, **fields):
    data = {"name": "Ravi Patel", "role": "coordinator", "is_active": "true", **fields}
    response = post_form(client, f"/users/{user_id}", data)
    assert response.status_code == 303, response.text


def test_creating_a_user_records_a_create_event_with_its_actor(client, db, signed_in):
    admin = signed_in("admin", name="Alex Admin")
    user_id = create_through_form(client)
    [event] = events_for(db, user_id)
    assert event.action == "create"
    assert event.actor_id == admin.id and event.actor_name == "Alex Admin"
    assert event.changes["email"] == [None, "ravi@example.org"]
    assert event.changes["name"] == [None, "Ravi Patel"]
    assert event.changes["role"] == [None, "coordinator"]
    assert event.at is not None


def test_changing_a_name_records_before_and_after(client, db, signed_in):
    signed_in("admin", name="Alex Admin")
    user_id = create_through_form(client)
    edit_through_form(client, user_id, name="Ravi Shah")
    events = events_for(db, user_id)
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes == {"name": ["Ravi Patel", "Ravi Shah"]}
    assert events[1].actor_name == "Alex Admin"


def test_saving_without_changes_records_nothing_new(client, db, signed_in):
    signed_in("admin")
    user_id = create_through_form(client)
    edit_through_form(client, user_id)
    assert [e.action for e in events_for(db, user_id)] == ["create"]


def test_a_password_change_is_recorded_as_changed_never_as_the_hash(client, db, signed_in):
    signed_in("admin")
    user_id = create_through_form(client)
    edit_through_form(client, user_id, password="another long password")
    events = events_for(db, user_id)
    assert events[-1].changes == {"password_hash": ["(hidden)", "(changed)"]}
    assert events[0].changes["password_hash"] == [None, "(set)"]
    stored = db.get(User, uuid.UUID(user_id))
    everything = json.dumps([e.changes for e in events])
    assert stored.password_hash not in everything and "$argon2" not in everything
    assert "another long password" not in everything and "a long enough password" not in everything


def test_a_refused_change_records_nothing(client, db, signed_in):
    signed_in("admin")
    user_id = create_through_form(client)
    response = post_form(client, f"/users/{user_id}", {"name": "", "role": "coordinator", "is_active": "true"})
    assert response.status_code == 422
    assert "Name is required" in response.text
    response = post_form(client, f"/users/{user_id}", {"name": "Ravi Shah", "role": "coordinator",
                                                       "is_active": "true", "password": "short"})
    assert response.status_code == 422 and 'value="Ravi Shah"' in response.text
    assert [e.action for e in events_for(db, user_id)] == ["create"]
    assert db.get(User, uuid.UUID(user_id)).name == "Ravi Patel"


def test_changes_through_the_api_are_recorded_with_their_actor(client, db, signed_in):
    admin = signed_in("admin", name="Api Admin")
    created = api(client, "POST", "/api/users", json={"email": "api@example.org", "name": "Api Person",
                                                      "role": "trustee", "password": "a long enough password"})
    user_id = created.json()["id"]
    api(client, "PATCH", f"/api/users/{user_id}", json={"role": "finance"})
    events = events_for(db, user_id)
    assert [(e.action, e.actor_id) for e in events] == [("create", admin.id), ("update", admin.id)]
    assert events[1].changes == {"role": ["trustee", "finance"]}


def test_admin_reads_the_history_of_a_user(client, db, signed_in):
    signed_in("admin", name="Alex Admin")
    user_id = create_through_form(client)
    edit_through_form(client, user_id, name="Ravi Shah")
    page = client.get(f"/history/users/{user_id}")
    assert page.status_code == 200
    assert "Created by Alex Admin" in page.text and "Updated by Alex Admin" in page.text
    assert "Ravi Patel" in page.text and "Ravi Shah" in page.text
    assert client.get(f"/users/{user_id}").text.count(f'href="/history/users/{user_id}"') == 1
    answer = api(client, "GET", f"/api/history/users/{user_id}").json()
    assert [(e["action"], e["actor"]) for e in answer] == [("create", "Alex Admin"), ("update", "Alex Admin")]
    assert answer[1]["changes"] == {"name": ["Ravi Patel", "Ravi Shah"]}


@pytest.mark.parametrize("role", ["finance", "coordinator"])
def test_staff_without_the_right_role_get_403_on_user_history(client, make_user, signed_in, role):
    someone = make_user("trustee")
    signed_in(role)
    page = client.get(f"/history/users/{someone.id}")
    assert page.status_code == 403
    assert "Ravi" not in page.text and someone.email not in page.text
    assert api(client, "GET", f"/api/history/users/{someone.id}").status_code == 403


@pytest.mark.parametrize("role", ["trustee", "family"])
def test_non_staff_cannot_read_any_history(client, make_user, signed_in, role):
    someone = make_user("finance")
    signed_in(role)
    assert client.get(f"/history/users/{someone.id}").status_code == 403
