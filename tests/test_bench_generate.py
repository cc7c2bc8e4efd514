"""The benchmark generator makes a whole provider: valid children, families and unbroken price lists."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select

from bench import generate
from provider.catalogue.models import PricePeriod
from provider.people.models import Child, ChildRelationship, Nomination
from provider.people.nhs import nhs_number_problem


def test_thirty_children_over_two_years(fresh_database_url):
    counts = generate.main(["--children", "30", "--years", "2", "--database-url", fresh_database_url])
    assert counts["children"] == 30
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as conn:
            children = conn.execute(select(Child.__table__)).all()
            periods = conn.execute(select(PricePeriod.__table__)).all()
            links = conn.execute(select(ChildRelationship.__table__)).all()
            nominations = conn.execute(select(Nomination.__table__)).all()
    finally:
        engine.dispose()
    assert len(children) == 30
    assert all(nhs_number_problem(child.nhs_number) is None for child in children)
    assert len({child.nhs_number for child in children}) == 30
    assert all(child.status_date is None or child.status_date >= child.date_of_birth for child in children)
    assert {link.child_id for link in links if link.parental_responsibility} == {child.id for child in children}
    assert all(n.withdrawn_on is None or n.withdrawn_on >= n.received_on for n in nominations)

    by_service = defaultdict(list)
    for period in periods:
        by_service[(period.service_id, period.time_band)].append(period)
    for runs in by_service.values():
        runs.sort(key=lambda p: p.starts_on)
        assert [p.starts_on.month for p in runs] == [4, 4] and runs[-1].ends_on is None
        assert all(earlier.ends_on + timedelta(days=1) == later.starts_on for earlier, later in zip(runs, runs[1:]))


def test_the_same_seed_makes_the_same_provider(tmp_path):
    def first_children(name: str):
        url = f"sqlite:///{tmp_path / name}"
        generate.main(["--children", "12", "--years", "1", "--database-url", url])
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return conn.execute(select(Child.first_name, Child.last_name, Child.nhs_number)
                                    .order_by(Child.nhs_number)).all()
        finally:
            engine.dispose()

    assert first_children("a.db") == first_children("b.db")


def test_a_database_that_already_has_children_is_refused(fresh_database_url):
    generate.main(["--children", "3", "--years", "1", "--database-url", fresh_database_url])
    with pytest.raises(SystemExit, match="already has children"):
        generate.main(["--children", "3", "--years", "1", "--database-url", fresh_database_url])
    counts = generate.main(["--children", "4", "--years", "1", "--database-url", fresh_database_url, "--reset"])
    assert counts["children"] == 4
