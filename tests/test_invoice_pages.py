"""Finance runs, checks, issues and credits a month's invoicing through the pages and the API; nobody else may."""
from __future__ import annotations

import hashlib
import html
import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import func, select

from invoicing.models import CreditNote, Document, Invoice
from provider.db import unit_of_work
from tests.conftest import api, csrf_token, post_form, demo_once_per_module


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_finance_checks_the_drafts_then_issues_them_from_the_page(client, willow, signed_in):
    signed_in("finance")
    page = client.get("/invoices/run?month=2026-10")
    assert page.status_code == 200
    shown = text_of(page)
    assert "Riverside ICB · purchase order RIV-PO-55012: £2,160.00" in shown
    assert "Short-break night: 3 nights (patient detail in the backing schedule) 06/10/2026 to 08/10/2026 3 £720.00 " \
           "£2,160.00" in shown
    assert "Leila Haddad: £60.00" in shown
    assert ("Block contract NCC-SB-2627: Short-break night, instalment 3 of 4 (01/10/2026 to 31/12/2026, in advance) "
            "01/10/2026 to 31/12/2026 1 £37,500.00 £37,500.00") in shown
    assert "Issue 3 invoices (£39,720.00)" in shown
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', page.text).group(1)
    issued = post_form(client, "/invoices/run", {"month": "2026-10", "fingerprint": fingerprint})
    assert issued.status_code == 303 and issued.headers["location"].startswith("/invoices/progress/")
    # The PDFs are made after the answer; once they are all made, the progress page moves on to the invoices.
    assert count(willow, Document) == 3 + 2   # and Riverside's backing schedule, as PDF and CSV
    done = client.get(issued.headers["location"], follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/invoices?month=2026-10&issued=3"
    listed = text_of(client.get("/invoices?month=2026-10&issued=3"))
    assert "Issued 3 invoices." in listed
    assert "INV2728000001 Invoice Leila Haddad 10/04/2027 £60.00" in listed
    assert "INV2728000002 Invoice Northshire County Council, Children's Social Care 10/04/2027 £37,500.00" in listed
    assert "INV2728000003 Invoice Riverside ICB 10/04/2027 £2,160.00" in listed

def test_a_long_run_shows_how_many_documents_are_made(client, willow, signed_in):
    from invoicing import progress

    signed_in("finance")
    job = progress.start("Rendering the documents of 2026-10", 1150, "/invoices?month=2026-10&issued=1150")
    job.done = 340
    page = client.get(f"/invoices/progress/{job.id}")
    assert page.status_code == 200
    assert "Their PDFs are being made: 340 of 1150 done." in text_of(page)
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert client.get("/invoices/progress/unknown").status_code == 404


def test_only_finance_follows_a_run(client, willow, signed_in):
    from invoicing import progress

    job = progress.start("Rendering", 2, "/invoices")
    signed_in("coordinator")
    assert client.get(f"/invoices/progress/{job.id}").status_code == 403


def test_issuing_what_was_not_seen_is_refused_and_issues_nothing(client, willow, signed_in):
    signed_in("finance")
    response = post_form(client, "/invoices/run", {"month": "2026-10", "fingerprint": "stale"})
    assert response.status_code == 409
    assert count(willow, Invoice) == 0


def test_a_credit_note_from_the_invoice_page(client, willow, signed_in):
    signed_in("finance")
    page = client.get("/invoices/run?month=2026-10")
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', page.text).group(1)
    post_form(client, "/invoices/run", {"month": "2026-10", "fingerprint": fingerprint})
    invoice = willow.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB")).one()
    view = client.get(f"/invoices/{invoice.id}")
    assert "Invoice INV2728000003" in text_of(view) and "Backing schedule BS2728000003" in text_of(view)
    missing = post_form(client, f"/invoices/{invoice.id}/credit", {"reason": "", "whole": "yes"})
    assert missing.status_code == 422 and "Reason is required: say why the invoice is credited" in text_of(missing)
    [line_field] = re.findall(r'name="(amount-[\w-]+)"', view.text)
    too_much = post_form(client, f"/invoices/{invoice.id}/credit", {"reason": "Wrong rate", line_field: "2,160.01"})
    assert too_much.status_code == 422
    assert "is more than is left to credit on this line (£2,160.00)" in text_of(too_much)
    assert count(willow, CreditNote) == 0
    done = post_form(client, f"/invoices/{invoice.id}/credit", {"reason": "One night at the wrong rate",
                                                                line_field: "70.00"})
    assert done.status_code == 303
    note_page = text_of(client.get(done.headers["location"]))
    assert "Credit note CN2728000001" in note_page
    assert "Invoice INV2728000003 of 2027-04-10" in note_page and "One night at the wrong rate" in note_page
    assert "£2,090.00" in text_of(client.get(f"/invoices/{invoice.id}"))  # left to credit


def test_the_api_drafts_issues_lists_and_credits(client, willow, signed_in):
    signed_in("finance")
    run = api(client, "GET", "/api/invoice-runs/2026-09").json()
    eastvale = next(d for d in run["drafts"] if d["payer_name"].startswith("Eastvale"))
    assert (eastvale["total_pence"], eastvale["po_number"], eastvale["exceptions"]) == (130000, "EV-PO-7781", [])
    issued = api(client, "POST", "/api/invoice-runs/2026-09/issue", json={"fingerprint": run["fingerprint"]})
    assert issued.status_code == 200, issued.text
    numbers = [i["number"] for i in issued.json()["invoices"]]
    assert numbers == ["INV2728000001", "INV2728000002"]
    listed = api(client, "GET", "/api/invoices?month=2026-09").json()
    assert [(d["number"], d["payer_name"], d["total_pence"]) for d in listed] == [
        ("INV2728000001", "Eastvale Council, Children's Social Care Team", 130000),
        ("INV2728000002", "Leila Haddad", 6000)]
    invoice = listed[0]
    assert invoice["document"]["purchase_order"] == "EV-PO-7781"
    refused = api(client, "POST", f"/api/invoices/{invoice['id']}/credit-notes", json={"reason": "x",
                                                                                       "amounts": {invoice["id"]: 5}})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == f"amount-{invoice['id']}"
    credited = api(client, "POST", f"/api/invoices/{invoice['id']}/credit-notes", json={"reason": "Wrong team"})
    assert credited.status_code == 201 and credited.json()["total_pence"] == 130000
    assert credited.json()["document"]["credits"]["number"] == "INV2728000001"


def test_a_month_that_is_not_one_is_refused_naming_the_field(client, willow, signed_in):
    signed_in("finance")
    response = api(client, "GET", "/api/invoice-runs/October")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "month"
    assert client.get("/invoices/run?month=Oct").status_code == 422


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family", "admin"])
def test_only_finance_invoices(client, willow, signed_in, role):
    signed_in(role)
    assert client.get("/invoices?month=2026-10").status_code == 403
    assert client.get("/invoices/run?month=2026-10").status_code == 403
    assert api(client, "GET", "/api/invoice-runs/2026-10").status_code == 403
    assert api(client, "POST", "/api/invoice-runs/2026-10/issue", json={}).status_code == 403
    assert count(willow, Invoice) == 0


def test_a_stranger_is_sent_to_sign_in(anon, willow):
    assert anon.get("/invoices/run?month=2026-10", follow_redirects=False).status_code in (302, 303)
    assert anon.get("/api/invoices?month=2026-10").status_code == 401


def test_each_issued_document_has_its_pdf_stored_once_with_its_hash(client, willow, signed_in):
    signed_in("finance")
    run = api(client, "GET", "/api/invoice-runs/2026-10").json()
    [riverside] = [i for i in api(client, "POST", "/api/invoice-runs/2026-10/issue",
                                  json={"fingerprint": run["fingerprint"]}).json()["invoices"]
                   if i["payer_name"] == "Riverside ICB"]
    stored = willow.exec(select(Document).where(Document.source_ref == f"invoice:{riverside['id']}")).one()
    assert stored.filename == f"{riverside['number']}.pdf"
    assert hashlib.sha256(stored.pdf).hexdigest() == stored.sha256
    response = client.get(f"/invoices/{riverside['id']}/pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content == stored.pdf
    credited = api(client, "POST", f"/api/invoices/{riverside['id']}/credit-notes", json={"reason": "Wrong ICB"})
    note_pdf = client.get(f"/invoices/{credited.json()['id']}/pdf")
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(note_pdf.content)).pages)
    assert "Credit note" in text and riverside["number"] in text and "Wrong ICB" in text and "£2,160.00" in text
    # Leila's and Northshire's invoices, Riverside's with its backing schedule as PDF and CSV, the credit note.
    assert willow.exec(select(func.count()).select_from(Document)).one() == 6


def test_the_api_refuses_to_issue_a_payer_with_an_exception_naming_the_field(client, willow, signed_in):
    from provider.funders.models import Funder

    with unit_of_work(willow):
        riverside = willow.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
        riverside.billing_address = ""
        willow.add(riverside)
    signed_in("finance")
    run = api(client, "GET", "/api/invoice-runs/2026-10").json()
    ref = next(d["payer_ref"] for d in run["drafts"] if d["payer_name"] == "Riverside ICB")
    refused = api(client, "POST", "/api/invoice-runs/2026-10/issue", json={"payer_refs": [ref]})
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "payer_refs" and "billing address missing for Riverside ICB" in error["message"]
    assert count(willow, Invoice) == 0
