"""Bookings at Willow: stays, sessions and hours through the service, the pages and the API; each bad input refused."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from sqlmodel import Session, func, select

from provider.bookings import queries, service as bookings
from provider.bookings.models import Booking, BookingStatus, BookingUnit, CancelReason
from provider.bookings.units import band_of, expand, hours, nights
from provider.catalogue.models import Service
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from lantern.demo import DEMO_USERS
from lantern.demo_data import catalogue, funders, funding, organisation, people
from provider.errors import FieldErrors
from provider.people.models import Child, FamilyMember
from provider.users.service import create_user
from tests.conftest import PASSWORD, api, post_form, sign_in

AS_OF = date(2027, 4, 10)


@dataclass
class Willow:
    """The demo hospice of DOMAIN.md §10 with its funding and booking rules, but none of its bookings."""

    db: Session
    services: dict[str, Service]
    children: dict[str, Child]
    coordinator: object

    def member(self, name: str) -> FamilyMember:
        return self.db.exec(select(FamilyMember).where(FamilyMember.name == name)).one()

    def book(self, child: str, code: str, starts_on: date, ends_on: date | None = None, *, today: date | None = None,
             **more) -> bookings.Created:
        with unit_of_work(self.db):
            return bookings.create_booking(self.db, self.form(child, code, starts_on, ends_on, **more),
                                           self.coordinator, today=today)

    def form(self, child: str, code: str, starts_on: date, ends_on: date | None = None, **more) -> dict:
        data = {"child_id": str(self.children[child].id), "service_id": str(self.services[code].id),
                "starts_on": starts_on.isoformat(), **more}
        if ends_on is not None:
            data["ends_on"] = ends_on.isoformat()
        return data

    def booked(self, child: str, code: str, starts_on: date, ends_on: date | None = None, **more) -> Booking:
        """A booking made and confirmed."""
        made = self.book(child, code, starts_on, ends_on, **more)
        with unit_of_work(self.db):
            for booking in made.bookings:
                bookings.confirm_booking(self.db, booking)
        return made.bookings[0]

    def count(self) -> tuple[int, int]:
        return (self.db.exec(select(func.count()).select_from(Booking)).one(),
                self.db.exec(select(func.count()).select_from(BookingUnit)).one())


@pytest.fixture
def willow(db) -> Willow:
    with unit_of_work(db):
        set_as_of_date(db, AS_OF)
        users = {role: create_user(db, {"email": f"{role}.{uuid.uuid4().hex[:6]}@willow.example", "name": name,
                                        "role": role, "password": PASSWORD})
                 for _email, name, role in DEMO_USERS}
        organisation.build(db)
        services = catalogue.build(db)
        demo_funders = funders.build(db, services)
        children = people.build(db, demo_funders, key_worker=users["coordinator"], family_user=users["family"])
        db.flush()
        funding.build(db, services, demo_funders, children)
    return Willow(db, services, children, users["coordinator"])


@pytest.fixture
def coordinator(client, willow):
    sign_in(client, willow.coordinator)
    return client


def refused(willow: Willow, field: str, child: str, code: str, starts_on: date, ends_on: date | None = None,
            **more) -> str:
    """The booking is refused with a message on `field`, and nothing is written."""
    before = willow.count()
    with pytest.raises(FieldErrors) as caught:
        willow.book(child, code, starts_on, ends_on, **more)
    assert field in caught.value.errors, caught.value.errors
    assert willow.count() == before
    return caught.value.errors[field]


# --- units -----------------------------------------------------------------------------------------------------


def test_a_stay_is_its_nights_up_to_the_morning_it_ends():
    assert nights(date(2026, 4, 20), date(2026, 4, 24)) == [date(2026, 4, d) for d in (20, 21, 22, 23)]
    assert expand("night", date(2026, 4, 20), date(2026, 4, 24)) == [(date(2026, 4, d), "all", 1)
                                                                      for d in (20, 21, 22, 23)]
    assert expand("session", date(2026, 5, 6), date(2026, 5, 6)) == [(date(2026, 5, 6), "all", 1)]


def test_hours_are_split_into_time_bands_by_the_hour_they_start():
    tuesday = date(2026, 10, 6)
    assert hours(tuesday, time(16), tuesday, time(20)) == [(tuesday, "weekday", 2), (tuesday, "evening", 2)]
    friday, saturday = date(2026, 10, 9), date(2026, 10, 10)
    assert hours(friday, time(20), saturday, time(8)) == [(friday, "evening", 2), (friday, "night", 2),
                                                          (saturday, "weekend", 8)]
    monday = date(2026, 10, 5)
    assert hours(monday, time(5), monday, time(8)) == [(monday, "night", 2), (monday, "weekday", 1)]
    boxing_day = date(2026, 12, 28)
    assert hours(boxing_day, time(9), boxing_day, time(12), {boxing_day}) == [(boxing_day, "bank_holiday", 3)]
    assert band_of(datetime(2026, 10, 6, 22), ()) == "night"


# --- making bookings ---------------------------------------------------------------------------------------------


def test_amiras_april_short_break_is_four_nights_requested(willow):
    made = willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 20), date(2026, 4, 24))
    booking, = made.bookings
    assert booking.status == BookingStatus.requested
    assert [(u.day, u.time_band, u.quantity) for u in queries.units_of(willow.db, booking)] == [
        (date(2026, 4, d), "all", 1) for d in (20, 21, 22, 23)]
    assert made.warnings == []


def test_care_at_home_hours_become_units_by_band_with_the_bank_holiday_from_the_calendar(willow):
    made = willow.book("Amira", "CARE_AT_HOME", date(2026, 12, 28), start_time="09:00", end_time="13:00")
    assert [(u.day, u.time_band, u.quantity) for u in queries.units_of(willow.db, made.bookings[0])] == [
        (date(2026, 12, 28), "bank_holiday", 4)]
    made = willow.book("Dev", "CARE_AT_HOME", date(2026, 10, 9), date(2026, 10, 10), start_time="17:00",
                       end_time="08:00")
    units = {(u.day, u.time_band): u.quantity for u in queries.units_of(willow.db, made.bookings[0])}
    assert units == {(date(2026, 10, 9), "weekday"): 1, (date(2026, 10, 9), "evening"): 4,
                     (date(2026, 10, 9), "night"): 2, (date(2026, 10, 10), "weekend"): 8}


def test_sam_is_booked_into_sibling_support_as_amiras_brother(willow):
    sam = willow.member("Sam Haddad")
    made = willow.book("Amira", "SIBLING_SUPPORT", date(2026, 4, 18), participant_id=str(sam.id))
    assert made.bookings[0].participant_id == sam.id
    assert made.bookings[0].child_id == willow.children["Amira"].id


def test_care_after_death_and_bereavement_support_may_be_booked_for_ellie_after_she_died(willow):
    willow.book("Ellie", "END_OF_LIFE_NIGHT", date(2026, 11, 16), date(2026, 11, 20))
    willow.book("Ellie", "CARE_AFTER_DEATH_NIGHT", date(2026, 11, 20), date(2026, 11, 23))
    grace = willow.member("Grace Thompson")
    made = willow.book("Ellie", "BEREAVEMENT_SUPPORT", date(2026, 12, 10), participant_id=str(grace.id))
    assert made.bookings[0].participant_id == grace.id
    assert willow.count() == (3, 8)


def test_a_coordinator_books_a_stay_on_the_page_and_sees_its_nights(coordinator, willow):
    amira = willow.children["Amira"]
    page = coordinator.get(f"/bookings/new?child_id={amira.id}")
    assert page.status_code == 200 and "Book for Amira Haddad" in page.text
    response = post_form(coordinator, "/bookings/new", {
        "child_id": str(amira.id), "service_id": str(willow.services["SHORT_BREAK_NIGHT"].id),
        "starts_on": "2026-06-15", "ends_on": "2026-06-18", "action": "book"})
    assert response.status_code == 303, response.text
    view = coordinator.get(response.headers["location"])
    assert "Short-break night for Amira Haddad" in view.text
    assert "15 June 2026 to the morning of 18 June 2026 (3 nights)" in view.text
    assert "Requested" in view.text
    listed = coordinator.get(f"/bookings?child_id={amira.id}&status=requested")
    assert "15/06/2026 to 18/06/2026" in listed.text
    assert "Nothing has been booked" not in listed.text
    assert "No booking matches" in coordinator.get("/bookings?status=cancelled").text


def test_a_page_refusal_names_the_field_keeps_the_values_and_writes_nothing(coordinator, willow):
    before = willow.count()
    response = post_form(coordinator, "/bookings/new", {
        "child_id": str(willow.children["Amira"].id), "service_id": str(willow.services["SHORT_BREAK_NIGHT"].id),
        "starts_on": "2026-06-15", "ends_on": "2026-06-12", "notes": "Keep me", "action": "book"})
    assert response.status_code == 422
    assert "Last day must not be before the start" in response.text
    assert "Keep me" in response.text
    assert willow.count() == before


def test_the_api_books_lists_and_reads_a_booking(coordinator, willow):
    created = api(coordinator, "POST", "/api/bookings", json=willow.form("Ben", "SHORT_BREAK_NIGHT", date(2026, 10, 6),
                                                                          date(2026, 10, 9)))
    assert created.status_code == 201, created.text
    booking_id = created.json()["bookings"][0]["id"]
    detail = api(coordinator, "GET", f"/api/bookings/{booking_id}").json()
    assert detail["child_name"] == "Ben Carter" and detail["service_name"] == "Short-break night"
    assert [u["day"] for u in detail["units"]] == ["2026-10-06", "2026-10-07", "2026-10-08"]
    listed = api(coordinator, "GET", f"/api/bookings?child_id={willow.children['Ben'].id}&first=2026-10-01").json()
    assert [b["id"] for b in listed] == [booking_id]
    assert api(coordinator, "GET", "/api/bookings?first=2026-11-01").json() == []


def test_confirm_and_cancel_with_a_reason(coordinator, willow):
    booking = willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 7), date(2026, 9, 9)).bookings[0]
    confirmed = api(coordinator, "POST", f"/api/bookings/{booking.id}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = api(coordinator, "POST", f"/api/bookings/{booking.id}/confirm")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status"
    cancelled = api(coordinator, "POST", f"/api/bookings/{booking.id}/cancel", json={"reason": "family_cancelled"})
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "family_cancelled"
    assert {u["status"] for u in body["units"]} == {"cancelled"}
    bad = api(coordinator, "POST", f"/api/bookings/{booking.id}/cancel", json={"reason": "bored"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"


def test_confirm_and_cancel_on_the_booking_page(coordinator, willow):
    booking = willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 7), date(2026, 9, 9)).bookings[0]
    assert post_form(coordinator, f"/bookings/{booking.id}/confirm").status_code == 303
    assert "Confirmed" in coordinator.get(f"/bookings/{booking.id}?confirmed=1").text
    missing = post_form(coordinator, f"/bookings/{booking.id}/cancel", {})
    assert missing.status_code == 422 and "Reason is required" in missing.text
    done = post_form(coordinator, f"/bookings/{booking.id}/cancel", {"reason": "hospital_admission"})
    assert done.status_code == 303
    page = coordinator.get(f"/bookings/{booking.id}")
    assert "Cancelled – hospital admission" in page.text


def test_finance_reads_bookings_but_cannot_book(client, willow, make_user):
    booking = willow.book("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 7), date(2026, 9, 9)).bookings[0]
    sign_in(client, make_user("finance"))
    assert client.get(f"/bookings/{booking.id}").status_code == 200
    assert client.get("/bookings").status_code == 200
    day_care = willow.form("Dev", "DAY_CARE", date(2026, 9, 14))
    assert api(client, "POST", "/api/bookings", json=day_care).status_code == 403
    assert post_form(client, f"/bookings/{booking.id}/confirm").status_code == 403


def test_a_bad_filter_on_the_list_is_refused_naming_it(coordinator, willow):
    response = coordinator.get("/bookings?first=31/02/2026")
    assert response.status_code == 422 and "First" in response.text


# --- bad input: one named test each --------------------------------------------------------------------------------


def test_overlapping_stays_for_one_child_are_refused(willow):
    willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 20), date(2026, 4, 24))
    message = refused(willow, "starts_on", "Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 23), date(2026, 4, 25))
    assert message == ("overlaps Amira Haddad's short-break night stay from 20/04/2026 to 24/04/2026 "
                       "(the night of 23/04/2026)")
    willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 24), date(2026, 4, 25))  # the morning she leaves is free


def test_beds_over_capacity_on_any_night_are_refused(willow):
    others = [c for c in willow.db.exec(select(Child).where(Child.status == "active")).all()
              if c.id not in {k.id for k in willow.children.values()}][:8]
    for child in others:
        with unit_of_work(willow.db):
            bookings.create_booking(willow.db, {"child_id": str(child.id),
                                                "service_id": str(willow.services["SHORT_BREAK_NIGHT"].id),
                                                "starts_on": "2026-05-05", "ends_on": "2026-05-06"})
    message = refused(willow, "starts_on", "Amira", "SHORT_BREAK_NIGHT", date(2026, 5, 4), date(2026, 5, 7))
    assert message == "has no bed free on the night of 05/05/2026: 8 of 8 beds for short-break night are booked"


def test_group_places_over_capacity_are_refused(willow):
    others = [c for c in willow.db.exec(select(Child).where(Child.status == "active")).all()
              if c.id not in {k.id for k in willow.children.values()}][:6]
    for child in others:
        with unit_of_work(willow.db):
            bookings.create_booking(willow.db, {"child_id": str(child.id),
                                                "service_id": str(willow.services["DAY_CARE"].id),
                                                "starts_on": "2026-05-12"})
    message = refused(willow, "starts_on", "Dev", "DAY_CARE", date(2026, 5, 12))
    assert message == "has no place free on 12/05/2026: 6 of 6 places in day care are booked"
    roster = [e.child.display_name for e in queries.list_bookings(willow.db, service_id=willow.services["DAY_CARE"].id,
                                                                    first=date(2026, 5, 12), last=date(2026, 5, 12))]
    assert len(roster) == 6


def test_a_sibling_in_a_service_only_for_the_ill_child_is_refused(willow):
    sam = willow.member("Sam Haddad")
    message = refused(willow, "participant_id", "Amira", "HYDROTHERAPY", date(2026, 5, 6), participant_id=str(sam.id))
    assert message == "Hydrotherapy session is for the child only, not for a sibling"


def test_someone_who_is_not_this_childs_sibling_is_refused(willow):
    grace, leila = willow.member("Grace Thompson"), willow.member("Leila Haddad")
    message = refused(willow, "participant_id", "Amira", "SIBLING_SUPPORT", date(2026, 4, 18),
                      participant_id=str(grace.id))
    assert message == "must be a brother or sister of Amira Haddad"
    refused(willow, "participant_id", "Amira", "SIBLING_SUPPORT", date(2026, 4, 18), participant_id=str(leila.id))


def test_a_booking_for_a_child_who_has_died_is_refused(willow):
    message = refused(willow, "child_id", "Ellie", "SHORT_BREAK_NIGHT", date(2026, 11, 25), date(2026, 11, 27))
    assert message == ("Ellie Thompson died on 20/11/2026: only care after death and bereavement support can be "
                       "booked from that day")
    refused(willow, "child_id", "Ellie", "END_OF_LIFE_NIGHT", date(2026, 11, 18), date(2026, 11, 22))
    refused(willow, "child_id", "Ellie", "HYDROTHERAPY", date(2026, 11, 20))


def test_zero_or_negative_quantities_are_refused(willow):
    assert refused(willow, "quantity", "Amira", "HYDROTHERAPY", date(2026, 5, 6), quantity=0) == "must be at least 1"
    assert refused(willow, "quantity", "Amira", "DAY_CARE", date(2026, 5, 6), quantity=-2) == "must be at least 1"
    assert refused(willow, "quantity", "Amira", "SHORT_BREAK_NIGHT", date(2026, 5, 6), date(2026, 5, 8),
                   quantity=2) == "must be 1: a stay takes one bed a night"


def test_zero_or_negative_hours_are_refused(willow):
    message = refused(willow, "end_time", "Amira", "CARE_AT_HOME", date(2026, 10, 6), start_time="10:00",
                      end_time="10:00")
    assert message == "must be after the start: zero or negative hours cannot be booked"
    refused(willow, "end_time", "Amira", "CARE_AT_HOME", date(2026, 10, 6), start_time="10:00", end_time="09:00")
    assert refused(willow, "start_time", "Amira", "CARE_AT_HOME", date(2026, 10, 6), start_time="10:30",
                   end_time="12:00") == "must be on the hour: hours are booked in whole hours"


def test_an_end_before_a_start_is_refused(willow):
    assert refused(willow, "ends_on", "Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 24),
                   date(2026, 4, 20)) == "must not be before the start"
    assert refused(willow, "ends_on", "Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 24), date(2026, 4, 24)) == (
        "must be after the first night: a stay ends on the morning after its last night")


def test_a_recurrence_that_would_create_more_than_400_bookings_is_refused(willow):
    message = refused(willow, "repeat_until", "Amira", "HYDROTHERAPY", date(2026, 5, 4), repeat_until="2029-12-31",
                      repeat_weekdays=[0, 2, 4])
    assert message == "would make more than 400 bookings; choose an earlier end date or fewer days"


def test_a_booking_rules_breach_is_refused_without_a_named_override(willow):
    for first, last in [((4, 20), (4, 27)), ((6, 15), (6, 22)), ((8, 17), (8, 21))]:
        willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, *first), date(2026, *last))
    message = refused(willow, "override_by", "Amira", "SHORT_BREAK_NIGHT", date(2026, 10, 19), date(2026, 10, 22))
    assert message == ("is needed to go beyond the booking rules: Short-break night allows 20 nights a year; with this "
                       "booking there would be 21 in 2026/27 (18 booked already).")
    assert refused(willow, "override_reason", "Amira", "SHORT_BREAK_NIGHT", date(2026, 10, 19), date(2026, 10, 22),
                   override_by="Dr Okafor") == "is required with an override: say why"
    made = willow.book("Amira", "SHORT_BREAK_NIGHT", date(2026, 10, 19), date(2026, 10, 22), override_by="Dr Okafor",
                       override_reason="Emergency respite: Leila in hospital")
    assert (made.bookings[0].override_by, made.bookings[0].override_reason) == (
        "Dr Okafor", "Emergency respite: Leila in hospital")


def test_bad_input_through_the_api_names_the_field(coordinator, willow):
    before = willow.count()
    response = api(coordinator, "POST", "/api/bookings",
                   json=willow.form("Amira", "HYDROTHERAPY", date(2026, 5, 6), quantity=0))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "quantity", "message": "must be at least 1"}]
    unknown = api(coordinator, "POST", "/api/bookings", json={**willow.form("Amira", "HYDROTHERAPY", date(2026, 5, 6)),
                                                             "colour": "blue"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "colour"
    assert willow.count() == before
