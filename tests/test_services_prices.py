"""Services and their price lists: Willow's 2026/27 prices, the 1 April price change, and every refusal."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st
from sqlmodel import func, select

from provider.audit.models import AuditEvent
from provider.catalogue import prices
from provider.catalogue import service as catalogue
from provider.catalogue.models import PricePeriod, Service, TimeBand
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from provider.errors import FieldErrors
from tests.conftest import api, post_form

APRIL_2026 = date(2026, 4, 1)
APRIL_2027 = date(2027, 4, 1)
NIGHT = {"code": "SHORT_BREAK_NIGHT", "name": "Short-break night", "unit": "night", "bed_based": "true",
         "group": "false", "capacity": "8", "vat_treatment": "exempt",
         "vat_reason": "Care supplied by a charity / regulated hospice", "free_to_families": "false",
         "priced_by_time_band": "false"}
CARE_AT_HOME = {"code": "CARE_AT_HOME", "name": "Care at home", "unit": "hour", "vat_treatment": "exempt",
                "vat_reason": "Care supplied by a charity / regulated hospice", "priced_by_time_band": True}


@pytest.fixture(autouse=True)
def fixed_today(db):
    with unit_of_work(db):
        set_as_of_date(db, date(2027, 4, 10))


def add_service(db, **values) -> Service:
    with unit_of_work(db):
        return catalogue.create_service(db, {**NIGHT, **values})


def add_price(db, service, starts_on, price, full_cost, band=None, ends_on=None) -> PricePeriod:
    with unit_of_work(db):
        return catalogue.add_price(db, service, {"time_band": band, "starts_on": starts_on, "ends_on": ends_on,
                                                 "price_pence": price, "full_cost_pence": full_cost})


def willow_night(db) -> Service:
    """Willow's short-break night: £650, full cost of care £1,150, from 1 April 2026."""
    service = add_service(db)
    add_price(db, service, APRIL_2026, 65000, 115000)
    return service


def periods(db, service) -> list[tuple]:
    db.expire_all()
    rows = db.exec(select(PricePeriod).where(PricePeriod.service_id == service.id).order_by(PricePeriod.starts_on))
    return [(p.time_band, p.starts_on, p.ends_on, p.price_pence, p.full_cost_pence) for p in rows]


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def names_field(html: str, field: str) -> bool:
    return f'href="#{field}"' in html and f'id="{field}-error"' in html


def only_error(response, field: str) -> str:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    return errors[0]["message"]


# --- the rules, without the web -----------------------------------------------------------------------------

@dataclass
class Period:
    starts_on: date
    ends_on: date | None
    time_band: str = "all"


def test_pounds_become_pence_and_refuse_negatives_and_fractions_of_a_penny():
    assert prices.pounds_to_pence("650") == 65000
    assert prices.pounds_to_pence("£1,150.00") == 115000
    assert prices.pounds_to_pence("0") == 0
    for text, message in (("-1", "must not be negative"), ("12.345", "must not be finer than a penny"),
                          ("twelve", "must be an amount in pounds and pence, like 1,234.50"), ("", "is required")):
        with pytest.raises(ValueError, match=re.escape(message)):
            prices.pounds_to_pence(text)


def test_a_price_from_1_april_closes_the_open_price_the_day_before():
    current = Period(APRIL_2026, None)
    assert prices.period_to_end([current], "all", APRIL_2027, None) is current


def test_a_price_after_a_closed_one_must_start_the_next_day():
    closed = Period(APRIL_2026, date(2027, 3, 31))
    assert prices.period_to_end([closed], "all", APRIL_2027, None) is None
    with pytest.raises(FieldErrors) as gap:
        prices.period_to_end([closed], "all", date(2027, 4, 2), None)
    assert gap.value.errors == {"starts_on": "would leave a gap: the price before it ends on 31 March 2027, "
                                             "so this one must start on 1 April 2027"}
    with pytest.raises(FieldErrors) as overlap:
        prices.period_to_end([closed], "all", date(2027, 3, 1), None)
    assert overlap.value.errors == {"starts_on": "overlaps the price from 1 April 2026 to 31 March 2027"}


def test_a_price_on_or_before_the_latest_start_overlaps():
    history = [Period(APRIL_2026, date(2027, 3, 31)), Period(APRIL_2027, None)]
    for start in (APRIL_2026, date(2026, 9, 1), APRIL_2027):
        with pytest.raises(FieldErrors) as refused:
            prices.period_to_end(history, "all", start, None)
        assert list(refused.value.errors) == ["starts_on"]
        assert "overlaps" in refused.value.errors["starts_on"]


def test_an_earlier_price_must_end_the_day_before_the_first():
    first = Period(APRIL_2026, None)
    assert prices.period_to_end([first], "all", date(2025, 4, 1), date(2026, 3, 31)) is None
    for end, words in ((None, "must be 31 March 2026"), (date(2026, 4, 1), "must be 31 March 2026"),
                       (date(2026, 3, 30), "would leave a gap")):
        with pytest.raises(FieldErrors) as refused:
            prices.period_to_end([first], "all", date(2025, 4, 1), end)
        assert refused.value.errors["ends_on"].startswith(words)


def test_bands_are_separate_series():
    weekday = Period(APRIL_2026, None, "weekday")
    assert prices.period_to_end([weekday], "evening", APRIL_2026, None) is None
    assert prices.period_to_end([weekday], "weekday", APRIL_2027, None) is weekday


def test_price_on_either_side_of_the_1_april_boundary():
    old = Period(APRIL_2026, date(2027, 3, 31))
    new = Period(APRIL_2027, None)
    assert prices.price_on([old, new], date(2027, 3, 31)) is old
    assert prices.price_on([old, new], APRIL_2027) is new
    assert prices.price_on([old, new], date(2030, 1, 1)) is new
    assert prices.price_on([old, new], date(2026, 3, 31)) is None
    assert prices.price_on([old, new], APRIL_2027, TimeBand.weekday) is None


def test_a_time_band_is_required_exactly_for_banded_services():
    assert prices.band_problem(True, "weekday") is None
    assert prices.band_problem(True, None).startswith("is required")
    assert prices.band_problem(True, "all").startswith("is required")
    assert prices.band_problem(False, None) is None and prices.band_problem(False, "all") is None
    assert prices.band_problem(False, "evening").startswith("must be")
    assert prices.banding_problem("night", True) == "is only for hourly services"
    assert prices.banding_problem("hour", True) is None


@given(st.lists(st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30))), max_size=12))
def test_whatever_is_added_a_series_never_overlaps_nor_leaves_a_gap(attempts):
    series: list[Period] = []
    origin = date(2026, 4, 1)
    for start_offset, length in attempts:
        starts_on = origin + timedelta(days=start_offset)
        ends_on = None if length is None else starts_on + timedelta(days=length)
        try:
            to_close = prices.period_to_end(series, "all", starts_on, ends_on)
        except FieldErrors as refused:
            assert set(refused.errors) <= {"starts_on", "ends_on"}
            continue
        if to_close is not None:
            to_close.ends_on = starts_on - timedelta(days=1)
        series.append(Period(starts_on, ends_on))
        ordered = sorted(series, key=lambda p: p.starts_on)
        for before, after in zip(ordered, ordered[1:]):
            assert before.ends_on is not None and after.starts_on == before.ends_on + timedelta(days=1)
        last_day = ordered[-1].ends_on or ordered[-1].starts_on + timedelta(days=5)
        day = ordered[0].starts_on
        while day <= last_day:
            assert sum(1 for p in series if prices.price_on([p], day)) == 1
            day += timedelta(days=1)


# --- services through the pages and the API ----------------------------------------------------------------

def test_finance_adds_willows_short_break_night_and_its_2026_price(client, db, signed_in):
    signed_in("finance")
    assert client.get("/services/new").status_code == 200
    response = post_form(client, "/services/new", {**NIGHT, "code": "short_break_night"})
    assert response.status_code == 303
    service_id = uuid.UUID(re.fullmatch(r"/services/([0-9a-f-]{36})", response.headers["location"]).group(1))
    service = db.get(Service, service_id)
    assert (service.code, service.unit, service.bed_based, service.capacity) == ("SHORT_BREAK_NIGHT", "night", True, 8)
    response = post_form(client, f"/services/{service_id}/prices/new",
                         {"starts_on": "2026-04-01", "ends_on": "", "price": "650", "full_cost": "£1,150.00"})
    assert response.status_code == 303
    assert periods(db, service) == [("all", APRIL_2026, None, 65000, 115000)]
    page = client.get(f"/services/{service_id}").text
    assert "1 April 2026" in page and "£650.00" in page and "£1,150.00" in page and "Until changed" in page
    listing = client.get("/services").text
    assert "Short-break night" in listing and "£650.00" in listing


def test_the_1_april_price_list_closes_the_old_price_on_31_march_through_the_form(client, db, signed_in):
    service = willow_night(db)
    signed_in("finance")
    response = post_form(client, f"/services/{service.id}/prices/new",
                         {"starts_on": "2027-04-01", "ends_on": "", "price": "675.00", "full_cost": "1195.00"})
    assert response.status_code == 303
    assert periods(db, service) == [("all", APRIL_2026, date(2027, 3, 31), 65000, 115000),
                                    ("all", APRIL_2027, None, 67500, 119500)]
    page = client.get(f"/services/{service.id}").text
    assert re.search(r"1 April 2026</td>\s*<td>31 March 2027", page)
    assert "£675.00" in page and "£1,195.00" in page


def test_the_1_april_price_list_through_the_api(client, db, signed_in):
    service = willow_night(db)
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices",
                   json={"starts_on": "2027-04-01", "price_pence": 67500, "full_cost_pence": 119500})
    assert response.status_code == 201
    assert response.json()["time_band"] == "all" and response.json()["ends_on"] is None
    listed = api(client, "GET", f"/api/services/{service.id}/prices").json()
    assert [(p["starts_on"], p["ends_on"], p["price_pence"]) for p in listed] == [
        ("2026-04-01", "2027-03-31", 65000), ("2027-04-01", None, 67500)]
    db.expire_all()
    stored = catalogue.price_periods(db, service)
    assert prices.price_on(stored, date(2027, 3, 31)).price_pence == 65000
    assert prices.price_on(stored, APRIL_2027).price_pence == 67500


def test_the_api_creates_reads_and_changes_a_service(client, db, signed_in):
    signed_in("finance")
    body = {**CARE_AT_HOME}
    created = api(client, "POST", "/api/services", json=body)
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    for band, price in (("weekday", 3200), ("evening", 3600), ("night", 3800), ("weekend", 4000),
                        ("bank_holiday", 5500)):
        added = api(client, "POST", f"/api/services/{service_id}/prices",
                    json={"time_band": band, "starts_on": "2026-04-01", "price_pence": price,
                          "full_cost_pence": price + 600})
        assert added.status_code == 201, added.text
    detail = api(client, "GET", f"/api/services/{service_id}").json()
    assert detail["priced_by_time_band"] is True and len(detail["prices"]) == 5
    changed = api(client, "PATCH", f"/api/services/{service_id}", json={"capacity": 3, "name": "Care at home (hours)"})
    assert changed.status_code == 200 and changed.json()["capacity"] == 3
    stored = catalogue.price_periods(db, db.get(Service, uuid.UUID(service_id)))
    assert prices.price_on(stored, date(2026, 12, 25), TimeBand.bank_holiday).price_pence == 5500
    assert prices.price_on(stored, date(2026, 12, 25)) is None  # a banded service has no "all" price


def test_a_banded_service_needs_the_band_of_each_price(client, db, signed_in):
    signed_in("finance")
    service = add_service(db, **CARE_AT_HOME)
    form = client.get(f"/services/{service.id}/prices/new").text
    assert 'name="time_band"' in form and "Bank holiday" in form
    response = post_form(client, f"/services/{service.id}/prices/new",
                         {"starts_on": "2026-04-01", "price": "32", "full_cost": "38"})
    assert response.status_code == 422 and names_field(response.text, "time_band")
    response = api(client, "POST", f"/api/services/{service.id}/prices",
                   json={"time_band": "all", "starts_on": "2026-04-01", "price_pence": 3200, "full_cost_pence": 3800})
    assert only_error(response, "time_band").startswith("is required")
    assert periods(db, service) == []


def test_time_bands_are_only_for_hourly_services(client, db, signed_in):
    signed_in("finance")
    response = post_form(client, "/services/new", {**NIGHT, "priced_by_time_band": "true"})
    assert response.status_code == 422 and names_field(response.text, "priced_by_time_band")
    assert 'value="SHORT_BREAK_NIGHT"' in response.text
    response = api(client, "POST", "/api/services", json={**NIGHT, "priced_by_time_band": True})
    assert only_error(response, "priced_by_time_band") == "is only for hourly services"
    assert count(db, Service) == 0


def test_a_service_needs_a_vat_reason_a_proper_code_and_a_positive_capacity(client, db, signed_in):
    signed_in("finance")
    response = post_form(client, "/services/new", {**NIGHT, "vat_reason": "", "code": "SHORT BREAK", "capacity": "0"})
    assert response.status_code == 422
    for field in ("vat_reason", "code", "capacity"):
        assert names_field(response.text, field), field
    response = api(client, "POST", "/api/services", json={**NIGHT, "vat_reason": " "})
    assert only_error(response, "vat_reason") == "is required"
    assert count(db, Service) == 0


def test_a_service_code_is_unique(client, db, signed_in):
    add_service(db)
    signed_in("finance")
    response = api(client, "POST", "/api/services", json={**NIGHT, "name": "Another night"})
    assert only_error(response, "code") == "is already used by another service"
    assert count(db, Service) == 1


def test_banding_cannot_change_once_a_service_has_prices(client, db, signed_in):
    service = add_service(db, **{**CARE_AT_HOME, "priced_by_time_band": False})
    add_price(db, service, APRIL_2026, 4000, 4000)
    signed_in("finance")
    response = api(client, "PATCH", f"/api/services/{service.id}", json={"priced_by_time_band": True})
    assert only_error(response, "priced_by_time_band") == "cannot change once the service has prices"
    db.expire_all()
    assert db.get(Service, service.id).priced_by_time_band is False


def test_editing_a_service_keeps_what_was_typed_on_refusal(client, db, signed_in):
    service = add_service(db)
    signed_in("finance")
    page = client.get(f"/services/{service.id}/edit")
    assert page.status_code == 200 and 'value="Short-break night"' in page.text
    response = post_form(client, f"/services/{service.id}/edit", {**NIGHT, "name": "Overnight stay", "capacity": "-2",
                                                                  "is_active": "true"})
    assert response.status_code == 422 and names_field(response.text, "capacity")
    assert 'value="Overnight stay"' in response.text
    db.expire_all()
    assert db.get(Service, service.id).name == "Short-break night"
    response = post_form(client, f"/services/{service.id}/edit", {**NIGHT, "name": "Overnight stay", "is_active": "false"})
    assert response.status_code == 303
    db.expire_all()
    assert (db.get(Service, service.id).name, db.get(Service, service.id).is_active) == ("Overnight stay", False)


# --- bad input: one test per rule, through the form and through the API -----------------------------------

FORM_PRICE = {"starts_on": "2027-04-01", "ends_on": "", "price": "675", "full_cost": "1195"}
API_PRICE = {"starts_on": "2027-04-01", "price_pence": 67500, "full_cost_pence": 119500}
UNCHANGED = [("all", APRIL_2026, None, 65000, 115000)]


@pytest.mark.parametrize("field, value, message", [("price", "-650", "must not be negative"),
                                                   ("full_cost", "-1", "must not be negative")])
def test_form_refuses_a_negative_price(client, db, signed_in, field, value, message):
    service = willow_night(db)
    signed_in("finance")
    response = post_form(client, f"/services/{service.id}/prices/new", {**FORM_PRICE, field: value})
    assert response.status_code == 422 and names_field(response.text, field)
    assert message in response.text and f'value="{value}"' in response.text
    assert periods(db, service) == UNCHANGED


@pytest.mark.parametrize("field", ["price_pence", "full_cost_pence"])
def test_api_refuses_a_negative_price(client, db, signed_in, field):
    service = willow_night(db)
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices", json={**API_PRICE, field: -1})
    assert only_error(response, field) == "must not be negative"
    assert periods(db, service) == UNCHANGED


def test_form_refuses_a_price_finer_than_a_penny(client, db, signed_in):
    service = willow_night(db)
    signed_in("finance")
    response = post_form(client, f"/services/{service.id}/prices/new", {**FORM_PRICE, "price": "12.345"})
    assert response.status_code == 422 and names_field(response.text, "price")
    assert "must not be finer than a penny" in response.text and 'value="12.345"' in response.text
    assert periods(db, service) == UNCHANGED


@pytest.mark.parametrize("value", [123.45, 67500.5, "67500", 675.0, True])
def test_api_refuses_a_price_that_is_not_whole_pence(client, db, signed_in, value):
    service = willow_night(db)
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices", json={**API_PRICE, "price_pence": value})
    assert only_error(response, "price_pence") == "must be a whole number"
    assert periods(db, service) == UNCHANGED


def test_form_refuses_an_overlapping_price_period(client, db, signed_in):
    service = willow_night(db)
    add_price(db, service, APRIL_2027, 67500, 119500)
    signed_in("finance")
    response = post_form(client, f"/services/{service.id}/prices/new", {**FORM_PRICE, "starts_on": "2027-01-01"})
    assert response.status_code == 422 and names_field(response.text, "starts_on")
    assert "overlaps the price from 1 April 2026 to 31 March 2027" in response.text
    assert len(periods(db, service)) == 2


def test_api_refuses_an_overlapping_price_period(client, db, signed_in):
    service = add_service(db)
    add_price(db, service, APRIL_2026, 65000, 115000, ends_on=date(2027, 3, 31))
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices", json={**API_PRICE, "starts_on": "2027-03-31"})
    assert only_error(response, "starts_on") == "overlaps the price from 1 April 2026 to 31 March 2027"
    assert periods(db, service) == [("all", APRIL_2026, date(2027, 3, 31), 65000, 115000)]


def test_form_refuses_a_price_period_that_leaves_a_gap(client, db, signed_in):
    service = add_service(db)
    add_price(db, service, APRIL_2026, 65000, 115000, ends_on=date(2027, 3, 31))
    signed_in("finance")
    response = post_form(client, f"/services/{service.id}/prices/new", {**FORM_PRICE, "starts_on": "2027-05-01"})
    assert response.status_code == 422 and names_field(response.text, "starts_on")
    assert "would leave a gap" in response.text and 'value="2027-05-01"' in response.text
    assert len(periods(db, service)) == 1


def test_api_refuses_a_price_period_that_leaves_a_gap(client, db, signed_in):
    service = add_service(db)
    add_price(db, service, APRIL_2026, 65000, 115000, ends_on=date(2027, 3, 31))
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices", json={**API_PRICE, "starts_on": "2027-04-02"})
    assert only_error(response, "starts_on").startswith("would leave a gap")
    assert len(periods(db, service)) == 1


@pytest.mark.parametrize("field, value", [("starts_on", "2027-02-30"), ("starts_on", "1/4/2027"),
                                          ("ends_on", "2027-13-01")])
def test_form_refuses_a_malformed_date(client, db, signed_in, field, value):
    service = willow_night(db)
    signed_in("finance")
    response = post_form(client, f"/services/{service.id}/prices/new", {**FORM_PRICE, field: value})
    assert response.status_code == 422 and names_field(response.text, field)
    assert "must be a real date" in response.text
    assert periods(db, service) == UNCHANGED


@pytest.mark.parametrize("field, value", [("starts_on", "2027-02-30"), ("ends_on", "tomorrow")])
def test_api_refuses_a_malformed_date(client, db, signed_in, field, value):
    service = willow_night(db)
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices", json={**API_PRICE, field: value})
    assert only_error(response, field) == "must be a real date"
    assert periods(db, service) == UNCHANGED


def test_a_price_that_ends_before_it_starts_is_refused_naming_ends_on(client, db, signed_in):
    service = add_service(db)
    signed_in("finance")
    response = api(client, "POST", f"/api/services/{service.id}/prices",
                   json={**API_PRICE, "ends_on": "2027-03-01"})
    assert only_error(response, "ends_on") == "must not be before the start date"
    assert periods(db, service) == []


# --- history and access --------------------------------------------------------------------------------------

def test_the_history_of_a_price_change_shows_who_closed_the_old_price(client, db, signed_in):
    service = willow_night(db)
    old = db.exec(select(PricePeriod).where(PricePeriod.service_id == service.id)).one()
    finance = signed_in("finance", name="Fran Finance")
    response = post_form(client, f"/services/{service.id}/prices/new", FORM_PRICE)
    assert response.status_code == 303
    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "price_periods",
                                              AuditEvent.entity_id == str(old.id)).order_by(AuditEvent.at)).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes == {"ends_on": [None, "2027-03-31"]} and events[1].actor_id == finance.id
    page = client.get(f"/history/price_periods/{old.id}")
    assert page.status_code == 200 and "Fran Finance" in page.text and "2027-03-31" in page.text
    assert f'href="/history/price_periods/{old.id}"' in client.get(f"/services/{service.id}").text
    history = api(client, "GET", f"/api/history/price_periods/{old.id}").json()
    assert history[-1]["actor"] == "Fran Finance" and history[-1]["changes"]["ends_on"] == [None, "2027-03-31"]


def test_a_coordinator_reads_services_and_prices_but_cannot_change_them(client, db, signed_in):
    service = willow_night(db)
    signed_in("coordinator")
    page = client.get(f"/services/{service.id}")
    assert page.status_code == 200 and "£650.00" in page.text and "Add a price" not in page.text
    assert client.get("/services").status_code == 200
    assert api(client, "GET", "/api/services").status_code == 200
    assert api(client, "GET", f"/api/services/{service.id}/prices").json()[0]["price_pence"] == 65000
    assert client.get("/services/new").status_code == 403
    assert post_form(client, f"/services/{service.id}/prices/new", FORM_PRICE).status_code == 403
    assert api(client, "POST", f"/api/services/{service.id}/prices", json=API_PRICE).status_code == 403
    assert api(client, "PATCH", f"/api/services/{service.id}", json={"name": "X"}).status_code == 403
    assert client.get(f"/history/price_periods/{uuid.uuid4()}").status_code == 403
    assert periods(db, service) == UNCHANGED


@pytest.mark.parametrize("role", ["trustee", "family", "admin"])
def test_other_roles_get_403_on_services(client, db, signed_in, role):
    service = willow_night(db)
    signed_in(role)
    assert client.get("/services").status_code == 403
    assert client.get(f"/services/{service.id}").status_code == 403
    assert api(client, "GET", "/api/services").status_code == 403
    assert api(client, "POST", "/api/services", json=NIGHT).status_code == 403
    assert count(db, Service) == 1


def test_an_unknown_service_is_404(client, signed_in):
    signed_in("finance")
    assert client.get(f"/services/{uuid.uuid4()}").status_code == 404
    assert api(client, "POST", f"/api/services/{uuid.uuid4()}/prices", json=API_PRICE).status_code == 404


def test_every_services_page_has_one_h1_labels_and_no_inline_script_or_style(client, db, signed_in):
    from tests.test_settings import assert_plain_page

    service = willow_night(db)
    banded = add_service(db, **CARE_AT_HOME)
    signed_in("finance")
    for url in ("/services", "/services/new", f"/services/{service.id}", f"/services/{service.id}/edit",
                f"/services/{service.id}/prices/new", f"/services/{banded.id}/prices/new"):
        assert_plain_page(client.get(url).text)
    assert_plain_page(post_form(client, "/services/new", {**NIGHT, "priced_by_time_band": "true"}).text)
