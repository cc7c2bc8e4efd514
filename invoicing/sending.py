"""Sending issued documents: each invoice by itself to the payer's invoice address, by SMTP when configured or
into the outbox an administrator reads; an NHS payer's backing schedule only to its secure address, never with
the invoice; payers with no email address get paper. When, to whom and by which route is kept.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from sqlmodel import Session

from invoicing import gather
from invoicing.backing import has_backing, stored_backing
from invoicing.documents import pdf_for_reading, stored_pdf
from invoicing.drafting import NHS_KINDS, hold_exception
from invoicing.models import Invoice
from provider.config import Settings
from provider.funders.models import Funder
from provider import mail, references
from provider.money import format_gbp
from provider.organisation.models import ProviderSettings


@dataclass(frozen=True)
class Outcome:
    invoice: Invoice
    route: str          # smtp, outbox, post; "already" when sent before; "held" (a bereavement hold); "failed"
    recipient: str
    reason: str | None = None


def after_issue(db: Session, issued: list) -> None:
    """What is made once an issue has committed: each document's PDF and each NHS invoice's backing schedule."""
    funders = {d.payer_ref for d in issued if isinstance(d, Invoice) and references.is_kind(d.payer_ref,
                                                                                            references.FUNDER)}
    payers = gather.payers(db, funders) if funders else {}
    for document in issued:
        stored_pdf(db, document)
        if isinstance(document, Invoice) and document.payer_ref in payers \
                and payers[document.payer_ref].kind in NHS_KINDS and has_backing(document):
            stored_backing(db, document)


def already_sent(db: Session, invoice: Invoice) -> mail.Attempt | None:
    """The invoice's message if it was sent (or its sending was interrupted): never sent again."""
    found = mail.latest(db, references.source_ref("invoice", invoice.id), "invoice")
    return None if found is None or found.status == mail.FAILED else found


def send_invoice(db: Session, settings: Settings, invoice: Invoice, actor_id: uuid.UUID | None = None) -> Outcome:
    """Send one issued invoice (once), and an NHS payer's backing schedule to its secure address (once). A refusal,
    or a document that cannot be made, is recorded as a failure with its reason and tried again next time."""
    payer = gather.payers(db, {invoice.payer_ref}, invoice.period_start)[invoice.payer_ref]
    supplier = db.get(ProviderSettings, 1).name
    outcome = _send_the_invoice(db, settings, invoice, payer, supplier, actor_id)
    if outcome.route in ("failed", "held"):
        return outcome   # the schedule goes with its invoice, never ahead of it
    if payer.kind in NHS_KINDS and has_backing(invoice):
        _send_backing(db, settings, invoice, supplier, actor_id)
    return outcome


def _send_the_invoice(db: Session, settings: Settings, invoice: Invoice, payer, supplier: str,
                      actor_id: uuid.UUID | None) -> Outcome:
    ref = references.source_ref("invoice", invoice.id)
    before = already_sent(db, invoice)
    if before is not None:
        return Outcome(invoice, "already", before.recipient)
    if payer.on_hold_since is not None:
        return Outcome(invoice, "held", hold_exception(payer))
    subject = f"Invoice {invoice.number} from {supplier}"
    to = payer.email or (payer.address.splitlines()[0] if payer.address else payer.name)
    try:
        pdf = stored_pdf(db, invoice)
    except ValueError as exc:
        failed = mail.could_not_make(db, ref, "invoice", to, subject, f"The PDF could not be made: {exc}", actor_id)
        return Outcome(invoice, "failed", to, failed.reason)
    if not payer.email:
        mail.record(db, ref, "invoice", "post", to, None, f"Invoice {invoice.number} by post", [pdf], actor_id)
        return Outcome(invoice, "post", payer.name)
    body = (f"Dear {payer.name},\n\nPlease find attached invoice {invoice.number} for {format_gbp(invoice.total_pence)}, "
            f"due by {invoice.due_on:%d %B %Y}. Please quote {invoice.number} as the payment reference.\n\n"
            f"With thanks,\n{supplier}\n")
    message = mail.message(mail.sender(db, settings), payer.email, subject, body, [pdf], mail.MIME)
    kept = mail.send(db, settings, ref, "invoice", payer.email, message, subject, [pdf], actor_id)
    if kept.status == mail.FAILED:
        return Outcome(invoice, "failed", payer.email, kept.reason)
    return Outcome(invoice, kept.route, payer.email)


def _send_backing(db: Session, settings: Settings, invoice: Invoice, supplier: str,
                  actor_id: uuid.UUID | None) -> None:
    ref = references.source_ref("backing", invoice.id)
    if not mail.needs_sending(db, ref, "backing"):
        return
    funder = db.get(Funder, references.parse_payer(invoice.payer_ref).id)
    to = funder.secure_email or funder.name
    try:
        files = list(stored_backing(db, invoice))
    except ValueError as exc:
        mail.could_not_make(db, ref, "backing", to, f"Backing schedule for invoice {invoice.number}",
                            f"The backing schedule could not be made: {exc}", actor_id)
        return
    reference = files[0].filename.removesuffix(".pdf")
    subject = f"Backing schedule {reference} for invoice {invoice.number} from {supplier}"
    if not funder.secure_email:
        mail.record(db, ref, "backing", "post", funder.name, None, subject, files, actor_id)
        return
    body = (f"The patient-level backing schedule {reference} for invoice {invoice.number} is attached, as PDF and "
            f"CSV. It is confidential patient information, for invoice validation only.\n\n{supplier}\n")
    message = mail.message(mail.sender(db, settings), funder.secure_email, subject, body, files, mail.MIME)
    mail.send(db, settings, ref, "backing", funder.secure_email, message, subject, files, actor_id)


def send_invoices(db: Session, settings: Settings, invoices: list[Invoice],
                  actor_id: uuid.UUID | None = None) -> list[Outcome]:
    """Each invoice in number order; one that fails never stops the others."""
    return [send_invoice(db, settings, invoice, actor_id) for invoice in sorted(invoices, key=lambda i: i.number)]


def paper_pack(db: Session, invoices: list[Invoice]) -> bytes:
    """One print-ready PDF of the invoices that go by post, in number order: reads only."""
    writer = PdfWriter()
    for invoice in sorted(invoices, key=lambda i: i.number):
        sent = already_sent(db, invoice)
        if sent is not None and sent.route == "post":
            writer.append(PdfReader(io.BytesIO(pdf_for_reading(db, invoice)[1])))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
