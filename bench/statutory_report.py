"""The statutory income report over five financial years, against a hand-written SQL aggregate of the raw ledger
lines in the same run.

    python -m bench.generate --children 5000 --years 5 --database-url URL
    python -m bench.statutory_report [--database-url URL] [--repeat 3]

For each financial year 2022/23 to 2026/27 it times `reports.income.statutory_income` (staff's view), the trustee's
view (`reports.trustee.trustee_income`: the same with each line's children counted and small lines combined) and
`AGGREGATE`, every income account's net credit over the entries posted in the year, written out by hand; best of
`--repeat`, the three taken in turn. It prints the year's ledger lines, each time and the ratios to the aggregate,
and whether the report's total is the aggregate's sum (it must be: else it exits 1). Aim: each year's report, in
either view, under 1 s, and no slower than the aggregate. Reads only. Exits 2 on a database with no ledger lines.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import Session

import lantern.models  # noqa: F401  (every table in the metadata)
from provider.db import make_engine
from provider.ledger import accounts
from reports.income import statutory_income, year_period
from reports.trustee import trustee_income

DEFAULT_FILE = Path(__file__).resolve().parent / "out" / "report.db"
YEARS = range(2022, 2027)
AIM_SECONDS = 1.0
AGGREGATE = text(f"""
    SELECT a.code, CAST(SUM(l.credit_pence - l.debit_pence) AS BIGINT)
    FROM ledger_lines l
    JOIN ledger_accounts a ON a.id = l.account_id
    JOIN ledger_entries e ON e.id = l.entry_id
    WHERE a.code LIKE '{accounts.INCOME}%' AND e.posted_on BETWEEN :first AND :last
    GROUP BY a.code""")
LINES = text("SELECT count(*) FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id "
             "WHERE e.posted_on BETWEEN :first AND :last")


@dataclass(frozen=True)
class Year:
    label: str
    lines: int
    report: float
    trustee: float
    aggregate: float
    report_total: int
    trustee_total: int | None      # None: something held back from trustees
    aggregate_total: int

    @property
    def ties(self) -> bool:
        return self.report_total == self.aggregate_total


def _best(repeat: int, *calls):
    """Each call's best time of `repeat`, taking them in turn; and each one's last result."""
    best, results = [float("inf")] * len(calls), [None] * len(calls)
    for _ in range(repeat):
        for n, call in enumerate(calls):
            started = time.perf_counter()
            results[n] = call()
            best[n] = min(best[n], time.perf_counter() - started)
    return best, results


def measure(db: Session, first: date, last: date, label: str, repeat: int) -> Year:
    lines = db.execute(LINES, {"first": first, "last": last}).scalar_one()
    (report_s, trustee_s, aggregate_s), (report, trustee, accounts) = _best(
        repeat, lambda: statutory_income(db, first, last), lambda: trustee_income(db, first, last),
        lambda: db.execute(AGGREGATE, {"first": first, "last": last}).all())
    return Year(label, lines, report_s, trustee_s, aggregate_s, report.total, trustee.total,
                sum(int(pence) for _, pence in accounts))


def main(argv: list[str] | None = None) -> list[Year]:
    parser = argparse.ArgumentParser(prog="python -m bench.statutory_report", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_FILE}")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs of each")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    try:
        with Session(engine) as db:
            filled = inspect(db.connection()).has_table("ledger_lines")
            total = db.execute(text("SELECT count(*) FROM ledger_lines")).scalar_one() if filled else 0
            if not total:
                print(f"bench.statutory_report: {args.database_url} has no ledger lines: fill it first with "
                      f"python -m bench.generate --children 5000 --years 5 --database-url {args.database_url}",
                      file=sys.stderr)
                raise SystemExit(2)
            children = db.execute(text("SELECT count(*) FROM children")).scalar_one()
            print(f"Statutory income report on {engine.dialect.name}: {children} children, {total} ledger lines; "
                  f"best of {args.repeat}")
            print(f"{'year':<9}{'lines':>10}{'report s':>10}{'trustee s':>11}{'SQL s':>8}{'report/SQL':>12}"
                  f"{'trustee/SQL':>13}  total = SQL sum")
            years = []
            for year in YEARS:
                period = year_period(year)
                found = measure(db, period.first, period.last, period.label, args.repeat)
                years.append(found)
                trustee = ("trustee's: some held back" if found.trustee_total is None else
                           f"trustee's: {'yes' if found.trustee_total == found.aggregate_total else 'NO'}")
                print(f"{found.label:<9}{found.lines:>10}{found.report:>10.3f}{found.trustee:>11.3f}"
                      f"{found.aggregate:>8.3f}{found.report / found.aggregate:>11.1f}x"
                      f"{found.trustee / found.aggregate:>12.1f}x  {'yes' if found.ties else 'NO'}, {trustee}")
                db.rollback()
    finally:
        engine.dispose()
    report, trustee, aggregate = (sum(getattr(y, name) for y in years) for name in ("report", "trustee", "aggregate"))
    worst = max(max(y.report, y.trustee) for y in years)
    verdict = {name: "met" if all(getattr(y, name) < AIM_SECONDS and getattr(y, name) <= y.aggregate for y in years)
               else "missed" for name in ("report", "trustee")}
    print(f"Five years: report {report:.2f} s, trustee's {trustee:.2f} s, SQL aggregate {aggregate:.2f} s; ratio "
          f"report/SQL {report / aggregate:.1f}x, trustee/SQL {trustee / aggregate:.1f}x; totals agree: "
          f"{'yes' if all(y.ties for y in years) else 'NO'}. Aim: each year under {AIM_SECONDS:.0f} s (slowest "
          f"{worst:.2f} s) and no slower than the aggregate: staff's view {verdict['report']}, trustees' view "
          f"{verdict['trustee']}.")
    return years


if __name__ == "__main__":
    sys.exit(0 if all(year.ties for year in main(sys.argv[1:])) else 1)
