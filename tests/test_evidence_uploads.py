"""Receipts uploaded to an ISF are served as downloads and refused when they could run (issue 20, item 9): a PDF with
JavaScript, a launch action or embedded files, and a PDF or PNG that is also a web page, are refused at upload with a
message naming the field; what is accepted is served as an attachment that the browser may not sniff."""
from __future__ import annotations

import io
import zlib

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlmodel import func, select

from isf import service
from isf.models import Evidence
from isf.statements import render_minimal_pdf
from lantern import demo
from provider.errors import FieldErrors
from tests.conftest import api, demo_once_per_module, post_form

demo_connection, connection = demo_once_per_module()

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 8 + b"\xff\xd9"


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _object_stream(inner: bytes) -> bytes:
    packed = zlib.compress(inner)
    return (b"2 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length " + str(len(packed)).encode() +
            b">>stream\n" + packed + b"\nendstream\nendobj")


HOSTILE_PDFS = {
    "open action javascript": (_pdf(b"1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj"),
                               "JavaScript"),
    "javascript names tree": (_pdf(b"1 0 obj<</Names<</JavaScript 3 0 R>>>>endobj"), "JavaScript"),
    "name spelled in hex": (_pdf(b"1 0 obj<</OpenAction<</S/Java#53cript/J#53(app.alert(1))>>>>endobj"),
                            "JavaScript"),
    "javascript in a compressed object stream": (_pdf(_object_stream(b"3 0 <</S/JavaScript/JS(this.print())>>")),
                                                 "JavaScript"),
    "javascript in an object stream dressed as an image": (
        _pdf(_object_stream(b"3 0 <</S/JavaScript/JS(this.print())>>").replace(b"/Type/ObjStm", b"/Type/ObjStm"
                                                                                  b"/Subtype/Image")), "JavaScript"),
    "object stream packed other than by zlib": (
        _pdf(b"2 0 obj<</Type/ObjStm/N 1/First 4/Filter[/ASCIIHexDecode/FlateDecode]/Length 4>>stream\n"
             b"789c\nendstream\nendobj"), "packs objects"),
    "launch action": (_pdf(b"1 0 obj<</OpenAction<</S/Launch/F(cmd.exe)>>>>endobj"), "launches a program"),
    "embedded file": (_pdf(b"1 0 obj<</Names<</EmbeddedFiles<</Names[(a.exe) 4 0 R]>>>>>>endobj\n"
                           b"4 0 obj<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream\nendobj"), "embedded"),
}
POLYGLOTS = {
    "pdf holding html": ("application/pdf", _pdf(b"<html><body><script>fetch('/api/me')</script></body></html>")),
    "pdf holding svg": ("application/pdf", _pdf(b"% <svg onload=alert(1)>")),
    "png holding a page": ("image/png", PNG + b"tEXt<!DOCTYPE html><p>hi"),
    "png holding a script": ("image/png", PNG + b"<SCRIPT>alert(1)</SCRIPT>"),
    "jpeg holding html": ("image/jpeg", JPEG + b"<HTML>"),
}


def _genuine_pdf_by_pypdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


GENUINE = {
    "weasyprint pdf": ("receipt.pdf", "application/pdf", render_minimal_pdf),
    "pypdf pdf": ("receipt.pdf", "application/pdf", _genuine_pdf_by_pypdf),
    "pdf with an ordinary open action": (
        "receipt.pdf", "application/pdf", lambda: _pdf(b"1 0 obj<</Type/Catalog/OpenAction[3 0 R/Fit]>>endobj")),
    "pdf naming json": ("receipt.pdf", "application/pdf", lambda: _pdf(b"1 0 obj<</JSON 1/JSX 2>>endobj")),
    "png": ("photo.png", "image/png", lambda: PNG),
    "jpeg": ("photo.jpg", "image/jpeg", lambda: JPEG),
}


def _browser(app, email: str) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    assert post_form(browser, "/login", {"email": email, "password": demo.DEMO_PASSWORD}).status_code == 303
    return browser


def _evidence_count(db) -> int:
    return db.exec(select(func.count()).select_from(Evidence)).one()


@pytest.mark.parametrize("content, words", HOSTILE_PDFS.values(), ids=HOSTILE_PDFS.keys())
def test_a_pdf_that_runs_something_or_carries_files_is_refused_naming_the_field(app, db, content, words):
    before = _evidence_count(db)
    refused = api(_browser(app, "coordinator@willow.example"), "POST", "/api/isf-evidence",
                  files={"evidence": ("receipt.pdf", content, "application/pdf")})
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "evidence"
    assert words in error["message"] and "print it to PDF again" in error["message"]
    assert _evidence_count(db) == before


@pytest.mark.parametrize("content_type, content", POLYGLOTS.values(), ids=POLYGLOTS.keys())
def test_a_receipt_that_is_also_a_web_page_is_refused(db, content_type, content):
    before = _evidence_count(db)
    with pytest.raises(FieldErrors) as refused:
        service.store_evidence(db, "receipt", content_type, content)
    assert list(refused.value.errors) == ["evidence"]
    assert refused.value.errors["evidence"].startswith("holds a web page")
    assert _evidence_count(db) == before


def test_a_polyglot_is_refused_on_the_spend_form_too(app, db):
    from isf.models import IsfOutcome, Supplier
    from tests.test_isf import _amira
    from provider.db import unit_of_work

    agreement = _amira(db)
    with unit_of_work(db):
        supplier = Supplier(name="Northfield Cabs")
        db.add(supplier)
    outcome = db.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)).first()
    coordinator = _browser(app, "coordinator@willow.example")
    answer = post_form(coordinator, f"/isf/{agreement.id}/spend",
                       {"supplier_id": str(supplier.id), "description": "Taxi", "spend_amount": "24.00",
                        "spent_on": "2027-04-03", "outcome_id": str(outcome.id)},
                       files={"evidence": ("receipt.png", POLYGLOTS["png holding a page"][1], "image/png")})
    assert answer.status_code == 422 and 'href="#evidence"' in answer.text and "holds a web page" in answer.text


@pytest.mark.parametrize("filename, content_type, make", GENUINE.values(), ids=GENUINE.keys())
def test_a_genuine_receipt_is_accepted_and_served_as_an_attachment_never_sniffed(app, db, filename, content_type,
                                                                                 make):
    content = make()
    coordinator = _browser(app, "coordinator@willow.example")
    uploaded = api(coordinator, "POST", "/api/isf-evidence", files={"evidence": (filename, content, content_type)})
    assert uploaded.status_code == 201, uploaded.text
    got = coordinator.get(f"/isf/evidence/{uploaded.json()['id']}")
    assert got.status_code == 200 and got.content == content
    assert got.headers["content-type"].startswith(content_type)
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"


def test_the_demos_receipts_are_still_accepted(db):
    from lantern.demo_data.isf import RECEIPT

    assert service.store_evidence(db, "taxi.pdf", "application/pdf", RECEIPT).id is not None


def test_a_pdf_built_to_make_the_check_slow_is_refused_rather_than_read_forever(db):
    many_parts = b"%PDF-1.4\n" + b"1 0 obj<</Filter/FlateDecode>>stream\nxx\nendstream endobj\n" * 20_001
    with pytest.raises(FieldErrors) as refused:
        service.store_evidence(db, "receipt.pdf", "application/pdf", many_parts)
    assert refused.value.errors == {"evidence": "has more than 20,000 parts, more than Lantern checks: print it to "
                                                "PDF again, or scan it"}
    spelled = b"%PDF-1.4\n" + b"/#41#42 " * 10_001
    with pytest.raises(FieldErrors) as refused:
        service.store_evidence(db, "receipt.pdf", "application/pdf", spelled)
    assert "more than 10,000 names spelled in code" in refused.value.errors["evidence"]
    bomb = zlib.compress(bytes(65 * 1024 * 1024), 9)
    packed = b"%PDF-1.4\n1 0 obj<</Filter/FlateDecode>>stream\n" + bomb + b"\nendstream endobj\n"
    with pytest.raises(FieldErrors) as refused:
        service.store_evidence(db, "receipt.pdf", "application/pdf", packed)
    assert refused.value.errors["evidence"].startswith("unpacks to more than 64 MB inside")
