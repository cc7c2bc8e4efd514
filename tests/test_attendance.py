"""Attendance per unit, per booking and for a day's list; each change reaches the charges in the same transaction."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from provider.bookings import attendance, queries
from provider.bookings.models import BookingStatus, BookingUnit, UnitStatus
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.db import unit_of_work
from provider.errors import FieldErrors
from tests.conftest import api, post_form, sign_in
from tests.test_bookings import coordinator, willow  # noqa: F401  (fixtures)


def paid(db, unit: BookingUnit) -> list[tuple[str, int]]:
    """Who pays for the unit's current charge, and how much: empty when nobody is charged."""
    query = (select(ChargePart).join(Charge, Charge.id == ChargePart.charge_id)
             .where(Charge.unit_id == unit.id, Charge.state == ChargeState.current).order_by(ChargePart.position))
    return [(p.payer_name, p.pence) for p in db.exec(query)]


def units(willow, booking) -> list[BookingUnit]:
    return queries.units_of(willow.db, booking)


def test_each_of_bens_nights_marked_delivered_is_charged_to_riverside_at_the_contract_rate(coordinator, willow):
    booking = willow.booked("Ben", "SHORT_BREAK_NIGHT", date(2026, 10, 6), date(2026, 10, 9))
    first = units(willow, booking)[0]
    response = api(coordinator, "POST", f"/api/booking-units/{first.id}/attendance", json={"status": "delivered"})
    assert response.status_code == 200, response.text
    assert [u["status"] for u in response.json()["units"]] == ["delivered", "booked", "booked"]
    assert response.json()["status"] == "confirmed"
    willow.db.expire_all()
    assert paid(willow.db, first) == [("Riverside ICB", 72000)]
    assert paid(willow.db, units(willow, booking)[1]) == []


def test_a_whole_booking_marked_delivered_is_delivered_and_paid_by_the_northshire_block(coordinator, willow):
    booking = willow.booked("Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 20), date(2026, 4, 24))
    response = api(coordinator, "POST", f"/api/bookings/{booking.id}/attendance", json={"status": "delivered"})
    assert response.json()["status"] == "delivered"
    willow.db.expire_all()
    assert [paid(willow.db, u) for u in units(willow, booking)] == [
        [("Northshire County Council, Children's Social Care", 0)]] * 4


def test_a_night_amira_misses_because_she_is_unwell_is_charged_to_nobody(coordinator, willow):
    booking = willow.booked("Amira", "SHORT_BREAK_NIGHT", date(2027, 1, 11), date(2027, 1, 13))
    eleventh, twelfth = units(willow, booking)
    api(coordinator, "POST", f"/api/booking-units/{eleventh.id}/attendance", json={"status": "delivered"})
    response = api(coordinator, "POST", f"/api/booking-units/{twelfth.id}/attendance",
                   json={"status": "cancelled", "cancel_reason": "child_unwell"})
    body = response.json()
    assert body["status"] == "delivered" and body["cancel_reason"] is None
    assert [(u["status"], u["cancel_reason"]) for u in body["units"]] == [("delivered", None),
                                                                         ("cancelled", "child_unwell")]
    willow.db.expire_all()
    assert paid(willow.db, twelfth) == []
    assert len(paid(willow.db, eleventh)) == 1


def test_a_hydrotherapy_session_marked_delivered_in_error_becomes_cancelled_for_a_hospital_admission(coordinator,
                                                                                                     willow):
    booking = willow.booked("Amira", "HYDROTHERAPY", date(2026, 11, 4))
    session, = units(willow, booking)
    api(coordinator, "POST", f"/api/booking-units/{session.id}/attendance", json={"status": "delivered"})
    willow.db.expire_all()
    assert paid(willow.db, session) == [("Leila Haddad", 6000)]
    response = api(coordinator, "POST", f"/api/booking-units/{session.id}/attendance",
                   json={"status": "cancelled", "cancel_reason": "hospital_admission"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "hospital_admission")
    willow.db.expire_all()
    assert paid(willow.db, session) == []
    superseded = willow.db.exec(select(Charge).where(Charge.unit_id == session.id)).one()
    assert superseded.state == ChargeState.superseded
    page = coordinator.get(f"/bookings/{booking.id}")
    assert "Cancelled – hospital admission" in page.text


def test_a_days_list_is_marked_all_at_once_through_the_api(coordinator, willow):
    chloe = willow.booked("Chloe", "HYDROTHERAPY", date(2026, 8, 3))
    dev = willow.booked("Dev", "DAY_CARE", date(2026, 8, 3))
    willow.book("Amira", "HYDROTHERAPY", date(2026, 8, 3))   # still requested: not on the list
    listed = api(coordinator, "GET", "/api/attendance?day=2026-08-03").json()
    assert sorted((e["child_name"], e["service_name"], e["kind"]) for e in listed) == [
        ("Chloe Wilson", "Hydrotherapy session", "session"), ("Dev Patel", "Day care", "day")]
    response = api(coordinator, "POST", "/api/attendance", json={"day": "2026-08-03", "status": "delivered"})
    assert response.status_code == 200 and len(response.json()["marked"]) == 2
    willow.db.expire_all()
    assert paid(willow.db, units(willow, chloe)[0]) == [("Brightway Direct Payment Support (nominee for Chloe)", 6000)]
    assert willow.db.get(type(dev), dev.id).status == BookingStatus.delivered
    again = api(coordinator, "POST", "/api/attendance", json={"day": "2026-08-03", "status": "delivered"})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "day"


def test_a_days_list_marks_each_row_its_own_way_from_the_page(coordinator, willow):
    arriving = willow.booked("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 7), date(2026, 9, 9))
    session = willow.booked("Chloe", "HYDROTHERAPY", date(2026, 9, 7))
    night = units(willow, arriving)[0]
    hydro = units(willow, session)[0]
    response = post_form(coordinator, "/attendance", {
        "day": "2026-09-07", f"status-{night.id}": "delivered", f"status-{hydro.id}": "did_not_attend"})
    assert response.status_code == 303
    assert response.headers["location"] == "/today?day=2026-09-07&marked=2"
    willow.db.expire_all()
    assert (willow.db.get(BookingUnit, night.id).status, willow.db.get(BookingUnit, hydro.id).status) == (
        UnitStatus.delivered, UnitStatus.did_not_attend)
    assert willow.db.get(type(session), session.id).status == BookingStatus.did_not_attend


def test_marking_from_the_booking_page_returns_to_it(coordinator, willow):
    booking = willow.booked("Chloe", "HYDROTHERAPY", date(2026, 8, 5))
    unit = units(willow, booking)[0]
    response = post_form(coordinator, "/attendance", {"unit_id": str(unit.id), "status": "delivered",
                                                      "next": f"/bookings/{booking.id}"})
    assert response.headers["location"] == f"/bookings/{booking.id}?marked=1"
    assert "Attendance saved" in coordinator.get(response.headers["location"]).text
    offsite = post_form(coordinator, "/attendance", {"unit_id": str(unit.id), "status": "delivered",
                                                     "next": "//evil.example/"})
    assert offsite.headers["location"].startswith("/today?day=")


def test_a_cancellation_without_a_reason_is_refused_and_nothing_changes(coordinator, willow):
    booking = willow.booked("Chloe", "HYDROTHERAPY", date(2026, 8, 5))
    unit = units(willow, booking)[0]
    response = api(coordinator, "POST", f"/api/booking-units/{unit.id}/attendance", json={"status": "cancelled"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "cancel_reason", "message": "is required when cancelling: say why"}]
    page = post_form(coordinator, "/attendance", {"unit_id": str(unit.id), "status": "cancelled", "day": "2026-08-05"})
    assert page.status_code == 422 and "is required when cancelling" in page.text
    willow.db.expire_all()
    assert willow.db.get(BookingUnit, unit.id).status == UnitStatus.booked


def test_a_day_still_to_come_cannot_be_marked_delivered(willow):
    booking = willow.booked("Chloe", "HYDROTHERAPY", date(2027, 5, 5))
    with pytest.raises(FieldErrors) as caught, unit_of_work(willow.db):
        attendance.mark_unit(willow.db, units(willow, booking)[0], {"status": "delivered"})
    assert caught.value.errors == {"status": "cannot be marked for 05/05/2027 yet: it is still to come (only a "
                                             "cancellation can be marked ahead)"}


def test_a_requested_booking_must_be_confirmed_before_attendance(willow):
    booking = willow.book("Chloe", "HYDROTHERAPY", date(2026, 8, 5)).bookings[0]
    with pytest.raises(FieldErrors) as caught, unit_of_work(willow.db):
        attendance.mark_booking(willow.db, booking, {"status": "delivered"})
    assert caught.value.errors == {"status": "cannot be marked for 05/08/2026: the booking is not confirmed yet"}


def test_an_unknown_unit_in_a_days_marks_is_named(coordinator, willow):
    booking = willow.booked("Chloe", "HYDROTHERAPY", date(2026, 8, 5))
    good = units(willow, booking)[0]
    response = api(coordinator, "POST", "/api/attendance", json={"marks": [
        {"unit_id": str(good.id), "status": "delivered"},
        {"unit_id": "00000000-0000-4000-8000-000000000000", "status": "delivered"}]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "marks.1.unit_id", "message": "is not a known night or session"}]
    willow.db.expire_all()
    assert willow.db.get(BookingUnit, good.id).status == UnitStatus.booked


def test_finance_cannot_mark_attendance(client, willow, make_user):
    booking = willow.booked("Chloe", "HYDROTHERAPY", date(2026, 8, 5))
    sign_in(client, make_user("finance"))
    unit = units(willow, booking)[0]
    assert api(client, "POST", f"/api/booking-units/{unit.id}/attendance", json={"status": "delivered"}).status_code \
        == 403
    assert post_form(client, "/attendance", {"unit_id": str(unit.id), "status": "delivered"}).status_code == 403


def _charged(db, child) -> dict[str, list[int]]:
    query = (select(ChargePart).join(Charge, Charge.id == ChargePart.charge_id)
             .where(Charge.child_id == child.id, Charge.state == ChargeState.current))
    totals: dict[str, list[int]] = {}
    for part in db.exec(query):
        entry = totals.setdefault(part.payer_name, [0, 0, 0])
        entry[0] += part.units
        entry[1] += part.pence
        entry[2] += part.memorandum_pence
    return totals


def test_chloes_nine_august_sessions_booked_as_a_series_confirmed_and_marked_come_to_540_pounds(coordinator, willow):
    made = api(coordinator, "POST", "/api/bookings", json=willow.form(
        "Chloe", "HYDROTHERAPY", date(2026, 8, 3), repeat_weekdays=[0, 2, 4], repeat_until="2026-08-21"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert [b["starts_on"][-2:] for b in body["bookings"]] == ["03", "05", "07", "10", "12", "14", "17", "19", "21"]
    assert body["repeat"] == "Every Monday, Wednesday and Friday, from 3 August 2026 until 21 August 2026"
    for booking in body["bookings"]:
        assert api(coordinator, "POST", f"/api/bookings/{booking['id']}/confirm").status_code == 200
        marked = api(coordinator, "POST", f"/api/bookings/{booking['id']}/attendance", json={"status": "delivered"})
        assert marked.json()["status"] == "delivered"
    willow.db.expire_all()
    assert _charged(willow.db, willow.children["Chloe"]) == {
        "Brightway Direct Payment Support (nominee for Chloe)": [9, 54000, 0]}


def test_ellies_end_of_life_care_and_care_after_death_are_free_to_her_family(coordinator, willow):
    for code, first, last in [("END_OF_LIFE_NIGHT", "2026-11-16", "2026-11-20"),
                              ("CARE_AFTER_DEATH_NIGHT", "2026-11-20", "2026-11-23")]:
        made = api(coordinator, "POST", "/api/bookings", json=willow.form("Ellie", code, date.fromisoformat(first),
                                                                         date.fromisoformat(last)))
        booking_id = made.json()["bookings"][0]["id"]
        api(coordinator, "POST", f"/api/bookings/{booking_id}/confirm")
        assert api(coordinator, "POST", f"/api/bookings/{booking_id}/attendance",
                   json={"status": "delivered"}).json()["status"] == "delivered"
    willow.db.expire_all()
    charged = _charged(willow.db, willow.children["Ellie"])
    assert sum(pence for _, pence, _ in charged.values()) == 0
    assert sum(full for _, _, full in charged.values()) == 560000 + 270000


def test_the_whole_days_list_is_marked_at_once_from_the_page(coordinator, willow):
    willow.booked("Chloe", "HYDROTHERAPY", date(2026, 8, 10))
    willow.booked("Dev", "DAY_CARE", date(2026, 8, 10))
    response = post_form(coordinator, "/attendance", {"day": "2026-08-10", "status": "delivered",
                                                      "next": "/today?day=2026-08-10"})
    assert response.status_code == 303
    assert response.headers["location"] == "/today?day=2026-08-10&marked=2"
    assert {e.unit.status for e in queries.day_list(willow.db, date(2026, 8, 10))} == {UnitStatus.delivered}


def _riverside_charges_cancellations(db) -> None:
    from provider.funders.models import Funder

    with unit_of_work(db):
        riverside = db.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
        riverside.charges_cancellations = True
        db.add(riverside)


def test_a_family_cancelling_a_confirmed_night_is_charged_to_a_funder_that_pays_for_cancellations(coordinator,
                                                                                                 willow):
    _riverside_charges_cancellations(willow.db)
    booking = willow.booked("Ben", "SHORT_BREAK_NIGHT", date(2026, 10, 6), date(2026, 10, 7))
    response = api(coordinator, "POST", f"/api/bookings/{booking.id}/cancel", json={"reason": "family_cancelled"})
    assert response.status_code == 200, response.text
    willow.db.expire_all()
    assert paid(willow.db, units(willow, booking)[0]) == [("Riverside ICB", 72000)]


def test_a_family_withdrawing_a_request_never_confirmed_is_charged_nothing(coordinator, willow):
    _riverside_charges_cancellations(willow.db)
    booking = willow.book("Ben", "SHORT_BREAK_NIGHT", date(2026, 10, 6), date(2026, 10, 7)).bookings[0]
    response = api(coordinator, "POST", f"/api/bookings/{booking.id}/cancel", json={"reason": "family_cancelled"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    willow.db.expire_all()
    assert paid(willow.db, units(willow, booking)[0]) == []
    assert willow.db.exec(select(Charge).where(Charge.unit_id == units(willow, booking)[0].id)).all() == []


def test_marking_attendance_with_nothing_sent_is_refused_in_words_not_a_server_error(client, willow, make_user):
    sign_in(client, make_user("coordinator"))
    empty = api(client, "POST", "/attendance")   # no form at all: only the security token, in its header
    assert empty.status_code == 422 and "Attendance not saved" in empty.text
