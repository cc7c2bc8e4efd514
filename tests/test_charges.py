"""Stored charges: a late change flags what it affects, a recalculation shows its differences first, then applies."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.charges import report, service as charges
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.db import unit_of_work
from provider.people.models import Child
from tests.conftest import demo_once_per_module
from tests.test_cli import run  # noqa: F401  (the fixture)

YEAR = (date(2026, 4, 1), date(2027, 3, 31))


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def amira(db) -> Child:
    return db.exec(select(Child).where(Child.first_name == "Amira")).one()


def night_for(db, child: Child, day: date, status=UnitStatus.delivered) -> BookingUnit:
    service = db.exec(select(Service).where(Service.code == "SHORT_BREAK_NIGHT")).one()
    booking = Booking(child_id=child.id, service_id=service.id, starts_on=day, ends_on=day.replace(day=day.day + 1),
                      status=BookingStatus.delivered, confirmed_at=datetime(2026, 3, 1, tzinfo=UTC))
    db.add(booking)
    db.flush()
    unit = BookingUnit(booking_id=booking.id, day=day, status=status)
    db.add(unit)
    db.flush()
    return unit


def payers_on(db, child: Child, day: date) -> list[tuple[str, int]]:
    rows = db.exec(select(ChargePart).join(Charge).where(Charge.child_id == child.id, Charge.day == day,
                                                         Charge.state == ChargeState.current)
                   .order_by(ChargePart.position)).all()
    return [(p.payer_name, p.pence) for p in rows]


def test_a_late_night_is_charged_by_what_is_stored_and_flags_the_later_charges(willow):
    child = amira(willow)
    with unit_of_work(willow):
        unit = night_for(willow, child, date(2026, 4, 10))
        charges.attendance_changed(willow, [unit.id], None)
    # The 14 block nights are already stored, so the late night is paid from the ISF for now...
    assert payers_on(willow, child, date(2026, 4, 10)) == [("Amira's ISF", 65000)]
    flagged = willow.exec(select(Charge).where(Charge.child_id == child.id, Charge.needs_recalculation)).all()
    assert flagged and min(c.day for c in flagged) > date(2026, 4, 10)
    assert all("10/04/2026" in c.flagged_reason for c in flagged)


def test_recalculation_shows_the_differences_first_and_changes_nothing_until_applied(willow):
    child = amira(willow)
    with unit_of_work(willow):
        unit = night_for(willow, child, date(2026, 4, 10))
        charges.attendance_changed(willow, [unit.id], None)
    with unit_of_work(willow):
        dry_run = charges.recalculate(willow, *YEAR, {child.id})
    moved = {(d.day, tuple(d.before), tuple(d.after)) for d in dry_run.differences}
    northshire = "Northshire County Council, Children's Social Care"
    assert moved == {(date(2026, 4, 10), (("Amira's ISF", 65000),), ((northshire, 0),)),
                     (date(2026, 10, 21), ((northshire, 0),), (("Amira's ISF", 65000),))}
    assert payers_on(willow, child, date(2026, 10, 21)) == [(northshire, 0)]  # the dry run wrote nothing
    text = "\n".join(report.recalculation_text(willow, dry_run))
    assert "21/10/2026  Amira Haddad  Short-break night: " + northshire + " £0.00 -> Amira's ISF £650.00" in text

    with unit_of_work(willow):
        assert charges.apply(willow, dry_run, None) == 2
    assert payers_on(willow, child, date(2026, 4, 10)) == [(northshire, 0)]
    assert payers_on(willow, child, date(2026, 10, 21)) == [("Amira's ISF", 65000)]
    old = willow.exec(select(Charge).where(Charge.child_id == child.id, Charge.day == date(2026, 10, 21),
                                           Charge.state == ChargeState.superseded)).one()
    new = willow.exec(select(Charge).where(Charge.child_id == child.id, Charge.day == date(2026, 10, 21),
                                           Charge.state == ChargeState.current)).one()
    assert new.supersedes_id == old.id
    assert willow.exec(select(Charge).where(Charge.child_id == child.id, Charge.needs_recalculation,
                                            Charge.state == ChargeState.current)).all() == []
    with unit_of_work(willow):
        assert charges.recalculate(willow, *YEAR, {child.id}).differences == []


def test_marking_a_delivered_unit_again_never_changes_its_charge(willow):
    child = amira(willow)
    unit = willow.exec(select(BookingUnit).join(Booking).where(Booking.child_id == child.id,
                                                               BookingUnit.day == date(2026, 4, 20))).one()
    before = willow.exec(select(Charge).where(Charge.unit_id == unit.id)).all()
    with unit_of_work(willow):
        charges.attendance_changed(willow, [unit.id], None)
    assert willow.exec(select(Charge).where(Charge.unit_id == unit.id)).all() == before


def test_a_child_who_did_not_attend_is_not_charged_by_a_funder_who_does_not_charge_for_it(willow):
    child = amira(willow)
    with unit_of_work(willow):
        unit = night_for(willow, child, date(2026, 5, 1), status=UnitStatus.did_not_attend)
        assert charges.attendance_changed(willow, [unit.id], None) == []
    assert willow.exec(select(Charge).where(Charge.unit_id == unit.id)).all() == []


def test_lantern_allocate_prints_the_month_and_changes_nothing(run, fresh_database_url):  # noqa: F811
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    assert run(fresh_database_url, "demo").returncode == 0
    result = run(fresh_database_url, "allocate", "--period", "2026-10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("Ben Carter") and "Riverside ICB" in line and line.endswith("£2,160.00")
               for line in lines), result.stdout
    assert "Total charged to funders and families: £2,255.00" in lines
    assert lines[-1] == "A recalculation would change nothing."


def test_lantern_allocate_refuses_a_month_that_is_not_one(run, fresh_database_url):  # noqa: F811
    result = run(fresh_database_url, "allocate", "--period", "October")
    assert result.returncode == 1
    assert result.stderr.strip() == "lantern: --period must be a month written YYYY-MM, like 2026-10 (got 'October')"


def test_a_new_price_flags_the_charges_it_affects_and_recalculation_reprices_them(willow):
    from provider.catalogue import service as catalogue

    hydro = willow.exec(select(Service).where(Service.code == "HYDROTHERAPY")).one()
    with unit_of_work(willow):
        catalogue.add_price(willow, hydro, {"starts_on": date(2027, 1, 1), "price_pence": 6500,
                                            "full_cost_pence": 8000})
    flagged = willow.exec(select(Charge).where(Charge.needs_recalculation, Charge.state == ChargeState.current)).all()
    assert {c.day for c in flagged} == {date(2027, 2, 3)}
    assert "The price of Hydrotherapy session changed from 01/01/2027." == flagged[0].flagged_reason
    with unit_of_work(willow):
        dry_run = charges.recalculate(willow, *YEAR)
        assert [(d.day, d.before, d.after) for d in dry_run.differences] == [
            (date(2027, 2, 3), [("Leila Haddad", 6000)], [("Leila Haddad", 6500)])]
        charges.apply(willow, dry_run, None)
    assert payers_on(willow, amira(willow), date(2027, 2, 3)) == [("Leila Haddad", 6500)]


def test_lantern_check_passes_on_the_demo_and_fails_naming_a_unit_charged_twice(run, fresh_database_url):  # noqa: F811
    from sqlalchemy import create_engine, text

    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    assert run(fresh_database_url, "demo").returncode == 0
    passed = run(fresh_database_url, "check")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.startswith("Every check passed")
    engine = create_engine(fresh_database_url)
    with engine.begin() as connection:  # a second current charge, written around the application
        connection.execute(text("DROP INDEX uq_charges_current_unit"))
        row = connection.execute(text("SELECT id, unit_id FROM charges WHERE state = 'current' LIMIT 1")).one()
        connection.execute(text(
            "INSERT INTO charges (id, unit_id, child_id, service_id, day, time_band, quantity, state, "
            "needs_recalculation, rule_version, created_at) SELECT :new, unit_id, child_id, service_id, day, "
            "time_band, quantity, state, needs_recalculation, rule_version, created_at FROM charges WHERE id = :id"),
            {"new": "0" * 32 if engine.dialect.name == "sqlite" else "00000000-0000-0000-0000-000000000000",
             "id": row.id})
    engine.dispose()
    failed = run(fresh_database_url, "check")
    assert failed.returncode == 1
    assert "has 2 current charges." in failed.stdout


def test_a_night_ben_did_not_attend_is_charged_only_once_riverside_pays_for_cancellations(willow):
    from provider.funders.models import Funder

    ben = willow.exec(select(Child).where(Child.first_name == "Benjamin")).one()
    with unit_of_work(willow):
        unit = night_for(willow, ben, date(2026, 11, 2), status=UnitStatus.did_not_attend)
        assert charges.attendance_changed(willow, [unit.id], None) == []
    riverside = willow.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
    with unit_of_work(willow):
        riverside.charges_cancellations = True
        willow.add(riverside)
        later = night_for(willow, ben, date(2026, 11, 9), status=UnitStatus.did_not_attend)
        charges.attendance_changed(willow, [later.id], None)
    assert payers_on(willow, ben, date(2026, 11, 9)) == [("Riverside ICB", 72000)]


def test_changing_an_arrangement_flags_that_childs_charges_from_its_start(willow):
    from provider.funding import service as arrangements
    from provider.funding.models import Arrangement

    child = amira(willow)
    isf = willow.exec(select(Arrangement).where(Arrangement.name.startswith("Amira's ISF"))).one()
    with unit_of_work(willow):
        arrangements.save_arrangement(willow, {"cap_pence": 100000}, isf)
    flagged = willow.exec(select(Charge).where(Charge.needs_recalculation, Charge.state == ChargeState.current)).all()
    assert flagged and {c.child_id for c in flagged} == {child.id}
    assert flagged[0].flagged_reason == "The arrangement “Amira's ISF (Northshire social care)” was changed."
    with unit_of_work(willow):
        dry_run = charges.recalculate(willow, *YEAR, {child.id})
    # £1,000 cap: the 6 sibling sessions (£210) and the first ISF night (£650) fit; £140 of the last night...
    last = [d for d in dry_run.differences if d.day == date(2027, 3, 15)]
    assert [(d.before, d.after) for d in last] == [
        ([("Amira's ISF", 65000)], [("Amira's ISF", 14000), ("General Fund", 51000)])]
