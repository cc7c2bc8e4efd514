"""The backing schedule of an invoice to an ICB or NHS England (DOMAIN.md §6), as a PDF and a CSV.

The invoice names no child; the schedule, linked to it by its backing reference (BS…), lists each billed unit
with the child's NHS number, name and date of birth, for the payer's invoice-validation team only. It is read
from the parts the invoice bills, stored once and then only ever read.

CSV columns (UTF-8, RFC 4180 quoting and CRLF line ends, dates ISO, amounts in pounds with two decimals):
    backing_reference,invoice_number,nhs_number,name,date_of_birth,service,date,quantity,amount
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from invoicing.documents import html_to_pdf, pdf_templates
from invoicing.models import BilledPart, Document, Invoice, InvoiceLine
from provider import references
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart
from provider.csv_out import amount, csv_text
from provider.money import format_gbp
from provider.people.models import Child
from provider.people.nhs import format_nhs_number

CSV_HEADER = ("backing_reference", "invoice_number", "nhs_number", "name", "date_of_birth", "service", "date",
              "quantity", "amount")


@dataclass(frozen=True)
class BackingRow:
    backing_reference: str
    invoice_number: str
    nhs_number: str          # 3-3-4, empty when the child has none recorded
    name: str                # the child's legal name, as the NHS holds it
    date_of_birth: date
    service: str
    day: date
    quantity: int
    amount_pence: int


def has_backing(invoice: Invoice) -> bool:
    """Care billed to an ICB or NHS England has a backing schedule; instalments of a block or a grant have none."""
    return bool(json.loads(invoice.data).get("backing_reference"))


def _backing_reference(invoice: Invoice) -> str:
    reference = json.loads(invoice.data).get("backing_reference")
    if not reference:
        raise ValueError(f"Invoice {invoice.number} is to {invoice.payer_name}, not an ICB or NHS England: "
                         "it has no backing schedule")
    return reference


def backing_rows(db: Session, invoice: Invoice) -> list[BackingRow]:
    """Each charge part the invoice bills, with its child, ordered by child then date: one query."""
    reference = _backing_reference(invoice)
    query = (select(Child.nhs_number, Child.first_name, Child.last_name, Child.date_of_birth, Service.name,
                    Charge.day, ChargePart.units, ChargePart.pence)
             .select_from(BilledPart)
             .join(InvoiceLine, InvoiceLine.id == BilledPart.line_id)
             .join(ChargePart, ChargePart.id == BilledPart.part_id)
             .join(Charge, Charge.id == ChargePart.charge_id)
             .join(Child, Child.id == Charge.child_id)
             .join(Service, Service.id == Charge.service_id)
             .where(InvoiceLine.invoice_id == invoice.id)
             .order_by(Child.last_name, Child.first_name, Child.date_of_birth, Child.id, Charge.day, Service.name,
                       ChargePart.id))
    return [BackingRow(reference, invoice.number, format_nhs_number(nhs), f"{first} {last}", born, service, day,
                       units, pence)
            for nhs, first, last, born, service, day, units, pence in db.exec(query)]


def backing_csv(rows: list[BackingRow]) -> str:
    return csv_text(CSV_HEADER, ((r.backing_reference, r.invoice_number, r.nhs_number, r.name,
                                  r.date_of_birth.isoformat(), r.service, r.day.isoformat(), r.quantity,
                                  amount(r.amount_pence)) for r in rows))


def _check_total(document: dict, rows: list[BackingRow]) -> None:
    total = sum(r.amount_pence for r in rows)
    if total != document["total_pence"]:
        raise ValueError(f"The backing schedule for invoice {document['number']} adds up to {format_gbp(total)}, "
                         f"not the invoice's {format_gbp(document['total_pence'])}: some of what it billed is no "
                         "longer billed by it (a credit note has freed it)")


def render_backing_pdf(invoice_document: dict, rows: list[BackingRow]) -> bytes:
    """The schedule as an A4 PDF, from the invoice's frozen document (parsed) and its rows."""
    if not invoice_document.get("backing_reference"):
        raise ValueError(f"Invoice {invoice_document['number']} has no backing schedule: it is not to an ICB or "
                         "NHS England")
    _check_total(invoice_document, rows)
    page = pdf_templates.get_template("invoicing/backing_pdf.html")
    return html_to_pdf(page.render(doc=invoice_document, rows=rows))


def stored_backing(db: Session, invoice: Invoice) -> tuple[Document, Document]:
    """The schedule's PDF and CSV, made once from the invoice as it now stands and stored; then only ever read."""
    reference = _backing_reference(invoice)
    refs = (references.source_ref("backing", invoice.id), references.source_ref("backing-csv", invoice.id))
    found = {d.source_ref: d for d in db.exec(select(Document).where(Document.source_ref.in_(refs)))}
    if len(found) == len(refs):
        return found[refs[0]], found[refs[1]]
    rows = backing_rows(db, invoice)
    contents = {refs[0]: (f"{reference}.pdf", render_backing_pdf(json.loads(invoice.data), rows)),  # checks the total
                refs[1]: (f"{reference}.csv", backing_csv(rows).encode("utf-8"))}
    for ref, (filename, data) in contents.items():
        if ref not in found:
            found[ref] = Document(source_ref=ref, filename=filename, pdf=data, sha256=hashlib.sha256(data).hexdigest())
            db.add(found[ref])
    db.flush()
    return found[refs[0]], found[refs[1]]
