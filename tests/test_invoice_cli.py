"""`lantern invoice-run` drafts and, with --issue, issues; `lantern invoices` lists what was issued."""
from __future__ import annotations

from lantern import demo
from provider.db import make_engine, open_session, unit_of_work
from tests.test_cli import run  # noqa: F401  (the fixture)


def _willow_not_yet_invoiced(url: str) -> None:
    engine = make_engine(url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session, invoicing=False, grants=False)
    finally:
        engine.dispose()


def test_the_demo_has_2026_27_invoiced_to_february_with_the_hospital_day_credited(run, fresh_database_url):  # noqa: F811
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    assert run(fresh_database_url, "demo").returncode == 0
    november = run(fresh_database_url, "invoices", "--period", "2026-11").stdout.splitlines()
    assert [line.split() for line in november] == [["CN2627000001", "Leila", "Haddad", "-£60.00"],
                                                   ["INV2627000015", "Leila", "Haddad", "£60.00"]]
    october = run(fresh_database_url, "invoices", "--period", "2026-10").stdout.splitlines()
    assert [line.split(None, 1)[0] for line in october] == ["INV2627000011", "INV2627000012", "INV2627000013",
                                                            "INV2627000014"]
    assert october[0].split() == ["INV2627000011", "Northshire", "County", "Council,", "Children's", "Social", "Care",
                                  "£37,500.00"]  # the quarter's instalment, invoiced in advance on 1 October
    # The NHS children's hospice funding's grant invoice, on the same day, and Ben's nights after the month.
    assert october[1].split() == ["INV2627000012", "Riverside", "ICB", "£77,500.00"]
    assert october[3].split() == ["INV2627000014", "Riverside", "ICB", "£2,160.00"]
    march = run(fresh_database_url, "invoice-run", "--period", "2027-03").stdout.splitlines()
    assert "Drafts ready to issue: 0" in march and "Exceptions: 0" in march
    assert run(fresh_database_url, "check").returncode == 0


def test_an_invoice_run_prints_the_drafts_changes_nothing_then_issues_once(run, fresh_database_url):  # noqa: F811
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    _willow_not_yet_invoiced(fresh_database_url)
    dry = run(fresh_database_url, "invoice-run", "--period", "2026-10")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "Invoice run for October 2026 (01/10/2026 to 31/10/2026)"
    assert any(line.split() == ["Riverside", "ICB", "£2,160.00"] for line in lines), dry.stdout
    assert any(line.split() == ["Leila", "Haddad", "£60.00"] for line in lines), dry.stdout
    assert "Exceptions: 0" in lines and "Total ready: £39,720.00" in lines
    assert lines[-1] == "Nothing was issued: run again with --issue to issue the drafts without exceptions."
    assert run(fresh_database_url, "invoices", "--period", "2026-10").stdout.strip() == \
        "No invoices or credit notes for October 2026."

    issued = run(fresh_database_url, "invoice-run", "--period", "2026-10", "--issue")
    assert issued.returncode == 0, issued.stderr
    assert "Issued 3 invoice(s) and 0 credit note(s); 0 left with exceptions or paid on a schedule." in issued.stdout
    listed = run(fresh_database_url, "invoices", "--period", "2026-10").stdout.splitlines()
    assert [(line.split()[0], line.split()[-1]) for line in listed] == [
        ("INV2728000001", "£60.00"), ("INV2728000002", "£37,500.00"), ("INV2728000003", "£2,160.00")]
    again = run(fresh_database_url, "invoice-run", "--period", "2026-10", "--issue")
    assert again.returncode == 0 and "Issued 0 invoice(s)" in again.stdout
    assert run(fresh_database_url, "check").returncode == 0


def test_an_invoice_run_refuses_a_period_that_is_not_a_month(run, fresh_database_url):  # noqa: F811
    result = run(fresh_database_url, "invoice-run", "--period", "Oct")
    assert result.returncode == 1
    assert result.stderr.strip() == "lantern: --period must be a month written YYYY-MM, like 2026-10 (got 'Oct')"


def test_the_year_end_schedules_tie_to_the_ledger(run, fresh_database_url):  # noqa: F811
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    assert run(fresh_database_url, "demo").returncode == 0
    result = run(fresh_database_url, "year-end", "--year", "2026")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Year-end schedules at 31 March 2027"
    # Paid to February: Riverside still owes the last grant quarter and the night of Ben's stay it queries.
    assert any(line.split() == ["Riverside", "ICB:", "over", "90", "days", "£720.00"] for line in lines)
    assert any(line.split() == ["Riverside", "ICB:", "31-60", "days", "£77,500.00"] for line in lines)
    assert any(line.split() == ["Northshire", "County", "Council,", "Children's", "Social", "Care:", "31-60", "days",
                                "£37,500.00"] for line in lines)  # January's instalment, due in February
    # March's share of the last quarter was released at March's end: nothing of the block is deferred any more.
    assert not any("NCC-SB-2627" in line for line in lines if line.strip().startswith("Deferred"))
    ties = [line for line in lines if line.strip().startswith("Ledger")]
    assert len(ties) == 6 and all(line.endswith("agrees with the ledger") for line in ties)
    debtors = next(line for line in lines if line.strip().startswith("Total"))
    assert debtors.split()[-1] == "£116,080.00"


def test_a_year_that_is_not_one_is_refused(run, fresh_database_url):  # noqa: F811
    result = run(fresh_database_url, "year-end", "--year", "26")
    assert result.returncode == 1
    assert result.stderr.strip() == "lantern: --year must be the year a financial year starts in, like 2026 (got 26)"


def test_closing_months_and_the_year(run, fresh_database_url):  # noqa: F811
    from sqlmodel import select

    from provider.ledger.models import AccountingPeriod

    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    assert run(fresh_database_url, "demo").returncode == 0
    url = fresh_database_url
    october = run(url, "close-month", "--period", "2026-10")
    assert october.returncode == 1 and october.stderr.strip() == (
        "lantern: --period cannot be closed yet: April 2026 is still open, and the months of 2026/27 close in order")
    april = run(url, "close-month", "--period", "2026-04")
    assert april.returncode == 0 and april.stdout.strip() == "Closed April 2026."
    again = run(url, "close-month", "--period", "2026-04")
    assert again.returncode == 1 and again.stderr.strip() == "lantern: --period is already closed: April 2026"
    year = run(url, "close-month", "--period", "2027-03", "--year")
    assert year.returncode == 0
    assert year.stdout.strip().startswith("Closed May 2026, June 2026,") and "April 2026" not in year.stdout
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine, read_only=True) as session:
            assert len(session.exec(select(AccountingPeriod)).all()) == 12
    finally:
        engine.dispose()
    assert run(fresh_database_url, "check").returncode == 0
