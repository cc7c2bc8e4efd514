"""The backing schedule of Riverside ICB's invoice for October 2026 (DOMAIN.md §6): the invoice names no child,
the schedule lists Ben's three nights with his NHS number, name and date of birth, as a PDF and a CSV, stored once;
a family's invoice has none."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pypdf
import pytest
from sqlalchemy import event
from sqlmodel import select

from invoicing.backing import BackingRow, backing_csv, backing_rows, render_backing_pdf, stored_backing
from lantern.check import run_all
from invoicing.credits import credit
from invoicing.documents import render_invoice_pdf
from invoicing.models import Document
from invoicing.runs import issue_run, month_bounds
from lantern import demo
from provider.db import unit_of_work

BEN_NIGHTS = [BackingRow("BS2728000003", "INV2728000003", "999 000 0018", "Benjamin Carter", date(2012, 2, 21),
                         "Short-break night", date(2026, 10, day), 1, 72000) for day in (6, 7, 8)]


@pytest.fixture
def october(db):
    """The demo with October 2026 issued (on 10 April 2027): Leila Haddad's invoice, then Riverside ICB's."""
    with unit_of_work(db):
        demo.build(db, invoicing=False, grants=False)
    with unit_of_work(db):
        issued = issue_run(db, *month_bounds("2026-10")).issued
    return {invoice.payer_name: invoice for invoice in issued if invoice.kind == "invoice"}  # not the grant


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_riverside_s_rows_are_ben_s_three_nights_adding_up_to_the_invoice_in_one_query(db, october):
    riverside = october["Riverside ICB"]
    statements = []
    event.listen(db.connection(), "before_cursor_execute", lambda *args: statements.append(args[2]))
    rows = backing_rows(db, riverside)
    assert rows == BEN_NIGHTS and len(statements) == 1
    assert riverside.number == "INV2728000003" and json.loads(riverside.data)["backing_reference"] == "BS2728000003"
    assert sum(row.amount_pence for row in rows) == riverside.total_pence == 216000


def test_the_csv_is_the_header_and_ben_s_three_nights(db, october):
    assert backing_csv(backing_rows(db, october["Riverside ICB"])).splitlines() == [
        "backing_reference,invoice_number,nhs_number,name,date_of_birth,service,date,quantity,amount",
        "BS2728000003,INV2728000003,999 000 0018,Benjamin Carter,2012-02-21,Short-break night,2026-10-06,1,720.00",
        "BS2728000003,INV2728000003,999 000 0018,Benjamin Carter,2012-02-21,Short-break night,2026-10-07,1,720.00",
        "BS2728000003,INV2728000003,999 000 0018,Benjamin Carter,2012-02-21,Short-break night,2026-10-08,1,720.00",
    ]


def test_a_name_with_commas_and_quotes_survives_the_csv():
    row = BackingRow("BS2728000009", "INV2728000009", "", 'Zoë "Jo" O\'Neill, junior', date(2015, 1, 31),
                     "Care at home, evening", date(2026, 10, 1), 3, 10505)
    text = backing_csv([row])
    assert '"Zoë ""Jo"" O\'Neill, junior"' in text
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "BS2728000009", "INV2728000009", "", 'Zoë "Jo" O\'Neill, junior', "2015-01-31", "Care at home, evening",
        "2026-10-01", "3", "105.05"]


def test_the_pdf_names_ben_for_validation_and_the_invoice_still_names_no_one(db, october):
    riverside = october["Riverside ICB"]
    document = json.loads(riverside.data)
    text = pdf_text(render_backing_pdf(document, backing_rows(db, riverside)))
    assert text.startswith("Backing schedule BS2728000003 for invoice INV2728000003")
    for expected in ["Confidential patient information, for invoice validation only",
                     "Invoice number INV2728000003", "Invoice date 10 April 2027", "Payer Riverside ICB",
                     "Invoice total £2,160.00",
                     "999 000 0018 Benjamin Carter 21 Feb 2012 Short-break night 6 Oct 2026 1 £720.00",
                     "999 000 0018 Benjamin Carter 21 Feb 2012 Short-break night 8 Oct 2026 1 £720.00",
                     "Total (equals invoice INV2728000003) £2,160.00", "Page 1 of 1"]:
        assert expected in text, expected
    invoice_text = pdf_text(render_invoice_pdf(document))
    for identifier in ["999 000 0018", "9990000018", "Benjamin", "Carter", "21 February 2012", "21 Feb 2012",
                       "2012-02-21", "21/02/2012"]:
        assert identifier not in invoice_text, identifier


def test_the_schedule_is_stored_once_as_a_pdf_and_a_csv(db, october):
    riverside = october["Riverside ICB"]
    with unit_of_work(db):
        pdf, sheet = stored_backing(db, riverside)
    with unit_of_work(db):
        again = stored_backing(db, riverside)
    assert [d.id for d in again] == [pdf.id, sheet.id]
    assert (pdf.source_ref, pdf.filename) == (f"backing:{riverside.id}", "BS2728000003.pdf")
    assert (sheet.source_ref, sheet.filename) == (f"backing-csv:{riverside.id}", "BS2728000003.csv")
    assert pdf.pdf.startswith(b"%PDF") and "999 000 0018" in pdf_text(pdf.pdf)
    assert sheet.pdf.decode("utf-8") == backing_csv(BEN_NIGHTS)
    assert len(db.exec(select(Document).where(Document.source_ref.like("backing%"))).all()) == 2
    assert run_all(db) == []


def test_a_family_invoice_has_no_backing_schedule(db, october):
    leila = october["Leila Haddad"]
    for make in (backing_rows, stored_backing):
        with pytest.raises(ValueError, match=f"Invoice {leila.number} is to Leila Haddad, not an ICB or NHS England"):
            make(db, leila)
    with pytest.raises(ValueError, match="has no backing schedule"):
        render_backing_pdf(json.loads(leila.data), [])
    assert db.exec(select(Document)).all() == []


def test_once_credited_in_full_the_schedule_kept_stays_and_a_new_one_is_refused(db, october):
    riverside = october["Riverside ICB"]
    with unit_of_work(db):
        pdf, sheet = stored_backing(db, riverside)
    with unit_of_work(db):
        credit(db, riverside, "Nights recorded against the wrong child")
    assert stored_backing(db, riverside) == (pdf, sheet)
    with pytest.raises(ValueError, match="adds up to £0.00, not the invoice's £2,160.00"):
        render_backing_pdf(json.loads(riverside.data), backing_rows(db, riverside))
