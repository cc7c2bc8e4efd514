"""Documents rendered once, by whoever comes next (issue 20, item 6): a run killed between the issuing commit and
the rendering leaves documents that `lantern check` reports, that `lantern render-pending` or the next run renders,
byte for byte what a normal run stores; a GET of a PDF never writes, and concurrent first requests get the same
bytes."""
from __future__ import annotations

import json
import threading

from sqlmodel import func, select

from invoicing.backing import backing_csv, backing_rows, render_backing_pdf
from invoicing.documents import pdf_for_reading, render_invoice_pdf
from invoicing.models import Document, Invoice
from invoicing.runs import draft_run, issue_run, month_bounds
from lantern import demo
from provider import references
from provider.db import make_engine, open_session, unit_of_work
from tests.test_cli import run  # noqa: F401  (the fixture)

OCTOBER = month_bounds("2026-10")


def _issued_then_killed(url: str, payer_names: set[str] | None = None) -> None:
    """Willow not yet invoiced, then October issued and committed, and the process gone before rendering."""
    engine = make_engine(url)
    try:
        with open_session(engine) as session:
            with unit_of_work(session):
                demo.build(session, invoicing=False, grants=False)
            with unit_of_work(session):
                payers = None
                if payer_names is not None:
                    drafts = {d.payer.name: d.payer.ref for d in draft_run(session, *OCTOBER)}
                    payers = {drafts[name] for name in payer_names}
                issue_run(session, *OCTOBER, payer_refs=payers)
    finally:
        engine.dispose()


def _stored(url: str) -> dict[str, bytes]:
    engine = make_engine(url)
    try:
        with open_session(engine, read_only=True) as session:
            return {d.source_ref: d.pdf for d in session.exec(select(Document))}
    finally:
        engine.dispose()


def _as_a_normal_run_renders(url: str) -> dict[str, bytes]:
    """What rendering each October document from its frozen data gives, as a run stores it."""
    engine = make_engine(url)
    try:
        with open_session(engine, read_only=True) as session:
            made = {}
            for invoice in session.exec(select(Invoice)):
                made[references.source_ref("invoice", invoice.id)] = render_invoice_pdf(json.loads(invoice.data))
                if json.loads(invoice.data).get("backing_reference"):
                    rows = backing_rows(session, invoice)
                    made[references.source_ref("backing", invoice.id)] = render_backing_pdf(
                        json.loads(invoice.data), rows)
                    made[references.source_ref("backing-csv", invoice.id)] = backing_csv(rows).encode()
            return made
    finally:
        engine.dispose()


def test_check_reports_documents_a_killed_run_left_and_render_pending_stores_them_as_a_run_would(
        run, fresh_database_url):  # noqa: F811
    _issued_then_killed(fresh_database_url)
    assert _stored(fresh_database_url) == {}

    before = run(fresh_database_url, "check")
    assert before.returncode == 1
    reported = before.stdout.splitlines()
    assert "Invoice INV2728000001 (Leila Haddad): its PDF is not stored: run lantern render-pending." in reported
    assert "Invoice INV2728000003 (Riverside ICB): its backing schedule is not stored: run lantern render-pending." \
        in reported
    assert len(reported) == 4   # three invoices' PDFs and Riverside's backing schedule

    rendered = run(fresh_database_url, "render-pending")
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.strip() == "Rendered 4 pending document(s)."
    assert run(fresh_database_url, "check").returncode == 0
    assert run(fresh_database_url, "render-pending").stdout.strip() == "Rendered 0 pending document(s)."
    assert _stored(fresh_database_url) == _as_a_normal_run_renders(fresh_database_url)   # byte for byte, 5 files


def test_the_next_invoice_run_renders_what_a_killed_run_left(run, fresh_database_url):  # noqa: F811
    _issued_then_killed(fresh_database_url, {"Riverside ICB"})
    assert run(fresh_database_url, "check").returncode == 1

    issued = run(fresh_database_url, "invoice-run", "--period", "2026-10", "--issue")
    assert issued.returncode == 0, issued.stderr
    assert "Issued 2 invoice(s)" in issued.stdout
    assert "Rendered 4 of 4 documents" in issued.stderr   # its own two and the killed run's invoice and schedule
    assert run(fresh_database_url, "check").returncode == 0
    assert _stored(fresh_database_url) == _as_a_normal_run_renders(fresh_database_url)


def test_opening_an_unrendered_pdf_shows_it_and_stores_nothing(client, db, signed_in):
    with unit_of_work(db):
        demo.build(db, invoicing=False, grants=False)
    with unit_of_work(db):
        leila = next(i for i in issue_run(db, *OCTOBER).issued if i.payer_name == "Leila Haddad")
    signed_in("finance")
    shown = client.get(f"/invoices/{leila.id}/pdf")
    assert shown.status_code == 200 and shown.headers["content-type"] == "application/pdf"
    assert shown.content == render_invoice_pdf(json.loads(leila.data))
    assert db.exec(select(func.count()).select_from(Document)).one() == 0


def test_concurrent_first_reads_of_an_unrendered_pdf_all_get_the_same_bytes(fresh_database_url):
    _issued_then_killed(fresh_database_url)
    engine = make_engine(fresh_database_url)
    answers, errors = [], []

    def read() -> None:
        try:
            with open_session(engine, read_only=True) as session:
                invoice = session.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB")).one()
                answers.append(pdf_for_reading(session, invoice))
        except Exception as exc:  # noqa: BLE001  (any error at all fails the test below)
            errors.append(exc)

    try:
        readers = [threading.Thread(target=read) for _ in range(8)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    finally:
        engine.dispose()
    assert errors == []
    assert len(answers) == 8 and len(set(answers)) == 1
    assert answers[0][0] == "INV2728000003.pdf" and answers[0][1].startswith(b"%PDF")
    assert _stored(fresh_database_url) == {}


def test_an_nhs_invoice_credited_in_full_before_its_schedule_was_made_owes_no_schedule(
        run, fresh_database_url):  # noqa: F811
    from invoicing.credits import credit

    _issued_then_killed(fresh_database_url, {"Riverside ICB"})
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            riverside = session.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB")).one()
            credit(session, riverside, "Billed to the wrong ICB")
    finally:
        engine.dispose()
    reported = run(fresh_database_url, "check").stdout.splitlines()
    assert not any("backing schedule" in line for line in reported)   # its care was credited: no schedule is owed
    assert any("Credit note" in line and "Riverside ICB" in line for line in reported)
    rendered = run(fresh_database_url, "render-pending")
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.strip() == "Rendered 2 pending document(s)."   # the invoice and its credit note
    assert run(fresh_database_url, "check").returncode == 0
