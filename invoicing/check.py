"""Invoicing's checks for `lantern check` on issued documents; each returns every failure as a sentence."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing.models import BilledPart, CreditNote, Document, Invoice
from invoicing.rendering import unrendered_documents
from invoicing.payments.models import Allocation, DebtAdjustment, Reminder
from provider.charges.models import Charge, ChargePart
from provider.ledger import accounts
from provider.ledger.post import balances
from provider.money import format_gbp
from provider.numbering import NumberSeries

NUMBER = re.compile(r"^([A-Z]{2,4}\d{4})(\d{6})$")


def debtors_match_documents(db: Session) -> list[str]:
    """Each payer's debtor account holds what its invoices say it owes: less credit notes, payments allocated, and
    write-offs and waivers approved."""
    owed: dict[str, int] = defaultdict(int)
    names = dict(db.exec(select(Invoice.payer_ref, Invoice.payer_name)).all())
    for ref, total in db.exec(select(Invoice.payer_ref, func.sum(Invoice.total_pence)).group_by(Invoice.payer_ref)):
        owed[ref] += int(total)
    for ref, total in db.exec(select(CreditNote.payer_ref, func.sum(CreditNote.total_pence))
                              .group_by(CreditNote.payer_ref)):
        owed[ref] -= int(total)
    for model, column, extra in ((Allocation, Allocation.pence, ()),
                                 (DebtAdjustment, DebtAdjustment.pence, (DebtAdjustment.approved_on.is_not(None),))):
        for ref, total in db.exec(select(Invoice.payer_ref, func.sum(column)).join(model,
                                                                                   model.invoice_id == Invoice.id)
                                  .where(*extra).group_by(Invoice.payer_ref)):
            owed[ref] -= int(total)
    ledger = {accounts.payer_of_debtor(code): value for code, value in balances(db).items() if accounts.is_debtor(code)}
    return [f"Debtor {names.get(ref, ref)}: the ledger holds {format_gbp(ledger.get(ref, 0))} but its documents say "
            f"{format_gbp(owed.get(ref, 0))}." for ref in sorted(set(owed) | set(ledger))
            if ledger.get(ref, 0) != owed.get(ref, 0)]


def numbers_without_gaps(db: Session) -> list[str]:
    """Each series runs 1, 2, 3… with no gap and no duplicate, up to what its counter has handed out."""
    taken: dict[str, list[int]] = defaultdict(list)
    for number in [*db.exec(select(Invoice.number)), *db.exec(select(CreditNote.number))]:
        match = NUMBER.match(number)
        if match is None:
            taken["?"].append(0)
            continue
        taken[match.group(1)].append(int(match.group(2)))
    counters = {row.series: row.next_value for row in db.exec(select(NumberSeries))}
    failures = []
    for series, values in sorted(taken.items()):
        if series == "?":
            failures.append(f"{len(values)} document number(s) do not have the form series, year, six digits.")
            continue
        expected = list(range(1, counters.get(series, 1)))
        if sorted(values) != expected:
            missing = sorted(set(expected) - set(values))
            doubled = sorted({v for v in values if values.count(v) > 1})
            failures.append(f"Series {series}: missing {missing or 'none'}, duplicated {doubled or 'none'}.")
    return failures


def documents_unchanged(db: Session) -> list[str]:
    failures = []
    for kind, model, name in (("Invoice", Invoice, Invoice.number), ("Credit note", CreditNote, CreditNote.number),
                              ("Reminder", Reminder, Reminder.id)):
        for number, data, digest in db.exec(select(name, model.data, model.data_sha256)):
            if hashlib.sha256(data.encode()).hexdigest() != digest:
                failures.append(f"{kind} {number}: its stored data no longer matches its hash.")
    for ref, pdf, digest in db.exec(select(Document.source_ref, Document.pdf, Document.sha256)):
        if hashlib.sha256(pdf).hexdigest() != digest:
            failures.append(f"Document {ref}: the stored file no longer matches its hash.")
    return failures


def units_billed_twice(db: Session) -> list[str]:
    """A unit of care billed by parts of more than one charge: an old bill was never credited."""
    rows = db.exec(select(Charge.unit_id, func.count(func.distinct(Charge.id)))
                   .join(ChargePart, ChargePart.charge_id == Charge.id)
                   .join(BilledPart, BilledPart.part_id == ChargePart.id)
                   .group_by(Charge.unit_id).having(func.count(func.distinct(Charge.id)) > 1))
    return [f"Unit of care {unit_id} is billed by {count} different charges." for unit_id, count in rows]


CHECKS = (debtors_match_documents, numbers_without_gaps, documents_unchanged, units_billed_twice)
WORK_LEFT = (unrendered_documents,)   # what an interrupted run left to do, which `lantern render-pending` finishes
