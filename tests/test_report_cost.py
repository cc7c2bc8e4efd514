"""Cost of care (issue 8 item 3; DOMAIN.md §3.5, §7, §10): Willow's 2026/27 care at its full cost, by service and
by who paid, against what statutory funders paid for it, with small numbers combined for trustees."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.charges import service as charges
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import Funder
from provider.people.models import Child
from reports import cost, income
from tests.conftest import demo_once_per_module

YEAR = income.year_period(2026)

# (service, units, children, full cost, statutory paid, charity paid (full cost), gap), as the demo leaves 2026/27.
# Short breaks: 141 block nights, Ben's 3 (Riverside, £720), Amira's 2 from her ISF, Dev's 2 (Eastvale), 136 charity.
# The block paid £150,000.00 for its 141 nights, each month's £12,500.00 for that month's nights.
SERVICES = [
    ("Activity-break day", 3, 3, 72_000, 54_000, 0, 18_000),
    ("Bereavement support session", 4, 1, 32_000, 0, 32_000, 32_000),
    ("Care after death night", 3, 1, 270_000, 0, 270_000, 270_000),
    ("Day care", 30, 23, 930_000, 22_000, 899_000, 908_000),
    ("End-of-life care night", 4, 1, 560_000, 0, 560_000, 560_000),
    ("Hydrotherapy session", 17, 2, 127_500, 102_000, 0, 25_500),
    ("Short-break night", 284, 37, 32_660_000, 15_476_000, 15_640_000, 17_184_000),
    ("Sibling support session", 10, 1, 60_000, 21_000, 24_000, 39_000),
]


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def rows(report: cost.CostReport) -> list[tuple]:
    return [(s.service, s.units, s.children, s.full_cost_pence, s.statutory_pence, s.charity_pence, s.gap_pence)
            for s in report.services]


def service(report: cost.CostReport, name: str) -> cost.ServiceCost:
    return next(s for s in report.services if s.service == name)


def paid(line: cost.ServiceCost) -> list[tuple]:
    return [(p.payer, p.statutory, p.units, p.pence, p.children) for p in line.paid_by]


def night_for(db, child: Child, day: date, status=UnitStatus.delivered) -> BookingUnit:
    night = db.exec(select(Service).where(Service.code == "SHORT_BREAK_NIGHT")).one()
    booking = Booking(child_id=child.id, service_id=night.id, starts_on=day, ends_on=day.replace(day=day.day + 1),
                      status=BookingStatus.delivered, confirmed_at=datetime(2026, 3, 1, tzinfo=UTC))
    db.add(booking)
    db.flush()
    unit = BookingUnit(booking_id=booking.id, day=day, status=status)
    db.add(unit)
    db.flush()
    return unit


def child(db, first_name: str) -> Child:
    return db.exec(select(Child).where(Child.first_name == first_name)).one()


def test_willows_2026_27_at_full_cost_by_service_against_what_statutory_funders_paid(willow):
    report = cost.cost_of_care(willow, YEAR.first, YEAR.last)
    assert rows(report) == SERVICES
    assert (report.full_cost_pence, report.statutory_pence, report.charity_pence, report.gap_pence) == (
        34_711_500, 15_675_000, 17_425_000, 19_036_500)
    assert report.label == "2026/27" and not report.is_empty
    nights = service(report, "Short-break night")
    assert nights.full_cost_pence == nights.units * 115_000          # £1,150 a night
    assert nights.charged_cancellations == 0


def test_short_breaks_by_who_paid_the_block_spread_over_its_nights(willow):
    nights = service(cost.cost_of_care(willow, YEAR.first, YEAR.last), "Short-break night")
    assert paid(nights) == [
        ("Block contracts", True, 141, 15_000_000, 18),
        ("ICB packages (spot and joint)", True, 3, 216_000, 1),               # Ben: 3 × £720
        ("Personal budgets: ISFs", True, 2, 130_000, 1),                      # Amira: 2 × £650
        ("Personal budgets: managed by the commissioner", True, 2, 130_000, 1),   # Dev: 2 × £650
        ("Unrestricted charitable funds", False, 136, 15_640_000, 17),        # 136 × £1,150
    ]


def test_sams_sibling_sessions_six_from_the_isf_and_four_from_the_appeal_at_full_cost(willow):
    sessions = service(cost.cost_of_care(willow, YEAR.first, YEAR.last), "Sibling support session")
    assert paid(sessions) == [("Personal budgets: ISFs", True, 6, 21_000, 1),
                              ("Restricted charitable funds", False, 4, 24_000, 1)]
    assert (sessions.full_cost_pence, sessions.gap_pence) == (60_000, 39_000)


def test_ellies_care_is_charitable_at_its_full_cost(willow):
    report = cost.cost_of_care(willow, YEAR.first, YEAR.last)
    assert paid(service(report, "End-of-life care night")) == [("Unrestricted charitable funds", False, 4, 560_000, 1)]
    assert paid(service(report, "Care after death night")) == [("Unrestricted charitable funds", False, 3, 270_000, 1)]


def test_hydrotherapy_counts_only_the_sessions_attended(willow):
    # Amira's 8 (the hospital day of 4 November credited and cancelled) to Leila, Chloe's 9 to Brightway.
    sessions = service(cost.cost_of_care(willow, YEAR.first, YEAR.last), "Hydrotherapy session")
    assert paid(sessions) == [("Personal budgets: direct payments", True, 8, 48_000, 1),
                              ("Personal budgets: direct payments to nominees", True, 9, 54_000, 1)]
    november = cost.cost_of_care(willow, date(2026, 11, 4), date(2026, 11, 4))
    assert "Hydrotherapy session" not in [s.service for s in november.services]


def test_the_night_amira_missed_is_charged_to_nobody_and_costs_nothing(willow):
    # 11 January delivered (from her ISF: her 14 block nights are used), 12 January missed, unwell.
    january = cost.cost_of_care(willow, date(2027, 1, 11), date(2027, 1, 12))
    isf = [p for p in service(january, "Short-break night").paid_by if p.payer == "Personal budgets: ISFs"]
    assert [(p.units, p.pence) for p in isf] == [(1, 65_000)]


def test_statutory_paid_ties_to_the_statutory_income_for_care(willow):
    report = cost.cost_of_care(willow, YEAR.first, YEAR.last)
    statutory = income.statutory_income(willow, YEAR.first, YEAR.last)
    care = sum(x.pence for x in statutory.lines if x.statutory and x.section != income.NHS_GRANT
               and x.source != "ISF management fees")    # the fees are income for managing the ISFs, not care
    assert report.statutory_pence == care == 15_675_000


def test_by_who_paid_over_every_service(willow):
    report = cost.cost_of_care(willow, YEAR.first, YEAR.last)
    assert [(p.payer, p.units, p.pence, p.children) for p in report.payers] == [
        ("Block contracts", 141, 15_000_000, 18),
        ("ICB packages (spot and joint)", 3, 216_000, 1),
        ("Personal budgets: ISFs", 9, 173_000, 2),
        ("Personal budgets: direct payments", 8, 48_000, 1),
        ("Personal budgets: direct payments to nominees", 9, 54_000, 1),
        ("Personal budgets: managed by the commissioner", 5, 184_000, 4),
        ("Restricted charitable funds", 4, 24_000, 1),
        ("Unrestricted charitable funds", 176, 17_401_000, 28),
    ]
    assert sum(p.pence for p in report.payers if p.statutory) == report.statutory_pence
    assert sum(p.pence for p in report.payers if p.code in cost.CHARITY) == report.charity_pence


def test_the_block_pays_each_month_for_that_months_nights_whatever_their_number(willow):
    periods = [income.quarter_period(2026, n) for n in (1, 2, 3, 4)]
    quarters = [cost.cost_of_care(willow, q.first, q.last) for q in periods]
    block = [sum(p.pence for s in q.services for p in s.paid_by if p.code == "block") for q in quarters]
    assert block == [3_750_000, 3_750_000, 3_750_000, 3_750_000]      # £12,500 released at each month's end
    assert sum(block) == 15_000_000
    assert sum(q.full_cost_pence for q in quarters) == 34_711_500
    # 31 May: May's £12,500 is released for the month, and no block night falls that day: it pays for none.
    may = service(cost.cost_of_care(willow, date(2026, 5, 31), date(2026, 5, 31)), "Short-break night")
    assert [(p.payer, p.units, p.pence) for p in may.paid_by][0] == ("Block contracts", 0, 1_250_000)
    assert may.gap_pence == may.full_cost_pence - 1_250_000 < 0


def test_trustees_see_services_and_payers_of_fewer_than_five_children_combined(willow):
    shown = cost.disclosed(cost.cost_of_care(willow, YEAR.first, YEAR.last))
    full = shown["full_cost_pence"]
    assert [(x.label, x.children, x.pence) for x in full.lines] == [
        ("Day care", "23", 930_000), ("Short-break night", "37", 32_660_000), ("Other service", "9", 1_121_500)]
    assert full.total == 34_711_500
    assert [x.label for x in shown["gap_pence"].lines] == ["Day care", "Short-break night", "Other service"]
    assert [(x.label, x.kind, x.pence) for x in shown["paid_by"].lines] == [
        ("Block contracts", "statutory", 15_000_000), ("Other statutory", "statutory", 675_000),
        ("Other not statutory", "not statutory", 17_425_000)]
    # One family's care alone (Ellie's, Chloe's) is never a line of its own.
    labels = {x.label for d in shown.values() for x in d.lines}
    assert not labels & {"End-of-life care night", "Hydrotherapy session", "Personal budgets: ISFs"}


def test_a_day_of_care_for_fewer_than_five_children_holds_back_its_money(willow):
    shown = cost.disclosed(cost.cost_of_care(willow, date(2027, 3, 15), date(2027, 3, 15)))
    [line] = shown["full_cost_pence"].lines
    assert (line.label, line.children, line.pence) == ("Other service", "fewer than 5", None)
    assert shown["full_cost_pence"].total is None


def test_a_charged_cancellation_counts_and_one_not_charged_does_not(willow):
    ben = child(willow, "Benjamin")
    with unit_of_work(willow):
        missed = night_for(willow, ben, date(2026, 11, 2), status=UnitStatus.did_not_attend)
        charges.attendance_changed(willow, [missed.id], None)
    before = service(cost.cost_of_care(willow, date(2026, 11, 1), date(2026, 11, 30)), "Short-break night")
    riverside = willow.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
    with unit_of_work(willow):
        riverside.charges_cancellations = True
        willow.add(riverside)
        charged = night_for(willow, ben, date(2026, 11, 9), status=UnitStatus.did_not_attend)
        charges.attendance_changed(willow, [charged.id], None)
    after = service(cost.cost_of_care(willow, date(2026, 11, 1), date(2026, 11, 30)), "Short-break night")
    assert (after.units, after.charged_cancellations) == (before.units + 1, 1)
    assert after.full_cost_pence == before.full_cost_pence + 115_000
    assert ("ICB packages (spot and joint)", True, 1, 72_000, 1) in paid(after)


def test_a_delivered_night_not_yet_charged_shows_as_nothing_paid(willow):
    with unit_of_work(willow):
        night_for(willow, child(willow, "Chloe"), date(2026, 12, 1))       # attendance marked, no charge stored
    report = cost.cost_of_care(willow, date(2026, 12, 1), date(2026, 12, 1))
    nights = service(report, "Short-break night")
    assert ("Nothing paid", False, 1, 0, 1) in paid(nights)
    assert report.payers[-1] == cost.PaidBy("nothing", "Nothing paid", False, 1, 0, 1)
    assert nights.full_cost_pence >= 115_000


def test_a_period_that_ends_before_it_starts_is_refused_and_an_empty_one_is_empty(willow):
    with pytest.raises(FieldErrors) as refused:
        cost.cost_of_care(willow, date(2027, 3, 31), date(2026, 4, 1))
    assert list(refused.value.errors) == ["last"]
    empty = cost.cost_of_care(willow, date(2030, 4, 1), date(2031, 3, 31))
    assert empty.is_empty and empty.services == [] and empty.payers == []
    assert (empty.full_cost_pence, empty.statutory_pence, empty.gap_pence) == (0, 0, 0)
    assert cost.disclosed(empty)["full_cost_pence"].lines == []
