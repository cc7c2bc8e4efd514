"""Sending issued documents: each invoice by itself to the payer's invoice address, by SMTP when configured or
into the outbox an administrator reads; an NHS payer's backing schedule only to its secure address, never with
the invoice; payers with no email address get paper. When, to whom and by which route is kept.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from sqlmodel import Session, select

from invoicing import gather
from invoicing.backing import has_backing, stored_backing
from invoicing.documents import stored_pdf
from invoicing.drafting import NHS_KINDS, hold_exception
from invoicing.models import Invoice
from provider.config import Settings
from provider.funders.models import Funder
from provider import mail, references
from provider.mail import SentMessage
from provider.money import format_gbp
from provider.organisation.models import ProviderSettings


@dataclass(frozen=True)
class Outcome:
    invoice: Invoice
    route: str          # smtp, outbox, post, "already" when it had been sent before, "held" (a bereavement hold)
    recipient: str


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


def already_sent(db: Session, invoice: Invoice) -> SentMessage | None:
    return db.exec(select(SentMessage).where(SentMessage.source_ref == references.source_ref("invoice", invoice.id),
                                             SentMessage.kind == "invoice")).first()


def send_invoice(db: Session, settings: Settings, invoice: Invoice, actor_id: uuid.UUID | None = None) -> Outcome:
    """Send one issued invoice (once), and an NHS payer's backing schedule to its secure address."""
    before = already_sent(db, invoice)
    if before is not None:
        return Outcome(invoice, "already", before.recipient)
    payer = gather.payers(db, {invoice.payer_ref}, invoice.period_start)[invoice.payer_ref]
    if payer.on_hold_since is not None:
        return Outcome(invoice, "held", hold_exception(payer))
    supplier = db.get(ProviderSettings, 1).name
    pdf = stored_pdf(db, invoice)
    if not payer.email:
        mail.record(db, references.source_ref("invoice", invoice.id), "invoice", "post",
                    payer.address.splitlines()[0] if payer.address
                else payer.name, None, f"Invoice {invoice.number} by post", [pdf], actor_id)
        return Outcome(invoice, "post", payer.name)
    subject = f"Invoice {invoice.number} from {supplier}"
    body = (f"Dear {payer.name},\n\nPlease find attached invoice {invoice.number} for {format_gbp(invoice.total_pence)}, "
            f"due by {invoice.due_on:%d %B %Y}. Please quote {invoice.number} as the payment reference.\n\n"
            f"With thanks,\n{supplier}\n")
    message = mail.message(mail.sender(db, settings), payer.email, subject, body, [pdf], mail.MIME)
    route = mail.deliver(settings, message)
    mail.record(db, references.source_ref("invoice", invoice.id), "invoice", route, payer.email, message, subject,
                [pdf], actor_id)
    if payer.kind in NHS_KINDS and has_backing(invoice):
        _send_backing(db, settings, invoice, supplier, actor_id)
    return Outcome(invoice, route, payer.email)


def _send_backing(db: Session, settings: Settings, invoice: Invoice, supplier: str,
                  actor_id: uuid.UUID | None) -> None:
    funder = db.get(Funder, references.parse_payer(invoice.payer_ref).id)
    files = list(stored_backing(db, invoice))
    reference = files[0].filename.removesuffix(".pdf")
    subject = f"Backing schedule {reference} for invoice {invoice.number} from {supplier}"
    if not funder.secure_email:
        mail.record(db, references.source_ref("backing", invoice.id), "backing", "post", funder.name, None, subject,
                    files, actor_id)
        return
    body = (f"The patient-level backing schedule {reference} for invoice {invoice.number} is attached, as PDF and "
            f"CSV. It is confidential patient information, for invoice validation only.\n\n{supplier}\n")
    message = mail.message(mail.sender(db, settings), funder.secure_email, subject, body, files, mail.MIME)
    route = mail.deliver(settings, message)
    mail.record(db, references.source_ref("backing", invoice.id), "backing", route, funder.secure_email, message,
                subject, files, actor_id)


def send_invoices(db: Session, settings: Settings, invoices: list[Invoice],
                  actor_id: uuid.UUID | None = None) -> list[Outcome]:
    return [send_invoice(db, settings, invoice, actor_id) for invoice in sorted(invoices, key=lambda i: i.number)]


def paper_pack(db: Session, invoices: list[Invoice]) -> bytes:
    """One print-ready PDF of the invoices that go by post, in number order."""
    writer = PdfWriter()
    for invoice in sorted(invoices, key=lambda i: i.number):
        sent = already_sent(db, invoice)
        if sent is not None and sent.route == "post":
            writer.append(PdfReader(io.BytesIO(stored_pdf(db, invoice).pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
