"""The benchmark generator makes a whole provider: valid children, families and unbroken price lists."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from bench import allocate_month, generate, invoice_month
from lantern.check import run_all
from invoicing.models import BilledInstalment, CreditNote, Invoice
from invoicing.runs import draft_run, month_bounds
from provider.bookings.models import Booking, BookingUnit
from provider.catalogue.models import PricePeriod, Service
from provider.charges.models import Charge, ChargePart
from provider.charges.service import recalculate
from provider.db import make_engine
from provider.funding.models import Arrangement
from provider.ledger.models import LedgerEntry, LedgerLine
from provider.people.models import Child, ChildRelationship, Nomination
from provider.people.nhs import nhs_number_problem


def test_thirty_children_over_two_years(fresh_database_url):
    counts = generate.main(["--children", "30", "--years", "2", "--database-url", fresh_database_url])
    assert counts["children"] == 30
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as conn:
            children = conn.execute(select(Child.__table__)).all()
            periods = conn.execute(select(PricePeriod.__table__)).all()
            links = conn.execute(select(ChildRelationship.__table__)).all()
            nominations = conn.execute(select(Nomination.__table__)).all()
    finally:
        engine.dispose()
    assert len(children) == 30
    assert all(nhs_number_problem(child.nhs_number) is None for child in children)
    assert len({child.nhs_number for child in children}) == 30
    assert all(child.status_date is None or child.status_date >= child.date_of_birth for child in children)
    assert {link.child_id for link in links if link.parental_responsibility} == {child.id for child in children}
    assert all(n.withdrawn_on is None or n.withdrawn_on >= n.received_on for n in nominations)

    by_service = defaultdict(list)
    for period in periods:
        by_service[(period.service_id, period.time_band)].append(period)
    for runs in by_service.values():
        runs.sort(key=lambda p: p.starts_on)
        assert [p.starts_on.month for p in runs] == [4, 4] and runs[-1].ends_on is None
        assert all(earlier.ends_on + timedelta(days=1) == later.starts_on for earlier, later in zip(runs, runs[1:]))


def test_the_same_seed_makes_the_same_provider(tmp_path):
    def made(name: str):
        url = f"sqlite:///{tmp_path / name}"
        generate.main(["--children", "12", "--years", "1", "--database-url", url])
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return (conn.execute(select(Child.first_name, Child.last_name, Child.nhs_number)
                                     .order_by(Child.nhs_number)).all(),
                        conn.execute(select(Invoice.id, Invoice.number, Invoice.total_pence, Invoice.created_at,
                                            Invoice.data_sha256).order_by(Invoice.number)).all())
        finally:
            engine.dispose()

    children, invoices = made("a.db")
    assert invoices  # the invoicing too: the app's ids and clock follow the seed and the run's day
    assert made("b.db") == (children, invoices)


def test_a_database_that_already_has_children_is_refused(fresh_database_url):
    generate.main(["--children", "3", "--years", "1", "--database-url", fresh_database_url])
    with pytest.raises(SystemExit, match="already has children"):
        generate.main(["--children", "3", "--years", "1", "--database-url", fresh_database_url])
    counts = generate.main(["--children", "4", "--years", "1", "--database-url", fresh_database_url, "--reset"])
    assert counts["children"] == 4


def _rows(url: str, *tables):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [conn.execute(select(table.__table__)).all() for table in tables]
    finally:
        engine.dispose()


def test_a_year_of_bookings_is_charged_by_the_engine_and_every_charge_adds_up(fresh_database_url):
    counts = generate.main(["--children", "30", "--years", "1", "--database-url", fresh_database_url])
    assert counts["bookings"] > 0 and counts["booking_units"] >= counts["bookings"]
    assert counts["block_contracts"] == 2 * 2  # two councils, for 2026/27 and for the current year 2027/28
    assert {"arrangements", "arrangement_services", "charges", "charge_parts", "ledger_entries"} <= counts.keys()
    (units, bookings, charges, parts, periods, services, entries, lines, arrangements) = _rows(
        fresh_database_url, BookingUnit, Booking, Charge, ChargePart, PricePeriod, Service, LedgerEntry, LedgerLine,
        Arrangement)
    assert {a.kind for a in arrangements} >= {"personal_budget"}
    assert {a.management for a in arrangements if a.kind == "personal_budget"} & {"isf", "direct_payment"}

    # Every chargeable unit has exactly one current charge; a unit cancelled for illness has none.
    charged = defaultdict(int)
    for charge in charges:
        charged[charge.unit_id] += 1
    chargeable_units = {u.id for u in units if u.status in ("delivered", "did_not_attend")
                        or (u.status == "cancelled" and u.cancel_reason == "family_cancelled")}
    assert set(charged) <= chargeable_units
    assert {u.id for u in units if u.status == "delivered"} <= set(charged)
    assert all(count == 1 for count in charged.values())
    assert not any(u.id in charged for u in units if u.cancel_reason == "child_unwell")

    # The parts of each delivered unit's charge add up to its price, to the penny.
    by_charge = defaultdict(list)
    for part in parts:
        by_charge[part.charge_id].append(part)
    price = {(p.service_id, p.time_band): p.price_pence for p in periods if p.ends_on is None}
    status = {u.id: u.status for u in units}
    checked = 0
    for charge in charges:
        own = sorted(by_charge[charge.id], key=lambda p: p.position)
        assert [p.position for p in own] == list(range(len(own)))
        assert all(p.reason and p.rule and p.payer_name for p in own)
        kinds = {p.kind for p in own}
        if status[charge.unit_id] != "delivered" or kinds & {"block", "spot"}:
            continue
        assert sum(p.pence for p in own) == price[(charge.service_id, charge.time_band)] * charge.quantity
        checked += 1
    assert checked > 50
    block = [p for p in parts if p.rule == "block-allowance"]
    assert block and all(p.pence == 0 for p in block)
    assert any(p.memorandum_pence > 0 for p in parts if p.kind == "unrestricted_fund")
    free = {s.id for s in services if s.free_to_families}
    assert all(p.kind not in ("personal_budget",) for c in charges if c.service_id in free for p in by_charge[c.id])

    # Income accrued in the ledger for every part a payer owes, and every entry balances.
    owed = [c for c in charges if any(p.pence and p.kind not in ("restricted_fund", "unrestricted_fund")
                                      for p in by_charge[c.id])]
    assert len([e for e in entries if e.kind == "care_delivered"]) == len(owed)
    debits, credits = defaultdict(int), defaultdict(int)
    for line in lines:
        debits[line.entry_id] += line.debit_pence
        credits[line.entry_id] += line.credit_pence
    assert debits == credits


def test_what_the_generator_stored_is_what_a_recalculation_finds(fresh_database_url):
    generate.main(["--children", "30", "--years", "1", "--database-url", fresh_database_url])
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as db:
            recalculation = recalculate(db, date(2026, 4, 1), date(2027, 3, 31))
            assert len(recalculation.pairs) > 300
            assert recalculation.differences == []
    finally:
        engine.dispose()


def test_allocate_month_times_the_engine_against_the_baseline_and_leaves_the_database_as_it_was(
        fresh_database_url, capsys):
    generate.main(["--children", "30", "--years", "1", "--database-url", fresh_database_url])
    before = [len(rows) for rows in _rows(fresh_database_url, Booking, BookingUnit, Charge, ChargePart, LedgerEntry)]
    capsys.readouterr()
    result = allocate_month.main(["--database-url", fresh_database_url, "--units", "150"])
    out = capsys.readouterr().out
    assert result["units"] == 150 and result["counts"]["charges"] == 150
    assert result["counts"]["parts"] >= 150
    assert re.search(r"^Ratio engine / baseline: \d+\.\dx\. Target: under 2 s and within 3x: (met|missed)\.$", out,
                     re.MULTILINE)
    assert re.search(r"^  engine +\d+\.\d\d s +inputs \+ allocate \+ store: 150 charges", out, re.MULTILINE)
    assert re.search(r"^  baseline +\d+\.\d\d s +read 150 units", out, re.MULTILINE)
    after = [len(rows) for rows in _rows(fresh_database_url, Booking, BookingUnit, Charge, ChargePart, LedgerEntry)]
    assert after == before


def test_the_history_is_invoiced_month_by_month_and_lantern_check_passes(fresh_database_url, capsys):
    counts = generate.main(["--children", "40", "--years", "2", "--database-url", fresh_database_url])
    out = capsys.readouterr().out
    assert re.search(r"^Paid: \d+ remittances recorded and allocated in \d+\.\d s$", out, re.MULTILINE)
    summary = re.search(r"^Invoiced April 2025 to February 2027 \(23 months, two runs each\): (\d+) invoices issued, "
                        r"\d+ drafts held back with an exception, in \d+\.\d s; March 2027 left for "
                        r"bench.invoice_month$", out, re.MULTILINE)
    assert summary and int(summary.group(1)) == counts["invoices"] > 0
    left_first, left_last = month_bounds(invoice_month.DEFAULT_MONTH)
    assert left_first == generate.OPEN_MONTH == date(2027, 3, 1)
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as db:
            assert run_all(db) == []
            invoices = db.scalars(select(Invoice)).all()
            assert db.scalars(select(CreditNote)).all() == []
            # Every month from April 2025 to February 2027 is invoiced: the instalments due in it on its first
            # working day, its care on the first working day of the next. March 2027 is not.
            months = {(i.period_start.year, i.period_start.month) for i in invoices}
            assert months == {(year + (month < 4), month) for year in (2025, 2026)
                              for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)} - {(2027, 3)}
            assert all(i.issued_on.weekday() < 5 and i.issued_on.day <= 4 for i in invoices)
            instalments = [i for i in invoices if i.issued_on < i.period_end]
            care = [i for i in invoices if i.issued_on > i.period_end]
            assert instalments and care and len(instalments) + len(care) == len(invoices)
            assert all(json.loads(i.data)["contract_reference"] for i in instalments)
            assert all(i.issued_on.month == i.period_end.month % 12 + 1 for i in care)
            billed = db.scalars(select(BilledInstalment)).all()
            assert {(b.covers_from.year, b.covers_from.month) for b in billed} >= {(2025, 4), (2027, 2)}
            # Deferred income released month by month up to February 2027.
            released = set(db.scalars(select(LedgerEntry.service_date).where(LedgerEntry.kind == "deferred_released")))
            assert {date(2025, 4, 30), date(2027, 2, 28)} <= released and date(2027, 3, 31) not in released
            # bench.invoice_month's month is left to draft and issue: its care and its instalments.
            drafts = draft_run(db, left_first, left_last)
            assert any(d.can_issue and not d.contract_reference for d in drafts)
            assert any(d.can_issue and d.contract_reference for d in drafts)
            # Paid as payers pay: most invoices due before the clock are paid, by remittances recorded and allocated
            # by the app; a remittance may pay several invoices; nothing is paid beyond what it owed (run_all above).
            from invoicing.payments.balances import owed
            from invoicing.payments.models import Allocation, Payment
            due = [i for i in invoices if i.due_on < date(2027, 4, 10)]
            settled = [o for o in owed(db, due).values() if o.outstanding == 0]
            assert len(settled) > len(due) // 2
            assert len(db.scalars(select(Allocation)).all()) > len(db.scalars(select(Payment)).all()) > 0
    finally:
        engine.dispose()
