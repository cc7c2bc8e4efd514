"""Property tests that write to the database roll back after each example."""
from hypothesis import given, strategies as st
from sqlmodel import func, select

from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.users.models import User
from provider.users.service import create_user
from tests.conftest import rolled_back

names = st.text(alphabet=st.characters(categories=("L", "Zs")), min_size=1, max_size=40).filter(lambda s: s.strip())


@given(st.lists(names, min_size=1, max_size=4))
def test_each_example_starts_from_the_same_database(connection, new_names):
    with rolled_back(connection) as db:
        before = db.exec(select(func.count()).select_from(User)).one()
        for i, name in enumerate(new_names):
            with unit_of_work(db):
                create_user(db, {"email": f"person{i}@example.org", "name": name, "role": "coordinator",
                                 "password": "a long enough password"})
        assert db.exec(select(func.count()).select_from(User)).one() == before + len(new_names)


@given(st.text(max_size=12))
def test_a_refused_user_leaves_nothing_behind(connection, password):
    with rolled_back(connection) as db:
        before = db.exec(select(func.count()).select_from(User)).one()
        try:
            with unit_of_work(db):
                create_user(db, {"email": "someone@example.org", "name": "Someone", "role": "finance",
                                 "password": password})
                created = True
        except FieldErrors as exc:
            created = False
            assert "password" in exc.errors
        count = db.exec(select(func.count()).select_from(User)).one()
        assert count == before + (1 if created else 0)
        assert created == (len(password) >= 10)
