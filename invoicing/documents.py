"""Invoice PDFs (A4, WeasyPrint) rendered from an invoice's frozen document, never from the live records.

The page is self-contained: every URL the HTML might name is refused, so nothing is fetched while rendering.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

import jinja2
import weasyprint
from sqlmodel import Session, select

from invoicing.models import CreditNote, Document, Invoice

from provider import references
from provider.catalogue.models import VAT_LABELS, VatTreatment
from provider.config import TEMPLATES_DIR
from provider.dates import long_date
from provider.money import format_gbp


def uk_date(iso: str | None) -> str:
    """'2027-04-10' to '10 April 2027'."""
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return long_date(day)


def date_span(first: str, last: str) -> str:
    return uk_date(first) if first == last else f"{uk_date(first)} to {uk_date(last)}"


def sort_code(digits: str) -> str:
    """'309634' to '30-96-34'."""
    return "-".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def vat_label(treatment: str) -> str:
    return VAT_LABELS[VatTreatment(treatment)]


pdf_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
pdf_templates.filters.update(gbp=format_gbp, uk_date=uk_date, long_date=long_date, sort_code=sort_code,
                             vat_label=vat_label)
pdf_templates.globals["date_span"] = date_span


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"documents load nothing from outside: {url}")


def html_to_pdf(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR), url_fetcher=_no_fetching).write_pdf()


def render_invoice_html(document: dict) -> str:
    return pdf_templates.get_template("invoicing/invoice_pdf.html").render(doc=document)


def render_invoice_pdf(document: dict) -> bytes:
    """The invoice as an A4 PDF, from the document stored in `Invoice.data` (parsed)."""
    return html_to_pdf(render_invoice_html(document))


def render_credit_note_pdf(document: dict) -> bytes:
    """The credit note as an A4 PDF, from the document stored in `CreditNote.data` (parsed)."""
    return html_to_pdf(pdf_templates.get_template("invoicing/credit_note_pdf.html").render(doc=document))


def _ref(issued: Invoice | CreditNote) -> str:
    return references.source_ref("invoice" if isinstance(issued, Invoice) else "credit_note", issued.id)


def _render(issued: Invoice | CreditNote) -> bytes:
    data = json.loads(issued.data)
    return render_invoice_pdf(data) if isinstance(issued, Invoice) else render_credit_note_pdf(data)


def stored_pdf(db: Session, issued: Invoice | CreditNote) -> Document:
    """The document's PDF: rendered once from its frozen data (after the issuing commit), then only ever read."""
    ref = _ref(issued)
    found = db.exec(select(Document).where(Document.source_ref == ref)).first()
    if found is not None:
        return found
    pdf = _render(issued)
    document = Document(source_ref=ref, filename=f"{issued.number}.pdf", pdf=pdf,
                        sha256=hashlib.sha256(pdf).hexdigest())
    db.add(document)
    db.flush()
    return document


def pdf_for_reading(db: Session, issued: Invoice | CreditNote) -> tuple[str, bytes]:
    """The file name and bytes of the document's PDF for a read: the stored file, or while it is still pending the
    same document rendered in memory and not stored (a read never writes; rendering is deterministic, so these are
    the bytes a run will store)."""
    found = db.exec(select(Document).where(Document.source_ref == _ref(issued))).first()
    if found is not None:
        return found.filename, found.pdf
    return f"{issued.number}.pdf", _render(issued)


def render_minimal_pdf() -> bytes:
    """A one-line A4 page through the same path: the baseline for timing invoice rendering."""
    return html_to_pdf('<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Lantern</title>'
                "<style>@page { size: A4; }</style></head><body><p>Lantern</p></body></html>")
