"""ISF statements for 1,000 ISFs with a year of activity: HTML per statement, and every PDF on both cores, each
beside WeasyPrint's time for a minimal page in the same run.

    python -m bench.isf_statements [--database-url URL] [--isfs 1000] [--workers 2] [--sample 50] [--rebuild]

The data: Willow's demo (`lantern.demo.build`: the hospice, its services, funders, users and the demo's ISFs),
then as many made-up Eastvale children as make `--isfs` ISFs, each made with the ISF service functions as finance
would: the agreement (13 four-week periods of £480 from 1 April 2026, a £15 fee each period, a surplus limit of 8
weeks), two outcomes, the 13 instalments received and the 13 fees posted (`record_receipt`, `post_fee`); three
two-night short breaks, six sibling sessions and an activity day, delivered and charged by the who-pays engine
(`charges.attendance_changed`, which draws them from the ISF); and for one ISF in five a taxi paid to a supplier,
asked by the key worker and approved by finance (`ask_spend`, `approve_spend`). Built once: a database that already
holds enough ISFs is used as it is (`--rebuild` empties a SQLite file first; give PostgreSQL an empty database).

Timed, reading only:
- HTML: for each ISF, its last period's statement (`statements.statement`: every movement of the ISF read and
  the period's lines made; what was set aside at the period's end) rendered to HTML; then the same for its year.
- PDF, one process: the first `--sample` period statements and year statements, one after another, and the
  minimal page as many times.
- PDF, the batch: every period statement's PDF written to bench/out/isf_statements/ on `--workers` processes
  (spawned, warmed up first), and the minimal page as many times the same way.
The batch (HTML for every period statement, then all the PDFs) aims at under 2 minutes.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

import lantern.models  # noqa: F401  (every table in the metadata)
from isf import service, statements
from isf.models import IsfAgreement, IsfOutcome, Supplier
from lantern import demo
from provider.bookings.models import Booking, BookingStatus, BookingUnit, UnitStatus
from provider.catalogue.models import Service
from provider.charges.service import attendance_changed
from provider.clock import today
from provider.dates import short_date
from provider.db import make_engine, open_session, unit_of_work
from provider.funders.models import Funder, FunderDepartment
from provider.funding.models import Arrangement, ArrangementKind, ArrangementService, ManagementOption
from provider.migrate import upgrade
from provider.people.models import Child, ChildRelationship, FamilyMember, Relationship
from provider.users.models import User

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_URL = f"sqlite:///{OUT / 'isf.db'}"
AIM_SECONDS = 120.0
FIRST_NAMES = ["Aisha", "Ben", "Cara", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jade", "Kofi", "Lena", "Milo",
               "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes", "Yara", "Zane"]
SURNAMES = ["Archer", "Baker", "Chen", "Dlamini", "Evans", "Fischer", "Garcia", "Hughes", "Iqbal", "Jones", "Khan",
            "Lewis", "Mensah", "Novak", "Okafor", "Price", "Quinn", "Reid", "Singh", "Taylor", "Usman", "Vaughan",
            "Walsh", "Young", "Zhou"]
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# ---------------------------------------------------------------------------------------------------------------
# The data


def _isf_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(IsfAgreement)).one()


def _child(db: Session, i: int, eastvale: Funder, department: FunderDepartment, services: dict[str, Service]):
    first, last = FIRST_NAMES[i % len(FIRST_NAMES)], f"{SURNAMES[i // len(FIRST_NAMES) % len(SURNAMES)]}-{i:04d}"
    child = Child(first_name=first, last_name=last, date_of_birth=date(2012 + i % 12, 1 + i % 12, 1 + i % 28),
                  home_authority_id=eastvale.id, council_reference=f"EV-ISF-{i:05d}")
    parent = FamilyMember(name=f"Jo {last}")
    sibling = FamilyMember(name=f"{FIRST_NAMES[(i + 7) % len(FIRST_NAMES)]} {last}", date_of_birth=date(2014, 5, 1))
    arrangement = Arrangement(
        child_id=child.id, kind=ArrangementKind.personal_budget, name=f"{first}'s ISF (Eastvale social care)",
        starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 30), funder_id=eastvale.id, department_id=department.id,
        source="social_care", law="children_act", management=ManagementOption.isf, yearly_pence=624_000,
        fees_pence_per_year=19_500, agreed=True, family_agreed_by=f"Jo {last} (parent)",
        family_agreed_on=date(2026, 3, 2))
    links = [ChildRelationship(child_id=child.id, family_member_id=parent.id, relationship=Relationship.parent,
                               parental_responsibility=True),
             ChildRelationship(child_id=child.id, family_member_id=sibling.id, relationship=Relationship.sibling)]
    allowed = [ArrangementService(arrangement_id=arrangement.id, service_id=services[code].id, cap_units=cap,
                                  family_agreed=True)
               for code, cap in (("SHORT_BREAK_NIGHT", None), ("SIBLING_SUPPORT", 6), ("ACTIVITY_BREAK_DAY", None))]
    return child, sibling, arrangement, [child, parent, sibling], [*links, *allowed]


def _diary(i: int, child: Child, sibling: FamilyMember, services: dict[str, Service], made: datetime):
    """Three two-night short breaks, six sibling sessions and an activity day, all delivered."""
    shift = timedelta(days=i % 14)
    visits = [("SHORT_BREAK_NIGHT", date(2026, 7, 6) + shift, 2, None),
              ("SHORT_BREAK_NIGHT", date(2026, 11, 2) + shift, 2, None),
              ("SHORT_BREAK_NIGHT", date(2027, 2, 8) + shift, 2, None),
              ("ACTIVITY_BREAK_DAY", date(2026, 8, 10) + shift, 1, None)]
    visits += [("SIBLING_SUPPORT", date(2026, month, 2) + shift, 1, sibling)
               for year, month in ((2026, 5), (2026, 6), (2026, 9), (2026, 10), (2026, 12))]
    visits.append(("SIBLING_SUPPORT", date(2027, 1, 11) + shift, 1, sibling))
    bookings, units = [], []
    for code, first, count, participant in visits:
        nights = code == "SHORT_BREAK_NIGHT"
        booking = Booking(child_id=child.id, participant_id=participant.id if participant else None,
                          service_id=services[code].id, starts_on=first,
                          ends_on=first + timedelta(days=count if nights else 0), status=BookingStatus.delivered,
                          confirmed_at=made, created_at=made)
        bookings.append(booking)
        units += [BookingUnit(booking_id=booking.id, day=first + timedelta(days=n), status=UnitStatus.delivered)
                  for n in range(count)]
    return bookings, units


def build(url: str, count: int) -> int:
    """Willow's demo and made-up ISFs up to `count`; returns the ISFs made."""
    upgrade(url)
    engine = make_engine(url)
    try:
        with open_session(engine) as db:
            if not db.exec(select(func.count()).select_from(User)).one():
                with unit_of_work(db):
                    demo.build(db)
            missing = count - _isf_count(db)
            if missing <= 0:
                return 0
            with unit_of_work(db):
                _made_up(db, missing)
            return missing
    finally:
        engine.dispose()


def _made_up(db: Session, missing: int) -> None:
    day = today(db)
    coordinator = db.exec(select(User).where(User.email == "coordinator@willow.example")).one()
    finance = db.exec(select(User).where(User.email == "finance@willow.example")).one()
    eastvale = db.exec(select(Funder).where(Funder.name == "Eastvale Council")).one()
    department = db.exec(select(FunderDepartment).where(FunderDepartment.funder_id == eastvale.id)
                         .order_by(FunderDepartment.name)).first()
    services = {s.code: s for s in db.exec(select(Service))}
    supplier = db.exec(select(Supplier).where(Supplier.name == "Eastvale Community Transport")).first()
    if supplier is None:
        supplier = Supplier(name="Eastvale Community Transport")
        db.add(supplier)
    proof = service.store_evidence(db, "taxi-receipt.pdf", "application/pdf", EVIDENCE)
    start = db.exec(select(func.count()).select_from(Child)).one()
    made = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    rows, arrangements, diaries = [], [], []
    for n in range(missing):
        child, sibling, arrangement, people, links = _child(db, start + n, eastvale, department, services)
        rows.append((people, links))
        arrangements.append(arrangement)
        diaries.append(_diary(start + n, child, sibling, services, made))
    db.add_all([p for people, _ in rows for p in people])
    db.flush()   # no ORM relationships: the rows referred to are written first
    db.add_all(arrangements)
    db.flush()
    db.add_all([link for _, links in rows for link in links])
    db.flush()
    agreements = []
    for arrangement in arrangements:
        agreement = service.make_agreement(db, service.AgreementIn(
            arrangement_id=arrangement.id, frequency="four_weekly", first_instalment_on=date(2026, 4, 1),
            instalment_count=13, instalment_pence=48_000, fee_pence=1_500, surplus_weeks=8,
            key_worker_id=coordinator.id, next_review_on=date(2026, 9, 30)))
        rest = IsfOutcome(agreement_id=agreement.id, source="social_care", text="Regular short breaks, and a rest "
                          "for the family")
        time_of_own = IsfOutcome(agreement_id=agreement.id, source="social_care", text="The sibling has time of "
                                 "their own with other young carers")
        db.add_all([rest, time_of_own])
        for period in service.periods_of(agreement):
            if period.starts_on > day:
                break
            service.record_receipt(db, agreement, period.pence, period.starts_on, "social_care",
                                   f"EASTVALE ISF P{period.number}", period.number, finance.id)
            service.post_fee(db, agreement, period, finance.id)
        agreements.append((agreement, time_of_own))
    db.add_all([b for bookings, _ in diaries for b in bookings])
    db.flush()
    units = [u for _, us in diaries for u in us]
    db.add_all(units)
    db.flush()
    attendance_changed(db, [u.id for u in units], coordinator)
    for agreement, outcome in agreements[::5]:
        spend = service.ask_spend(db, agreement, 2_400, date(2026, 10, 5), "Taxi to the young carers' group",
                                  outcome.id, supplier.id, proof.id, coordinator)
        service.approve_spend(db, spend, finance, date(2026, 10, 5), day)


# ---------------------------------------------------------------------------------------------------------------
# The timing


def _render(job: tuple[statements.Statement, str]) -> int:
    found, path = job
    pdf = statements.render_pdf(found)
    Path(path).write_bytes(pdf)
    return len(pdf)


def _minimal(_: int) -> int:
    return len(statements.render_minimal_pdf())


def _warm() -> None:
    statements.render_minimal_pdf()


def _html(db: Session, agreements: list[IsfAgreement], day: date, whole_year: bool):
    found, seconds = [], []
    for agreement in agreements:
        periods = service.periods_of(agreement)
        started = time.perf_counter()
        if whole_year:
            one = statements.statement(db, agreement, periods[0].starts_on, periods[-1].ends_on, day)
        else:
            last = [p for p in periods if p.starts_on <= day][-1]
            one = statements.statement(db, agreement, last.starts_on, last.ends_on, day, last.number)
        statements.render_html(one)
        seconds.append(time.perf_counter() - started)
        found.append(one)
    return found, seconds


def _one_at_a_time(work, items) -> float:
    started = time.perf_counter()
    for item in items:
        work(item)
    return time.perf_counter() - started


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def run(url: str, count: int, workers: int, sample: int) -> dict[str, float]:
    engine = make_engine(url)
    label = "postgresql" if url.startswith("postgresql") else "sqlite"
    try:
        with open_session(engine, read_only=True) as db:
            day = today(db)
            agreements = db.exec(select(IsfAgreement).order_by(IsfAgreement.created_at, IsfAgreement.id)
                                 .limit(count)).all()
            period_found, period_times = _html(db, agreements, day, False)
            year_found, year_times = _html(db, agreements, day, True)
    finally:
        engine.dispose()
    folder = OUT / "isf_statements"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(s, str(folder / f"{i:04d}-{statements.filename(s)}")) for i, s in enumerate(period_found)]
    _warm()
    single = {
        "period": _one_at_a_time(_render, jobs[:sample]) / sample,
        "year": _one_at_a_time(_render, [(s, str(folder / "year.pdf")) for s in year_found[:sample]]) / sample,
        "minimal": _one_at_a_time(_minimal, range(sample)) / sample,
    }
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm) as pool:
        list(pool.map(_minimal, range(workers * 2)))                       # every worker started and warm
        started = time.perf_counter()
        sizes = list(pool.map(_render, jobs, chunksize=8))
        batch_pdfs = time.perf_counter() - started
        started = time.perf_counter()
        list(pool.map(_minimal, range(len(jobs)), chunksize=8))
        batch_minimal = time.perf_counter() - started
    html_total = sum(period_times)
    lines = statistics.mean(len(s.spend) + len(s.money_in) + len(s.fees) + len(s.returns) for s in year_found)
    batch = html_total + batch_pdfs
    print(f"ISF statements on {label}: {len(agreements)} ISFs, a year of activity each (about {lines:.0f} lines a "
          f"year); the clock at {short_date(day)}")
    print(f"{'step':<44}{'total':>10}{'each':>12}{'minimal page':>15}{'ratio':>8}")
    for name, times in (("HTML, last period's statement", period_times), ("HTML, the year's statement", year_times)):
        print(f"{name:<44}{sum(times):>9.1f}s{_ms(statistics.mean(times)):>12}{'':>15}{'':>8}"
              f"   p50 {_ms(statistics.median(times))}, p95 {_ms(sorted(times)[int(len(times) * 0.95) - 1])}")
    for name, key in (("PDF one at a time, period statement", "period"), ("PDF one at a time, year statement",
                                                                           "year")):
        print(f"{name + f' ({sample})':<44}{single[key] * sample:>9.1f}s{_ms(single[key]):>12}"
              f"{_ms(single['minimal']):>15}{single[key] / single['minimal']:>7.1f}x")
    each, minimal_each = batch_pdfs / len(jobs), batch_minimal / len(jobs)
    print(f"{f'PDF, all {len(jobs)} on {workers} processes':<44}{batch_pdfs:>9.1f}s{_ms(each):>12}"
          f"{_ms(minimal_each):>15}{each / minimal_each:>7.1f}x   {sum(sizes) / len(sizes) / 1024:.0f} KB a PDF")
    print(f"The batch (HTML for every period statement, then every PDF): {batch:.1f} s; aim under "
          f"{AIM_SECONDS:.0f} s: {'met' if batch < AIM_SECONDS else 'missed'}. PDFs in {folder}")
    return {"batch": batch, "pdfs": batch_pdfs, "html": html_total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--isfs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="Start again from an empty SQLite file.")
    args = parser.parse_args(argv)
    if args.rebuild:
        if not args.database_url.startswith("sqlite:///"):
            sys.exit("bench.isf_statements: --rebuild empties only a SQLite file; give PostgreSQL a new database")
        Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    made = build(args.database_url, args.isfs)
    if made:
        print(f"Made {made} ISFs with a year of activity in {time.perf_counter() - started:.0f} s")
    run(args.database_url, args.isfs, args.workers, min(args.sample, args.isfs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
