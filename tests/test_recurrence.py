"""Recurring bookings: weekly rules with python-dateutil, term time from the provider's school-holiday calendar."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from provider.bookings import queries, recurrence
from provider.bookings.models import Booking, Recurrence
from provider.bookings.recurrence import Repeat, TooMany, describe, occurrences, rule_text
from lantern.demo_data.organisation import SCHOOL_HOLIDAYS
from tests.conftest import post_form
from tests.test_bookings import Willow, coordinator, willow  # noqa: F401  (fixtures)

HOLIDAYS = [(first, last) for first, last, _ in SCHOOL_HOLIDAYS]


def test_every_tuesday_in_term_time_until_july_leaves_out_the_school_holidays():
    repeat = Repeat(date(2026, 9, 1), date(2027, 7, 16), term_time_only=True)
    days = occurrences(repeat, HOLIDAYS)
    assert days[0] == date(2026, 9, 8)           # 1 September is still the summer holiday
    assert all(day.weekday() == 1 for day in days)
    assert date(2026, 10, 27) not in days          # October half term
    assert date(2026, 12, 22) not in days and date(2027, 2, 16) not in days and date(2027, 3, 30) not in days
    assert days[-1] == date(2027, 7, 13)
    assert len(days) == 45 - 7                     # 45 Tuesdays, 7 of them in holidays
    assert describe(repeat) == "Every Tuesday in term time, from 1 September 2026 until 16 July 2027"


def test_without_term_time_every_day_the_rule_falls_on_is_kept():
    repeat = Repeat(date(2026, 9, 1), date(2026, 9, 30))
    assert occurrences(repeat, HOLIDAYS) == [date(2026, 9, d) for d in (1, 8, 15, 22, 29)]


def test_several_weekdays_every_other_week():
    repeat = Repeat(date(2026, 9, 7), date(2026, 10, 4), weekdays=(0, 3), every_weeks=2)
    assert occurrences(repeat) == [date(2026, 9, 7), date(2026, 9, 10), date(2026, 9, 21), date(2026, 9, 24)]
    assert describe(repeat) == "Every 2 weeks on Monday and Thursday, from 7 September 2026 until 4 October 2026"
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2" in rule_text(repeat) and "BYDAY=MO,TH" in rule_text(repeat)


def test_more_than_400_occurrences_are_refused_without_listing_them_all():
    exactly = Repeat(date(2026, 1, 5), date(2026, 1, 5) + timedelta(weeks=399))
    assert len(occurrences(exactly)) == 400
    with pytest.raises(TooMany):
        occurrences(Repeat(date(2026, 1, 5), date(2026, 1, 5) + timedelta(weeks=400)))
    with pytest.raises(TooMany):
        occurrences(Repeat(date(2026, 1, 1), date(9999, 12, 31), weekdays=tuple(range(7))))
    assert recurrence.MAX_OCCURRENCES == 400


def test_a_recurring_sibling_session_makes_one_booking_each_term_time_saturday(willow):
    sam = willow.member("Sam Haddad")
    made = willow.book("Amira", "SIBLING_SUPPORT", date(2026, 10, 3), repeat_until="2026-11-28",
                       term_time_only=True, participant_id=str(sam.id))
    assert [b.starts_on for b in made.bookings] == [
        date(2026, 10, 3), date(2026, 10, 10), date(2026, 10, 17), date(2026, 10, 24),  # half term 26–30 October
        date(2026, 10, 31), date(2026, 11, 7), date(2026, 11, 14), date(2026, 11, 21), date(2026, 11, 28)]
    series = willow.db.get(Recurrence, made.bookings[0].recurrence_id)
    assert series.term_time_only and series.description.startswith("Every Saturday in term time")
    assert {b.recurrence_id for b in made.bookings} == {series.id}


def test_a_recurring_stay_moves_its_whole_length_to_each_day(willow):
    made = willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 4), date(2026, 9, 6), repeat_until="2026-10-02",
                       repeat_every_weeks=2)
    assert [(b.starts_on, b.ends_on) for b in made.bookings] == [
        (date(2026, 9, 4), date(2026, 9, 6)), (date(2026, 9, 18), date(2026, 9, 20)),
        (date(2026, 10, 2), date(2026, 10, 4))]


def test_repeated_stays_that_would_overlap_each_other_are_refused(willow):
    from provider.errors import FieldErrors

    with pytest.raises(FieldErrors) as caught:
        willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 7), date(2026, 9, 10), repeat_until="2026-09-09",
                    repeat_weekdays=[0, 1])
    assert caught.value.errors == {"repeat_until": "makes stays that overlap each other on the night of 08/09/2026"}


def test_a_rule_that_falls_only_in_holidays_makes_nothing_and_says_so(willow):
    from provider.errors import FieldErrors

    with pytest.raises(FieldErrors) as caught:
        willow.book("Dev", "DAY_CARE", date(2026, 10, 26), repeat_until="2026-10-30", term_time_only=True)
    assert caught.value.errors == {"repeat_until": "makes no bookings: every day it falls on is in a school holiday"}


def test_the_booking_page_repeats_on_the_weekdays_ticked(coordinator, willow):
    dev = willow.children["Dev"]
    response = post_form(coordinator, "/bookings/new", {
        "child_id": str(dev.id), "service_id": str(willow.services["DAY_CARE"].id), "starts_on": "2026-09-07",
        "repeat_weekdays": ["0", "2"], "repeat_until": "2026-09-18", "term_time_only": "true", "action": "book"})
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("?made=4")
    days = sorted(b.starts_on for b in willow.db.exec(select(Booking).where(Booking.child_id == dev.id)))
    assert days == [date(2026, 9, 7), date(2026, 9, 9), date(2026, 9, 14), date(2026, 9, 16)]
    page = coordinator.get(response.headers["location"])
    assert "Every Monday and Wednesday in term time, from 7 September 2026 until 18 September 2026 (4 bookings)" \
        in page.text
    assert queries.list_bookings(willow.db, child_id=dev.id)[0].booking.recurrence_id is not None


def test_repeating_every_zero_weeks_is_refused_naming_the_field(willow):
    from provider.errors import FieldErrors

    with pytest.raises(FieldErrors) as caught:
        willow.book("Dev", "DAY_CARE", date(2026, 9, 7), repeat_until="2026-10-30", repeat_every_weeks=0)
    assert caught.value.errors == {"repeat_every_weeks": "must be a whole number from 1 to 52"}
