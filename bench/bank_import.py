"""Importing and matching a year of bank statement lines, as a ratio to parsing the file alone in the same run.

    python -m bench.bank_import [--database-url URL] [--children 2000] [--accept 500] [--repeat 3] [--seed 2027]

On an empty, migrated database (without --database-url: DATABASE_URL, else bench/out/bank.db, made afresh), inside
one transaction that is rolled back at the end, so the database is left empty and the command can run again:

- set-up, not timed: Willow's settings, bank accounts and CSV layouts; 25 councils, 10 ICBs and 500 nominees as
  payers; for each of N children one invoice a month for 2026/27 (`INV2627000001`…, bulk inserts);
- the Operating account's statement for the year as one CSV in the "Paid in and out" layout: a payment for most
  invoices (by its number as the reference, 70%; upper- or lower-cased, spaced or prefixed, 8%; the number only in
  the description, 8%; no number, 6%; part-payments, 4%; 4% unpaid), two identical donations on some days, and
  money out (salaries, suppliers, interest);
- timed: parsing the file alone (`parse`; the best of --repeat), importing it (`import_file`: parse, identities,
  what is held already, bulk insert), matching (`views.rows`: every unmatched line with its suggestions), importing
  a re-export of the same lines (all held already: nothing added), and accepting --accept suggestions (each records
  a payment and allocates it through the payments service, with its ledger postings).

It prints each time and its ratio to parsing alone. COMMIT is not timed.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select, text

import lantern.models  # noqa: F401  (every table in the metadata)
from provider.bank import importing
from invoicing.bank_lines import views
from invoicing.bank_lines import matching
from provider.bank.parse import parse
from invoicing.models import Invoice
from provider.base import new_id
from provider.clock import set_as_of_date
from provider.dates import short_date
from provider.db import make_engine, open_session
from lantern.demo_data import bank as demo_bank
from lantern.demo_data import organisation
from provider.funders.models import Funder, FunderKind
from provider.migrate import upgrade
from provider.organisation.models import ColumnMap
from provider.people.models import Nominee, NomineeKind

DEFAULT_FILE = Path(__file__).resolve().parent / "out" / "bank.db"
TODAY = date(2027, 4, 10)
YEAR = date(2026, 4, 1)
HEADER = ["Date", "Type", "Reference", "Description", "Paid in", "Paid out", "Balance"]


def payers(db, rng: random.Random) -> list[tuple[str, str]]:
    funders = [Funder(kind=FunderKind.local_authority, name=f"Bench Council {n:02d}", billing_address="Town Hall")
               for n in range(1, 26)]
    funders += [Funder(kind=FunderKind.icb, name=f"Bench ICB {n:02d}", billing_address="ICB House")
                for n in range(1, 11)]
    db.add_all(funders)
    db.flush()
    nominees = [{"id": new_id(), "kind": NomineeKind.person.value, "name": f"Nominee {n:03d}", "address": "Home",
                 "notes": ""} for n in range(1, 501)]
    db.connection().execute(insert(Nominee.__table__), nominees)
    return [(f"funder:{f.id}", f.name) for f in funders] + [(f"nominee:{n['id']}", n["name"]) for n in nominees]


def invoices(db, children: int, refs: list[tuple[str, str]], rng: random.Random) -> list[dict]:
    councils, icbs, nominees = refs[:25], refs[25:35], refs[35:]
    rows, number = [], 0
    for child in range(children):
        kind = child % 20
        payer = councils[child % 25] if kind < 12 else icbs[child % 10] if kind < 15 else nominees[child % 500]
        for month in range(12):
            first = YEAR + relativedelta(months=month)
            number += 1
            amount = rng.choice([72_000, 6_000, 3_200, 12_000]) * rng.randint(1, 6) + rng.choice([0, 0, 6_000])
            rows.append({"id": new_id(), "number": f"INV2627{number:06d}", "kind": "invoice", "payer_ref": payer[0],
                         "payer_name": payer[1], "period_start": first,
                         "period_end": first + relativedelta(months=1) - timedelta(days=1),
                         "issued_on": first + relativedelta(months=1),
                         "due_on": first + relativedelta(months=1, days=30),
                         "total_pence": amount, "data": "{}", "data_sha256": "0" * 64})
    db.connection().execute(insert(Invoice.__table__), rows)
    return rows


def statement(invoice_rows: list[dict], rng: random.Random) -> bytes:
    lines = []
    for row in invoice_rows:
        paid_on = row["issued_on"] + timedelta(days=rng.randint(3, 75))
        roll = rng.random()
        if paid_on >= TODAY or roll >= 0.96:
            continue
        number, amount, name = row["number"], row["total_pence"], row["payer_name"].upper()
        reference, description = number, name
        if roll >= 0.92:
            amount -= 1_000 if amount > 1_000 else 0
        elif roll >= 0.86:
            reference = name[:12]
        elif roll >= 0.78:
            reference, description = f"REMITTANCE {rng.randint(10_000, 99_999)}", f"{name} INVOICE {number}"
        elif roll >= 0.70:
            reference = rng.choice([f"inv {number[3:7]} {number[7:]}", f"WILLOW-{number}", number.lower()])
        lines.append((paid_on, "BGC", reference, description, amount))
    day = YEAR
    while day < TODAY:
        if day.day == 1:
            lines += [(day, "INT", "INTEREST", "GROSS INTEREST", rng.randint(100, 5_000))]
        if day.weekday() < 5:
            lines += [(day, "DD", f"SUP-{rng.randint(1000, 9999)}", "SUPPLIER", -rng.randint(1_000, 500_000))
                      for _ in range(rng.randint(4, 10))]
        if day.day == 20:
            lines += [(day, "BP", "PAYROLL", "WILLOW STAFF SALARIES", -150_000_000)]
        if day.weekday() == 5:
            lines += [(day, "FPI", "SPONSORED WALK", "J MORRIS", 2_500)] * 2   # two identical donations
        day += timedelta(days=1)
    lines.sort(key=lambda line: line[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for booked_on, kind, reference, description, amount in lines:
        money = f"{abs(amount) // 100}.{abs(amount) % 100:02d}"
        writer.writerow([short_date(booked_on), kind, reference, description, money if amount > 0 else "",
                         money if amount < 0 else "", ""])
    return out.getvalue().encode()


def timed(db, step, repeat: int = 1, keep: bool = True) -> tuple[float, object]:
    """The best time of `repeat` runs of `step`, each in a savepoint rolled back but (with `keep`) the last."""
    best, result = None, None
    for n in range(repeat):
        savepoint = db.begin_nested()
        started = time.perf_counter()
        result = step()
        db.flush()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        if keep and n == repeat - 1:
            savepoint.commit()
        else:
            savepoint.rollback()
    return best, result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.bank_import", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--accept", type=int, default=500, help="suggestions to accept (each a payment)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step but accepting; the best is reported")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    url = args.database_url
    if not url:
        DEFAULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        for leftover in DEFAULT_FILE.parent.glob(DEFAULT_FILE.name + "*"):
            leftover.unlink()
        url = f"sqlite:///{DEFAULT_FILE}"
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(args.seed)
    db = open_session(engine)
    try:
        if db.scalar(select(func.count()).select_from(Invoice)):
            sys.exit("bench.bank_import: the database has invoices already: give it an empty, migrated one")
        set_as_of_date(db, TODAY)
        organisation.build(db)
        demo_bank.build(db)
        made = invoices(db, args.children, payers(db, rng), rng)
        db.flush()
        if engine.dialect.name == "postgresql":
            db.exec(text("ANALYZE"))
        data = statement(made, rng)
        account = importing.account_by_label(db, "Operating")
        layout = db.get(ColumnMap, account.column_map_id)
        figures = run(db, account, layout, data, args)
        report(engine.dialect.name, args.children, len(made), data, figures)
        return figures
    finally:
        db.rollback()
        db.close()
        engine.dispose()


def run(db, account, layout, data: bytes, args) -> dict:
    repeat = args.repeat
    parse_s, (_, lines) = timed(db, lambda: parse(data, layout), repeat)
    import_s, record = timed(db, lambda: importing.import_file(db, account, "year.csv", data), repeat)
    counts = (len(lines), record.lines_new)
    match_s, rows = timed(db, lambda: views.rows(db, account.id, "unmatched"), repeat)
    again_s, again_new = timed(db, lambda: importing.import_file(db, account, "year (1).csv",
                                                                 data.replace(b"\r\n", b"\n")).lines_new,
                               repeat, keep=False)
    kinds: dict[str, int] = {}
    for row in rows:
        if row.line.amount_pence > 0:
            kind = row.suggestions[0].key.split(":")[0] if row.suggestions else "none"
            kinds[kind] = kinds.get(kind, 0) + 1
    chosen = [r for r in rows if r.suggestions][:args.accept]
    accept_s, _ = timed(db, lambda: [matching.accept(db, r.line.id, r.suggestions[0].key, TODAY) for r in chosen])
    return {"lines": counts[0], "new": counts[1], "again_new": again_new, "unmatched": len(rows), "kinds": kinds,
            "accepted": len(chosen), "parse": parse_s, "import": import_s, "match": match_s, "again": again_s,
            "accept": accept_s}


def report(engine: str, children: int, invoice_count: int, data: bytes, f: dict) -> None:
    base = f["parse"]
    print(f"Bank statement import and matching on {engine}: {children:,} children, {invoice_count:,} invoices, "
          f"{f['lines']:,} lines in the file ({len(data) / 1e6:.1f} MB)")
    print(f"  parse the file alone                          {base:7.2f} s")
    for label, key in (("import: parse, identify, check held, write", "import"),
                       (f"match: suggest for {f['unmatched']:,} unmatched lines", "match")):
        print(f"  {label:<46}{f[key]:7.2f} s  {f[key] / base:5.1f}x")
    both = f["import"] + f["match"]
    print(f"  {'import and match':<46}{both:7.2f} s  {both / base:5.1f}x")
    print(f"  {'import a re-export: all held, ' + str(f['again_new']) + ' added':<46}{f['again']:7.2f} s  "
          f"{f['again'] / base:5.1f}x")
    if f["accepted"]:
        each = f["accept"] / f["accepted"]
        print(f"  accept {f['accepted']:,} suggestions (payment + allocation)    {f['accept']:7.2f} s  "
              f"({each * 1000:.1f} ms each; all {sum(v for k, v in f['kinds'].items() if k != 'none'):,} would take "
              f"about {each * sum(v for k, v in f['kinds'].items() if k != 'none'):.0f} s)")
    print("  money in by first suggestion: " + ", ".join(f"{k} {v:,}" for k, v in sorted(f["kinds"].items())))


if __name__ == "__main__":
    main()
