"""`lantern report --year 2026 [--csv]`: the statutory income table of a financial year, tied to the ledger."""
from __future__ import annotations

import math
from fractions import Fraction

import typer
from sqlmodel import Session

from provider import csv_out
from provider.dates import short_date
from provider.db import open_session
from provider.errors import FieldErrors
from provider.ledger.periods import parse_year, start_month
from provider.money import format_gbp
from reports.charts import Table
from reports.income import Report, statutory_income, year_period
from reports.trustee import HELD_BACK, TrusteeReport

HEADERS = ["Section", "Source", "Income", "Reference", "Income recognised", "Cash received", "Note"]
STATUTORY_NOTE = "NHS funding, ICBs, councils and all personal-budget income"


def percent(share: Fraction | None) -> str:
    """A share as a plain percentage to two decimals, halves up: Fraction(1, 8) is '12.50'; None is ''."""
    if share is None:
        return ""
    hundredths = math.floor(share * 10_000 + Fraction(1, 2))
    return f"{'-' if hundredths < 0 else ''}{abs(hundredths) // 100}.{abs(hundredths) % 100:02d}"


def _tie(report: Report) -> str:
    return "agrees with the ledger" if report.ties else "DOES NOT AGREE with the ledger"


def _plain(pence: int | None) -> str:
    return "" if pence is None else csv_out.amount(pence)


def _plain_percent(share: Fraction | None) -> str:
    return csv_out.Figure(percent(share)) if share is not None else ""


def csv_text(report: Report | TrusteeReport) -> str:
    """One row a line, then the totals, the statutory share and the ledger's own figure; amounts as 150000.00.
    An amount held back from trustees (reports/trustee.py) is empty, and its note says so."""
    rows = [[line.section, line.source, line.stream, line.reference, _plain(line.pence), _plain(line.cash), line.note]
            for line in report.lines]
    empty = f"no income is recorded for {report.label}" if report.is_empty else ""
    held = HELD_BACK if report.total is None else ""
    rows += [["Total income", "", "", "", _plain(report.total), _plain(report.cash_total), empty or held],
             ["Statutory income", "", "", "", _plain(report.statutory_pence), "", STATUTORY_NOTE],
             ["Statutory share (%)", "", "", "", _plain_percent(report.share), "", held],
             ["Income in the ledger", "", "", "", _plain(report.ledger_pence), "", held or _tie(report)]]
    return csv_out.csv_text(HEADERS, rows, line_end="\n")


def table_csv(table: Table) -> str:
    return csv_out.csv_text(table.headers, table.rows, line_end="\n")


def table_text(report: Report) -> str:
    title = f"Statutory income {report.label} ({short_date(report.first)} to {short_date(report.last)})"
    if report.is_empty:
        return f"{title}\n  No income is recorded for {report.label}.\n"
    labels = [f"{x.source}: {x.stream}" + (f" {x.reference}" if x.reference else "") for x in report.lines]
    width = max(len(label) for label in labels + [STATUTORY_NOTE])
    out, section = [title, f"  {'':<{width}} {'income':>15} {'cash received':>15}"], None
    for line, label in zip(report.lines, labels):
        if line.section != section:
            section = line.section
            out.append(section)
        cash = "" if line.cash is None else format_gbp(line.cash)
        out.append(f"  {label:<{width}} {format_gbp(line.pence):>15} {cash:>15}  {line.note}".rstrip())
    out.append(f"  {'Total income':<{width}} {format_gbp(report.total):>15} {format_gbp(report.cash_total):>15}")
    out.append(f"  {'Statutory income':<{width}} {format_gbp(report.statutory_pence):>15}  "
               f"{percent(report.share) or '-'}% of income")
    out.append(f"  {'Income in the ledger':<{width}} {format_gbp(report.ledger_pence):>15}  {_tie(report)}")
    return "\n".join(out) + "\n"


def report_text(db: Session, year: int | str, csv: bool = False) -> str:
    """The statutory income table of the financial year starting in `year` (2026 for 2026/27)."""
    period = year_period(parse_year(year), start_month(db))
    found = statutory_income(db, period.first, period.last)
    return csv_text(found) if csv else table_text(found)


def report(year: int = typer.Option(..., help="The financial year by the year it starts in: 2026 for 2026/27"),
           csv: bool = typer.Option(False, "--csv", help="Print the table as CSV, amounts like 150000.00.")) -> None:
    """Print the statutory income table for a financial year: income by source, the cash received beside it, the
    statutory share, and the ledger's own total."""
    session = open_session(read_only=True)
    try:
        typer.echo(report_text(session, year, csv), nl=False)
    except FieldErrors as exc:
        typer.echo(f"lantern: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()
