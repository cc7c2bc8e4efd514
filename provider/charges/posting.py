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
from provider.ledger.models import AccountType, EntryKind, LedgerAccount, LedgerEntry
from provider.ledger.accounts import account
from provider.ledger.post import Line, Posting, reverse

STREAMS = {
    "isf": "personal budgets: ISF draw-downs",
    "direct_payment": "personal budgets: direct payments",
    "nominee": "personal budgets: nominees",
    "commissioner_managed": "personal budgets: commissioner-managed",
    "spot": "spot packages",
    "joint": "joint packages",
    "block_overage": "block contracts: above the volume",
}
_CACHE = "lantern_ledger_accounts"


def stream_of(part: ChargePart) -> str:
    if part.rule == "block-overage":
        return "block_overage"
    if part.kind == "personal_budget":
        prefix = part.payer_ref.split(":", 1)[0]
        return {"isf": "isf", "family": "direct_payment", "nominee": "nominee"}.get(prefix, "commissioner_managed")
    return part.kind


def _account(db: Session, code: str, name: str, type_: AccountType) -> LedgerAccount:
    cache = db.info.setdefault(_CACHE, {})
    found = cache.get(code)
    if found is None or db.get(LedgerAccount, found.id) is None:
        found = cache[code] = account(db, code, name, type_)
    return found


def _lines(db: Session, service: Service, parts, child_id: uuid.UUID) -> list[Line]:
    """Debit what each payer owes (or the ISF), credit income, both lines naming the payer and the child; `parts` are
    charge parts or the engine's parts."""
    lines = []
    for part in parts:
        if part.pence == 0 or part.kind in ("restricted_fund", "unrestricted_fund"):
            continue
        if part.payer_ref.startswith("isf:"):
            held = _account(db, part.payer_ref, f"ISF held for others: {part.payer_name}", AccountType.liability)
        else:
            held = _account(db, f"accrued:{part.payer_ref}", f"Accrued income: {part.payer_name}", AccountType.asset)
        stream = stream_of(part)
        income = _account(db, f"income:{stream}:{service.code}", f"Income, {STREAMS.get(stream, stream)}: {service.name}",
                          AccountType.income)
        lines += [Line(held, debit=part.pence, payer_ref=part.payer_ref, child_id=child_id),
                  Line(income, credit=part.pence, payer_ref=part.payer_ref, child_id=child_id)]
    return lines


def delivery_posting(db: Session, charge_id: uuid.UUID, child_id: uuid.UUID, service: Service, day: date,
                     parts) -> Posting | None:
    """The entry for one delivered charge, or None when nothing is owed (block, charity, nothing to pay)."""
    lines = _lines(db, service, parts, child_id)
    if not lines:
        return None
    return Posting(EntryKind.care_delivered, lines, day, f"Care delivered {day:%d/%m/%Y}", f"charge:{charge_id}",
                   charge_id)


def reverse_delivery(db: Session, charge: Charge, on, actor_id=None) -> LedgerEntry | None:
    entry = db.exec(select(LedgerEntry).where(LedgerEntry.source_ref == f"charge:{charge.id}",
                                              LedgerEntry.kind == EntryKind.care_delivered)).first()
    if entry is None:
        return None
    return reverse(db, entry, description=f"Charge of {charge.day:%d/%m/%Y} withdrawn or recalculated", on=on,
                   actor_id=actor_id, kind=EntryKind.care_reversed)
