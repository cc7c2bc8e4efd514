"""Booking rules per service (DOMAIN.md §4): refusals needing a named override, warnings, and the settings page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from provider.bookings import rule_settings
from provider.bookings.models import BookingRules
from provider.bookings.rules import Rules, Stay, check, check_council_days, check_nights_in_a_row, year_label, year_of
from provider.db import unit_of_work
from provider.errors import FieldErrors
from tests.conftest import api, post_form, sign_in
from tests.test_bookings import willow  # noqa: F401  (fixture)

WILLOW_NIGHTS = Rules(service_name="Short-break night", units_per_year=20, future_stays_at_once=2, min_stay_nights=1,
                      max_stay_nights=7, nights_in_a_row=17, council_days_warning=75)


def stay(first: date, nights: int) -> Stay:
    return Stay(first, first + timedelta(days=nights), tuple((first + timedelta(days=i), 1) for i in range(nights)))


def test_the_allocation_year_runs_april_to_march():
    assert year_of(date(2027, 3, 31), (4, 1)) == date(2026, 4, 1)
    assert year_of(date(2027, 4, 1), (4, 1)) == date(2027, 4, 1)
    assert year_label(date(2026, 4, 1)) == "2026/27" and year_label(date(2027, 1, 1)) == "2027"


def test_willow_allows_twenty_short_break_nights_a_year():
    booked = [stay(date(2026, 4, 20), 7), stay(date(2026, 6, 15), 7), stay(date(2026, 8, 17), 4)]
    assert check(WILLOW_NIGHTS, [stay(date(2027, 3, 15), 2)], booked, today=date(2026, 4, 1)).refusals == [
        "No more than 2 future stays may be in the diary at once; with this booking there would be 4."]
    findings = check(WILLOW_NIGHTS, [stay(date(2027, 3, 15), 3)], booked, today=date(2026, 12, 1))
    assert findings.refusals == ["Short-break night allows 20 nights a year; with this booking there would be 21 in "
                                 "2026/27 (18 booked already)."]
    assert check(WILLOW_NIGHTS, [stay(date(2027, 4, 1), 3)], booked, today=date(2026, 12, 1)).refusals == []


def test_stay_length_and_school_holiday_nights():
    rules = Rules(min_stay_nights=3, max_stay_nights=4, school_holiday_nights_per_year=5)
    holidays = [(date(2026, 7, 22), date(2026, 9, 1))]
    assert check(rules, [stay(date(2026, 5, 4), 2)], [], today=date(2026, 4, 1)).refusals == [
        "A stay must be at least 3 nights; the stay from 04/05/2026 is 2 nights."]
    assert check(rules, [stay(date(2026, 5, 4), 5)], [], today=date(2026, 4, 1)).refusals == [
        "A stay may be at most 4 nights; the stay from 04/05/2026 is 5 nights."]
    findings = check(rules, [stay(date(2026, 8, 10), 3)], [stay(date(2026, 7, 27), 3)], today=date(2026, 4, 1),
                     school_holidays=holidays)
    assert findings.refusals == ["At most 5 nights a year may fall in school holidays; with this booking there would "
                                 "be 6 in 2026/27."]


def test_more_than_seventeen_nights_in_a_row_is_a_warning_not_a_refusal():
    rules = Rules(nights_in_a_row=17)
    booked = [stay(date(2026, 8, 1), 10)]
    assert check_nights_in_a_row(rules, [stay(date(2026, 8, 11), 7)], booked) == []
    assert check_nights_in_a_row(rules, [stay(date(2026, 8, 11), 8)], booked) == [
        "18 nights in a row, 01/08/2026 to 18/08/2026: more than the local limit of 17."]
    assert check(rules, [stay(date(2026, 8, 11), 8)], booked, today=date(2026, 4, 1)).refusals == []


def test_council_arranged_short_breaks_passing_75_days_in_a_rolling_year_warn():
    rules = Rules(council_days_warning=75)
    earlier = [date(2026, 1, 5) + timedelta(days=i) for i in range(74)]   # 5 January to 19 March 2026
    assert check_council_days(rules, [date(2026, 12, 1)], earlier) == []
    assert check_council_days(rules, [date(2026, 12, 1), date(2026, 12, 2)], earlier) == [
        "Council-arranged short breaks would reach 76 days in the 12 months to 02/12/2026: more than 75, which "
        "changes which legal rules apply to the child's care."]
    assert check_council_days(rules, [date(2027, 1, 10), date(2027, 1, 11)], earlier) == []  # a year later


def test_willows_rules_refuse_a_twenty_first_night_for_amira_unless_overridden(willow):
    for first, last in [((4, 20), (4, 27)), ((6, 15), (6, 22)), ((8, 17), (8, 21))]:
        willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, *first), date(2026, *last), today=date(2026, *first))
    with pytest.raises(FieldErrors) as caught:
        willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 10, 19), date(2026, 10, 22), today=date(2026, 9, 1))
    assert "there would be 21 in 2026/27" in caught.value.errors["override_by"]
    made = willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 10, 19), date(2026, 10, 22), today=date(2026, 9, 1),
                       override_by="Dr Okafor", override_reason="Symptom management")
    assert made.bookings[0].override_by == "Dr Okafor"


def test_a_third_future_stay_in_the_diary_is_refused(willow):
    today = date(2026, 4, 1)
    willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 5, 4), date(2026, 5, 6), today=today)
    willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 6, 1), date(2026, 6, 3), today=today)
    with pytest.raises(FieldErrors) as caught:
        willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 7, 6), date(2026, 7, 8), today=today)
    assert caught.value.errors["override_by"].endswith(
        "No more than 2 future stays may be in the diary at once; with this booking there would be 3.")


def test_a_stay_longer_than_willows_seven_nights_is_refused(willow):
    with pytest.raises(FieldErrors) as caught:
        willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 5, 4), date(2026, 5, 12), today=date(2026, 4, 1))
    assert caught.value.errors["override_by"].endswith("A stay may be at most 7 nights; the stay from 04/05/2026 is 8 "
                                                       "nights.")


def test_amiras_council_arranged_nights_past_75_in_a_year_warn_but_book(willow):
    with unit_of_work(willow.db):
        rule_settings.save_booking_rules(willow.db, willow.services["SHORT_BREAK_NIGHT"],
                                    {"council_days_warning": "5", "nights_in_a_row": "17"})
    willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 20), date(2026, 4, 24))
    made = willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 6, 15), date(2026, 6, 18))
    assert made.warnings == ["Council-arranged short breaks would reach 7 days in the 12 months to 17/06/2026: more "
                             "than 5, which changes which legal rules apply to the child's care."]
    assert len(made.bookings) == 1
    # Ben's nights are paid by Riverside ICB, not a council: no warning.
    willow.book("Ben", "SHORT_BREAK_NIGHT", date(2026, 4, 20), date(2026, 4, 24))
    assert willow.book("Ben", "SHORT_BREAK_NIGHT", date(2026, 6, 15), date(2026, 6, 18)).warnings == []


def test_finance_sets_a_services_booking_rules_on_its_page(client, willow, make_user):
    service = willow.services["DAY_CARE"]
    sign_in(client, make_user("finance"))
    page = client.get(f"/services/{service.id}/booking-rules")
    assert page.status_code == 200 and "Booking rules: Day care" in page.text
    saved = post_form(client, f"/services/{service.id}/booking-rules", {
        "units_per_year": "30", "year_start_month": "4", "year_start_day": "1", "future_stays_at_once": "",
        "nights_in_a_row": "", "council_days_warning": "", "for_siblings": "false"})
    assert saved.status_code == 303
    row = willow.db.get(BookingRules, service.id)
    assert (row.units_per_year, row.nights_in_a_row, row.for_siblings) == (30, None, False)


def test_a_bad_booking_rule_is_refused_naming_the_field_and_nothing_changes(client, willow, make_user):
    service = willow.services["SHORT_BREAK_NIGHT"]
    sign_in(client, make_user("admin"))
    bad = post_form(client, f"/services/{service.id}/booking-rules", {"units_per_year": "0", "year_start_month": "4"})
    assert bad.status_code == 422
    assert "A year’s allowance must be a whole number of at least 1, or blank for no limit" in bad.text
    crossed = api(client, "PUT", f"/api/services/{service.id}/booking-rules",
                  json={"min_stay_nights": 4, "max_stay_nights": 2})
    assert crossed.status_code == 422
    assert crossed.json()["errors"] == [{"field": "max_stay_nights",
                                         "message": "must not be fewer than the shortest stay"}]
    assert willow.db.get(BookingRules, service.id).units_per_year == 20


def test_coordinators_read_booking_rules_but_cannot_change_them(client, willow, make_user):
    service = willow.services["SHORT_BREAK_NIGHT"]
    sign_in(client, make_user("coordinator"))
    page = client.get(f"/services/{service.id}/booking-rules")
    assert page.status_code == 200 and "<dd>20</dd>" in page.text
    assert api(client, "GET", f"/api/services/{service.id}/booking-rules").json()["units_per_year"] == 20
    assert post_form(client, f"/services/{service.id}/booking-rules", {"units_per_year": "40"}).status_code == 403
    assert api(client, "PUT", f"/api/services/{service.id}/booking-rules", json={}).status_code == 403
