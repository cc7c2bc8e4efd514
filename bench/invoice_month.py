"""Invoicing one month: drafting and issuing timed against a plain-SQL baseline, PDFs against a minimal page.

    python -m bench.invoice_month [--database-url URL] [--month 2027-03] [--units 0] [--repeat 1] [--pdfs 20]
                                  [--profile] [--check]

On a database made by `bench.generate` (2,000 children: `--children 2000 --years 5`), whose history months
already hold the charges the generator stored, every month before March 2027 already invoiced (the generator
leaves `OPEN_MONTH`, the month whose run is due on the clock's date, to this benchmark; a month that already has
invoices is refused). `--units N` first books and charges N more delivered units in the month (as
`bench.allocate_month` does; not timed), for a month of the issue's size. Inside one transaction, each timed
part in a savepoint that is rolled back:

- engine: `draft_run` then `issue_run` for the month, as finance sees the drafts and then issues them (numbers,
  frozen documents, lines, billed parts, a ledger posting per invoice), flushed; no PDFs;
- baseline: reads the same billable charge parts with plain SQLAlchemy Core and inserts as many rows of each
  table as the engine wrote (invoices, lines, billed parts and instalments, ledger accounts, entries and
  lines) with Core inserts.

Then it renders `--pdfs` of the issued invoices' documents with `render_invoice_pdf`, one after another and
on two processes at once, each against `render_minimal_pdf` timed the same way in the same run. Everything is
rolled back at the end, so the database is left as it was and the command can be run again.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import re
import sys
import time
import uuid
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select
from sqlmodel import Session

import lantern.models  # noqa: F401  (every table in the metadata)
from bench.allocate_month import book_month
from bench.generate import DEFAULT_FILE, OPEN_MONTH
from invoicing.drafting import Draft
from invoicing.documents import render_invoice_pdf, render_minimal_pdf
from invoicing.gather import NOT_INVOICED_KINDS
from invoicing.models import BilledInstalment, BilledPart, Invoice, InvoiceLine
from invoicing.runs import draft_run, issue_run, month_bounds
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.charges.service import attendance_changed
from provider.db import make_engine
from provider.funding.models import BlockContract
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.people.models import Child
from provider.users.models import Role, User

DEFAULT_MONTH = f"{OPEN_MONTH:%Y-%m}"  # the one month of the history that bench.generate leaves un-invoiced
TARGET_SECONDS = 5.0
TARGET_RATIO = 3.0
ISSUE_CHARGES = 20_000  # the issue's month: 2,000 children and 20,000 charges
WORKERS = 2
TABLES = {"invoices": Invoice, "invoice lines": InvoiceLine, "billed parts": BilledPart,
          "billed instalments": BilledInstalment, "ledger accounts": LedgerAccount, "ledger entries": LedgerEntry,
          "ledger lines": LedgerLine}


def billable_parts(first: date, last: date):
    """The charge parts of the month an outside payer owes and no invoice bills: `gather.billables`' filter."""
    return (select(ChargePart.id, Charge.child_id, Charge.service_id, Charge.day, ChargePart.units, ChargePart.pence,
                   ChargePart.payer_ref, ChargePart.arrangement_ref)
            .join(Charge, Charge.id == ChargePart.charge_id)
            .join(BilledPart, BilledPart.part_id == ChargePart.id, isouter=True)
            .where(Charge.state == ChargeState.current, Charge.day >= first, Charge.day <= last,
                   ChargePart.pence > 0, ChargePart.kind.not_in(NOT_INVOICED_KINDS),
                   ~ChargePart.payer_ref.startswith("isf:"), BilledPart.part_id.is_(None)))


def month_facts(db: Session, first: date, last: date) -> dict[str, int]:
    conn = db.connection()
    in_month = (Charge.state == ChargeState.current, Charge.day >= first, Charge.day <= last)
    charges = conn.execute(select(func.count()).select_from(Charge).where(*in_month)).scalar_one()
    parts = conn.execute(select(func.count()).select_from(ChargePart)
                         .join(Charge, Charge.id == ChargePart.charge_id).where(*in_month)).scalar_one()
    owed = billable_parts(first, last).subquery()
    payers = conn.execute(select(func.count(func.distinct(owed.c.payer_ref)))).scalar_one()
    billable = conn.execute(select(func.count()).select_from(owed)).scalar_one()
    return {"charges": charges, "parts": parts, "billable": billable, "payers": payers}


def table_counts(db: Session) -> dict[str, int]:
    conn = db.connection()
    return {name: conn.execute(select(func.count()).select_from(model)).scalar_one() for name, model in TABLES.items()}


def add_units(db: Session, first: date, units: int, actor: User) -> int:
    """Book and charge `units` more delivered units in the month, as `bench.allocate_month` books them."""
    unit_ids, _ = book_month(db, first, units, seed=31_2027)
    db.flush()
    attendance_changed(db, unit_ids, actor)
    db.flush()
    return len(unit_ids)


def payers_to_issue(drafts: list[Draft]) -> tuple[set[str] | None, list[Draft], int]:
    """The payers to issue (None: all), the issuable drafts left out, and the longest purchase-order list.

    PostgreSQL refuses a draft whose purchase orders run longer than `invoices.po_number` holds, so then the run
    names every other payer; a run that names payers may not name one with a held-back draft."""
    limit = Invoice.__table__.c.po_number.type.length
    longest = max((len(d.po_number or "") for d in drafts if d.can_issue), default=0)
    if longest <= limit:
        return None, [], longest
    refused = {d.payer.ref for d in drafts if d.can_issue and len(d.po_number or "") > limit}
    named = {d.payer.ref for d in drafts if d.can_issue} - {d.payer.ref for d in drafts if d.exceptions} - refused
    return named, [d for d in drafts if d.can_issue and d.payer.ref not in named], longest


def run_engine(db: Session, first: date, last: date, actor_id: uuid.UUID, payer_refs: set[str] | None,
               profile: bool) -> dict:
    before = table_counts(db)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    drafts = draft_run(db, first, last)
    drafted = time.perf_counter()
    result = issue_run(db, first, last, actor_id, payer_refs=payer_refs)
    db.flush()
    finished = time.perf_counter()
    if profiler:
        profiler.disable()
    after = table_counts(db)
    report = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        report = out.getvalue()
    issued = sorted(result.issued, key=lambda invoice: invoice.number)
    return {"seconds": finished - started, "draft": drafted - started, "issue": finished - drafted,
            "drafts": len(drafts), "credit notes": len(result.credit_notes),
            "written": {name: after[name] - before[name] for name in TABLES},
            "documents": [json.loads(invoice.data) for invoice in issued], "report": report}


def run_baseline(db: Session, first: date, last: date, written: dict[str, int]) -> float:
    """Read the billable parts; insert as many rows of each table as the engine wrote, with Core inserts: no
    drafting, numbering, account look-ups or balancing."""
    conn = db.connection()
    contracts = conn.execute(select(BlockContract.id).order_by(BlockContract.id)).scalars().all()
    existing = conn.execute(select(LedgerAccount.id).order_by(LedgerAccount.code).limit(1)).scalars().all()
    started = time.perf_counter()
    parts = conn.execute(billable_parts(first, last)).all()
    now = datetime.now(UTC)
    invoices = [{"id": uuid.uuid4(), "number": f"BENCH{n:06d}", "kind": "invoice", "payer_ref": f"bench:{n}",
                 "payer_name": f"Payer {n}", "period_start": first, "period_end": last, "issued_on": last,
                 "due_on": last, "total_pence": 0, "po_number": None, "data": "", "data_sha256": "0" * 64,
                 "created_at": now, "created_by_id": None} for n in range(written["invoices"])]
    lines = [{"id": uuid.uuid4(), "invoice_id": invoices[n % len(invoices)]["id"], "position": n,
              "child_id": part.child_id, "service_id": part.service_id,
              "description": f"{part.units} units, client reference {part.payer_ref}", "quantity": part.units,
              "unit_price_pence": part.pence // part.units, "amount_pence": part.pence, "vat_treatment": "exempt",
              "first_day": part.day, "last_day": part.day}
             for n, part in ((n, parts[n % len(parts)]) for n in range(written["invoice lines"] if parts else 0))]
    for n, invoice in enumerate(invoices):
        own = lines[n::len(invoices)]
        invoice["total_pence"] = sum(line["amount_pence"] for line in own)
        invoice["data"] = json.dumps([{k: str(v) for k, v in line.items()} for line in own], sort_keys=True)
    billed = [{"part_id": part.id, "line_id": lines[n % len(lines)]["id"]}
              for n, part in enumerate(parts[:written["billed parts"]])] if lines else []
    instalments = [{"contract_id": contracts[n % len(contracts)], "number": 10_000 + n, "line_id": line["id"],
                    "covers_from": first, "covers_to": last, "in_advance": True}
                   for n, line in zip(range(written["billed instalments"]), lines)] if contracts else []
    accounts = [{"id": uuid.uuid4(), "code": f"bench:{n}", "name": f"Debtor: payer {n}", "type": "asset",
                 "created_at": now} for n in range(written["ledger accounts"])]
    account_ids = [a["id"] for a in accounts] or existing
    entries = [{"id": uuid.uuid4(), "kind": "invoice", "posted_on": last, "service_date": last,
                "description": f"Invoice BENCH{n:06d}", "group_id": uuid.uuid4(), "source_ref": f"invoice:{n}",
                "reverses_id": None, "created_at": now, "created_by_id": None}
               for n in range(written["ledger entries"])]
    postings = [{"id": uuid.uuid4(), "entry_id": entries[n % len(entries)]["id"],
                 "account_id": account_ids[n % len(account_ids)], "debit_pence": 100 * (n // len(entries) % 2 == 0),
                 "credit_pence": 100 * (n // len(entries) % 2 == 1), "payer_ref": f"bench:{n % 100}", "child_id": None}
                for n in range(written["ledger lines"])] if entries and account_ids else []
    for model, rows in ((Invoice, invoices), (InvoiceLine, lines), (BilledPart, billed),
                        (BilledInstalment, instalments), (LedgerAccount, accounts),
                        (LedgerEntry, entries), (LedgerLine, postings)):
        for start in range(0, len(rows), 1000):
            conn.execute(insert(model.__table__), rows[start:start + 1000])
    return time.perf_counter() - started


def _invoice_pages(document: dict) -> int:
    return _pages(render_invoice_pdf(document))


def _minimal_pages(_: int = 0) -> int:
    return _pages(render_minimal_pdf())


def _pages(pdf: bytes) -> int:
    """Page objects in the PDF: WeasyPrint compresses them into object streams."""
    count = 0
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            count += len(re.findall(rb"/Type\s*/Page(?![s\w])", zlib.decompress(stream.group(1))))
        except zlib.error:
            continue
    return count


def time_pdfs(documents: list[dict]) -> dict:
    """Mean seconds per PDF, invoices and the minimal page, one after another and on `WORKERS` processes."""
    n = len(documents)
    _minimal_pages(), _invoice_pages(documents[0])  # fonts and templates loaded before timing
    started = time.perf_counter()
    pages = [_invoice_pages(document) for document in documents]
    invoice_seq = (time.perf_counter() - started) / n
    started = time.perf_counter()
    for k in range(n):
        _minimal_pages(k)
    minimal_seq = (time.perf_counter() - started) / n
    # spawn, not fork: a forked worker would share this process's database sockets
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_minimal_pages, range(2 * WORKERS)))
        list(pool.map(_invoice_pages, documents[:2 * WORKERS]))
        started = time.perf_counter()
        list(pool.map(_invoice_pages, documents))
        invoice_par = (time.perf_counter() - started) / n
        started = time.perf_counter()
        list(pool.map(_minimal_pages, range(n)))
        minimal_par = (time.perf_counter() - started) / n
    return {"pdfs": n, "pages": sum(pages), "most pages": max(pages),
            "lines": sum(len(document["lines"]) for document in documents),
            "invoice sequential": invoice_seq, "minimal sequential": minimal_seq,
            "invoice parallel": invoice_par, "minimal parallel": minimal_par}


def spread(documents: list[dict], n: int) -> list[dict]:
    """`n` documents taken evenly through the list (by number: small and large payers alike)."""
    if n >= len(documents):
        return documents
    return [documents[k * len(documents) // n] for k in range(n)]


def measure(url: str, month: date, units: int, repeat: int, pdfs: int, profile: bool) -> dict:
    first, last = month_bounds(f"{month:%Y-%m}")
    engine = make_engine(url)
    dialect = engine.dialect.name
    try:
        with Session(engine, expire_on_commit=False) as db:
            children = db.connection().execute(select(func.count()).select_from(Child)).scalar_one()
            actor = db.exec(select(User).where(User.role == Role.finance).order_by(User.email)).first()
            coordinator = db.exec(select(User).where(User.role == Role.coordinator).order_by(User.email)).first()
            if actor is None or coordinator is None:
                raise SystemExit("bench.invoice_month: no finance user or coordinator: run bench.generate first")
            invoiced = db.connection().execute(select(func.count()).select_from(Invoice).where(
                Invoice.period_start >= first, Invoice.period_start <= last)).scalar_one()
            if invoiced:
                raise SystemExit(f"bench.invoice_month: {month:%B %Y} already has {invoiced} invoices; bench.generate "
                                 f"leaves {OPEN_MONTH:%B %Y} un-invoiced (--month {DEFAULT_MONTH})")
            booked = add_units(db, first, units, coordinator[0]) if units else 0
            facts = month_facts(db, first, last)
            drafts = draft_run(db, first, last)
            payer_refs, left_out, longest = payers_to_issue(drafts)
            before = table_counts(db)
            runs = []
            for n in range(repeat):
                savepoint = db.begin_nested()
                engine_run = run_engine(db, first, last, actor[0].id, payer_refs, profile and n == 0)
                savepoint.rollback()
                savepoint = db.begin_nested()
                baseline_s = run_baseline(db, first, last, engine_run["written"])
                savepoint.rollback()
                runs.append((engine_run, baseline_s))
            if table_counts(db) != before:
                raise SystemExit("bench.invoice_month: a savepoint left rows behind")
            db.rollback()
    finally:
        engine.dispose()
    engine_run, best = runs[0][0], min((r[0] for r in runs), key=lambda run: run["seconds"])
    documents = spread(engine_run["documents"], pdfs)
    return {"dialect": dialect, "children": children, "booked": booked, "month": facts, "first": engine_run,
            "held back": sum(1 for d in drafts if not d.can_issue),
            "left out": [sum(1 for l in d.lines for ref in l.part_ids if not ref.startswith("instalment:"))
                         for d in left_out], "longest po": longest,
            "engine": best["seconds"], "draft": best["draft"], "issue": best["issue"],
            "baseline": min(r[1] for r in runs), "runs": [(r[0]["seconds"], r[1]) for r in runs],
            "pdfs": time_pdfs(documents) if documents else None}


def report(result: dict, month: date) -> None:
    facts, first, written = result["month"], result["first"], result["first"]["written"]
    added = f" ({result['booked']} of them booked and charged for this run)" if result["booked"] else ""
    print(f"Invoicing {month:%B %Y} on {result['dialect']}: {result['children']} children in the database; "
          f"the month has {facts['charges']} charges{added} with {facts['parts']} parts, "
          f"{facts['billable']} of them billable (for {facts['payers']} payers)")
    if facts["charges"] < ISSUE_CHARGES * 0.9:
        print(f"  Note: the issue's month has {ISSUE_CHARGES} charges; this one has {facts['charges']} "
              f"(--units adds more)")
    print(f"  Note: most parts are paid by a block contract, a charitable fund or an ISF and are not invoiced: "
          f"{facts['billable']} billable parts, not {ISSUE_CHARGES}")
    if result["left out"]:
        print(f"  Left out: {len(result['left out'])} issuable drafts ({sum(result['left out'])} billable parts): "
              f"PostgreSQL refuses purchase orders longer than invoices.po_number's "
              f"{Invoice.__table__.c.po_number.type.length} characters (the longest list here: "
              f"{result['longest po']}; SQLite does not check), so the run names the other payers, and a run that "
              f"names payers cannot name one with a held-back draft")
    if first["report"]:
        print(first["report"])
    rows = ", ".join(f"{count} {name}" for name, count in written.items() if name != "invoices")
    print(f"  engine    {result['engine']:7.2f} s  draft {result['draft']:.2f} s + issue {result['issue']:.2f} s: "
          f"{first['drafts']} drafts, {written['invoices']} invoices issued, {result['held back']} held back; {rows}")
    print(f"  baseline  {result['baseline']:7.2f} s  read {facts['billable']} billable parts, insert "
          f"{written['invoices']} invoices, {rows} (plain SQLAlchemy Core)")
    if len(result["runs"]) > 1:
        print("  runs (engine s, baseline s): " + ", ".join(f"({e:.2f}, {b:.2f})" for e, b in result["runs"]))
    print(f"Ratio engine / baseline: {result['ratio']:.1f}x. Target: under {TARGET_SECONDS:.0f} s and within "
          f"{TARGET_RATIO:.0f}x: {'met' if result['met'] else 'missed'}.")
    pdfs = result["pdfs"]
    if pdfs is None:
        print("PDFs: none rendered" + ("" if written["invoices"] else " (no invoice was issued)") + ".")
        return
    print(f"PDFs: {pdfs['pdfs']} invoices ({pdfs['lines']} lines, {pdfs['pages']} pages, at most "
          f"{pdfs['most pages']} in one), mean seconds per PDF:")
    for mode, label in (("sequential", "one at a time"), ("parallel", f"{WORKERS} processes")):
        invoice, minimal = pdfs[f"invoice {mode}"], pdfs[f"minimal {mode}"]
        print(f"  {label:<14} invoice {invoice:6.3f} s  minimal page {minimal:6.3f} s  ratio {invoice / minimal:.1f}x")
    print(f"  {WORKERS} processes against one: invoices {pdfs['invoice sequential'] / pdfs['invoice parallel']:.1f}x "
          f"as fast, minimal pages {pdfs['minimal sequential'] / pdfs['minimal parallel']:.1f}x")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.invoice_month", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_FILE}")
    parser.add_argument("--month", default=DEFAULT_MONTH,
                        help=f"YYYY-MM (default {DEFAULT_MONTH}, the month of the history left un-invoiced)")
    parser.add_argument("--units", type=int, default=0, help="book and charge this many more units in the month first")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best of each is reported")
    parser.add_argument("--pdfs", type=int, default=20, help="issued invoices to render (0: none)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 30 for the first engine run")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    try:
        month = date.fromisoformat(args.month + "-01")
    except ValueError:
        parser.error("--month must be YYYY-MM")
    if args.repeat < 1 or args.units < 0 or args.pdfs < 0:
        parser.error("--repeat must be at least 1, --units and --pdfs at least 0")
    result = measure(args.database_url, month, args.units, args.repeat, args.pdfs, args.profile)
    result["ratio"] = result["engine"] / result["baseline"] if result["baseline"] else float("inf")
    result["met"] = result["engine"] < TARGET_SECONDS and result["ratio"] <= TARGET_RATIO
    report(result, month)
    if args.check and not result["met"]:
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
