"""The statutory income report (issue 8, item 2; DOMAIN.md §2, §7): Willow's 2026/27 income by source, with the
cash received beside it, tying to the ledger to the penny; quarters, months, year against year, and the CSV that
`lantern report --year 2026 --csv` prints."""
from __future__ import annotations

import csv
import io
from datetime import date
from fractions import Fraction

import pytest
import typer
from sqlalchemy import text
from sqlmodel import Session, select

from invoicing.credits import credit, lines_of
from invoicing.models import Invoice
from invoicing.payments import service as payments
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.ledger.accounts import account
from provider.ledger.post import Line, post
from provider.users.models import User
from reports import cli, income
from tests.conftest import demo_once_per_module

YEAR = income.year_period(2026)

# Willow's 2026/27 as the demo leaves it on 10 April 2027 (DOMAIN.md §10): (section, source, stream, reference,
# income, cash received). Northshire's block is all £150,000.00: each month's deferred income is released as income
# at the month's end, March's too, though March 2027's invoice run is left for a new user.
STATUTORY_LINES = [
    ("NHS children's hospice funding", "Riverside ICB", "grant award", "NHS-CHF-2627", 31_000_000, 23_250_000),
    ("ICBs", "Riverside ICB", "spot packages", "", 216_000, 144_000),
    ("Councils", "Eastvale Council", "managed budgets (social care)", "", 130_000, 100_000),
    ("Councils", "Northshire County Council", "block contract", "NCC-SB-2627", 15_000_000, 11_250_000),
    ("Councils", "Northshire County Council", "managed budgets (education)", "", 54_000, 54_000),
    ("Personal budgets", "Direct payments from families", "care delivered", "", 48_000, 42_000),
    ("Personal budgets", "Direct payments to nominees", "care delivered", "", 54_000, 54_000),
    ("Personal budgets", "ISF draw-downs", "care delivered", "", 173_000, 832_000),
    ("Personal budgets", "ISF management fees", "taken from the ISFs", "", 58_500, None),
]


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def ledger_income(db: Session, first: date, last: date) -> int:
    """The hand-written aggregate the report must agree with: the net credit of every income account."""
    return db.execute(text(
        "SELECT CAST(COALESCE(SUM(l.credit_pence - l.debit_pence), 0) AS BIGINT) FROM ledger_lines l "
        "JOIN ledger_accounts a ON a.id = l.account_id JOIN ledger_entries e ON e.id = l.entry_id "
        "WHERE a.code LIKE 'income:%' AND e.posted_on BETWEEN :first AND :last"),
        {"first": first, "last": last}).scalar_one()


def rows(report: income.Report, section: str | None = None) -> list[tuple]:
    return [(x.section, x.source, x.stream, x.reference, x.pence, x.cash) for x in report.lines
            if section is None or x.section == section]


def line(report: income.Report, source: str, stream: str) -> income.Line:
    return next(x for x in report.lines if (x.source, x.stream) == (source, stream))


def test_willows_2026_27_by_source_with_the_cash_received_and_the_statutory_share(willow):
    report = income.statutory_income(willow, YEAR.first, YEAR.last)
    assert [r for r in rows(report) if r[0] in income.STATUTORY] == STATUTORY_LINES
    assert report.statutory_pence == 46_733_500
    fees = line(report, "ISF management fees", "taken from the ISFs")
    assert (fees.pence, fees.cash, fees.statutory, fees.section) == (58_500, None, True, "Personal budgets")
    assert fees.note                                    # says why no cash stands beside it
    assert report.share == Fraction(46_733_500, report.total)
    assert report.total == report.ledger_pence == ledger_income(willow, YEAR.first, YEAR.last)
    assert report.label == "2026/27"
    assert report.section_totals()[:3] == [("NHS children's hospice funding", 31_000_000),
                                           ("ICBs", 216_000), ("Councils", 15_184_000)]


def test_the_grant_is_kept_apart_from_riversides_contract_income(willow):
    report = income.statutory_income(willow, YEAR.first, YEAR.last)
    riverside = [r for r in rows(report) if r[1] == "Riverside ICB"]
    assert riverside == [STATUTORY_LINES[0], STATUTORY_LINES[1]]
    assert {r[0] for r in riverside} == {"NHS children's hospice funding", "ICBs"}


def test_totals_tie_to_the_ledger_with_a_credit_note_and_a_waiver_in_the_year(willow):
    before = income.statutory_income(willow, YEAR.first, YEAR.last)
    invoices = {i.number: i for i in willow.exec(select(Invoice))}
    finance = willow.exec(select(User).where(User.email == "finance@willow.example")).one()
    admin = willow.exec(select(User).where(User.email == "admin@willow.example")).one()
    with unit_of_work(willow):
        # Q1's block instalment is all released: crediting it takes the income back.
        [block] = lines_of(willow, invoices["INV2627000001"])
        credit(willow, invoices["INV2627000001"], "Two nights of April not provided", {block.id: 100_000},
               finance.id, date(2027, 3, 20))
        asked = payments.ask_adjustment(willow, invoices["INV2627000009"], "waiver", 30_000,
                                        "Eastvale's £300 short payment not pursued", date(2027, 3, 24), finance)
        payments.approve_adjustment(willow, asked, admin, date(2027, 3, 25))
    after = income.statutory_income(willow, YEAR.first, YEAR.last)
    assert line(after, "Northshire County Council", "block contract").pence == 14_900_000
    waived = line(after, "Income waived", "waivers approved on invoices")
    assert (waived.pence, waived.cash, waived.section) == (-30_000, None, "Other income")
    assert after.total == before.total - 130_000
    assert after.total == after.ledger_pence == ledger_income(willow, YEAR.first, YEAR.last)


def test_quarters_and_months_add_up_to_the_year_each_tied_to_the_ledger(willow):
    year = income.statutory_income(willow, YEAR.first, YEAR.last)
    quarters = [income.quarter_period(2026, q) for q in (1, 2, 3, 4)]
    months = [income.month_period(2026 + (m < 4), m) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    for periods in (quarters, months):
        found = [income.statutory_income(willow, p.first, p.last) for p in periods]
        assert all(r.total == ledger_income(willow, r.first, r.last) for r in found)
        assert sum(r.total for r in found) == year.total
        assert sum(r.cash_total for r in found) == year.cash_total


def test_a_quarter_shows_the_grant_entitled_in_april_and_the_cash_that_came_later(willow):
    q1, q3 = (income.quarter_period(2026, q) for q in (1, 3))
    first = income.statutory_income(willow, q1.first, q1.last)
    assert (q1.label, first.label) == ("2026/27 Q1 (April to June 2026)", "April to June 2026")
    grant = line(first, "Riverside ICB", "grant award")
    assert (grant.pence, grant.cash) == (31_000_000, 7_750_000)
    # Each month's share of the block is income at that month's end, whenever the release was run.
    assert line(first, "Northshire County Council", "block contract").pence == 3_750_000
    third = income.statutory_income(willow, q3.first, q3.last)
    grant = line(third, "Riverside ICB", "grant award")
    assert (grant.pence, grant.cash) == (0, 7_750_000)     # the income was April's; October's money beside it


def test_a_month(willow):
    october = income.month_period(2026, 10)
    report = income.statutory_income(willow, october.first, october.last)
    assert report.label == "October 2026"
    assert line(report, "Riverside ICB", "spot packages").pence == 216_000      # Ben's 3 nights, 6–9 October
    assert report.total == ledger_income(willow, october.first, october.last)


def test_a_year_with_no_data_is_an_empty_report_not_an_error(willow):
    before = income.year_period(2025)
    report = income.statutory_income(willow, before.first, before.last)
    assert (report.is_empty, report.total, report.share, report.ties) == (True, 0, None, True)
    assert "no income is recorded for 2025/26" in cli.csv_text(report)
    assert "No income is recorded for 2025/26." in cli.table_text(report)


def test_a_period_that_ends_before_it_starts_is_refused_naming_the_field(db):
    with pytest.raises(FieldErrors) as refused:
        income.statutory_income(db, date(2026, 4, 1), date(2026, 3, 31))
    assert list(refused.value.errors) == ["last"]
    assert "before the period starts (01/04/2026)" in refused.value.errors["last"]
    with pytest.raises(FieldErrors) as refused:
        income.quarter_period(2026, 5)
    assert list(refused.value.errors) == ["quarter"]
    with pytest.raises(FieldErrors) as refused:
        income.month_period(2026, 13)
    assert list(refused.value.errors) == ["month"]


def test_year_against_year(willow):
    both = income.compare(willow, 2026)
    assert (both.this.label, both.last.label, both.last.is_empty) == ("2026/27", "2025/26", True)
    block = next(x for x in both.lines if (x.source, x.stream) == ("Northshire County Council", "block contract"))
    assert (block.this_year, block.last_year, block.change) == (15_000_000, 0, 15_000_000)
    assert sum(x.this_year for x in both.lines) == both.this.total
    later = income.compare(willow, 2027)
    assert sum(x.last_year for x in later.lines) == both.this.total


def test_the_csv_has_amounts_as_plain_numbers_with_two_decimals(willow):
    found = list(csv.reader(io.StringIO(cli.report_text(willow, 2026, csv=True))))
    assert found[0] == cli.HEADERS
    assert found[1] == ["NHS children's hospice funding", "Riverside ICB", "grant award", "NHS-CHF-2627",
                        "310000.00", "232500.00", ""]
    assert ["Councils", "Northshire County Council", "block contract", "NCC-SB-2627", "150000.00",
            "112500.00", ""] in found
    by_label = {row[0]: row for row in found}
    assert by_label["Statutory income"][4] == "467335.00"
    assert by_label["Income in the ledger"][6] == "agrees with the ledger"
    total = by_label["Total income"][4]
    assert total == by_label["Income in the ledger"][4]
    assert by_label["Statutory share (%)"][4] == cli.percent(Fraction(46_733_500, int(total.replace(".", ""))))


def test_the_report_command_prints_the_csv(willow, connection, monkeypatch, capsys):
    monkeypatch.setattr(cli, "open_session", lambda **_: Session(bind=connection,
                                                                join_transaction_mode="create_savepoint"))
    cli.report(2026, True)
    assert capsys.readouterr().out == cli.report_text(willow, 2026, csv=True)
    cli.report(2026, False)
    printed = capsys.readouterr().out
    assert "Statutory income 2026/27" in printed and "£150,000.00" in printed
    with pytest.raises(typer.Exit) as failed:
        cli.report(1999, True)
    assert failed.value.exit_code == 1
    assert capsys.readouterr().err.startswith("lantern: year: must be the year a financial year starts in")


def test_percent_rounds_halves_up():
    assert [cli.percent(x) for x in (Fraction(1, 8), Fraction(2, 3), Fraction(1, 20000), None)] == \
        ["12.50", "66.67", "0.01", ""]
