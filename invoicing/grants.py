"""Grant invoices: each instalment of a grant award due in a period, on an invoice to the paying ICB that names no
child and is kept apart from that ICB's contract invoices, or, when the ICB wants no invoice, an expected payment.

`draft_grants` is a plain function over plain data; `awards` and `billed` read it from the database.
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

from sqlmodel import Session, select

from invoicing.drafting import Draft, DraftLine, PayerFacts, order_problems
from invoicing.instalments import Instalment, schedule
from invoicing.models import ExpectedPayment
from provider import references
from provider.dates import short_date
from provider.grants.models import BilledGrantInstalment, GrantAward

def awards(db: Session) -> list[tuple[GrantAward, list[Instalment]]]:
    return [(a, schedule(str(a.id), a.reference, references.funder_payer(a.paid_by_id), a.starts_on, a.ends_on,
                         a.amount_pence, a.instalments, True)) for a in db.exec(select(GrantAward))]


def billed(db: Session) -> set[tuple[str, int]]:
    return {(str(a), n) for a, n in db.exec(select(BilledGrantInstalment.award_id, BilledGrantInstalment.number))}


def draft_grants(first: date, last: date, found: list[tuple[GrantAward, list[Instalment]]],
                 payers: dict[str, PayerFacts], done: set[tuple[str, int]]) -> list[Draft]:
    """One draft per award for its instalments due in the period and not yet invoiced or expected."""
    drafts = []
    for award, items in found:
        due = [i for i in items if first <= i.due_on <= last and (i.contract_id, i.number) not in done]
        if not due:
            continue
        payer = payers[due[0].payer_ref]
        if not award.invoice_required:
            payer = replace(payer, pays_without_invoice=True)
        exceptions = []
        if not payer.address.strip():
            exceptions.append(f"billing address missing for {payer.name}")
        if award.invoice_required:
            exceptions += order_problems(payer, award.po_number, award.reference)
        lines = tuple(DraftLine(None, None, f"{award.name} {_year(award)} (award {award.reference}): instalment "
                                            f"{i.number} of {i.of}, {short_date(i.covers_from)} to "
                                            f"{short_date(i.covers_to)}",
                                1, i.pence, i.pence, "outside_scope", i.covers_from, i.covers_to,
                                (references.grant_instalment_ref(award.id, i.number),)) for i in due)
        drafts.append(Draft(payer, first, last, lines, award.po_number, tuple(exceptions),
                            contract_reference=award.reference, kind="grant"))
    return drafts


def _year(award: GrantAward) -> str:
    return f"{award.starts_on.year}/{(award.starts_on.year + 1) % 100:02d}"


def instalment_refs(draft: Draft) -> list[tuple[uuid.UUID, int, int]]:
    """(award id, instalment number, pence) of each grant line of a draft."""
    found = []
    for line in draft.lines:
        for ref in line.part_ids:
            bills = references.parse_billed(ref)
            if isinstance(bills, references.GrantInstalmentRef):
                found.append((bills.award_id, bills.number, line.amount_pence))
    return found


def expect(db: Session, draft: Draft, actor_id: uuid.UUID | None) -> ExpectedPayment:
    """A grant paid without invoices: its instalments are expected on their due days instead."""
    expected = ExpectedPayment(payer_ref=draft.payer.ref, payer_name=draft.payer.name,
                               period_start=draft.period_start, period_end=draft.period_end,
                               pence=draft.total_pence, expected_on=min(line.first_day for line in draft.lines)
                               + timedelta(days=draft.payer.terms_days), created_by_id=actor_id)
    db.add(expected)
    db.flush()
    db.add_all([BilledGrantInstalment(award_id=award_id, number=number, expected_id=expected.id, pence=pence)
                for award_id, number, pence in instalment_refs(draft)])
    db.flush()
    return expected
