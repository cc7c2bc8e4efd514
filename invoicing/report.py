"""Invoice runs and issued documents as plain text: what `lantern invoice-run` and `lantern invoices` print."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from invoicing.credits import Correction
from invoicing.drafting import Draft
from invoicing.models import CreditNote, Invoice
from provider.dates import short_date
from provider.money import format_gbp


def run_text(first: date, last: date, drafts: list[Draft], corrections: list[Correction]) -> str:
    lines = [f"Invoice run for {first:%B %Y} ({short_date(first)} to {short_date(last)})"]
    if corrections:
        lines.append("Corrections (credit notes the run issues first):")
        lines += [f"  {c.invoice.number} {c.invoice.payer_name}: credit {format_gbp(c.pence)} ({c.reason})"
                  for c in corrections]
    ready = [d for d in drafts if d.can_issue]
    lines.append(f"Drafts ready to issue: {len(ready)}")
    width = max((len(d.payer.name) for d in drafts), default=10)
    lines += [f"  {d.payer.name:<{width}} {format_gbp(d.total_pence):>12}" for d in ready]
    scheduled = [d for d in drafts if d.scheduled]
    if scheduled:
        lines.append("Paid on a schedule, no invoice (an expected payment instead):")
        lines += [f"  {d.payer.name:<{width}} {format_gbp(d.total_pence):>12}" for d in scheduled]
    stopped = [d for d in drafts if d.exceptions and not d.scheduled]
    lines.append(f"Exceptions: {len(stopped)}")
    for d in stopped:
        lines.append(f"  {d.payer.name:<{width}} {format_gbp(d.total_pence):>12}")
        lines += [f"    - {problem}" for problem in d.exceptions]
    lines.append(f"Total ready: {format_gbp(sum(d.total_pence for d in ready))}")
    return "\n".join(lines)


def documents_between(db: Session, first: date, last: date) -> list[Invoice | CreditNote]:
    """Invoices for the supply period and the credit notes issued against them, in number order."""
    invoices = list(db.exec(select(Invoice).where(Invoice.period_start >= first, Invoice.period_start <= last)))
    ids = [i.id for i in invoices]
    notes = list(db.exec(select(CreditNote).where(CreditNote.invoice_id.in_(ids)))) if ids else []
    return sorted([*invoices, *notes], key=lambda d: d.number)


def documents_text(db: Session, first: date, last: date) -> str:
    documents = documents_between(db, first, last)
    if not documents:
        return f"No invoices or credit notes for {first:%B %Y}."
    width = max(len(d.payer_name) for d in documents)
    return "\n".join(f"{d.number:<14} {d.payer_name:<{width}} "
                     f"{format_gbp(d.total_pence if isinstance(d, Invoice) else -d.total_pence):>12}"
                     for d in documents)
