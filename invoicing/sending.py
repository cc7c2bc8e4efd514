"""Sending issued documents: each invoice by itself to the payer's invoice address, by SMTP when configured or
into the outbox an administrator reads; an NHS payer's backing schedule only to its secure address, never with
the invoice; payers with no email address get paper. When, to whom and by which route is kept.
"""
from __future__ import annotations

import io
import smtplib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pypdf import PdfReader, PdfWriter
from sqlmodel import Session, select

from invoicing import gather
from invoicing.backing import has_backing, stored_backing
from invoicing.documents import stored_pdf
from invoicing.drafting import NHS_KINDS
from invoicing.models import Document, Invoice, SentMessage
from provider.config import Settings
from provider.funders.models import Funder
from provider.money import format_gbp
from provider.organisation.models import ProviderSettings


@dataclass(frozen=True)
class Outcome:
    invoice: Invoice
    route: str          # smtp, outbox, post, or "already" when it had been sent before
    recipient: str


def after_issue(db: Session, issued: list) -> None:
    """What is made once an issue has committed: each document's PDF and each NHS invoice's backing schedule."""
    funders = {d.payer_ref for d in issued if isinstance(d, Invoice) and d.payer_ref.startswith("funder:")}
    payers = gather.payers(db, funders) if funders else {}
    for document in issued:
        stored_pdf(db, document)
        if isinstance(document, Invoice) and document.payer_ref in payers \
                and payers[document.payer_ref].kind in NHS_KINDS and has_backing(document):
            stored_backing(db, document)


def _sender(db: Session, settings: Settings) -> str:
    provider = db.get(ProviderSettings, 1)
    return settings.mail_from or provider.email or "invoices@lantern.invalid"


def _message(sender: str, to: str, subject: str, body: str, files: list[Document], mime: dict[str, str]) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain="lantern")
    message.set_content(body)
    for file in files:
        maintype, subtype = mime[file.filename.rsplit(".", 1)[-1]].split("/")
        message.add_attachment(file.pdf, maintype=maintype, subtype=subtype, filename=file.filename)
    return message


MIME = {"pdf": "application/pdf", "csv": "text/csv"}


def _deliver(settings: Settings, message: EmailMessage) -> str:
    if not settings.smtp_host:
        return "outbox"
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
    return "smtp"


def _record(db: Session, ref: str, kind: str, route: str, to: str, message: EmailMessage | None, subject: str,
            files: list[Document], actor_id: uuid.UUID | None) -> None:
    db.add(SentMessage(source_ref=ref, kind=kind, route=route, recipient=to, subject=subject,
                       attachments="\n".join(f.filename for f in files),
                       eml=bytes(message) if message is not None and route == "outbox" else None,
                       created_by_id=actor_id))
    db.flush()


def already_sent(db: Session, invoice: Invoice) -> SentMessage | None:
    return db.exec(select(SentMessage).where(SentMessage.source_ref == f"invoice:{invoice.id}",
                                             SentMessage.kind == "invoice")).first()


def send_invoice(db: Session, settings: Settings, invoice: Invoice, actor_id: uuid.UUID | None = None) -> Outcome:
    """Send one issued invoice (once), and an NHS payer's backing schedule to its secure address."""
    before = already_sent(db, invoice)
    if before is not None:
        return Outcome(invoice, "already", before.recipient)
    payer = gather.payers(db, {invoice.payer_ref})[invoice.payer_ref]
    supplier = db.get(ProviderSettings, 1).name
    pdf = stored_pdf(db, invoice)
    if not payer.email:
        _record(db, f"invoice:{invoice.id}", "invoice", "post", payer.address.splitlines()[0] if payer.address
                else payer.name, None, f"Invoice {invoice.number} by post", [pdf], actor_id)
        return Outcome(invoice, "post", payer.name)
    subject = f"Invoice {invoice.number} from {supplier}"
    body = (f"Dear {payer.name},\n\nPlease find attached invoice {invoice.number} for {format_gbp(invoice.total_pence)}, "
            f"due by {invoice.due_on:%d %B %Y}. Please quote {invoice.number} as the payment reference.\n\n"
            f"With thanks,\n{supplier}\n")
    message = _message(_sender(db, settings), payer.email, subject, body, [pdf], MIME)
    route = _deliver(settings, message)
    _record(db, f"invoice:{invoice.id}", "invoice", route, payer.email, message, subject, [pdf], actor_id)
    if payer.kind in NHS_KINDS and has_backing(invoice):
        _send_backing(db, settings, invoice, supplier, actor_id)
    return Outcome(invoice, route, payer.email)


def _send_backing(db: Session, settings: Settings, invoice: Invoice, supplier: str,
                  actor_id: uuid.UUID | None) -> None:
    funder = db.get(Funder, uuid.UUID(invoice.payer_ref.split(":")[1]))
    files = list(stored_backing(db, invoice))
    reference = files[0].filename.removesuffix(".pdf")
    subject = f"Backing schedule {reference} for invoice {invoice.number} from {supplier}"
    if not funder.secure_email:
        _record(db, f"backing:{invoice.id}", "backing", "post", funder.name, None, subject, files, actor_id)
        return
    body = (f"The patient-level backing schedule {reference} for invoice {invoice.number} is attached, as PDF and "
            f"CSV. It is confidential patient information, for invoice validation only.\n\n{supplier}\n")
    message = _message(_sender(db, settings), funder.secure_email, subject, body, files, MIME)
    route = _deliver(settings, message)
    _record(db, f"backing:{invoice.id}", "backing", route, funder.secure_email, message, subject, files, actor_id)


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


def send_message(db: Session, settings: Settings, to: str, subject: str, body: str, ref: str, kind: str,
                 actor_id: uuid.UUID | None = None) -> str:
    """A plain email by the route invoices take (SMTP when configured, else the outbox), kept; returns the route."""
    message = _message(_sender(db, settings), to, subject, body, [], MIME)
    route = _deliver(settings, message)
    _record(db, ref, kind, route, to, message, subject, [], actor_id)
    return route
