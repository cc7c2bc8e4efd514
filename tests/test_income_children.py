"""The children behind each line of the trustees' income report, kept month by month
(provider/ledger/income_children.py): always what the ledger and the charges say, however care is charged,
withdrawn or recalculated, and the trustees' view read from them is the view read from the raw ledger."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from sqlmodel import select

from provider.bookings.models import Booking, BookingUnit, UnitStatus
from provider.charges import service as charges
from provider.db import unit_of_work
from provider.funding.models import BlockContract
from reports import check
from reports import income_children
from reports import income
from reports.trustee import trustee_income
from tests.conftest import _bound_session, demo_once_per_module, rolled_back

YEAR = income.year_period(2026, 4)
demo_connection, connection = demo_once_per_module()


def from_raw_ledger(monkeypatch, db, first: date, last: date) -> income.Report:
    """The report as it is read over part months: straight from the ledger lines and the charges."""
    with monkeypatch.context() as patched:
        patched.setattr(income, "_whole_months", lambda *_: False)
        return income.statutory_income(db, first, last, children=True)


def periods() -> list[tuple[date, date]]:
    quarters = [income.quarter_period(2026, n, 4) for n in range(1, 5)]
    months = [income.month_period(2026 + (m < 4), m) for m in [*range(4, 13), *range(1, 4)]]
    return [(YEAR.first, YEAR.last)] + [(p.first, p.last) for p in quarters + months]


def test_the_demo_keeps_the_children_the_ledger_and_the_charges_name(db):
    kept = income_children.kept(db)
    assert kept == income_children.recomputed(db)
    assert {source for _, source, _, _, _ in kept} == {"care", "fee", "block"}
    assert check.children_kept_by_month(db) == []
    # Northshire's short-break block paid, in whole or in part, for the nights of 18 children in 2026/27.
    northshire = db.exec(select(BlockContract).where(BlockContract.reference == "NCC-SB-2627")).one()
    _, _, blocks = income_children.between(db, YEAR.first, YEAR.last)
    assert len(blocks[str(northshire.id)]) == 18


def test_the_trustees_view_from_the_kept_rows_is_the_view_from_the_raw_ledger(db, monkeypatch):
    for first, last in periods():
        kept = income.statutory_income(db, first, last, children=True)
        assert kept == from_raw_ledger(monkeypatch, db, first, last), f"{first} to {last}"
    year = income.statutory_income(db, YEAR.first, YEAR.last, children=True)
    assert [x.children for x in year.lines if x.reference == "NCC-SB-2627"] == [18]
    assert trustee_income(db, YEAR.first, YEAR.last).total == year.total


def test_a_count_that_would_show_a_wrong_child_is_caught_by_the_check(db):
    with unit_of_work(db):
        row = db.exec(select(income_children.IncomeChildMonth).where(income_children.IncomeChildMonth.source
                                                                      == "block")).first()
        row.count += 1
        db.add(row)
    assert len(check.children_kept_by_month(db)) == 1


@pytest.fixture(scope="module")
def units(demo_connection) -> list[str]:
    session = _bound_session(demo_connection)
    try:
        return [str(u) for u in session.exec(select(BookingUnit.id).join(Booking)
                                             .where(BookingUnit.day.between(YEAR.first, YEAR.last))
                                             .order_by(BookingUnit.id))]
    finally:
        session.close()


@settings(max_examples=15)
@given(data=st.data())
def test_attendance_changed_and_recalculated_keeps_the_counts_true(data, units, demo_connection):
    """Whatever attendance is marked, and whether the year is then recalculated, the kept counts are the ones the
    ledger and the charges give, and the trustees' view over the year reads the same from either."""
    changes = data.draw(st.lists(st.tuples(st.sampled_from(units), st.sampled_from(list(UnitStatus))),
                                 min_size=1, max_size=6, unique_by=lambda c: c[0]))
    recalculate = data.draw(st.booleans())
    with rolled_back(demo_connection) as db:
        with unit_of_work(db):
            for unit_id, status in changes:
                unit = db.get(BookingUnit, uuid.UUID(unit_id))
                unit.status = status
                db.add(unit)
            db.flush()
            charges.attendance_changed(db, [uuid.UUID(unit_id) for unit_id, _ in changes], None)
        if recalculate:
            with unit_of_work(db):
                charges.apply(db, charges.recalculate(db, YEAR.first, YEAR.last), None)
        assert income_children.differences(db) == []
        with pytest.MonkeyPatch.context() as monkeypatch:
            assert income.statutory_income(db, YEAR.first, YEAR.last, children=True) == \
                from_raw_ledger(monkeypatch, db, YEAR.first, YEAR.last)
