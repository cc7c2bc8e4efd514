"""Invoice PDFs (DOMAIN.md §6 and §10): every field a valid invoice needs, read back from the PDF's text, and
nothing on Riverside's invoice that identifies Ben."""
from __future__ import annotations

import copy
import io
import json

import pypdf
import pytest
from sqlmodel import Session, select

from invoicing.documents import render_invoice_pdf, render_minimal_pdf
from invoicing.models import BilledPart, Invoice, InvoiceLine
from invoicing.runs import issue_run, month_bounds
from lantern import demo
from provider.charges.models import Charge, ChargePart
from provider.db import unit_of_work
from provider.people.models import Child

RIVERSIDE, LEILA = "Riverside ICB", "Leila Haddad"
EASTVALE, BRIGHTWAY = "Eastvale Council, Children's Social Care Team", "Brightway Direct Payment Support"


@pytest.fixture(scope="module")
def willow(engine):
    """The documents of the invoices the demo issues for October, September and August 2026, and the child
    Riverside's invoice bills for. Built once for the module, in a transaction rolled back before any test."""
    with engine.connect() as connection:
        outer = connection.begin()
        db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            with unit_of_work(db):
                demo.build(db, invoicing=False, grants=False)
            documents = {}
            for month, payers in (("2026-10", (RIVERSIDE, LEILA)), ("2026-09", (EASTVALE,)),
                                  ("2026-08", (BRIGHTWAY,))):
                with unit_of_work(db):
                    issued = issue_run(db, *month_bounds(month)).issued
                documents |= {i.payer_name: json.loads(i.data) for i in issued if i.payer_name in payers}
            ben = db.exec(select(Child).join(Charge, Charge.child_id == Child.id)
                          .join(ChargePart, ChargePart.charge_id == Charge.id)
                          .join(BilledPart, BilledPart.part_id == ChargePart.id)
                          .join(InvoiceLine, InvoiceLine.id == BilledPart.line_id)
                          .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                          .where(Invoice.number == documents[RIVERSIDE]["number"])).unique().one()
            child = {"names": {ben.first_name, ben.last_name, ben.preferred_name}, "nhs_number": ben.nhs_number,
                     "date_of_birth": ben.date_of_birth}
        finally:
            db.close()
            outer.rollback()
    return {"documents": documents, "ben": child}


def pdf_text(pdf: bytes) -> str:
    """The words of every page, whitespace collapsed, as pypdf reads them."""
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


@pytest.fixture(scope="module")
def texts(willow):
    return {payer: pdf_text(render_invoice_pdf(document)) for payer, document in willow["documents"].items()}


def test_riverside_invoice_carries_every_field_an_invoice_needs(willow, texts):
    text, number = texts[RIVERSIDE], willow["documents"][RIVERSIDE]["number"]
    assert text.startswith("Invoice ")
    for expected in [
        # the supplier, its contact details and its registrations
        "Willow Children's Hospice", "Orchard Lane", "Northfield", "Northshire", "NF4 2WL",
        "Telephone 01632 960 400", "Email accounts@willow.example",
        "Registered charity no. 1187342", "Registered in England and Wales, company no. 11293847",
        "Registered office: Willow Children's Hospice, Orchard Lane, Northfield, Northshire, NF4 2WL",
        # the customer, with the ICB's organisation and payables codes, and its purchase order
        "Riverside ICB", "NHS Riverside Integrated Care Board", "QRV Payables K9R1", "Wakefield", "WF3 1WE",
        "Purchase order RIV-PO-55012",
        # the invoice itself
        f"Invoice number {number}", "Invoice date 10 April 2027", "Period of supply 1 October 2026 to 31 October 2026",
        "Payment terms 30 days", "Due date 10 May 2027",
        "Short-break night: 3 nights (patient detail in the backing schedule) 6 October 2026 to 8 October 2026 "
        "3 £720.00 £2,160.00 Exempt",
        "Subtotal: Exempt £2,160.00", "Total due £2,160.00",
        f"Backing schedule BS{number[3:]}", f"Backing schedule: BS{number[3:]}",
        # how to pay
        "Account name WILLOW CHILDRENS HOSPICE", "Sort code 30-96-34", "Account number 41872205",
        f"Payment reference {number}",
        "Page 1 of 1",
    ]:
        assert expected in text, expected


def test_willow_is_not_registered_for_vat_so_its_invoices_show_no_vat_number(texts):
    for text in texts.values():
        assert "VAT registration" not in text and "VAT number" not in text and "VAT no" not in text


def test_riverside_invoice_identifies_no_child(willow, texts):
    text, ben = texts[RIVERSIDE], willow["ben"]
    assert ben["names"] == {"Benjamin", "Ben", "Carter"} and ben["nhs_number"] == "9990000018"
    born = ben["date_of_birth"]
    for identifier in [*ben["names"], ben["nhs_number"], "999 000 0018", born.isoformat(), f"{born:%d/%m/%Y}",
                       f"{born.day} {born:%B %Y}", f"{born.day} {born:%b %Y}"]:
        assert identifier not in text, identifier


def test_eastvale_invoice_quotes_dev_s_client_reference_and_the_purchase_order(willow, texts):
    text = texts[EASTVALE]
    assert "Eastvale Council, Children's Social Care Team" in text and "Civic Centre" in text
    assert "Purchase order EV-PO-7781" in text
    assert "Short-break night: 2 nights, client reference EV-104233 7 September 2026 to 8 September 2026 " \
           "2 £650.00 £1,300.00 Exempt" in text
    assert "Period of supply 1 September 2026 to 30 September 2026" in text and "Total due £1,300.00" in text
    assert "Backing schedule" not in text


def test_brightway_invoice_says_on_whose_behalf(willow, texts):
    text = texts[BRIGHTWAY]
    assert "Brightway Direct Payment Support Brightway House 4 Canal Street Eastvale EV1 4BW On behalf of Chloe" in text
    assert "Hydrotherapy session for Chloe: 9 sessions 3 August 2026 to 21 August 2026 9 £60.00 £540.00 Exempt" in text
    assert "Total due £540.00" in text and "Purchase order" not in text


def test_a_family_invoice_has_no_purchase_order_and_no_backing_schedule(willow, texts):
    text = texts[LEILA]
    assert "Leila Haddad 14 Meadow Way Northfield NF4 3QJ" in text
    assert "Hydrotherapy session for Amira: 1 session 7 October 2026 1 £60.00 £60.00 Exempt" in text
    assert "Total due £60.00" in text
    assert "Purchase order" not in text and "Backing schedule" not in text and "On behalf of" not in text


def test_rendering_the_same_document_twice_gives_the_same_text(willow, texts):
    assert pdf_text(render_invoice_pdf(willow["documents"][RIVERSIDE])) == texts[RIVERSIDE]


def test_each_vat_treatment_is_labelled_and_totalled_and_a_long_invoice_numbers_its_pages(willow):
    document = copy.deepcopy(willow["documents"][LEILA])
    [line] = document["lines"]
    treatments = ["exempt", "outside_scope", "zero", "standard"]
    document["lines"] = [dict(line, vat_treatment=treatments[i % 4]) for i in range(40)]
    document["totals_by_vat_treatment"] = {t: 10 * 6000 for t in treatments}
    document["total_pence"] = 40 * 6000
    pdf = render_invoice_pdf(document)
    text, pages = pdf_text(pdf), len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for label in ("Exempt", "Outside the scope of VAT", "Zero-rated", "Standard-rated"):
        assert f"£60.00 £60.00 {label}" in text and f"Subtotal: {label} £600.00" in text
    assert "Total due £2,400.00" in text
    assert pages > 1 and all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))
    assert text.count("Description Quantity Unit price Amount VAT treatment") == pages  # headings repeat


def test_a_vat_number_shows_when_registered_and_company_details_only_for_a_company(willow):
    document = copy.deepcopy(willow["documents"][LEILA])
    document["supplier"] |= {"vat_number": "GB 123 4567 89", "company_number": None, "registered_office": None}
    text = pdf_text(render_invoice_pdf(document))
    assert "VAT registration no. GB 123 4567 89" in text and "Registered charity no. 1187342" in text
    assert "Registered in England and Wales" not in text and "Registered office" not in text


def test_the_minimal_page_is_a_one_page_pdf():
    pdf = render_minimal_pdf()
    assert pdf.startswith(b"%PDF") and pdf_text(pdf) == "Lantern"
