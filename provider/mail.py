"""Mail the hospice sends: by SMTP when configured, else into the outbox an administrator reads; each message kept."""
from __future__ import annotations

import smtplib
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import LargeBinary, String, Text
from sqlmodel import Field, Session, SQLModel

from provider.base import id_field, timestamp_field
from provider.config import Settings
from provider.organisation.models import ProviderSettings


class SentMessage(SQLModel, table=True):
    """An email sent by SMTP or put in the outbox, or a document set aside for post: when, to whom, which route."""

    __tablename__ = "sent_messages"
    id: uuid.UUID = id_field()
    source_ref: str = Field(sa_type=String(120), index=True)   # invoice:<id>, backing:<id>, credit_note:<id>
    kind: str = Field(sa_type=String(20))                      # invoice, backing, credit_note
    route: str = Field(sa_type=String(10))                     # smtp, outbox, post
    recipient: str = Field(sa_type=String(254))
    subject: str = Field(sa_type=String(300))
    attachments: str = Field(default="", sa_type=Text)        # the file names, one per line
    eml: bytes | None = Field(default=None, sa_type=LargeBinary)  # the whole message, for the outbox
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


def sender(db: Session, settings: Settings) -> str:
    provider = db.get(ProviderSettings, 1)
    return settings.mail_from or provider.email or "invoices@lantern.invalid"


def message(from_: str, to: str, subject: str, body: str, files: list, mime: dict[str, str]) -> EmailMessage:
    """A message with `files` attached: each has a filename and its bytes in `pdf` (a stored document)."""
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = from_, to, subject
    email["Date"], email["Message-ID"] = formatdate(localtime=False), make_msgid(domain="lantern")
    email.set_content(body)
    for file in files:
        maintype, subtype = mime[file.filename.rsplit(".", 1)[-1]].split("/")
        email.add_attachment(file.pdf, maintype=maintype, subtype=subtype, filename=file.filename)
    return email


MIME = {"pdf": "application/pdf", "csv": "text/csv"}


def deliver(settings: Settings, message: EmailMessage) -> str:
    if not settings.smtp_host:
        return "outbox"
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
    return "smtp"


def record(db: Session, ref: str, kind: str, route: str, to: str, message: EmailMessage | None, subject: str,
           files: list, actor_id: uuid.UUID | None) -> None:
    db.add(SentMessage(source_ref=ref, kind=kind, route=route, recipient=to, subject=subject,
                       attachments="\n".join(f.filename for f in files),
                       eml=bytes(message) if message is not None and route == "outbox" else None,
                       created_by_id=actor_id))
    db.flush()


def send_message(db: Session, settings: Settings, to: str, subject: str, body: str, ref: str, kind: str,
                 actor_id: uuid.UUID | None = None) -> str:
    """A plain email by the route invoices take (SMTP when configured, else the outbox), kept; returns the route."""
    email = message(sender(db, settings), to, subject, body, [], MIME)
    route = deliver(settings, email)
    record(db, ref, kind, route, to, email, subject, [], actor_id)
    return route
