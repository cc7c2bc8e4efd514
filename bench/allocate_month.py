"""Allocating and storing one month of delivered units, timed against a plain-SQL baseline in the same run.

    python -m bench.allocate_month [--database-url URL] [--month 2027-03] [--units 20000] [--repeat 1] [--profile]

On a database made by `bench.generate` (2,000 children: `--children 2000 --years 5`). Inside one transaction it
first books `--units` delivered, not yet charged units for the month (a short-break stay and day sessions for
each active child in turn; not timed), then times:

- engine: `charges.attendance_changed` on those units, as marking a month's attendance does: it loads the
  engine's inputs (fundings, prices, priorities, the parts already stored that use up caps), allocates, and
  stores each charge with its parts and ledger posting, flushed;
- baseline: reads the same unit rows with their bookings and inserts the same number of charge and part rows
  with plain SQLAlchemy Core inserts, no engine.

Each timed part runs in a savepoint that is rolled back, and the whole transaction is rolled back at the end,
so the database is left as it was and the command can be run again.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select
from sqlmodel import Session

import lantern.models  # noqa: F401  (every table in the metadata)
from bench.generate import DEFAULT_FILE, Bench, Diary
from provider.bookings.models import Booking, BookingUnit
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart
from provider.charges.service import attendance_changed
from provider.db import make_engine
from lantern.demo_data import catalogue
from provider.funding.engine import RULE_VERSION
from provider.ledger.models import LedgerEntry, LedgerLine
from provider.people.models import Child, ChildRelationship, ChildStatus, FamilyMember
from provider.users.models import Role, User

TARGET_SECONDS = 2.0
TARGET_RATIO = 3.0
# Each child's month, in turn until the units run out: (service code, how many days).
MONTH_PLAN = [("SHORT_BREAK_NIGHT", 3), ("DAY_CARE", 2), ("HYDROTHERAPY", 2), ("MUSIC_PLAY_THERAPY", 1),
              ("ACTIVITY_BREAK_DAY", 1), ("SIBLING_SUPPORT", 1)]


def book_month(db: Session, first: date, units: int, seed: int) -> tuple[list[uuid.UUID], int]:
    """Delivered units for the month's active children, written with bulk inserts; their ids and the children."""
    last = first + relativedelta(months=1) - timedelta(days=1)
    conn = db.connection()
    b = Bench(conn, random.Random(seed), 0, 1)
    b.ids["services"] = {code: service_id for service_id, code in conn.execute(select(Service.id, Service.code))}
    b.ids["nights"] = {spec.code: spec.unit.value == "night" for spec in catalogue.SERVICES}
    b.ids["key_workers"] = list(conn.execute(select(User.id).where(User.role == Role.coordinator)
                                             .order_by(User.email)).scalars())
    registered_by = datetime(first.year, first.month, first.day, tzinfo=UTC)
    children = conn.execute(select(Child.id).where(Child.status == ChildStatus.active,
                                                   Child.created_at < registered_by)
                            .order_by(Child.id)).scalars().all()
    siblings: dict[uuid.UUID, uuid.UUID] = {}
    for child_id, member_id in conn.execute(
            select(ChildRelationship.child_id, ChildRelationship.family_member_id)
            .join(FamilyMember, FamilyMember.id == ChildRelationship.family_member_id)
            .where(FamilyMember.date_of_birth.is_not(None))
            .order_by(ChildRelationship.child_id, ChildRelationship.family_member_id)):
        siblings.setdefault(child_id, member_id)
    if not children or not b.ids["key_workers"]:
        raise SystemExit("bench.allocate_month: no active children or coordinators: run bench.generate first")
    bookings, rows, made = [], [], 0
    days_in_month = (last - first).days + 1
    while made < units:
        for child_id in children:
            diary = Diary(b, {"id": child_id})
            free = b.rng.sample(range(days_in_month), days_in_month)
            start = b.rng.randrange(days_in_month - 3)
            stay = [first + timedelta(days=start + n) for n in range(3)]
            taken = set(stay)
            for code, count in MONTH_PLAN:
                for _ in range(count):
                    if made >= units:
                        break
                    if code == "SHORT_BREAK_NIGHT":
                        days = stay[:min(3, units - made)]
                    else:
                        day = next(first + timedelta(days=n) for n in free if first + timedelta(days=n) not in taken)
                        taken.add(day)
                        days = [day]
                    participant = siblings.get(child_id) if code == "SIBLING_SUPPORT" else None
                    if code == "SIBLING_SUPPORT" and participant is None:
                        code = "DAY_CARE"
                    diary.book(code, days, participant=participant, attendance=False)
                    made += len(days)
                    if code == "SHORT_BREAK_NIGHT":
                        break
            bookings += diary.bookings
            rows += [{k: v for k, v in unit.items() if not k.startswith("_")} for unit in diary.units]
            if made >= units:
                break
    for model, batch in ((Booking, bookings), (BookingUnit, rows)):
        for start in range(0, len(batch), 1000):
            conn.execute(insert(model.__table__), batch[start:start + 1000])
    return [row["id"] for row in rows], len({b_["child_id"] for b_ in bookings})


def run_engine(db: Session, unit_ids: list[uuid.UUID], actor: User, profile: bool) -> tuple[float, dict, str]:
    db.info.pop("lantern_ledger_accounts", None)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    attendance_changed(db, unit_ids, actor)
    db.flush()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    counts = written(db, unit_ids)
    report = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        report = out.getvalue()
    return elapsed, counts, report


def written(db: Session, unit_ids: list[uuid.UUID]) -> dict[str, int]:
    conn = db.connection()
    counts = {"charges": 0, "parts": 0, "ledger entries": 0, "ledger lines": 0}
    for start in range(0, len(unit_ids), 900):
        chunk = unit_ids[start:start + 900]
        charge_ids = select(Charge.id).where(Charge.unit_id.in_(chunk))
        counts["charges"] += conn.execute(select(func.count()).select_from(Charge)
                                          .where(Charge.unit_id.in_(chunk))).scalar_one()
        counts["parts"] += conn.execute(select(func.count()).select_from(ChargePart)
                                        .where(ChargePart.charge_id.in_(charge_ids))).scalar_one()
        entry_ids = select(LedgerEntry.id).where(LedgerEntry.group_id.in_(charge_ids))
        counts["ledger entries"] += conn.execute(select(func.count()).select_from(LedgerEntry)
                                                 .where(LedgerEntry.group_id.in_(charge_ids))).scalar_one()
        counts["ledger lines"] += conn.execute(select(func.count()).select_from(LedgerLine)
                                               .where(LedgerLine.entry_id.in_(entry_ids))).scalar_one()
    return counts


def run_baseline(db: Session, unit_ids: list[uuid.UUID], charges: int, parts: int) -> float:
    """Read the units with their bookings, write `charges` charge rows and `parts` part rows: no engine."""
    conn = db.connection()
    started = time.perf_counter()
    query = (select(BookingUnit.__table__, Booking.child_id, Booking.service_id)
             .join(Booking, Booking.id == BookingUnit.booking_id).where(BookingUnit.id.in_(unit_ids)))
    units = conn.execute(query).all()
    now = datetime.now(UTC)
    charge_rows, part_rows = [], []
    for unit in units[:charges]:
        charge_id = uuid.uuid4()
        charge_rows.append({"id": charge_id, "unit_id": unit.id, "child_id": unit.child_id,
                            "service_id": unit.service_id, "day": unit.day, "time_band": unit.time_band,
                            "quantity": unit.quantity, "state": "current", "needs_recalculation": False,
                            "flagged_reason": None, "rule_version": RULE_VERSION, "supersedes_id": None,
                            "created_at": now, "created_by_id": None})
    for n in range(parts):
        charge = charge_rows[n % len(charge_rows)]
        part_rows.append({"id": uuid.uuid4(), "charge_id": charge["id"], "position": n // len(charge_rows),
                          "arrangement_ref": "fund:unrestricted", "kind": "unrestricted_fund",
                          "payer_ref": "fund:unrestricted", "payer_name": "General Fund", "pence": 65000,
                          "units": 1, "memorandum_pence": 115000, "rule": "charity",
                          "reason": "No funder pays for Short-break night; General Fund bears it: full cost of care "
                                    "£1,150.00, free to the family."})
    for model, rows in ((Charge, charge_rows), (ChargePart, part_rows)):
        for start in range(0, len(rows), 1000):
            conn.execute(insert(model.__table__), rows[start:start + 1000])
    return time.perf_counter() - started


def measure(url: str, month: date, units: int, repeat: int, profile: bool, seed: int = 31_2027) -> dict:
    engine = make_engine(url)
    dialect = engine.dialect.name
    try:
        with Session(engine, expire_on_commit=False) as db:
            children = db.exec(select(func.count()).select_from(Child)).one()[0]
            actor = db.exec(select(User).where(User.role == Role.coordinator).order_by(User.email)).first()
            if actor is None:
                raise SystemExit("bench.allocate_month: no coordinator: run bench.generate first")
            actor = actor[0]
            unit_ids, booked_children = book_month(db, month, units, seed)
            db.flush()
            runs = []
            for n in range(repeat):
                savepoint = db.begin_nested()
                engine_s, counts, report = run_engine(db, unit_ids, actor, profile and n == 0)
                savepoint.rollback()
                savepoint = db.begin_nested()
                baseline_s = run_baseline(db, unit_ids, counts["charges"], counts["parts"])
                savepoint.rollback()
                runs.append((engine_s, baseline_s, counts, report))
            db.rollback()
    finally:
        engine.dispose()
    best_engine = min(r[0] for r in runs)
    best_baseline = min(r[1] for r in runs)
    return {"dialect": dialect, "children": children, "booked_children": booked_children,
            "units": len(unit_ids), "engine": best_engine, "baseline": best_baseline, "counts": runs[0][2],
            "report": runs[0][3], "runs": [(r[0], r[1]) for r in runs]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.allocate_month", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_FILE}")
    parser.add_argument("--month", default="2027-04", help="YYYY-MM (default 2027-04, the month after the history)")
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best of each is reported")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 30 for the first engine run")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    try:
        month = date.fromisoformat(args.month + "-01")
    except ValueError:
        parser.error("--month must be YYYY-MM")
    if args.units < 1 or args.repeat < 1:
        parser.error("--units and --repeat must be at least 1")
    result = measure(args.database_url, month, args.units, args.repeat, args.profile)
    counts = result["counts"]
    ratio = result["engine"] / result["baseline"]
    met = result["engine"] < TARGET_SECONDS and ratio <= TARGET_RATIO
    print(f"Allocating {month:%B %Y} on {result['dialect']}: {result['children']} children in the database, "
          f"{result['units']} delivered units for {result['booked_children']} of them")
    if result["report"]:
        print(result["report"])
    print(f"  engine    {result['engine']:7.2f} s  inputs + allocate + store: {counts['charges']} charges, "
          f"{counts['parts']} parts, {counts['ledger entries']} ledger entries, {counts['ledger lines']} lines")
    print(f"  baseline  {result['baseline']:7.2f} s  read {result['units']} units, insert {counts['charges']} "
          f"charges and {counts['parts']} parts (plain SQLAlchemy, no engine)")
    if len(result["runs"]) > 1:
        print("  runs (engine s, baseline s): " + ", ".join(f"({e:.2f}, {b:.2f})" for e, b in result["runs"]))
    print(f"Ratio engine / baseline: {ratio:.1f}x. Target: under {TARGET_SECONDS:.0f} s and within "
          f"{TARGET_RATIO:.0f}x: {'met' if met else 'missed'}.")
    if args.check and not met:
        raise SystemExit(1)
    return {**result, "ratio": ratio, "met": met}


if __name__ == "__main__":
    main(sys.argv[1:])
