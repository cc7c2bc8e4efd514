"""Two payments allocated at once, in two processes, to one invoice (issue 6): together they never pay it more than
it owed; one is allocated, the other refused, and nothing is half-written."""
from __future__ import annotations

import multiprocessing
import queue
import traceback
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from lantern.check import run_all
from invoicing.models import Invoice
from invoicing.payments import service
from invoicing.payments.models import Allocation, Payment
from lantern import demo
from provider.db import make_engine, open_session, unit_of_work
from provider.errors import FieldErrors
from provider.organisation.models import BankAccount

WAIT = 60


def _allocate(url: str, payment_id: str, invoice_id: str, barrier, results) -> None:
    import uuid

    try:
        engine = make_engine(url)
        session = open_session(engine)
        payment = session.get(Payment, uuid.UUID(payment_id))
        session.get(Invoice, uuid.UUID(invoice_id))
        session.commit()
        barrier.wait(timeout=WAIT)
        try:
            with unit_of_work(session):
                service.allocate(session, payment, {uuid.UUID(invoice_id): 216_000}, date(2027, 4, 10))
            results.put(("allocated", ""))
        except FieldErrors as exc:
            results.put(("refused", str(exc)))
        session.close()
        engine.dispose()
    except BaseException:
        barrier.abort()
        results.put(("failed", traceback.format_exc()))
        raise


def test_two_payments_allocated_at_once_never_pay_an_invoice_more_than_it_owed(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with open_session(engine) as session, unit_of_work(session):
        demo.build(session, payments=False)
    with open_session(engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB",
                                                     Invoice.kind == "invoice")).one()
        bank = session.exec(select(BankAccount).where(BankAccount.purpose == "operating")).one()
        payments = []
        with unit_of_work(session):
            for reference in ("FIRST", "SECOND"):
                payments.append(str(service.record_payment(session, service.PaymentIn(
                    invoice.payer_ref, bank.id, date(2027, 4, 2), 216_000, "bank_transfer", reference),
                    date(2027, 4, 10)).id))
        invoice_id = str(invoice.id)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_allocate, args=(fresh_database_url, p, invoice_id, barrier, results))
               for p in payments]
    for worker in workers:
        worker.start()
    reports = []
    try:
        for _ in workers:
            try:
                reports.append(results.get(timeout=WAIT))
            except queue.Empty:
                raise AssertionError(f"an allocation reported nothing within {WAIT} s") from None
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
                worker.join()
    assert not [d for outcome, d in reports if outcome == "failed"], reports
    assert sorted(outcome for outcome, _ in reports) == ["allocated", "refused"], reports
    refused = next(detail for outcome, detail in reports if outcome == "refused")
    assert "owes (£0.00)" in refused
    with open_session(engine, read_only=True) as session:
        assert session.exec(select(func.sum(Allocation.pence))).one() == 216_000
        assert run_all(session) == []
    engine.dispose()
