"""DOMAIN.md §10 from the coordinator's side: every scenario booked, previewed, confirmed and marked through the API.

Willow starts with its children and their funding but no care. A coordinator books each stay and session of
2026/27 as the demo's diary has them, reads who would pay before confirming, confirms, and marks attendance
(Amira unwell on 12 January; the hydrotherapy of 4 November first marked delivered, then corrected to a
hospital admission). The charges that result are the readable snapshot of the demo, line for line.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from provider.catalogue.models import Service
from provider.charges import report
from provider.people.models import Child, FamilyMember
from tests.conftest import api, sign_in, demo_once_per_module

SNAPSHOT = Path(__file__).parent / "snapshots" / "allocations_2026_27.txt"
YEAR = (date(2026, 4, 1), date(2027, 3, 31))
SCENARIO_CHILDREN = ("Amira", "Benjamin", "Chloe", "Dev", "Eleanor")


demo_connection, connection = demo_once_per_module(care=False)


@pytest.fixture
def willow(db):
    return db


class Coordinator:
    """Books through the API as a care coordinator would, checking each answer."""

    def __init__(self, client, db):
        self.client, self.db = client, db
        self.children = {c.first_name: c for c in db.exec(select(Child))}
        self.services = {s.code: s for s in db.exec(select(Service))}

    def member(self, name: str) -> FamilyMember:
        return self.db.exec(select(FamilyMember).where(FamilyMember.name == name)).one()

    def form(self, first_name: str, code: str, first: date, nights: int | None = None,
             participant: FamilyMember | None = None) -> dict:
        data = {"child_id": str(self.children[first_name].id), "service_id": str(self.services[code].id),
                "starts_on": first.isoformat()}
        if nights is not None:
            data["ends_on"] = (first + timedelta(days=nights)).isoformat()
        if participant is not None:
            data["participant_id"] = str(participant.id)
        return data

    def preview(self, form: dict) -> dict:
        response = api(self.client, "POST", "/api/bookings/preview", json=form)
        assert response.status_code == 200, response.text
        assert response.json()["refusals"] == []
        return response.json()

    def book(self, form: dict) -> dict:
        """Preview, book, confirm; returns the confirmed booking."""
        self.preview(form)
        made = api(self.client, "POST", "/api/bookings", json=form)
        assert made.status_code == 201, made.text
        [booking] = made.json()["bookings"]
        confirmed = api(self.client, "POST", f"/api/bookings/{booking['id']}/confirm")
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "confirmed"
        return confirmed.json()

    def deliver(self, booking: dict) -> dict:
        response = api(self.client, "POST", f"/api/bookings/{booking['id']}/attendance", json={"status": "delivered"})
        assert response.status_code == 200, response.text
        return response.json()

    def mark_unit(self, unit_id: str, **mark) -> dict:
        response = api(self.client, "POST", f"/api/booking-units/{unit_id}/attendance", json=mark)
        assert response.status_code == 200, response.text
        return response.json()


def payers(preview: dict) -> list[list[tuple[str, int]]]:
    return [[(p["payer_name"], p["pence"]) for p in line["parts"]] for line in preview["lines"]]


def test_every_scenario_booked_confirmed_and_marked_through_the_api_gives_the_demos_charges(client, make_user,
                                                                                            willow):
    coordinator = Coordinator(sign_in(client, make_user("coordinator")), willow)
    sam, grace = coordinator.member("Sam Haddad"), coordinator.member("Grace Thompson")
    bookings: dict[tuple[str, str, date], dict] = {}

    def book(first_name, code, first, nights=None, participant=None):
        booking = coordinator.book(coordinator.form(first_name, code, first, nights, participant))
        bookings[(first_name, code, first)] = booking
        return booking

    # Scenario 1: Amira's short breaks; the block allowance of 14 nights, then her ISF.
    for first, nights in [(date(2026, 4, 20), 4), (date(2026, 6, 15), 3), (date(2026, 8, 17), 4),
                          (date(2026, 10, 19), 3), (date(2027, 1, 11), 2)]:
        book("Amira", "SHORT_BREAK_NIGHT", first, nights)
    # Scenario 2: Sam's sibling support, six a year from the ISF.
    for day in ["2026-04-18", "2026-05-16", "2026-06-20", "2026-07-18", "2026-09-19", "2026-10-17", "2026-11-21",
                "2026-12-12", "2027-01-16", "2027-02-20"]:
        book("Amira", "SIBLING_SUPPORT", date.fromisoformat(day), participant=sam)
    # Scenario 3: hydrotherapy from Leila's direct payment.
    for day in ["2026-05-06", "2026-06-03", "2026-07-01", "2026-07-29", "2026-09-09", "2026-10-07", "2026-11-04",
                "2026-12-02", "2027-02-03"]:
        book("Amira", "HYDROTHERAPY", date.fromisoformat(day))
    # Scenarios 4, 5, 7 and 8: Ben's spot package, Chloe's nominee, Dev's council budget, Ellie's care.
    book("Benjamin", "SHORT_BREAK_NIGHT", date(2026, 10, 6), 3)
    for day in [3, 5, 7, 10, 12, 14, 17, 19, 21]:
        book("Chloe", "HYDROTHERAPY", date(2026, 8, day))
    book("Dev", "SHORT_BREAK_NIGHT", date(2026, 9, 7), 2)
    book("Eleanor", "END_OF_LIFE_NIGHT", date(2026, 11, 16), 4)
    book("Eleanor", "CARE_AFTER_DEATH_NIGHT", date(2026, 11, 20), 3)
    for day in [date(2026, 12, 10), date(2027, 1, 14), date(2027, 2, 11), date(2027, 3, 11)]:
        book("Eleanor", "BEREAVEMENT_SUPPORT", day, participant=grace)

    # Attendance: everything delivered but Amira's 12 January night (unwell).
    january = bookings[("Amira", "SHORT_BREAK_NIGHT", date(2027, 1, 11))]
    for key, booking in bookings.items():
        if booking is not january:
            assert coordinator.deliver(booking)["status"] == "delivered"
    coordinator.mark_unit(january["units"][0]["id"], status="delivered")
    marked = coordinator.mark_unit(january["units"][1]["id"], status="cancelled", cancel_reason="child_unwell")
    assert [(u["status"], u["cancel_reason"]) for u in marked["units"]] == [("delivered", None),
                                                                           ("cancelled", "child_unwell")]

    # Before booking Amira's March night the coordinator sees it falls to her ISF: the 14 nights are used.
    march = coordinator.form("Amira", "SHORT_BREAK_NIGHT", date(2027, 3, 15), 1)
    assert payers(coordinator.preview(march)) == [[("Amira's ISF", 65000)]]
    coordinator.deliver(book("Amira", "SHORT_BREAK_NIGHT", date(2027, 3, 15), 1))

    # Scenario 6: the 4 November session was a hospital day after all.
    hospital = bookings[("Amira", "HYDROTHERAPY", date(2026, 11, 4))]
    corrected = coordinator.mark_unit(hospital["units"][0]["id"], status="cancelled",
                                      cancel_reason="hospital_admission")
    assert corrected["status"] == "cancelled" and corrected["cancel_reason"] == "hospital_admission"

    # Sam's seventh session, had it been booked again, would fall to the appeal: his six are used.
    seventh = coordinator.form("Amira", "SIBLING_SUPPORT", date(2027, 3, 20), participant=sam)
    assert [[payer for payer, _ in line] for line in payers(coordinator.preview(seventh))] == [
        ["Sibling Support Appeal"]]

    # Finance: nothing to recalculate, and the year's charges are the demo's, line for line.
    finance = make_user("finance")
    sign_in(client, finance)
    for month in [f"2026-{m:02d}" for m in range(4, 13)] + [f"2027-{m:02d}" for m in range(1, 4)]:
        dry_run = api(client, "POST", "/api/charges/recalculate", json={"month": month})
        assert dry_run.status_code == 200, dry_run.text
        assert (dry_run.json()["applied"], dry_run.json()["differences"]) == (False, [])
    willow.expire_all()
    scenario = {c.id for c in willow.exec(select(Child).where(Child.first_name.in_(SCENARIO_CHILDREN)))}
    assert report.snapshot(willow, *YEAR, scenario) == SNAPSHOT.read_text()
