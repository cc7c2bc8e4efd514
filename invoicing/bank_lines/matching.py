"""Suggested matches for money in, and accepting one: the payment recorded and allocated by the payments service.

A line is suggested the invoices whose numbers its reference names (references are often upper-cased, spaced
or prefixed: "inv 2627 000011", "NCC REF INV2627000011"), else those its description names, the one open
invoice owing exactly its amount, and the one payer whose open invoices add up to exactly its amount. The numbers
a line names were read once, when it was imported (`BankLine.reference_numbers` and `description_numbers`).
"""
from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from invoicing import gather
from provider import numbering, references
from provider.bank.models import BankLine
from invoicing.models import Invoice
from invoicing.payments import service
from invoicing.payments.balances import owed
from invoicing.payments.models import Payment
from provider.audit.models import AuditEvent
from provider.audit.recorder import ACTOR_KEY
from provider.bank import claims
from provider.errors import FieldErrors, NotFound
from provider.money import format_gbp

CREDIT_NOTE_SERIES = "CN"                    # a credit note's number is never a reference for paying an invoice
KINDS = {"reference": "The reference", "description": "The description", "amount": "The amount",
         "payer": "The amount", "chosen": "Chosen by hand"}
CHUNK = 2_000


@dataclass(frozen=True)
class Open:
    """An invoice that still owes something."""

    id: uuid.UUID
    number: str
    payer_ref: str
    payer_name: str
    issued_on: date
    outstanding: int


@dataclass(frozen=True)
class Suggestion:
    key: str                              # what Accept sends back: kind and invoice numbers
    why: str
    payer_ref: str
    payer_name: str
    pays: tuple[tuple[Open, int], ...]    # oldest first, each at most what it owes
    credit_pence: int                     # left over: held as the payer's credit on account


def payer_group(ref: str) -> str:
    """A council's remittance may pay any of its departments' invoices: one payer for matching."""
    return references.payer_group(ref)


@dataclass(frozen=True)
class Book:
    by_digits: dict[str, list[Open]]
    by_amount: dict[int, list[Open]]
    by_payer: dict[str, list[Open]]
    by_total: dict[int, list[str]]        # the payer groups owing exactly this on two or more invoices
    names: dict[str, str]                 # a payer group's name


def book(invoices: Iterable[Open], names: dict[str, str] | None = None) -> Book:
    by_digits, by_amount, by_payer = defaultdict(list), defaultdict(list), defaultdict(list)
    for o in sorted(invoices, key=lambda o: (o.issued_on, o.number)):
        by_digits[o.number[-10:]].append(o)
        by_amount[o.outstanding].append(o)
        by_payer[payer_group(o.payer_ref)].append(o)
    by_total = defaultdict(list)
    for group, owing in by_payer.items():
        if len(owing) > 1:
            by_total[sum(o.outstanding for o in owing)].append(group)
    return Book(by_digits, by_amount, by_payer, by_total, names or {})


def open_invoices(db: Session, numbers: list[str] | None = None, groups: list[str] | None = None) -> list[Open]:
    """Every invoice still owing something (or only those numbered, or of those payer groups)."""
    query = select(Invoice.id, Invoice.number, Invoice.payer_ref, Invoice.payer_name, Invoice.issued_on,
                   Invoice.total_pence)
    if numbers is not None:
        query = query.where(Invoice.number.in_(numbers))
    if groups is not None:
        query = query.where(or_(Invoice.payer_ref.in_(groups),
                                *[Invoice.payer_ref.startswith(references.departments_prefix(g)) for g in groups
                                  if references.is_kind(g, references.FUNDER)]))
    found = db.exec(query).all()    # rows with an invoice's id and total: all `owed` reads of one
    result = []
    for at in range(0, len(found), CHUNK):
        for o in owed(db, found[at:at + CHUNK]).values():
            if o.outstanding > 0:
                i = o.invoice
                result.append(Open(i.id, i.number, i.payer_ref, i.payer_name, i.issued_on, o.outstanding))
    return result


def open_book(db: Session, **kwargs) -> Book:
    invoices = open_invoices(db, **kwargs)
    groups = {payer_group(o.payer_ref) for o in invoices} - {o.payer_ref for o in invoices}
    return book(invoices, {ref: p.name for ref, p in gather.payers(db, groups).items()} if groups else {})


def normalise(text: str) -> str:
    return numbering.run_together(text)


def named_in(b: Book, numbers: str) -> list[Open]:
    """The open invoices of the numbers a line's text names (`numbering.named_numbers`), of one payer (the first
    named)."""
    found: list[Open] = []
    for letters, digits in map(numbering.split_named, numbers.split()):
        options = b.by_digits.get(digits, [])
        exact = [o for o in options if letters.endswith(o.number[:-10])]
        if exact:
            found.append(exact[0])
        elif len(options) == 1 and not letters.endswith(CREDIT_NOTE_SERIES):
            found.append(options[0])
    payer = payer_group(found[0].payer_ref) if found else None
    return list({o.id: o for o in found if payer_group(o.payer_ref) == payer}.values())


def plan(b: Book, kind: str, invoices: list[Open], amount: int, why: str) -> Suggestion:
    invoices = sorted(invoices, key=lambda o: (o.issued_on, o.number))
    pays, left = [], amount
    for o in invoices:
        if left > 0:
            pays.append((o, min(o.outstanding, left)))
            left -= pays[-1][1]
    refs = {o.payer_ref for o in invoices}
    ref = refs.pop() if len(refs) == 1 else payer_group(invoices[0].payer_ref)
    name = invoices[0].payer_name if ref == invoices[0].payer_ref else b.names.get(ref, invoices[0].payer_name)
    return Suggestion(f"{kind}:{'+'.join(o.number for o in invoices)}", why, ref, name, tuple(pays), left)


def suggest(b: Book, line) -> list[Suggestion]:
    """`line`: a BankLine, or a row of its columns."""
    if line.amount_pence <= 0 or line.ignored_reason:
        return []
    found = []
    for kind, numbers in (("reference", line.reference_numbers), ("description", line.description_numbers)):
        if named := named_in(b, numbers):
            found.append(plan(b, kind, named, line.amount_pence,
                              f"{KINDS[kind]} names {', '.join(o.number for o in named)}"))
    same = b.by_amount.get(line.amount_pence, [])
    if len(same) == 1:
        found.append(plan(b, "amount", same, line.amount_pence,
                          f"The amount is what {same[0].number} owes, and no other open invoice owes it"))
    totals = b.by_total.get(line.amount_pence, [])
    if len(totals) == 1:
        owing = b.by_payer[totals[0]]
        found.append(plan(b, "payer", owing, line.amount_pence,
                          f"The amount is everything the payer owes on its {len(owing)} open invoices"))
    unique = {}
    for s in found:
        unique.setdefault(frozenset(o.id for o, _ in s.pays), s)
    return list(unique.values())


def is_matched(db: Session, line: BankLine) -> bool:
    return db.exec(select(Payment.id).where(Payment.bank_line_id == line.id)).first() is not None


def _unmatched(db: Session, line_id: uuid.UUID) -> BankLine:
    line = db.exec(select(BankLine).where(BankLine.id == line_id).with_for_update()
                   .execution_options(populate_existing=True)).first()
    if line is None:
        raise NotFound("No such bank statement line")
    if is_matched(db, line) or claims.is_claimed(db, line.id):
        raise FieldErrors({"suggestion": "this line is matched already: its payment is recorded"})
    return line


def accept(db: Session, line_id: uuid.UUID, key: str, today: date, actor_id: uuid.UUID | None = None) -> Payment:
    """Record the line as a payment from the suggestion's payer and allocate it to the suggested invoices."""
    line = _unmatched(db, line_id)
    if line.amount_pence <= 0 or line.ignored_reason:
        raise FieldErrors({"suggestion": "only money in that is not ignored can be matched to invoices"})
    kind, _, numbers = (key or "").partition(":")
    wanted = list(dict.fromkeys(normalise(n) for n in re.split(r"[+,\s]+", numbers) if n.strip()))
    if kind not in KINDS or not wanted:
        raise FieldErrors({"suggestion": "choose one of the suggestions, or name the invoices to pay"})
    b = open_book(db, numbers=wanted)
    if kind == "payer" and b.by_payer:
        b = open_book(db, groups=list(b.by_payer))
    suggestion = _chosen(b, wanted, line) if kind == "chosen" else \
        next((s for s in suggest(b, line) if s.key == f"{kind}:{'+'.join(wanted)}"), None)
    if suggestion is None:
        raise FieldErrors({"suggestion": "no longer fits this line: an invoice it named may have been paid "
                                         "meanwhile. Look at the suggestions again."})
    payment = service.record_payment(db, service.PaymentIn(
        suggestion.payer_ref, line.bank_account_id, line.booked_on, line.amount_pence, "bank_transfer",
        line.reference.strip()[:service.REFERENCE_MAX], f"Bank statement line: {suggestion.why}."), today, actor_id,
        bank_line_id=line.id)
    service.allocate(db, payment, {o.id: pence for o, pence in suggestion.pays}, line.booked_on, actor_id)
    return payment


def _chosen(b: Book, wanted: list[str], line: BankLine) -> Suggestion:
    invoices = {o.number: o for group in b.by_payer.values() for o in group}
    missing = [n for n in wanted if n not in invoices]
    if missing:
        raise FieldErrors({"suggestion": f"{', '.join(missing)}: no open invoice has that number"})
    chosen = [invoices[n] for n in wanted]
    if len({payer_group(o.payer_ref) for o in chosen}) > 1:
        raise FieldErrors({"suggestion": "the invoices are to different payers: one payment pays one payer's"})
    return plan(b, "chosen", chosen, line.amount_pence, f"{KINDS['chosen']}: {', '.join(wanted)} "
                                                          f"({format_gbp(line.amount_pence)})")


def _audit(db: Session, line: BankLine, before: str | None) -> None:
    actor_id, actor_name = db.info.get(ACTOR_KEY) or (None, "system")
    db.add(AuditEvent(actor_id=actor_id, actor_name=actor_name, action="update", entity="bank_lines",
                      entity_id=str(line.id), changes={"ignored_reason": [before, line.ignored_reason]}))


def ignore(db: Session, line_id: uuid.UUID, reason: str) -> BankLine:
    """Not a payment to match (money out, interest, ISF receipts for later), and why; the audit says who."""
    line = _unmatched(db, line_id)
    if not (reason or "").strip():
        raise FieldErrors({"reason": "is required: say why the line is not a payment to match"})
    before, line.ignored_reason = line.ignored_reason, reason.strip()
    db.add(line)
    _audit(db, line, before)
    db.flush()
    return line


def restore(db: Session, line_id: uuid.UUID) -> BankLine:
    line = _unmatched(db, line_id)
    if not line.ignored_reason:
        raise FieldErrors({"reason": "the line is not ignored"})
    before, line.ignored_reason = line.ignored_reason, None
    db.add(line)
    _audit(db, line, before)
    db.flush()
    return line
