"""Who pays, before confirming: per night or session each payer, the amount, and what is left afterwards."""
from __future__ import annotations

from datetime import date

from sqlmodel import select

from provider.bookings import planning
from provider.db import unit_of_work
from provider.funding.models import Arrangement
from tests.conftest import api, post_form
from tests.test_bookings import coordinator, willow  # noqa: F401  (fixtures)

NORTHSHIRE = "Northshire County Council, Children's Social Care"


def test_the_api_previews_bens_three_nights_at_riverside_without_saving(coordinator, willow):
    before = willow.count()
    response = api(coordinator, "POST", "/api/bookings/preview",
                   json=willow.form("Ben", "SHORT_BREAK_NIGHT", date(2026, 10, 6), date(2026, 10, 9)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(line["day"], [(p["payer_name"], p["amount"]) for p in line["parts"]]) for line in body["lines"]] == [
        ("2026-10-06", [("Riverside ICB", "£720.00")]), ("2026-10-07", [("Riverside ICB", "£720.00")]),
        ("2026-10-08", [("Riverside ICB", "£720.00")])]
    assert body["payers"][0]["amount"] == "£2,160.00" and body["payers"][0]["units"] == 3
    assert body["hard_limits"] == [] and body["refusals"] == []
    assert willow.count() == before


def test_amiras_fifteenth_and_sixteenth_nights_fall_to_her_isf_and_show_what_is_left(willow):
    for first, last in [((4, 20), (4, 24)), ((6, 15), (6, 18)), ((8, 17), (8, 21)), ((10, 19), (10, 22))]:
        willow.booked("Amira", "SHORT_BREAK_NIGHT", date(2026, *first), date(2026, *last))
    shown = planning.preview_booking(willow.db, willow.form("Amira", "SHORT_BREAK_NIGHT", date(2027, 1, 11),
                                                            date(2027, 1, 13)))
    assert [[(p["payer_name"], p["pence"]) for p in line["parts"]] for line in shown["lines"]] == [
        [("Amira's ISF", 65000)], [("Amira's ISF", 65000)]]
    assert [line["parts"][0]["left"] for line in shown["lines"]][-1] != ""
    assert shown["payers"] == [{"payer_name": "Amira's ISF", "pence": 130000, "units": 2, "amount": "£1,300.00",
                                "left": shown["lines"][-1]["parts"][0]["left"]}]


def test_a_confirmed_booking_shows_who_pays_for_what_is_still_booked(coordinator, willow):
    booking = willow.booked("Amira", "SHORT_BREAK_NIGHT", date(2026, 4, 20), date(2026, 4, 24))
    body = api(coordinator, "GET", f"/api/bookings/{booking.id}/who-pays").json()
    assert [p["payer_name"] for line in body["lines"] for p in line["parts"]] == [NORTHSHIRE] * 4
    assert "of this child's allowance left" in body["lines"][0]["parts"][0]["left"]
    page = coordinator.get(f"/bookings/{booking.id}")
    assert "Who will pay, night by night" in page.text and NORTHSHIRE.replace("'", "&#39;") in page.text


def test_the_booking_page_shows_who_pays_before_booking(coordinator, willow):
    ben = willow.children["Ben"]
    before = willow.count()
    page = post_form(coordinator, "/bookings/new", {
        "child_id": str(ben.id), "service_id": str(willow.services["SHORT_BREAK_NIGHT"].id),
        "starts_on": "2026-10-06", "ends_on": "2026-10-09", "action": "preview"})
    assert page.status_code == 200
    assert "Before you book" in page.text and "£720.00" in page.text and "£2,160.00" in page.text
    assert willow.count() == before


def test_a_hard_limit_needs_a_named_override_to_confirm(coordinator, willow):
    spot = willow.db.exec(select(Arrangement).where(Arrangement.po_number == "RIV-PO-55012")).one()
    with unit_of_work(willow.db):
        spot.cap_units, spot.hard_limit = 2, True
        willow.db.add(spot)
    booking = willow.book("Ben", "SHORT_BREAK_NIGHT", date(2026, 10, 6), date(2026, 10, 9)).bookings[0]
    who = api(coordinator, "GET", f"/api/bookings/{booking.id}/who-pays").json()
    assert who["hard_limits"] and who["hard_limits"][0].startswith("08/10/2026:")
    refused = api(coordinator, "POST", f"/api/bookings/{booking.id}/confirm")
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "override_by"
    assert error["message"].startswith("is needed to go beyond a funding arrangement's hard limit: 08/10/2026:")
    page = post_form(coordinator, f"/bookings/{booking.id}/confirm", {"override_by": "Dr Okafor"})
    assert page.status_code == 422 and "Reason for the override is required with an override" in page.text
    done = api(coordinator, "POST", f"/api/bookings/{booking.id}/confirm",
               json={"override_by": "Dr Okafor", "override_reason": "Emergency: family crisis"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["override_by"], done.json()["override_reason"]) == (
        "confirmed", "Dr Okafor", "Emergency: family crisis")
