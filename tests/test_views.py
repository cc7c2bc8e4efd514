"""Issue 4, part 7: beds by night, the day's list, a child's bookings with funding used and left, block contracts.

Everything runs on Willow's demo for 2026/27 (DOMAIN.md §10), its clock at 10 April 2027.
"""
from __future__ import annotations

import html
import re
import uuid
from datetime import date, datetime, timedelta, UTC
from fractions import Fraction

import pytest
from sqlmodel import select

from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from provider.funders.models import Funder
from provider.money import format_gbp, round_pence
from provider.people.models import Child
from tests.conftest import api, csrf_token, sign_in, demo_once_per_module


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def child(db, first_name: str) -> Child:
    return db.exec(select(Child).where(Child.first_name == first_name)).one()


def service(db, code: str) -> Service:
    return db.exec(select(Service).where(Service.code == code)).one()


def page_text(response) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


@pytest.fixture
def coordinator(client, make_user):
    return sign_in(client, make_user("coordinator"))


@pytest.fixture
def finance(client, make_user):
    return sign_in(client, make_user("finance"))


def _usage(client, first_name_id: uuid.UUID, **params) -> dict[str, dict]:
    response = api(client, "GET", f"/api/children/{first_name_id}/usage", params=params)
    assert response.status_code == 200, response.text
    return {a["name"]: a for a in response.json()["arrangements"]}


# ---------------------------------------------------------------------------------------------------------------
# A child's arrangements: used and remaining


def test_amiras_isf_shows_1510_spent_of_2925_with_1415_left_for_2026_27(willow, coordinator):
    amira = child(willow, "Amira")
    isf = _usage(coordinator, amira.id)["Amira's ISF (Northshire social care)"]
    assert (isf["year"], isf["used_pence"], isf["cap_pence"], isf["remaining_pence"]) == ("2026/27", 151000, 292500,
                                                                                          141500)
    assert (isf["used"], isf["remaining"]) == ("£1,510.00", "£1,415.00")
    text = page_text(coordinator.get(f"/children/{amira.id}/bookings"))
    assert "Amira's ISF (Northshire social care) Personal budget · paid by Amira's ISF 2026/27" in text
    assert "8 units £1,510.00 0 units £0.00 £2,925.00 £1,415.00" in text


def test_amiras_isf_has_used_all_six_sibling_sessions_it_allows(willow, coordinator):
    isf = _usage(coordinator, child(willow, "Amira").id)["Amira's ISF (Northshire social care)"]
    assert [(c["service_name"], c["cap_units"], c["used_units"], c["remaining_units"]) for c in isf["service_caps"]] \
        == [("Sibling support session", 6, 6, 0)]


def test_amiras_block_allowance_shows_all_14_nights_used(willow, coordinator):
    found = _usage(coordinator, child(willow, "Amira").id)
    block = found["Northshire County Council block contract NCC-SB-2627"]
    assert (block["kind"], block["used_units"], block["cap_units"], block["remaining_units"], block["used_pence"]) \
        == ("block", 14, 14, 0, 0)
    assert found["Leila's direct payment (Riverside PHB)"]["used"] == "£480.00"


def test_bens_package_shows_3_of_20_nights_and_what_is_left_on_the_purchase_order(willow, coordinator):
    package = _usage(coordinator, child(willow, "Benjamin").id)["Ben's continuing-care package (Riverside ICB)"]
    assert (package["used_units"], package["cap_units"], package["remaining_units"], package["used"]) \
        == (3, 20, 17, "£2,160.00")
    [order] = package["limits"]
    assert (order["label"], order["cap_pence"], order["used_pence"], order["remaining"]) \
        == ("purchase order RIV-PO-55012", 1_440_000, 216_000, "£12,240.00")


def _confirmed_night(db, kid: Child, code: str, night: date) -> BookingUnit:
    with unit_of_work(db):
        booking = Booking(child_id=kid.id, service_id=service(db, code).id, starts_on=night,
                          ends_on=night + timedelta(days=1), status=BookingStatus.confirmed,
                          created_at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
                          confirmed_at=datetime(2027, 3, 1, 9, 5, tzinfo=UTC))
        db.add(booking)
        db.flush()
        unit = BookingUnit(booking_id=booking.id, day=night)
        db.add(unit)
    return unit


def test_a_confirmed_night_not_yet_delivered_is_reserved_against_the_isf(willow, coordinator):
    amira = child(willow, "Amira")
    _confirmed_night(willow, amira, "SHORT_BREAK_NIGHT", date(2027, 3, 24))
    isf = _usage(coordinator, amira.id, on="2027-03-01")["Amira's ISF (Northshire social care)"]
    assert (isf["used_pence"], isf["reserved_pence"], isf["remaining_pence"], isf["remaining"]) \
        == (151000, 65000, 76500, "£765.00")
    assert isf["reserved_units"] == 1


def test_the_year_shown_is_the_one_holding_the_day_asked_for(willow, coordinator):
    isf = _usage(coordinator, child(willow, "Amira").id, on="2026-06-30")["Amira's ISF (Northshire social care)"]
    assert isf["year"] == "2026/27"
    assert isf["used_pence"] == 151000  # the whole of the arrangement's year, not up to the day


def test_a_childs_usage_for_an_unreal_day_is_refused_naming_on(willow, coordinator):
    amira = child(willow, "Amira")
    response = api(coordinator, "GET", f"/api/children/{amira.id}/usage", params={"on": "2026-02-30"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "on", "message":
                                          "must be a real date written YYYY-MM-DD, like 2026-11-16"}]
    page = coordinator.get(f"/children/{amira.id}/bookings?on=2026-02-30")
    assert page.status_code == 422
    assert "Year holding must be a real date" in page_text(page)


def test_an_unknown_child_is_not_found(willow, coordinator):
    assert api(coordinator, "GET", f"/api/children/{uuid.uuid4()}/usage").status_code == 404
    assert coordinator.get(f"/children/{uuid.uuid4()}/bookings").status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# A child's bookings with who paid


def test_amiras_bookings_show_who_paid_each_night_and_the_nights_nobody_paid(willow, coordinator):
    text = page_text(coordinator.get(f"/children/{child(willow, 'Amira').id}/bookings"))
    assert "Short-break night, 11/01/2027 to 13/01/2027" in text
    assert "11/01/2027 Delivered Amira's ISF £650.00" in text
    assert "12/01/2027 Cancelled – child unwell Nobody –" in text
    assert "20/04/2026 Delivered Northshire County Council, Children's Social Care £0.00" in text
    assert "04/11/2026 Cancelled – hospital admission Nobody –" in text
    assert "For Sam Haddad" in text
    assert "16/01/2027 Delivered Sibling Support Appeal (charity, full cost £60.00) £35.00" in text


def test_bookings_still_to_come_are_listed_as_upcoming(willow, coordinator):
    amira = child(willow, "Amira")
    _confirmed_night(willow, amira, "SHORT_BREAK_NIGHT", date(2027, 5, 3))
    text = page_text(coordinator.get(f"/children/{amira.id}/bookings"))
    upcoming, past = text.split("Upcoming", 1)[1].split(" Past ", 1)
    assert "Short-break night, 03/05/2027 to 04/05/2027" in upcoming
    assert "03/05/2027 Booked Not yet delivered –" in upcoming
    assert "03/05/2027" not in past


# ---------------------------------------------------------------------------------------------------------------
# Block contracts


def _northshire_block_nights(db, last: date) -> dict[uuid.UUID, int]:
    """Counted from the demo's attendance: each Northshire child's delivered short-break nights, at most 14."""
    northshire = db.exec(select(Funder).where(Funder.name == "Northshire County Council")).one()
    nights = db.exec(select(Booking.child_id, BookingUnit.day).join(BookingUnit, BookingUnit.booking_id == Booking.id)
                     .join(Child, Child.id == Booking.child_id)
                     .where(Child.home_authority_id == northshire.id, BookingUnit.status == UnitStatus.delivered,
                            Booking.service_id == service(db, "SHORT_BREAK_NIGHT").id,
                            BookingUnit.day >= date(2026, 4, 1), BookingUnit.day <= last)).all()
    per_child: dict[uuid.UUID, list[date]] = {}
    for child_id, day in nights:
        per_child.setdefault(child_id, []).append(day)
    return {child_id: min(14, len(days)) for child_id, days in per_child.items()}


def test_the_northshire_block_contract_shows_the_nights_used_of_240(willow, coordinator):
    used = sum(_northshire_block_nights(willow, date(2027, 3, 31)).values())
    assert 14 < used < 240
    [contract] = api(coordinator, "GET", "/api/contracts/usage").json()
    assert (contract["reference"], contract["volume_units"], contract["used_units"], contract["remaining_units"]) \
        == ("NCC-SB-2627", 240, used, 240 - used)
    assert contract["as_of"] == "2027-03-31"  # the contract has ended: counted to its last day
    assert contract["projected_units"] == used
    text = page_text(coordinator.get("/contracts/usage"))
    assert f"Used to 31 March 2027 {used} of 240" in text
    assert f"Remaining {240 - used}" in text
    assert f"{240 - used} would go unused" in text


def test_the_block_contract_projects_the_rate_so_far_to_its_end(willow, coordinator):
    with unit_of_work(willow):
        set_as_of_date(willow, date(2026, 10, 31))
    used = sum(_northshire_block_nights(willow, date(2026, 10, 31)).values())
    days_so_far, days = 214, 365  # 1 April to 31 October 2026; 1 April 2026 to 31 March 2027
    [contract] = api(coordinator, "GET", "/api/contracts/usage").json()
    assert (contract["as_of"], contract["used_units"]) == ("2026-10-31", used)
    assert contract["projected_units"] == round_pence(Fraction(used * days, days_so_far))
    assert contract["expected_to_date_units"] == round_pence(Fraction(240 * days_so_far, days))
    assert f"Projected to 31 March 2027 {contract['projected_units']} of 240" in page_text(
        coordinator.get("/contracts/usage"))


def test_each_childs_allowance_on_the_block_contract(willow, finance):
    counted = _northshire_block_nights(willow, date(2027, 3, 31))
    [contract] = api(finance, "GET", "/api/contracts/usage").json()
    allowances = {a["child_name"]: a for a in contract["children"]}
    amira = allowances["Amira Haddad"]
    assert (amira["allowance_units"], amira["used_units"], amira["remaining_units"]) == (14, 14, 0)
    assert allowances["Ellie Thompson"]["used_units"] == 0  # her care was free, not a short break
    assert {uuid.UUID(a["child_id"]): a["used_units"] for a in contract["children"] if a["used_units"]} == counted
    assert "Amira Haddad 14 0 14 0" in page_text(finance.get("/contracts/usage"))


# ---------------------------------------------------------------------------------------------------------------
# Beds by night


def _short_breaks(client, month: str) -> dict:
    response = api(client, "GET", "/api/occupancy", params={"month": month})
    assert response.status_code == 200, response.text
    [short] = [s for s in response.json()["services"] if s["service_name"] == "Short-break night"]
    return short


def test_october_2026_counts_bens_three_nights(willow, coordinator):
    with_ben = {n["day"]: n["taken"] for n in _short_breaks(coordinator, "2026-10")["nights"]}
    ben = child(willow, "Benjamin")
    with unit_of_work(willow):
        booking = willow.exec(select(Booking).where(Booking.child_id == ben.id)).one()
        booking.status = BookingStatus.cancelled
        willow.add(booking)
    without = {n["day"]: n["taken"] for n in _short_breaks(coordinator, "2026-10")["nights"]}
    assert {day for day in with_ben if with_ben[day] != without[day]} == {"2026-10-06", "2026-10-07", "2026-10-08"}
    assert all(with_ben[day] - without[day] == 1 for day in ("2026-10-06", "2026-10-07", "2026-10-08"))


def test_a_night_cancelled_frees_its_bed(willow, coordinator):
    nights = {n["day"]: n["taken"] for n in _short_breaks(coordinator, "2027-01")["nights"]}
    amira = child(willow, "Amira")
    with unit_of_work(willow):
        unit = willow.exec(select(BookingUnit).join(Booking, Booking.id == BookingUnit.booking_id)
                           .where(Booking.child_id == amira.id, BookingUnit.day == date(2027, 1, 11))).one()
        unit.status = UnitStatus.cancelled
        willow.add(unit)
    after = {n["day"]: n["taken"] for n in _short_breaks(coordinator, "2027-01")["nights"]}
    assert nights["2027-01-11"] - after["2027-01-11"] == 1
    assert nights["2027-01-12"] == after["2027-01-12"]  # already cancelled: she was unwell


def test_the_month_grid_shows_beds_taken_of_capacity_with_totals_and_percentage(willow, finance):
    body = api(finance, "GET", "/api/occupancy", params={"month": "2026-10"}).json()
    short = [s for s in body["services"] if s["service_name"] == "Short-break night"][0]
    assert (short["capacity"], short["capacity_nights"], len(short["nights"])) == (8, 248, 31)
    assert short["taken"] == sum(n["taken"] for n in short["nights"])
    tenths = round_pence(Fraction(short["taken"] * 1000, 248))
    assert short["percent"] == f"{tenths // 10}.{tenths % 10}%"
    beds = sum(s["capacity"] for s in body["services"])
    assert body["capacity_nights"] == beds * 31
    assert [t["beds"] for t in body["totals"]] == [beds] * 31
    text = page_text(finance.get("/occupancy?month=2026-10"))
    assert "Bed occupancy, October 2026" in text
    sixth = [next(n for n in s["nights"] if n["day"] == "2026-10-06") for s in body["services"]]
    row = " ".join(f"{n['taken']} of {n['capacity']}" for n in sixth)
    assert f"Tue 06/10 {row} {sum(n['taken'] for n in sixth)} of {beds}" in text
    assert f"Short-break night {short['taken']} of 248 bed-nights: {short['percent']}" in text
    assert f"All beds {body['taken']} of {body['capacity_nights']} bed-nights: {body['percent']}" in text


def test_the_occupancy_page_opens_on_the_current_month(willow, coordinator):
    assert "Bed occupancy, April 2027" in page_text(coordinator.get("/occupancy"))


def test_a_month_not_written_yyyy_mm_is_refused_naming_month(willow, coordinator):
    page = coordinator.get("/occupancy?month=October")
    assert page.status_code == 422
    assert "Month must be a month written YYYY-MM, like 2026-10" in page_text(page)
    response = api(coordinator, "GET", "/api/occupancy", params={"month": "2026-13"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "month", "message": "must be a month written YYYY-MM, like 2026-10"}]


# ---------------------------------------------------------------------------------------------------------------
# The day's list


def test_16_november_2026_lists_ellies_end_of_life_stay_arriving(willow, coordinator):
    body = api(coordinator, "GET", "/api/today", params={"day": "2026-11-16"}).json()
    [ellie] = [e for e in body["arrivals"] if e["child_name"] == "Ellie Thompson"]
    assert (ellie["service_name"], ellie["night"], ellie["nights"], ellie["status"]) \
        == ("End-of-life care night", 1, 4, "delivered")
    text = page_text(coordinator.get("/today?day=2026-11-16"))
    arrivals = text.split("Arrivals", 1)[1].split("Staying", 1)[0]
    assert "Ellie Thompson End-of-life care night: night 1 of 4, 16/11/2026 to 20/11/2026 · Delivered" in arrivals


def test_each_night_on_the_list_has_a_form_that_marks_attendance(willow, coordinator):
    ellie = child(willow, "Eleanor")
    unit = willow.exec(select(BookingUnit).join(Booking, Booking.id == BookingUnit.booking_id)
                       .where(Booking.child_id == ellie.id, BookingUnit.day == date(2026, 11, 16))).one()
    page = coordinator.get("/today?day=2026-11-16").text
    form = re.search(r'<form[^>]*action="/attendance".*?</form>', page[page.index(f'value="{unit.id}"') - 400:],
                     re.S).group(0)
    assert 'method="post"' in form
    assert f'name="unit_id" value="{unit.id}"' in form
    assert f'name="csrf_token" value="{csrf_token(coordinator)}"' in form
    assert re.findall(r'<option value="(\w+)"', form.split('name="cancel_reason"')[0]) \
        == ["delivered", "did_not_attend", "cancelled"]
    assert re.findall(r'<option value="(\w*)"', form.split('name="cancel_reason"')[1]) \
        == ["", "child_unwell", "hospital_admission", "family_cancelled", "hospice_cancelled"]


def test_marking_a_confirmed_night_from_the_list_charges_it(willow, coordinator):
    ben = child(willow, "Benjamin")
    unit = _confirmed_night(willow, ben, "SHORT_BREAK_NIGHT", date(2027, 3, 2))
    page = coordinator.get("/today?day=2027-03-02")
    assert "Ben Carter Short-break night: night 1 of 1, 02/03/2027 to 03/03/2027 · Booked" in page_text(page)
    response = coordinator.post("/attendance", data={"csrf_token": csrf_token(coordinator), "unit_id": str(unit.id),
                                                      "status": "delivered", "cancel_reason": "",
                                                      "day": "2027-03-02", "next": "/today?day=2027-03-02"})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/today?day=2027-03-02&marked=1"
    assert "Attendance saved for 1 night or session." in page_text(coordinator.get(response.headers["location"]))
    charge = willow.exec(select(Charge).where(Charge.unit_id == unit.id, Charge.state == ChargeState.current)).one()
    parts = willow.exec(select(ChargePart).where(ChargePart.charge_id == charge.id)).all()
    assert [(p.payer_name, format_gbp(p.pence)) for p in parts] == [("Riverside ICB", "£720.00")]


def test_the_list_shows_departures_and_siblings_at_sessions(willow, coordinator):
    body = api(coordinator, "GET", "/api/today", params={"day": "2026-10-09"}).json()
    assert [(e["child_name"], e["service_name"], e["unit_id"]) for e in body["departures"]
            if e["child_name"] == "Ben Carter"] == [("Ben Carter", "Short-break night", None)]
    text = page_text(coordinator.get("/today?day=2026-10-09"))
    assert "Ben Carter Short-break night: night 3 of 3, 06/10/2026 to 09/10/2026" in text.split("Departures", 1)[1]
    sessions = api(coordinator, "GET", "/api/today", params={"day": "2026-04-18"}).json()["sessions"]
    assert [(e["child_name"], e["participant_name"], e["service_name"]) for e in sessions] \
        == [("Amira Haddad", "Sam Haddad", "Sibling support session")]
    assert "Amira Haddad – for Sam Haddad" in page_text(coordinator.get("/today?day=2026-04-18"))


def test_the_list_opens_on_the_clocks_today(willow, coordinator):
    assert api(coordinator, "GET", "/api/today").json()["day"] == "2027-04-10"
    assert "Today, 10 April 2027" in page_text(coordinator.get("/today"))


def test_a_day_that_is_not_a_date_is_refused_naming_day(willow, coordinator):
    page = coordinator.get("/today?day=2026-11-31")
    assert page.status_code == 422
    assert "Day must be a real date written YYYY-MM-DD, like 2026-11-16" in page_text(page)
    response = api(coordinator, "GET", "/api/today", params={"day": "tomorrow"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "day"


# ---------------------------------------------------------------------------------------------------------------
# Who may see them


PAGES = ["/occupancy?month=2026-10", "/today?day=2026-11-16", "/children/{amira}/bookings", "/contracts/usage"]
APIS = ["/api/occupancy?month=2026-10", "/api/today?day=2026-11-16", "/api/children/{amira}/usage",
        "/api/contracts/usage"]


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_coordinators_and_finance_see_every_view(willow, client, make_user, role):
    sign_in(client, make_user(role))
    amira = child(willow, "Amira").id
    for url in PAGES + APIS:
        response = client.get(url.format(amira=amira))
        assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize("role", ["trustee", "family", "admin"])
def test_other_roles_are_refused_every_view(willow, client, make_user, role):
    sign_in(client, make_user(role))
    amira = child(willow, "Amira").id
    for url in PAGES + APIS:
        response = client.get(url.format(amira=amira))
        assert response.status_code == 403, (url, response.status_code)
        assert "role" in (response.json()["detail"] if url.startswith("/api") else response.text)


def test_anonymous_visitors_are_sent_to_sign_in(willow, anon):
    amira = child(willow, "Amira").id
    for url in PAGES:
        response = anon.get(url.format(amira=amira))
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    for url in APIS:
        assert anon.get(url.format(amira=amira)).status_code == 401
