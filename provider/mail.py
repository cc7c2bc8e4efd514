"""Mail the hospice sends: by SMTP when configured, else into the outbox an administrator reads; each message kept.

A message is known by its source ref and kind; each attempt at it is a `SentMessage`. Before an attempt is handed
to the mail server it is committed ("sending"); its `MessageOutcome` then records it sent or failed, with the
reason. Both are never changed. A message sent, or whose sending was interrupted (it may have gone), is never
handed over again; a failed one is tried again. Mail kept in the outbox or set aside for post needs no outcome.
"""
from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import LargeBinary, String, Text, text
from sqlmodel import Field, Session, SQLModel, select

from provider.base import id_field, timestamp_field
from provider.config import Settings
from provider.db import is_postgresql, unit_of_work
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


class MessageOutcome(SQLModel, table=True):
    """What became of an attempt handed to the mail server (or of one whose document could not be made)."""

    __tablename__ = "message_outcomes"
    id: uuid.UUID = id_field()
    message_id: uuid.UUID = Field(foreign_key="sent_messages.id", unique=True)
    status: str = Field(sa_type=String(10))                    # sent, failed
    reason: str | None = Field(default=None, sa_type=Text)     # why it failed
    created_at: datetime = timestamp_field()


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


SENDING, SENT, FAILED = "sending", "sent", "failed"
NOT_MADE = "none"   # the route of an attempt whose document could not be made: nothing went
INTERRUPTED = ("Interrupted while being handed to the mail server: it may have been sent, so it is not sent again; "
               "check with the recipient.")


@dataclass(frozen=True)
class Attempt:
    """An attempt at a message and where it stands: sending (no outcome yet), sent or failed (with the reason)."""

    id: uuid.UUID
    source_ref: str
    kind: str
    route: str
    recipient: str
    subject: str
    created_at: datetime
    status: str
    reason: str | None


def record(db: Session, ref: str, kind: str, route: str, to: str, message: EmailMessage | None, subject: str,
           files: list, actor_id: uuid.UUID | None) -> SentMessage:
    row = SentMessage(source_ref=ref, kind=kind, route=route, recipient=to, subject=subject,
                      attachments="\n".join(f.filename for f in files),
                      eml=bytes(message) if message is not None and route == "outbox" else None,
                      created_by_id=actor_id)
    db.add(row)
    db.flush()
    return row


def _outcome(db: Session, attempt: SentMessage, status: str, reason: str | None = None) -> None:
    db.add(MessageOutcome(message_id=attempt.id, status=status, reason=reason))
    db.flush()


def _attempts(db: Session, *where) -> list[Attempt]:
    rows = db.exec(select(SentMessage, MessageOutcome)
                   .join(MessageOutcome, MessageOutcome.message_id == SentMessage.id, isouter=True).where(*where))
    return [Attempt(m.id, m.source_ref, m.kind, m.route, m.recipient, m.subject, m.created_at,
                    o.status if o is not None else SENDING if m.route == "smtp" else SENT,
                    o.reason if o is not None else None) for m, o in rows]


def standing(attempts: list[Attempt]) -> Attempt | None:
    """Where a message stands: its first sent attempt if it has one, else its latest attempt."""
    sent = [a for a in attempts if a.status == SENT]
    if sent:
        return min(sent, key=lambda a: a.created_at)
    return max(attempts, key=lambda a: a.created_at) if attempts else None


def latest(db: Session, ref: str, kind: str) -> Attempt | None:
    return standing(_attempts(db, SentMessage.source_ref == ref, SentMessage.kind == kind))


def standings(db: Session, refs: list[str], kind: str) -> dict[str, Attempt]:
    """Where each message of `kind` for `refs` stands, by source ref."""
    by_ref: dict[str, list[Attempt]] = {}
    for attempt in _attempts(db, SentMessage.source_ref.in_(refs), SentMessage.kind == kind):
        by_ref.setdefault(attempt.source_ref, []).append(attempt)
    return {ref: standing(found) for ref, found in by_ref.items()}


def needs_sending(db: Session, ref: str, kind: str) -> bool:
    """Never tried, or only failed: a sent or interrupted message is never handed over again."""
    found = latest(db, ref, kind)
    return found is None or found.status == FAILED


def refusal(exc: Exception) -> str:
    """What the mail server (or the network) said, as a sentence for the outbox."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{to}: {code} {_text(reply)}" for to, (code, reply) in exc.recipients.items())
        return f"The mail server refused the recipient ({said})."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The mail server refused the message ({exc.smtp_code} {_text(exc.smtp_error)})."
    return f"The mail server could not be reached or failed ({type(exc).__name__}: {exc})."


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _lock(db: Session, ref: str, kind: str) -> None:
    """PostgreSQL: one sender at a time per message until the commit (SQLite's BEGIN IMMEDIATE already is)."""
    if is_postgresql(db):
        db.exec(text("SELECT pg_advisory_xact_lock(hashtext(:key))").bindparams(key=f"mail:{kind}:{ref}"))


def send(db: Session, settings: Settings, ref: str, kind: str, to: str, message: EmailMessage, subject: str,
         files: list, actor_id: uuid.UUID | None, once: bool = True) -> Attempt:
    """Hand one message to the mail server, or keep it in the outbox, recorded either way. With SMTP the attempt is
    committed before it is handed over and its outcome after; a refusal is recorded with its reason, never raised.
    `once`: a document (an invoice, a schedule, a reminder) goes once, however often it is sent again; a new
    message under the same reference (a second password reset, a new invitation, each with its own link) is sent."""
    if not settings.smtp_host:
        kept = record(db, ref, kind, "outbox", to, message, subject, files, actor_id)
        return _attempts(db, SentMessage.id == kept.id)[0]
    with unit_of_work(db):
        _lock(db, ref, kind)   # two senders at once: the second waits, then finds the first's attempt
        before = latest(db, ref, kind) if once else None
        if before is not None and before.status != FAILED:
            return before
        attempt = record(db, ref, kind, "smtp", to, message, subject, files, actor_id)
    try:
        deliver(settings, message)
    except Exception as exc:  # noqa: BLE001  (whatever went wrong, it is recorded, never left "sending")
        with unit_of_work(db):
            _outcome(db, attempt, FAILED, refusal(exc))
    else:
        with unit_of_work(db):
            _outcome(db, attempt, SENT)
    return _attempts(db, SentMessage.id == attempt.id)[0]


def could_not_make(db: Session, ref: str, kind: str, to: str, subject: str, reason: str,
                   actor_id: uuid.UUID | None) -> Attempt:
    """A message whose document could not be made: nothing went; recorded as failed, with the reason."""
    attempt = record(db, ref, kind, NOT_MADE, to, None, subject, [], actor_id)
    _outcome(db, attempt, FAILED, reason)
    return _attempts(db, SentMessage.id == attempt.id)[0]


def failures(db: Session) -> list[Attempt]:
    """Every message not sent: failed (and not sent since) or interrupted while being handed over; newest first."""
    unsettled = (select(SentMessage.source_ref)
                 .join(MessageOutcome, MessageOutcome.message_id == SentMessage.id, isouter=True)
                 .where(SentMessage.route.in_(("smtp", NOT_MADE)),
                        (MessageOutcome.status == FAILED) | MessageOutcome.id.is_(None)))
    by_message: dict[tuple[str, str], list[Attempt]] = {}
    for attempt in _attempts(db, SentMessage.source_ref.in_(unsettled)):
        by_message.setdefault((attempt.source_ref, attempt.kind), []).append(attempt)
    standing_now = [standing(found) for found in by_message.values()]
    return sorted((s for s in standing_now if s.status != SENT), key=lambda s: s.created_at, reverse=True)


def send_message(db: Session, settings: Settings, to: str, subject: str, body: str, ref: str, kind: str,
                 actor_id: uuid.UUID | None = None) -> str:
    """A plain email by the route invoices take (SMTP when configured, else the outbox), kept; returns its status
    ("sent" or "failed": a refusal is recorded, never raised)."""
    email = message(sender(db, settings), to, subject, body, [], MIME)
    return send(db, settings, ref, kind, to, email, subject, [], actor_id, once=False).status
