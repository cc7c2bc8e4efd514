"""Invoice runs: the drafts of a supply period, and issuing those with no exception, in one transaction.

Issuing takes a lock first (an advisory lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
writers), then works the drafts out again, so two runs at once never bill a charge part twice: the second
finds the parts the first billed and leaves them. Each invoice's number comes from its series inside the
same transaction, so a failure gives the numbers back and leaves no gap.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import insert, text
from sqlmodel import Session, select

from invoicing import gather, grants, instalments
from invoicing.activity import activity_return
from invoicing.credits import issue_corrections, pending_corrections
from invoicing.drafting import NHS_KINDS, Draft, draft_invoices
from invoicing.freeze import frozen, supplier
from invoicing.models import (BilledInstalment, BilledPart, CreditNote, ExpectedPart, ExpectedPayment, Invoice,
                              InvoiceLine)
from provider import references
from provider.base import new_id
from provider.dates import month_last_day, parse_month
from provider.funding.models import BlockContract
from provider.grants.models import BilledGrantInstalment
from provider.grants.service import grant_receivable
from provider.clock import today
from provider.errors import FieldErrors
from provider.ledger import accounts
from provider.ledger.models import EntryKind, LedgerAccount
from provider.ledger.post import Line, Posting, post_many
from provider.numbering import take_many

RUN_LOCK = 7_202_611  # the advisory lock key invoice runs share on PostgreSQL


def draft_run(db: Session, first: date, last: date, *, instalments_only: bool = False) -> list[Draft]:
    """Every payer's draft for the period, and each block contract's (and grant's) instalments due in it; only the
    instalments when `instalments_only`: reads only."""
    parts = [] if instalments_only else gather.billables(db, first, last)
    due = [i for i in instalments.contracts(db) if first <= i.due_on <= last]
    awards = [(a, items) for a, items in grants.awards(db) if any(first <= i.due_on <= last for i in items)]
    payers = gather.payers(db, {p.payer_ref for p in parts} | {i.payer_ref for i in due}
                           | {items[0].payer_ref for _, items in awards}, first)
    drafts = draft_invoices(first, last, parts, payers, gather.services(db),
                            gather.children(db, {p.child_id for p in parts}), gather.orders(db, parts),
                            gather.nominations(db, parts))
    blocks = instalments.draft_instalments(first, last, due, payers, instalments.billed(db),
                                           instalments.contract_services(db)) if due else []
    blocks += grants.draft_grants(first, last, awards, payers, grants.billed(db)) if awards else []
    return sorted(drafts + blocks, key=lambda d: (d.payer.name, d.contract_reference or ""))


@dataclass(frozen=True)
class RunResult:
    issued: list[Invoice]
    skipped: list[Draft]      # with exceptions, or paid on a schedule
    credit_notes: list[CreditNote] = field(default_factory=list)
    expected: list[ExpectedPayment] = field(default_factory=list)


def issue_run(db: Session, first: date, last: date, actor_id: uuid.UUID | None = None,
              payer_refs: set[str] | None = None, on: date | None = None, *,
              instalments_only: bool = False) -> RunResult:
    """Credit what was invoiced and has since been withdrawn or recalculated, then issue every draft of the
    period that has no exception (only `payer_refs`' when given; only block and grant instalments when
    `instalments_only`, as on the day they fall due)."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=RUN_LOCK))
    now = today(db)
    on = on or now
    drafts = [d for d in draft_run(db, first, last, instalments_only=instalments_only)
              if payer_refs is None or d.payer.ref in payer_refs]
    _refuse(drafts, payer_refs, on, now)
    credit_notes = ([] if instalments_only else
                    issue_corrections(db, pending_corrections(db, payer_refs), actor_id, on))
    skipped = [d for d in drafts if not d.can_issue]
    issued = _issue_all(db, [d for d in drafts if d.can_issue], on, actor_id)
    # A block contract's instalments are themselves the schedule: only care charged by the unit is expected here.
    expected = [_expect(db, d, actor_id) for d in drafts if d.scheduled and not d.exceptions
                and not d.contract_reference]
    expected += [grants.expect(db, d, actor_id) for d in drafts if d.kind == "grant" and d.scheduled
                 and not d.exceptions]
    instalments.release_deferred(db, min(last, on), on, actor_id)
    return RunResult(issued, skipped, credit_notes, expected)


def _expect(db: Session, draft: Draft, actor_id: uuid.UUID | None) -> ExpectedPayment:
    """A funder paid on a schedule gets no invoice: what it is expected to pay is recorded instead."""
    expected = ExpectedPayment(payer_ref=draft.payer.ref, payer_name=draft.payer.name,
                               period_start=draft.period_start, period_end=draft.period_end,
                               pence=draft.total_pence,
                               expected_on=draft.period_end + timedelta(days=draft.payer.terms_days),
                               created_by_id=actor_id)
    db.add(expected)
    db.flush()
    db.add_all([ExpectedPart(part_id=uuid.UUID(p), expected_id=expected.id)
                for line in draft.lines for p in line.part_ids])
    db.flush()
    return expected


def _refuse(drafts: list[Draft], payer_refs: set[str] | None, on: date, now: date) -> None:
    """Before anything is written: a payer named to be issued that has an exception, a date further ahead than
    a payer allows."""
    errors = {}
    named = [d for d in drafts if payer_refs is not None and d.exceptions]
    if named:
        errors["payer_refs"] = "; ".join(f"{d.payer.name} cannot be issued: {'; '.join(d.exceptions)}"
                                         for d in named)
    ahead = (on - now).days
    strict = [d for d in drafts if d.can_issue and d.payer.max_days_ahead is not None
              and ahead > d.payer.max_days_ahead]
    if strict:
        d = strict[0]
        errors["issued_on"] = (f"is {ahead} days ahead: {d.payer.name} accepts invoices dated at most "
                               f"{d.payer.max_days_ahead} days ahead")
    if errors:
        raise FieldErrors(errors)


class _Accounts:
    """The ledger accounts a run posts to, read in one query and opened in one flush when missing."""

    def __init__(self, db: Session):
        self.db, self.found, self.wanted = db, {}, {}

    def want(self, spec: accounts.Spec) -> str:
        self.wanted.setdefault(spec.code, (spec.name, spec.type))
        return spec.code

    def resolve(self) -> dict[str, LedgerAccount]:
        codes = list(self.wanted)
        for row in self.db.exec(select(LedgerAccount).where(LedgerAccount.code.in_(codes))) if codes else []:
            self.found[row.code] = row
        missing = [LedgerAccount(code=c, name=n, type=t) for c, (n, t) in self.wanted.items() if c not in self.found]
        if missing:
            self.db.add_all(missing)
            self.db.flush()
            self.found.update({a.code: a for a in missing})
        return self.found


def _issue_all(db: Session, drafts: list[Draft], on: date, actor_id: uuid.UUID | None) -> list[Invoice]:
    """Every draft as an issued invoice: numbered in order, frozen with its hash, its lines and what they bill,
    and its ledger entry, written with a handful of bulk statements whatever the number of invoices."""
    if not drafts:
        return []
    numbers = take_many(db, "INV", on, len(drafts))
    seller = supplier(db)
    invoices, lines, billed, instalments_billed, grants_billed, postings = [], [], [], [], [], []
    book = _Accounts(db)
    pending: list[tuple[Invoice, Draft, list]] = []
    for number, draft in zip(numbers, drafts):
        volume = _volume_used(db, draft, on) if draft.contract_reference and draft.kind == "invoice" else None
        invoice = _invoice(draft, number, on, seller, actor_id, volume)
        invoices.append(invoice)
        credits = []
        for position, l in enumerate(draft.lines):
            line_id = new_id()
            lines.append({"id": line_id, "invoice_id": invoice.id, "position": position,
                          "child_id": uuid.UUID(l.child_id) if l.child_id else None,
                          "service_id": uuid.UUID(l.service_id) if l.service_id else None,
                          "description": l.description, "quantity": l.quantity,
                          "unit_price_pence": l.unit_price_pence, "amount_pence": l.amount_pence,
                          "vat_treatment": l.vat_treatment, "first_day": l.first_day, "last_day": l.last_day})
            for ref in l.part_ids:
                bills = references.parse_billed(ref)
                if isinstance(bills, references.InstalmentRef):
                    instalments_billed.append({"contract_id": bills.contract_id, "number": bills.number,
                                               "line_id": line_id, "covers_from": l.first_day,
                                               "covers_to": l.last_day, "in_advance": bills.in_advance})
                    credits.append((_block_account(book, bills.contract_id, draft.contract_reference,
                                                   bills.in_advance), l.amount_pence))
                elif isinstance(bills, references.GrantInstalmentRef):
                    grants_billed.append({"award_id": bills.award_id, "number": bills.number, "line_id": line_id,
                                          "expected_id": None, "pence": l.amount_pence})
                    credits.append((book.want(grant_receivable(bills.award_id, db)), l.amount_pence))
                else:
                    billed.append({"part_id": bills, "line_id": line_id})
        if not credits:
            credits = [(book.want(accounts.accrued(draft.payer.ref, draft.payer.name)), draft.total_pence)]
        debtor = book.want(accounts.debtor(draft.payer.ref, draft.payer.name))
        pending.append((invoice, draft, [(debtor, draft.total_pence, 0), *[(c, 0, p) for c, p in credits]]))
    db.add_all(invoices)
    db.flush()
    connection = db.connection()
    connection.execute(insert(InvoiceLine.__table__), lines)
    if billed:
        connection.execute(insert(BilledPart.__table__), billed)
    if instalments_billed:
        connection.execute(insert(BilledInstalment.__table__), instalments_billed)
    if grants_billed:
        connection.execute(insert(BilledGrantInstalment.__table__), grants_billed)
    found = book.resolve()
    for invoice, draft, entry in pending:
        postings.append(Posting(EntryKind.invoice, [Line(found[code], debit=debit, credit=credit)
                                                    for code, debit, credit in entry],
                                draft.period_end, f"Invoice {invoice.number} to {draft.payer.name}",
                                references.source_ref("invoice", invoice.id), invoice.id))
    post_many(db, postings, actor_id, on)
    return invoices


def _volume_used(db: Session, draft: Draft, on: date) -> dict:
    """A block invoice's backing page: the contract's volume used to the day before the invoice, as its activity
    return counts it (counts only for an ICB or NHS England; a council's by its client references)."""
    contract = db.exec(select(BlockContract).where(BlockContract.reference == draft.contract_reference)).one()
    as_of = min(on - timedelta(days=1), contract.ends_on)
    report = activity_return(db, contract, contract.starts_on, as_of)
    return {"as_of": as_of.isoformat(), "volume": contract.total_volume, "used_to_date": report.used_to_date,
            "left": max(contract.total_volume - report.used_to_date, 0), "counts_only": report.counts_only,
            "children": report.children if not report.counts_only else None,
            "lines": [{"label": line.label, "service": line.service, "units": line.units,
                       "above_volume": line.above_volume} for line in report.lines]}


def _invoice(draft: Draft, number: str, on: date, seller: dict, actor_id: uuid.UUID | None,
             volume: dict | None = None) -> Invoice:
    due = on + timedelta(days=draft.payer.terms_days)
    totals: dict[str, int] = {}
    for line in draft.lines:
        totals[line.vat_treatment] = totals.get(line.vat_treatment, 0) + line.amount_pence
    document = {
        "title": "Invoice", "kind": draft.kind, "number": number, "issued_on": on.isoformat(),
        "due_on": due.isoformat(),
        "supply": {"from": draft.period_start.isoformat(), "to": draft.period_end.isoformat()},
        "supplier": seller,
        "customer": {"name": draft.payer.name, "address": draft.payer.address, "kind": draft.payer.kind},
        "on_behalf_of": list(draft.on_behalf_of),
        "purchase_order": draft.po_number, "payment_terms_days": draft.payer.terms_days,
        "payment_reference": number,
        "backing_reference": (f"BS{number[3:]}" if draft.payer.kind in NHS_KINDS and not draft.contract_reference
                              else None),
        "contract_reference": draft.contract_reference or draft.package_reference, "volume_used": volume,
        "lines": [{"description": l.description, "quantity": l.quantity, "unit_price_pence": l.unit_price_pence,
                   "amount_pence": l.amount_pence, "vat_treatment": l.vat_treatment,
                   "from": l.first_day.isoformat(), "to": l.last_day.isoformat()} for l in draft.lines],
        "totals_by_vat_treatment": totals, "total_pence": draft.total_pence,
    }
    data, digest = frozen(document)
    return Invoice(number=number, kind=draft.kind, payer_ref=draft.payer.ref, payer_name=draft.payer.name,
                   period_start=draft.period_start, period_end=draft.period_end, issued_on=on, due_on=due,
                   total_pence=draft.total_pence, po_number=draft.po_number, data=data, data_sha256=digest,
                   created_by_id=actor_id)


def _block_account(book: _Accounts, contract_id: uuid.UUID, reference: str, in_advance: bool) -> str:
    """An instalment in advance is income only as its period passes; one in arrears is income now."""
    if in_advance:
        return book.want(accounts.block_deferred(contract_id, reference))
    return book.want(accounts.block_income(contract_id, reference))


def month_bounds(period: str) -> tuple[date, date]:
    """'2026-10' to its first and last days; ValueError naming the problem otherwise."""
    try:
        first = parse_month(period, "period")
    except FieldErrors:
        raise ValueError(f"period must be a month as YYYY-MM, not {period!r}") from None
    return first, month_last_day(first)
