"""Credit notes: whole or per line, with a reason, never more than is left; and the corrections a run issues.

A line credited in full frees the charge parts it billed: once corrected they are billed right in the next
run. A part whose charge was withdrawn or recalculated after it was invoiced is a correction the next run
credits by itself, before it bills the new charge.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func
from sqlmodel import Session, select

from invoicing import instalments
from invoicing.models import BilledInstalment, BilledPart, CreditNote, CreditNoteLine, Invoice, InvoiceLine
from invoicing.payments.balances import outstanding
from invoicing.payments.service import release
from invoicing.freeze import frozen, supplier
from provider import references
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.clock import today
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funding.models import BlockContract
from provider.grants.models import BilledGrantInstalment
from provider.grants.service import grant_receivable
from provider.ledger import accounts
from provider.ledger.models import EntryKind
from provider.ledger.post import Line, post
from provider.money import format_gbp
from provider.numbering import take


def lines_of(db: Session, invoice: Invoice) -> list[InvoiceLine]:
    return list(db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)))


def left_to_credit(db: Session, invoice: Invoice) -> dict[uuid.UUID, int]:
    """Each line's amount less what credit notes have already credited."""
    credited = dict(db.exec(select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.amount_pence))
                            .join(InvoiceLine, InvoiceLine.id == CreditNoteLine.invoice_line_id)
                            .where(InvoiceLine.invoice_id == invoice.id)
                            .group_by(CreditNoteLine.invoice_line_id)).all())
    return {line.id: line.amount_pence - int(credited.get(line.id) or 0) for line in lines_of(db, invoice)}


def credit(db: Session, invoice: Invoice, reason: str, amounts: dict[uuid.UUID, int] | None = None,
           actor_id: uuid.UUID | None = None, on: date | None = None) -> CreditNote:
    """Credit `amounts` (pence per invoice line), or everything still left when None."""
    reason = (reason or "").strip()
    left = left_to_credit(db, invoice)
    wanted = {line_id: pence for line_id, pence in left.items() if pence} if amounts is None else dict(amounts)
    errors = {}
    if not reason:
        errors["reason"] = "is required: say why the invoice is credited"
    for line_id, pence in wanted.items():
        if line_id not in left:
            errors[f"amount-{line_id}"] = f"is for a line that is not on invoice {invoice.number}"
        elif pence <= 0:
            errors[f"amount-{line_id}"] = "must be more than nothing"
        elif pence > left[line_id]:
            errors[f"amount-{line_id}"] = (f"is more than is left to credit on this line ({format_gbp(left[line_id])})")
    if not errors and not wanted:
        errors["amounts"] = f"nothing is left to credit on invoice {invoice.number}"
    if errors:
        raise FieldErrors(errors)
    return _issue(db, invoice, reason, wanted, left, actor_id, on or today(db))


def _issue(db: Session, invoice: Invoice, reason: str, wanted: dict[uuid.UUID, int], left: dict[uuid.UUID, int],
           actor_id: uuid.UUID | None, on: date) -> CreditNote:
    number = take(db, "CN", on)
    lines = {line.id: line for line in lines_of(db, invoice)}
    undone = _undone(db, invoice, lines, wanted)   # read before this note's own lines are written
    total = sum(wanted.values())
    owing = outstanding(db, invoice)
    document = {
        "title": "Credit note", "number": number, "issued_on": on.isoformat(),
        "credits": {"number": invoice.number, "issued_on": invoice.issued_on.isoformat()}, "reason": reason,
        "supplier": supplier(db), "customer": json.loads(invoice.data)["customer"],
        "lines": [{"description": lines[line_id].description, "amount_pence": pence,
                   "vat_treatment": lines[line_id].vat_treatment} for line_id, pence in wanted.items()],
        "total_pence": total,
    }
    data, digest = frozen(document)
    note = CreditNote(number=number, invoice_id=invoice.id, payer_ref=invoice.payer_ref, payer_name=invoice.payer_name,
                      issued_on=on, reason=reason, total_pence=total, data=data, data_sha256=digest,
                      created_by_id=actor_id)
    db.add(note)
    db.flush()
    db.add_all([CreditNoteLine(credit_note_id=note.id, invoice_line_id=line_id,
                               description=lines[line_id].description, amount_pence=pence)
                for line_id, pence in wanted.items()])
    freed = [line_id for line_id, pence in wanted.items() if pence == left[line_id]]
    if freed:
        db.exec(delete(BilledPart).where(BilledPart.line_id.in_(freed)))
    debtor = accounts.open_account(db, accounts.debtor(invoice.payer_ref, invoice.payer_name))
    post(db, EntryKind.credit_note, [*undone, Line(debtor, credit=total)],
         service_date=invoice.period_end, description=f"Credit note {number} against {invoice.number}",
         source_ref=references.source_ref("credit_note", note.id), group_id=note.id, actor_id=actor_id, on=on)
    if total > max(owing, 0):   # credited beyond what was still owed: what was paid for it becomes credit held
        release(db, invoice, total - max(owing, 0), on, actor_id, f"credit note {number}")
    db.flush()
    return note


def _undone(db: Session, invoice: Invoice, lines: dict[uuid.UUID, InvoiceLine],
            wanted: dict[uuid.UUID, int]) -> list[Line]:
    """The debits a credit note posts: what each credited line was credited to when it was invoiced. Care goes
    back to accrued income; a block instalment to its deferred income while any is left, then to its income; a
    grant instalment to the grant receivable."""
    blocks = {b.line_id: b for b in db.exec(select(BilledInstalment).where(BilledInstalment.line_id.in_(wanted)))}
    grants = {g.line_id: g for g in db.exec(select(BilledGrantInstalment)
                                            .where(BilledGrantInstalment.line_id.in_(wanted)))}
    debits: dict[str, tuple[accounts.Spec, int]] = {}

    def add(spec: accounts.Spec, pence: int) -> None:
        if pence > 0:
            debits[spec.code] = (spec, debits.get(spec.code, (None, 0))[1] + pence)

    for line_id, pence in wanted.items():
        if line_id in blocks:
            billed = blocks[line_id]
            contract = db.get(BlockContract, billed.contract_id)
            deferred = min(pence, instalments.still_deferred(db, billed, lines[line_id].amount_pence))
            add(accounts.block_deferred(contract.id, contract.reference), deferred)
            add(accounts.block_income(contract.id, contract.reference), pence - deferred)
        elif line_id in grants:
            add(grant_receivable(grants[line_id].award_id, db), pence)
        else:
            add(accounts.accrued(invoice.payer_ref, invoice.payer_name), pence)
    return [Line(accounts.open_account(db, spec), debit=pence) for spec, pence in debits.values()]


@dataclass(frozen=True)
class Correction:
    """Part of an issued invoice whose charge was withdrawn or recalculated since: to be credited."""

    invoice: Invoice
    line: InvoiceLine
    pence: int
    part_ids: tuple[uuid.UUID, ...]
    reason: str


def pending_corrections(db: Session, payer_refs: set[str] | None = None) -> list[Correction]:
    query = (select(BilledPart.part_id, ChargePart.pence, Charge.day, Charge.flagged_reason, InvoiceLine, Invoice)
             .join(ChargePart, ChargePart.id == BilledPart.part_id)
             .join(Charge, Charge.id == ChargePart.charge_id)
             .join(InvoiceLine, InvoiceLine.id == BilledPart.line_id)
             .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
             .where(Charge.state != ChargeState.current))
    if payer_refs is not None:
        query = query.where(Invoice.payer_ref.in_(payer_refs))
    grouped: dict[uuid.UUID, list] = defaultdict(list)
    for row in db.exec(query):
        grouped[row[4].id].append(row)
    corrections = []
    for rows in grouped.values():
        line, invoice = rows[0][4], rows[0][5]
        days = ", ".join(sorted({short_date(row[2]) for row in rows}))
        corrections.append(Correction(invoice, line, sum(row[1] for row in rows), tuple(row[0] for row in rows),
                                      f"Charge for {days} withdrawn or recalculated after it was invoiced"))
    corrections.sort(key=lambda c: (c.invoice.number, c.line.position))
    return corrections


def issue_corrections(db: Session, corrections: list[Correction], actor_id: uuid.UUID | None,
                      on: date) -> list[CreditNote]:
    """One credit note per invoice for its corrections; the corrected parts are freed."""
    by_invoice: dict[uuid.UUID, list[Correction]] = defaultdict(list)
    for c in corrections:
        by_invoice[c.invoice.id].append(c)
    notes = []
    for items in by_invoice.values():
        invoice = items[0].invoice
        left = left_to_credit(db, invoice)
        amounts = {c.line.id: min(c.pence, left[c.line.id]) for c in items if left[c.line.id] > 0}
        if amounts:
            notes.append(_issue(db, invoice, "; ".join(c.reason for c in items), amounts, left, actor_id, on))
        db.exec(delete(BilledPart).where(BilledPart.part_id.in_([p for c in items for p in c.part_ids])))
    db.flush()
    return notes
