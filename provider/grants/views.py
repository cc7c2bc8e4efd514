"""What the grant pages show: each award's instalments, and for each whether it was invoiced or is expected."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from invoicing.instalments import schedule
from invoicing.models import ExpectedPayment, Invoice, InvoiceLine
from provider.grants.models import BilledGrantInstalment, GrantAward


@dataclass(frozen=True)
class InstalmentView:
    number: int
    of: int
    due_on: date
    covers_from: date
    covers_to: date
    pence: int
    invoice: Invoice | None
    expected: ExpectedPayment | None


def instalments_of(db: Session, award: GrantAward) -> list[InstalmentView]:
    done = {b.number: b for b in db.exec(select(BilledGrantInstalment).where(BilledGrantInstalment.award_id == award.id))}
    invoices = {line_id: invoice for line_id, invoice in db.exec(
        select(InvoiceLine.id, Invoice).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.id.in_([b.line_id for b in done.values() if b.line_id])))} if done else {}
    expected = {e.id: e for e in db.exec(select(ExpectedPayment).where(
        ExpectedPayment.id.in_([b.expected_id for b in done.values() if b.expected_id])))} if done else {}
    rows = []
    for i in schedule(str(award.id), award.reference, "", award.starts_on, award.ends_on, award.amount_pence,
                      award.instalments, True):
        billed = done.get(i.number)
        rows.append(InstalmentView(i.number, i.of, i.due_on, i.covers_from, i.covers_to, i.pence,
                                   invoices.get(billed.line_id) if billed and billed.line_id else None,
                                   expected.get(billed.expected_id) if billed and billed.expected_id else None))
    return rows
