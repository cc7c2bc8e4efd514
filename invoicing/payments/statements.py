"""A payer's statement of account at a date: every invoice, credit note, payment, allocation, refund, write-off and
waiver in date order with a running balance, what each open invoice still owes, and the credit held.

The balance is what the payer's invoices still owe less the credit it holds on account. Allocations between the
payer's own payments and invoices change nothing in it and are shown as notes; a council's remittance that pays a
department's invoice moves money between the two.
"""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from invoicing import freeze, gather
from invoicing.documents import html_to_pdf, pdf_templates
from invoicing.models import CreditNote, Invoice
from invoicing.payments.debt import debts
from invoicing.payments.models import AdjustmentKind, Allocation, DebtAdjustment, Payment, Refund
from provider.dates import long_date, short_date
from provider.errors import NotFound
from provider.money import format_gbp

METHODS = {"bank_transfer": "bank transfer", "cheque": "cheque", "card": "card", "direct_debit": "direct debit"}


def _events(db: Session, ref: str, as_of: date) -> list[tuple[date, int, str, int | None]]:
    """(day, order within the day, details, amount: + owed, − paid or credited, None for a note)."""
    events = []
    for i in db.exec(select(Invoice).where(Invoice.payer_ref == ref, Invoice.issued_on <= as_of)):
        events.append((i.issued_on, 0, f"Invoice {i.number}, due {short_date(i.due_on)}", i.total_pence))
    for note, number in db.exec(select(CreditNote, Invoice.number).join(Invoice, Invoice.id == CreditNote.invoice_id)
                                .where(CreditNote.payer_ref == ref, CreditNote.issued_on <= as_of)):
        events.append((note.issued_on, 1, f"Credit note {note.number} against {number}: {note.reason}",
                       -note.total_pence))
    for p in db.exec(select(Payment).where(Payment.payer_ref == ref, Payment.received_on <= as_of)):
        reference = f", reference {p.reference}" if p.reference else ""
        events.append((p.received_on, 2, f"Payment received by {METHODS.get(p.method, p.method)}{reference}",
                       -p.amount_pence))
    rows = db.exec(select(Allocation, Payment, Invoice).join(Payment, Payment.id == Allocation.payment_id)
                   .join(Invoice, Invoice.id == Allocation.invoice_id)
                   .where((Payment.payer_ref == ref) | (Invoice.payer_ref == ref), Allocation.allocated_on <= as_of))
    for a, p, i in rows:
        what = f"{format_gbp(abs(a.pence))} of the payment of {short_date(p.received_on)}"
        if a.pence < 0:
            what = f"Undone: {what} set against {i.number}, now held on account"
        else:
            what = f"{what} set against {i.number}"
        if p.payer_ref == i.payer_ref:
            events.append((a.allocated_on, 3, what, None))
        elif p.payer_ref == ref:
            events.append((a.allocated_on, 3, f"{what} ({i.payer_name})", a.pence))
        else:
            events.append((a.allocated_on, 3, f"{what}, from {p.payer_name}", -a.pence))
    for adj, number in db.exec(select(DebtAdjustment, Invoice.number)
                               .join(Invoice, Invoice.id == DebtAdjustment.invoice_id)
                               .where(Invoice.payer_ref == ref, DebtAdjustment.approved_on.is_not(None),
                                      DebtAdjustment.approved_on <= as_of)):
        kind = "written off" if adj.kind == AdjustmentKind.write_off else "waived"
        events.append((adj.approved_on, 4, f"{number}: {format_gbp(adj.pence)} {kind} ({adj.reason})", -adj.pence))
    for r, p in db.exec(select(Refund, Payment).join(Payment, Payment.id == Refund.payment_id)
                        .where(Payment.payer_ref == ref, Refund.refunded_on <= as_of)):
        events.append((r.refunded_on, 5, f"Refund of credit held, to {r.to_details}", r.pence))
    return sorted(events, key=lambda e: (e[0], e[1], e[2]))


def statement(db: Session, payer_ref: str, as_of: date) -> dict:
    """The statement as plain data (ISO dates), for the PDF and the API."""
    events = _events(db, payer_ref, as_of)
    if not events:
        raise NotFound("No such payer: Lantern has no invoice to or payment from them")
    payer = gather.payers(db, {payer_ref})[payer_ref]
    lines, balance = [], 0
    for day, _, details, amount in events:
        balance += amount or 0
        lines.append({"day": day.isoformat(), "details": details, "amount_pence": amount, "balance_pence": balance})
    owing = debts(db, as_of, payer_ref)
    outstanding = sum(d.outstanding for d in owing)
    return {
        "title": "Statement of account", "number": f"at {long_date(as_of)}", "as_of": as_of.isoformat(),
        "supplier": freeze.supplier(db),
        "customer": {"ref": payer_ref, "name": payer.name, "address": payer.address, "kind": payer.kind},
        "lines": lines,
        "open": [{"number": d.invoice.number, "issued_on": d.invoice.issued_on.isoformat(),
                  "due_on": d.invoice.due_on.isoformat(), "total_pence": d.invoice.total_pence,
                  "outstanding_pence": d.outstanding, "days_overdue": max(d.days_overdue, 0),
                  "disputed": d.dispute is not None} for d in owing],
        "outstanding_pence": outstanding, "credit_pence": outstanding - balance, "balance_pence": balance,
    }


def statement_pdf(document: dict) -> bytes:
    return html_to_pdf(pdf_templates.get_template("payments/statement_pdf.html").render(doc=document))
