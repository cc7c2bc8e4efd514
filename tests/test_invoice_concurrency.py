"""Two invoice runs started together in two processes (DOMAIN.md §6): no charge part billed twice, no invoice
number shared or skipped, one invoice per payer and month, and together exactly what one run would issue."""
from __future__ import annotations

import json

import multiprocessing
import queue
import time
import traceback
from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from provider.grants.models import BilledGrantInstalment
from invoicing.models import BilledInstalment, BilledPart, Invoice, InvoiceLine
from invoicing.runs import draft_run, issue_run, month_bounds
from lantern import demo
from provider.charges.models import ChargePart
from provider.db import make_engine, open_session, unit_of_work
from lantern.check import run_all
from provider.ledger.models import EntryKind, LedgerEntry

MONTHS = [f"2026-{m:02d}" for m in range(4, 13)] + [f"2027-{m:02d}" for m in range(1, 4)]  # Willow's 2026/27
WAIT = 60  # seconds; a healthy race takes a few
PAUSE = 0.05  # seconds between months: SQLite's busy handler backs off, so without it one run would take every turn


def _issue_months(url: str, months: list[str], barrier, results) -> None:
    """One process's invoice run: each month in its own transaction; reports (month, number, payer) issued."""
    try:
        engine = make_engine(url)
        with open_session(engine, read_only=True) as warm_up:  # connect and compile first: both start level
            draft_run(warm_up, *month_bounds(months[0]))
        issued = []
        barrier.wait(timeout=WAIT)
        for month in months:
            session = open_session(engine)
            with unit_of_work(session):
                result = issue_run(session, *month_bounds(month))
            issued += [(month, invoice.number, invoice.payer_ref) for invoice in result.issued]
            session.close()
            time.sleep(PAUSE)
        engine.dispose()
        results.put(("issued", issued))
    except BaseException:
        barrier.abort()  # the other run need not wait for this one
        results.put(("failed", traceback.format_exc()))
        raise


def _race(url: str, orders: list[list[str]]) -> list[list[tuple[str, str, str]]]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_issue_months, args=(url, months, barrier, results)) for months in orders]
    for worker in workers:
        worker.start()
    reports = []
    try:
        for _ in workers:
            try:
                reports.append(results.get(timeout=WAIT))
            except queue.Empty:
                raise AssertionError(f"an invoice run reported nothing within {WAIT} s: deadlocked or stuck on a lock")
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
                worker.join()
    failures = [detail for outcome, detail in reports if outcome == "failed"]
    assert not failures, "an invoice run failed when raced against another:\n" + "\n".join(failures)
    assert [w.exitcode for w in workers] == [0, 0], f"invoice run processes exited with {[w.exitcode for w in workers]}"
    return [issued for _, issued in reports]


# In step, the second run waits for the first on every month and must find its parts billed; in opposite
# orders both runs issue, meeting in the middle, and take numbers from the one series in turn.
@pytest.mark.parametrize("second_order", [MONTHS, MONTHS[::-1]], ids=["in step", "in opposite order"])
def test_two_invoice_runs_at_once_bill_each_part_once_and_number_without_gaps(fresh_database_url, second_order):
    engine = make_engine(fresh_database_url)
    with open_session(engine) as session, unit_of_work(session):
        demo.build(session, invoicing=False)
    with open_session(engine, read_only=True) as session:
        drafts = [(month, d) for month in MONTHS for d in draft_run(session, *month_bounds(month)) if d.can_issue]
    expected = {(month, draft.key) for month, draft in drafts}
    assert len(expected) == len(drafts) >= 5, "the demo should give the race several invoices to fight over"

    first, second = _race(fresh_database_url, [MONTHS, second_order])

    session = open_session(engine, read_only=True)
    invoices = session.exec(select(Invoice)).all()
    numbers = sorted(i.number for i in invoices)
    assert len(set(numbers)) == len(numbers), f"invoice numbers issued twice: {numbers}"
    assert numbers == [f"INV2728{n:06d}" for n in range(1, len(expected) + 1)], \
        f"the series should run INV2728000001 to {len(expected)} with no gap; it holds {numbers}"
    reported = [number for _, number, _ in first + second]
    assert sorted(reported) == numbers, f"the runs reported {first} and {second}; the database holds {numbers}"

    per_payer_month = Counter((i.period_start.strftime("%Y-%m"),
                               f"{i.payer_ref}|{json.loads(i.data).get('contract_reference') or ''}|{i.po_number or ''}")
                              for i in invoices)
    assert [key for key, count in per_payer_month.items() if count > 1] == [], "a payer got two invoices for a month"
    assert set(per_payer_month) == expected, "the two runs did not issue exactly what one run would"

    billed = session.exec(select(BilledPart.part_id)).all()
    assert len(billed) == len(set(billed)) > 0, "a charge part is billed twice"
    billed_pence = dict(session.exec(select(InvoiceLine.invoice_id, func.sum(ChargePart.pence))
                                     .join(BilledPart, BilledPart.line_id == InvoiceLine.id)
                                     .join(ChargePart, ChargePart.id == BilledPart.part_id)
                                     .group_by(InvoiceLine.invoice_id)).all())
    for invoice_id, pence in session.exec(select(InvoiceLine.invoice_id, func.sum(InvoiceLine.amount_pence))
                                          .join(BilledInstalment, BilledInstalment.line_id == InvoiceLine.id)
                                          .group_by(InvoiceLine.invoice_id)):
        billed_pence[invoice_id] = billed_pence.get(invoice_id, 0) + pence  # a block contract's instalments
    for invoice_id, pence in session.exec(select(InvoiceLine.invoice_id, func.sum(BilledGrantInstalment.pence))
                                          .join(BilledGrantInstalment, BilledGrantInstalment.line_id == InvoiceLine.id)
                                          .group_by(InvoiceLine.invoice_id)):
        billed_pence[invoice_id] = billed_pence.get(invoice_id, 0) + pence  # the NHS grant's instalments
    assert billed_pence == {i.id: i.total_pence for i in invoices}, "an invoice's total is not the parts it bills"
    assert sum(i.total_pence for i in invoices) == sum(d.total_pence for _, d in drafts), \
        "the two runs together billed a different sum from the drafts before the race"

    postings = session.exec(select(LedgerEntry.source_ref).where(LedgerEntry.kind == EntryKind.invoice)).all()
    assert sorted(postings) == sorted(f"invoice:{i.id}" for i in invoices), "each invoice is posted once"
    assert run_all(session) == []
    assert [d for month in MONTHS for d in draft_run(session, *month_bounds(month)) if d.can_issue] == [], \
        "something issuable was left unbilled"
    session.close()
    engine.dispose()
