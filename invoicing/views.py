"""What the invoicing pages and API show, worked out from the run and the stored documents."""
from __future__ import annotations

import hashlib
import json
import uuid
from email import policy
from email.parser import BytesParser
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from invoicing import credits, report, runs
from invoicing.credits import Correction
from invoicing.drafting import Draft
from invoicing.models import CreditNote, Invoice, InvoiceLine
from provider import references
from provider import mail
from provider.mail import SentMessage
from provider.errors import FieldErrors
from provider.money import parse_gbp


@dataclass(frozen=True)
class RunView:
    drafts: list[Draft]
    corrections: list[Correction]

    @property
    def ready(self) -> list[Draft]:
        return [d for d in self.drafts if d.can_issue]

    @property
    def stopped(self) -> list[Draft]:
        return [d for d in self.drafts if d.exceptions and not d.scheduled]

    @property
    def scheduled(self) -> list[Draft]:
        return [d for d in self.drafts if d.scheduled]

    @property
    def ready_pence(self) -> int:
        return sum(d.total_pence for d in self.ready)

    @property
    def fingerprint(self) -> str:
        """Names exactly what a person saw, so that issuing issues that and nothing else."""
        seen = [f"{d.payer.ref}:{d.total_pence}:{','.join(p for l in d.lines for p in l.part_ids)}" for d in self.ready]
        seen += [f"{c.line.id}:{c.pence}" for c in self.corrections]
        return hashlib.sha256("|".join(seen).encode()).hexdigest()[:32]


def run(db: Session, first: date, last: date) -> RunView:
    return RunView(runs.draft_run(db, first, last), credits.pending_corrections(db))


def documents(db: Session, first: date, last: date) -> list[Invoice | CreditNote]:
    return report.documents_between(db, first, last)


def credit_lines(db: Session, invoice: Invoice) -> list[tuple[InvoiceLine, int]]:
    left = credits.left_to_credit(db, invoice)
    return [(line, left[line.id]) for line in credits.lines_of(db, invoice)]


def notes_for(db: Session, document: Invoice | CreditNote) -> list[Invoice | CreditNote]:
    """The credit notes against an invoice, or the invoice a credit note credits."""
    if isinstance(document, CreditNote):
        return [db.get(Invoice, document.invoice_id)]
    return list(db.exec(select(CreditNote).where(CreditNote.invoice_id == document.id).order_by(CreditNote.number)))


def amounts_from_form(db: Session, invoice: Invoice, data: dict) -> dict[uuid.UUID, int]:
    """Amounts to credit per line from fields `amount-<line id>` in pounds; blank fields credit nothing."""
    amounts, errors = {}, {}
    for line in credits.lines_of(db, invoice):
        name = f"amount-{line.id}"
        text = (data.get(name) or "").strip()
        if not text:
            continue
        try:
            amounts[line.id] = parse_gbp(text)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise FieldErrors(errors)
    if not amounts:
        raise FieldErrors({"amounts": "choose the whole invoice or give an amount for at least one line"})
    return amounts


def sent_for(db: Session, documents: list) -> dict[str, mail.Attempt]:
    """How each invoice went out (by source ref), if it has, or why it has not."""
    refs = [references.source_ref("invoice", d.id) for d in documents if isinstance(d, Invoice)]
    return mail.standings(db, refs, "invoice") if refs else {}


def outbox(db: Session) -> list[SentMessage]:
    return list(db.exec(select(SentMessage).where(SentMessage.route == "outbox")
                        .order_by(SentMessage.created_at.desc())))


@dataclass(frozen=True)
class Parsed:
    sender: str
    to: str
    subject: str
    body: str
    attachments: list[tuple[str, int]]      # file name, size in bytes


def parsed(message: SentMessage) -> Parsed:
    email = BytesParser(policy=policy.default).parsebytes(message.eml or b"")
    body = email.get_body(preferencelist=("plain",))
    return Parsed(email["From"] or "", email["To"] or "", email["Subject"] or "",
                  body.get_content() if body else "",
                  [(part.get_filename(),
                    len(part.get_payload(decode=True) or b"")) for part in email.iter_attachments()])


def settlement_notes(db: Session, record) -> list[CreditNote]:
    """The credit notes a contract's settlement issued, in number order."""
    numbers = json.loads(record.data)["credit_notes"]
    return list(db.exec(select(CreditNote).where(CreditNote.number.in_(numbers)).order_by(CreditNote.number))) \
        if numbers else []
