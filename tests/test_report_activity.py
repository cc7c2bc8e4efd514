"""Activity (issue 8 item 5; DOMAIN.md §7, §10): the children and families Willow supported in 2026/27 and the units
it delivered by service, with every count below five shown as "fewer than 5"."""
from __future__ import annotations

from datetime import date

import pytest

from provider.errors import FieldErrors
from reports import activity, income
from tests.conftest import demo_once_per_module

YEAR = income.year_period(2026)


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def shown(report: activity.Activity) -> list[tuple]:
    return [(s.service, s.units, s.children_text, s.relatives_text) for s in report.services]


def test_willows_2026_27_children_families_and_units_by_service(willow):
    report = activity.activity(willow, YEAR.first, YEAR.last)
    # 39 children had care; three households have two children at Willow, so 36 families. Sam and Grace took part
    # themselves (sibling and bereavement support), in families already counted.
    assert (report.children, report.relatives, report.families) == (39, 2, 36)
    assert (report.children_text, report.relatives_text, report.families_text) == ("39", "fewer than 5", "36")
    assert shown(report) == [
        ("Activity-break day", 3, "fewer than 5", "fewer than 5"),
        ("Bereavement support session", 4, "fewer than 5", "fewer than 5"),      # Grace's
        ("Care after death night", 3, "fewer than 5", "fewer than 5"),           # Ellie's
        ("Day care", 30, "23", "fewer than 5"),
        ("End-of-life care night", 4, "fewer than 5", "fewer than 5"),
        ("Hydrotherapy session", 17, "fewer than 5", "fewer than 5"),            # Amira's 8, Chloe's 9
        ("Short-break night", 284, "37", "fewer than 5"),
        ("Sibling support session", 10, "fewer than 5", "fewer than 5"),         # Sam's
    ]
    assert report.label == "2026/27" and not report.is_empty


def test_only_care_delivered_counts(willow):
    # 11 January Amira stayed; 12 January she was unwell and missed the night: nobody had it.
    january = activity.activity(willow, date(2027, 1, 12), date(2027, 1, 12))
    assert [(s.service, s.units, s.children) for s in january.services] == [("Short-break night", 1, 1)]
    november = activity.activity(willow, date(2026, 11, 4), date(2026, 11, 4))   # Amira in hospital
    assert "Hydrotherapy session" not in [s.service for s in november.services]


def test_a_sister_in_bereavement_support_is_her_family_supported(willow):
    december = activity.activity(willow, date(2026, 12, 10), date(2026, 12, 10))
    assert (december.children, december.relatives, december.families) == (0, 1, 1)
    assert (december.children_text, december.families_text) == ("fewer than 5", "fewer than 5")


def test_the_quarters_units_add_up_to_the_year(willow):
    year = activity.activity(willow, YEAR.first, YEAR.last)
    periods = [income.quarter_period(2026, n) for n in (1, 2, 3, 4)]
    quarters = [activity.activity(willow, q.first, q.last) for q in periods]
    assert sum(s.units for q in quarters for s in q.services) == sum(s.units for s in year.services) == 355
    assert all(q.children <= year.children and q.families <= year.families for q in quarters)


def test_a_period_that_ends_before_it_starts_is_refused_and_an_empty_one_is_empty(willow):
    with pytest.raises(FieldErrors) as refused:
        activity.activity(willow, date(2026, 6, 30), date(2026, 6, 1))
    assert list(refused.value.errors) == ["last"]
    empty = activity.activity(willow, date(2030, 4, 1), date(2031, 3, 31))
    assert empty.is_empty and empty.services == []
    assert (empty.children_text, empty.families_text) == ("fewer than 5", "fewer than 5")
