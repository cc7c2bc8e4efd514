"""Reminder letters for a payer's overdue invoices: frozen as a Reminder (canonical JSON and its hash), rendered
once to a PDF, and sent as invoices are (email, the outbox, or post).

Never to a family under a bereavement hold, never for a disputed invoice. Statutory late-payment interest and
compensation (Late Payment of Commercial Debts (Interest) Act 1998) may be claimed from commissioners, never from a
family or a nominee.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session, select

from invoicing import freeze, gather
from provider import mail, references
from invoicing.documents import html_to_pdf, pdf_templates
from invoicing.models import Document
from invoicing.payments.debt import COMMISSIONERS, Debt, debts, dispute_refusal, hold_refusal
from invoicing.payments.models import Reminder
from provider.config import Settings
from provider.dates import long_date
from provider.errors import FieldErrors
from provider.money import format_gbp, round_pence
from provider.organisation.models import ProviderSettings

# The reference rate: the Bank of England base rate in force on 31 December or 30 June, which fixes the statutory
# rate for a debt whose interest begins to run in the six months after. (First day of those six months, base rate
# in %.) Add a line each January and July from the Bank's published rate.
REFERENCE_RATES = {
    date(2023, 1, 1): "3.50",   # on 31 December 2022
    date(2023, 7, 1): "5.00",   # on 30 June 2023
    date(2024, 1, 1): "5.25",
    date(2024, 7, 1): "5.25",
    date(2025, 1, 1): "4.75",
    date(2025, 7, 1): "4.25",
    date(2026, 1, 1): "3.75",   # on 31 December 2025 (cut to 3.75% on 18 December 2025)
    date(2026, 7, 1): "3.75",   # on 30 June 2026 (held at 3.75% in February, March, April and June 2026)
}
MARGIN = Decimal("8")          # statutory interest: 8% a year over the reference rate


class RateUnknown(ValueError):
    pass


def reference_day(begins: date) -> date:
    """The 30 June or 31 December before the half-year in which interest begins to run."""
    return date(begins.year, 1 if begins.month <= 6 else 7, 1) - timedelta(days=1)


def statutory_rate(begins: date) -> Decimal:
    """The yearly rate, in %, for a debt whose interest begins to run on `begins`: fixed for the whole debt."""
    rate = REFERENCE_RATES.get(reference_day(begins) + timedelta(days=1))
    if rate is None:
        raise RateUnknown(f"the Bank of England base rate on {long_date(reference_day(begins))} is not yet in "
                          f"Lantern's table of reference rates")
    return Decimal(rate) + MARGIN


def interest_pence(pence: int, rate_percent: Decimal, days: int) -> int:
    """Simple interest on `pence` at `rate_percent` a year for `days` days, a day being 1/365 of a year."""
    if days <= 0 or pence <= 0:
        return 0
    return round_pence(Fraction(pence) * Fraction(rate_percent) * days / (100 * 365))


def compensation_pence(pence: int) -> int:
    """The fixed sum for each late debt: £40 under £1,000, £70 under £10,000, £100 from £10,000."""
    return 4_000 if pence < 100_000 else 7_000 if pence < 1_000_000 else 10_000


@dataclass(frozen=True)
class Claim:
    pence: int
    due_on: date
    until: date
    rate: Decimal
    interest: int
    compensation: int

    @property
    def days(self) -> int:
        return max((self.until - self.due_on).days, 0)


def claim(pence: int, due_on: date, until: date) -> Claim:
    """Interest from the day after the due date up to and including `until`, and the fixed compensation."""
    if until <= due_on:
        return Claim(pence, due_on, until, Decimal(0), 0, 0)
    rate = statutory_rate(due_on + timedelta(days=1))
    return Claim(pence, due_on, until, rate, interest_pence(pence, rate, (until - due_on).days),
                 compensation_pence(pence))


def _claim_data(c: Claim) -> dict:
    return {"days": c.days, "reference_day": reference_day(c.due_on + timedelta(days=1)).isoformat(),
            "base_rate": str(c.rate - MARGIN), "rate": str(c.rate), "interest_pence": c.interest,
            "compensation_pence": c.compensation}


def _chosen(late: list[Debt], invoice_ids: list[uuid.UUID] | None) -> list[Debt]:
    """The payer's overdue invoices the letter is about: all of them not disputed, or exactly those asked for."""
    if invoice_ids is None:
        return [d for d in late if d.dispute is None]
    by_id = {d.invoice.id: d for d in late}
    errors = []
    for invoice_id in invoice_ids:
        found = by_id.get(invoice_id)
        if found is None:
            errors.append(f"{invoice_id} is not an overdue invoice of this payer")
        elif found.dispute is not None:
            errors.append(dispute_refusal(found))
    if errors:
        raise FieldErrors({"invoice_ids": "; ".join(errors)})
    return [by_id[i] for i in dict.fromkeys(invoice_ids)]


def letter(db: Session, payer_ref: str, on: date, claim_interest: bool = False,
           invoice_ids: list[uuid.UUID] | None = None) -> dict:
    """The reminder as it would be frozen; refused, nothing changed, naming every reason, when it may not go."""
    payer = gather.payers(db, {payer_ref})[payer_ref]
    late = [d for d in debts(db, on, payer_ref) if d.days_overdue > 0]
    errors = {}
    if (refusal := hold_refusal(payer)) is not None:
        errors["payer_ref"] = refusal
    elif not late:
        errors["payer_ref"] = (f"{payer.name if payer.kind != 'none' else payer_ref} has no overdue invoice: a "
                               f"reminder is only for invoices past their due date")
    if claim_interest and payer.kind not in COMMISSIONERS:
        errors["claim_interest"] = ("is only for commissioners: Lantern never claims late-payment interest or "
                                    "compensation from a family or a nominee")
    if errors:
        raise FieldErrors(errors)
    chosen = _chosen(late, invoice_ids)
    if not chosen:
        raise FieldErrors({"payer_ref": f"{payer.name}'s overdue invoices are all disputed: no reminder while an "
                                        f"invoice is disputed"})
    if db.exec(select(Reminder).where(Reminder.payer_ref == payer_ref, Reminder.sent_on == on)).first():
        raise FieldErrors({"payer_ref": f"{payer.name} was sent a reminder today already"})
    claims = {}
    if claim_interest:
        try:
            claims = {d.invoice.id: claim(d.outstanding, d.invoice.due_on, on) for d in chosen}
        except RateUnknown as exc:
            raise FieldErrors({"claim_interest": f"cannot be worked out: {exc}"}) from None
    interest = sum(c.interest for c in claims.values())
    compensation = sum(c.compensation for c in claims.values())
    return {
        "title": "Payment reminder", "number": f"{long_date(on)}", "sent_on": on.isoformat(),
        "supplier": freeze.supplier(db),
        "customer": {"name": payer.name, "address": payer.address, "kind": payer.kind},
        "invoices": [{"number": d.invoice.number, "issued_on": d.invoice.issued_on.isoformat(),
                      "due_on": d.invoice.due_on.isoformat(), "total_pence": d.invoice.total_pence,
                      "outstanding_pence": d.outstanding, "days_overdue": d.days_overdue,
                      "claim": _claim_data(claims[d.invoice.id]) if claims else None} for d in chosen],
        "total_pence": sum(d.outstanding for d in chosen),
        "interest": {"interest_pence": interest, "compensation_pence": compensation,
                     "total_pence": interest + compensation} if claims else None,
    }


def render_reminder_pdf(document: dict) -> bytes:
    return html_to_pdf(pdf_templates.get_template("payments/reminder_pdf.html").render(doc=document))


def stored_pdf(db: Session, reminder: Reminder) -> Document:
    """The letter's PDF: rendered once from its frozen data, then only ever read."""
    ref = references.source_ref("reminder", reminder.id)
    found = db.exec(select(Document).where(Document.source_ref == ref)).first()
    if found is not None:
        return found
    pdf = render_reminder_pdf(json.loads(reminder.data))
    document = Document(source_ref=ref, filename=f"Reminder-{reminder.sent_on:%Y-%m-%d}-{reminder.id.hex[:8]}.pdf",
                        pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())
    db.add(document)
    db.flush()
    return document


@dataclass(frozen=True)
class Sent:
    reminder: Reminder
    route: str          # smtp, outbox or post; "failed" when the mail server refused it (listed on the outbox)
    recipient: str


def send_reminder(db: Session, settings: Settings, payer_ref: str, on: date, claim_interest: bool = False,
                  invoice_ids: list[uuid.UUID] | None = None, actor_id: uuid.UUID | None = None) -> Sent:
    document = letter(db, payer_ref, on, claim_interest, invoice_ids)
    data, digest = freeze.frozen(document)
    reminder = Reminder(payer_ref=payer_ref, payer_name=document["customer"]["name"], sent_on=on,
                        total_pence=document["total_pence"],
                        interest_pence=document["interest"]["total_pence"] if document["interest"] else 0,
                        data=data, data_sha256=digest, created_by_id=actor_id)
    db.add(reminder)
    db.flush()
    pdf = stored_pdf(db, reminder)
    payer = gather.payers(db, {payer_ref})[payer_ref]
    supplier = db.get(ProviderSettings, 1).name
    numbers = ", ".join(i["number"] for i in document["invoices"])
    count = len(document["invoices"])
    subject = f"Payment reminder from {supplier}: {numbers if count <= 3 else f'{count} overdue invoices'}"
    ref = references.source_ref("reminder", reminder.id)
    if not payer.email:
        to = payer.address.splitlines()[0] if payer.address else payer.name
        mail.record(db, ref, "reminder", "post", to, None, subject, [pdf], actor_id)
        return Sent(reminder, "post", payer.name)
    body = (f"Dear {payer.name},\n\nOur records show that {format_gbp(reminder.total_pence)} is still owed on "
            f"{'invoice' if count == 1 else 'invoices'} {numbers}, past the date payment was due. "
            f"The attached letter lists each one and how to pay. If you have paid in the last few days, thank you, "
            f"and please disregard this reminder.\n\nWith thanks,\n{supplier}\n")
    message = mail.message(mail.sender(db, settings), payer.email, subject, body, [pdf], mail.MIME)
    kept = mail.send(db, settings, ref, "reminder", payer.email, message, subject, [pdf], actor_id)
    return Sent(reminder, "failed" if kept.status == mail.FAILED else kept.route, payer.email)
