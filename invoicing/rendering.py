"""Documents rendered once, by whoever comes next.

Issuing commits first and renders after, so a crash between the two leaves documents pending, never lost: an
issued invoice or credit note with no stored PDF, and an NHS invoice with no stored backing schedule. The next
invoice run, `lantern render-pending` or sending renders them; `lantern check` lists them. Each is stored in its
own unit of work, and one that cannot be made never stops the others.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from invoicing.backing import stored_backing
from invoicing.documents import stored_pdf
from invoicing.models import CreditNote, Document, Invoice
from provider import references
from provider.db import unit_of_work

LABELS = {"credit_note": "Credit note {number} ({payer}): its PDF",
          "invoice": "Invoice {number} ({payer}): its PDF",
          "backing": "Invoice {number} ({payer}): its backing schedule"}


@dataclass(frozen=True)
class Pending:
    kind: str            # credit_note, invoice or backing (an invoice's schedule)
    id: uuid.UUID        # the credit note's or the invoice's
    number: str
    payer_name: str

    @property
    def label(self) -> str:
        return LABELS[self.kind].format(number=self.number, payer=self.payer_name)


@dataclass
class Rendered:
    stored: int = 0
    failures: list[str] = field(default_factory=list)


def pending(db: Session) -> list[Pending]:
    """Every issued document not yet stored, credit notes first, then invoices, each in number order."""
    stored = set(db.exec(select(Document.source_ref)))
    found = [Pending("credit_note", id_, number, payer) for id_, number, payer in
             db.exec(select(CreditNote.id, CreditNote.number, CreditNote.payer_name).order_by(CreditNote.number))
             if references.source_ref("credit_note", id_) not in stored]
    invoices = list(db.exec(select(Invoice.id, Invoice.number, Invoice.payer_name, Invoice.payer_ref)
                            .order_by(Invoice.number)))
    for id_, number, payer, payer_ref in invoices:
        if references.source_ref("invoice", id_) not in stored:
            found.append(Pending("invoice", id_, number, payer))
    funded = [row for row in invoices if references.is_kind(row[3], references.FUNDER)
              and references.source_ref("backing", row[0]) not in stored]
    if funded:
        ids = [row[0] for row in funded]
        data = dict(db.exec(select(Invoice.id, Invoice.data).where(Invoice.id.in_(ids))).all())
        cancelled = _credited_in_full(db, ids)
        found += [Pending("backing", id_, number, payer) for id_, number, payer, _ in funded
                  if json.loads(data[id_]).get("backing_reference") and id_ not in cancelled]
    return found


def _credited_in_full(db: Session, ids: list) -> set:
    """Invoices whose credit notes cancel all of them: the care a schedule would list was credited, and the parts it
    would be made from were freed, so no schedule is owed (the payer has the invoice and its credit note)."""
    totals = dict(db.exec(select(Invoice.id, Invoice.total_pence).where(Invoice.id.in_(ids))).all())
    credited = db.exec(select(CreditNote.invoice_id, func.sum(CreditNote.total_pence))
                       .where(CreditNote.invoice_id.in_(ids)).group_by(CreditNote.invoice_id)).all()
    return {invoice_id for invoice_id, pence in credited if pence >= totals[invoice_id]}


def render_pending(db: Session, items: list[Pending] | None = None,
                   report: Callable[[int, int], None] = lambda done, total: None) -> Rendered:
    """Render and store each pending document (all of them unless `items`), committing each; `report(done, total)`
    after each. One that cannot be made is a failure, with its reason; the rest go on."""
    items = pending(db) if items is None else items
    result = Rendered()
    for done, item in enumerate(items, 1):
        try:
            with unit_of_work(db):
                result.stored += _store(db, item)
        except ValueError as exc:
            result.failures.append(f"{item.label} could not be made: {exc}")
        except IntegrityError:
            pass  # another process stored it meanwhile, from the same frozen data: the same document
        report(done, len(items))
    return result


def _store(db: Session, item: Pending) -> int:
    """1 when this stored the document, 0 when it was stored already."""
    if item.kind == "credit_note":
        issued, ref = db.get(CreditNote, item.id), references.source_ref("credit_note", item.id)
    else:
        issued, ref = db.get(Invoice, item.id), references.source_ref(item.kind, item.id)
    if db.exec(select(Document.id).where(Document.source_ref == ref)).first() is not None:
        return 0
    if item.kind == "backing":
        stored_backing(db, issued)
    else:
        stored_pdf(db, issued)
    return 1


def unrendered_documents(db: Session) -> list[str]:
    """`lantern check`: an issued document with no stored file (rendering was interrupted, or has not run yet)."""
    return [f"{item.label} is not stored: run lantern render-pending." for item in pending(db)]
