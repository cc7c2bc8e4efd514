"""Aged debt when nothing invoiced in 2026/27 has been paid: every band has something in it, and the total still ties
to the ledger."""
from __future__ import annotations

from datetime import date

from invoicing.payments import debt
from tests.conftest import demo_once_per_module
from tests.test_debt import NOTHING, TODAY, debtors_in_ledger, figures

demo_connection, connection = demo_once_per_module(payments=False)


def test_aged_debt_when_nothing_is_paid_falls_into_every_band(db):
    report = debt.aged_debt(db, TODAY)
    rows = figures(report)
    assert rows["Riverside ICB"] == ((NOTHING, NOTHING, NOTHING, "£77,500.00", "£234,660.00"), NOTHING)
    # Councils: Northshire's January quarter, Eastvale's Dev (over 90 days), and the three children's activity
    # days Northshire's education department owes since 31 March.
    assert rows["Councils"] == ((NOTHING, "£540.00", NOTHING, "£37,500.00", "£113,800.00"), NOTHING)
    assert rows["Brightway Direct Payment Support"] == ((NOTHING, NOTHING, NOTHING, NOTHING, "£540.00"), NOTHING)
    assert rows["Leila Haddad"] == ((NOTHING, "£60.00", NOTHING, "£60.00", "£360.00"), NOTHING)
    assert rows["Total"] == ((NOTHING, "£600.00", NOTHING, "£115,060.00", "£349,360.00"), NOTHING)
    assert report.total.total == 46_502_000 == debtors_in_ledger(db) and report.agrees
    earlier = debt.aged_debt(db, date(2026, 12, 1))
    assert figures(earlier)["Total"] == (("£2,280.00", NOTHING, "£116,360.00", "£660.00", "£230,120.00"), NOTHING)
    assert earlier.agrees
