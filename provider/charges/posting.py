"""Postings for delivered care: income accrued per payer (or drawn from a child's ISF) when care is delivered.

Block-funded and charity-funded parts post nothing: a block is paid by its instalments, and charity's full
cost of care lives in the memorandum register, never in the ledger.
"""
from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, select

from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart
from provider import references
from provider.dates import short_date
from provider.ledger import accounts
from provider.ledger.models import EntryKind, LedgerAccount, LedgerEntry
from provider.ledger.post import Line, Posting, reverse

STREAMS = accounts.CARE_STREAMS
_CACHE = "lantern_ledger_accounts"


def stream_of(part: ChargePart) -> str:
    if part.rule == "block-overage":
        return "block_overage"
    if part.kind == "personal_budget":
        kind = references.kind_of(part.payer_ref)
        return {"isf": "isf", "family": "direct_payment", "nominee": "nominee"}.get(kind, "commissioner_managed")
    return part.kind


def _account(db: Session, spec: accounts.Spec) -> LedgerAccount:
    cache = db.info.setdefault(_CACHE, {})
    found = cache.get(spec.code)
    if found is None or db.get(LedgerAccount, found.id) is None:
        found = cache[spec.code] = accounts.open_account(db, spec)
    return found


def _lines(db: Session, service: Service, parts, child_id: uuid.UUID) -> list[Line]:
    """Debit what each payer owes (or the ISF), credit income, both lines naming the payer and the child; `parts` are
    charge parts or the engine's parts."""
    lines = []
    for part in parts:
        if part.pence == 0 or part.kind in ("restricted_fund", "unrestricted_fund"):
            continue
        if references.is_kind(part.payer_ref, references.ISF):
            isf = references.parse_payer(part.payer_ref)
            held = _account(db, accounts.isf_held(isf.id, part.payer_name))
        else:
            held = _account(db, accounts.accrued(part.payer_ref, part.payer_name))
        income = _account(db, accounts.care_income(stream_of(part), service.code, service.name))
        lines += [Line(held, debit=part.pence, payer_ref=part.payer_ref, child_id=child_id),
                  Line(income, credit=part.pence, payer_ref=part.payer_ref, child_id=child_id)]
    return lines


def delivery_posting(db: Session, charge_id: uuid.UUID, child_id: uuid.UUID, service: Service, day: date,
                     parts) -> Posting | None:
    """The entry for one delivered charge, or None when nothing is owed (block, charity, nothing to pay)."""
    lines = _lines(db, service, parts, child_id)
    if not lines:
        return None
    return Posting(EntryKind.care_delivered, lines, day, f"Care delivered {short_date(day)}",
                   references.source_ref("charge", charge_id),
                   charge_id)


def reverse_delivery(db: Session, charge: Charge, on, actor_id=None) -> LedgerEntry | None:
    entry = db.exec(select(LedgerEntry).where(LedgerEntry.source_ref == references.source_ref("charge", charge.id),
                                              LedgerEntry.kind == EntryKind.care_delivered)).first()
    if entry is None:
        return None
    return reverse(db, entry, description=f"Charge of {short_date(charge.day)} withdrawn or recalculated", on=on,
                   actor_id=actor_id, kind=EntryKind.care_reversed)
