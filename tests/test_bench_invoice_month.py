"""The invoicing benchmark runs on a generated provider's month left un-invoiced, prints its figures and leaves the
database as it was."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, select

from bench import generate, invoice_month
from invoicing.models import BilledInstalment, BilledPart, Invoice, InvoiceLine
from provider.bookings.models import BookingUnit
from provider.charges.models import Charge
from provider.ledger.models import LedgerEntry, LedgerLine


def _counts(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(model)).scalar_one() for model in (
                Invoice, InvoiceLine, BilledPart, BilledInstalment, LedgerEntry, LedgerLine, BookingUnit, Charge)]
    finally:
        engine.dispose()


def test_invoice_month_times_issuing_and_pdfs_and_leaves_the_database_as_it_was(fresh_database_url, capsys):
    generate.main(["--children", "30", "--years", "1", "--database-url", fresh_database_url])
    before = _counts(fresh_database_url)
    capsys.readouterr()
    result = invoice_month.main(["--database-url", fresh_database_url, "--units", "60", "--pdfs", "2"])
    out = capsys.readouterr().out

    assert result["booked"] == 60 and result["month"]["billable"] > 0
    written = result["first"]["written"]
    assert written["invoices"] > 0 and written["billed parts"] >= written["invoice lines"] >= written["invoices"]
    assert written["ledger entries"] >= written["invoices"] and written["ledger lines"] >= 2 * written["invoices"]
    assert re.search(r"^Invoicing March 2027 on \w+: 30 children in the database; the month has \d+ charges "
                     r"\(60 of them booked and charged for this run\) with \d+ parts, \d+ of them billable", out,
                     re.MULTILINE)
    assert re.search(r"^  Note: the issue's month has 20000 charges; this one has \d+", out, re.MULTILINE)
    rows = (f"{written['invoice lines']} invoice lines, {written['billed parts']} billed parts, "
            f"{written['billed instalments']} billed instalments, {written['ledger accounts']} ledger accounts, "
            f"{written['ledger entries']} ledger entries, {written['ledger lines']} ledger lines")
    assert re.search(rf"^  engine +\d+\.\d\d s +draft \d+\.\d\d s \+ issue \d+\.\d\d s: \d+ drafts, "
                     rf"{written['invoices']} invoices issued, \d+ held back; {rows}$", out, re.MULTILINE)
    assert re.search(rf"^  baseline +\d+\.\d\d s +read \d+ billable parts, insert {written['invoices']} invoices, "
                     rf"{rows} \(plain SQLAlchemy Core\)$", out, re.MULTILINE)
    assert re.search(r"^Ratio engine / baseline: \d+\.\dx\. Target: under 5 s and within 3x: (met|missed)\.$", out,
                     re.MULTILINE)
    assert re.search(r"^PDFs: 2 invoices \(\d+ lines, [1-9]\d* pages, at most \d+ in one\), mean seconds per PDF:$",
                     out, re.MULTILINE)
    assert re.search(r"^  one at a time +invoice +\d+\.\d{3} s +minimal page +\d+\.\d{3} s +ratio \d+\.\dx$", out,
                     re.MULTILINE)
    assert re.search(r"^  2 processes +invoice +\d+\.\d{3} s +minimal page +\d+\.\d{3} s +ratio \d+\.\dx$", out,
                     re.MULTILINE)

    assert _counts(fresh_database_url) == before

    with pytest.raises(SystemExit, match=r"February 2027 already has \d+ invoices; bench.generate leaves March 2027 "
                                         r"un-invoiced \(--month 2027-03\)"):
        invoice_month.main(["--database-url", fresh_database_url, "--month", "2027-02", "--pdfs", "0"])
