"""Block contracts through the year: the instalment schedule, the drafts of the instalments due in a month, and
deferred income released month by month as the period an instalment paid for passes.

The schedule and the drafts are plain functions over plain data; `contracts` reads them from the database.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import Session, select

from invoicing.drafting import Draft, DraftLine, PayerFacts
from invoicing.models import BilledInstalment, CreditNoteLine, InvoiceLine
from provider import references
from provider.catalogue.models import Service
from provider.dates import short_date
from provider.funding.models import ArrangementStatus, BlockContract, BlockContractService
from provider.ledger import accounts
from provider.ledger.models import EntryKind, LedgerEntry, LedgerLine
from provider.ledger.post import Line, post
from provider.money import split

MONTHS = {"monthly": 1, "quarterly": 3}


@dataclass(frozen=True)
class Instalment:
    contract_id: str
    reference: str
    payer_ref: str
    number: int
    of: int
    covers_from: date
    covers_to: date
    due_on: date
    pence: int
    in_advance: bool


def schedule(contract_id: str, reference: str, payer_ref: str, starts_on: date, ends_on: date, value_pence: int,
             frequency: str, in_advance: bool) -> list[Instalment]:
    """The contract's value in equal instalments (the pennies that do not divide go to the first ones), each
    covering a month or a quarter, due on its first day in advance or on the day after its last in arrears."""
    step = relativedelta(months=MONTHS[frequency])
    periods, start = [], starts_on
    while start <= ends_on:
        end = min(start + step - timedelta(days=1), ends_on)
        periods.append((start, end))
        start = end + timedelta(days=1)
    amounts = split(value_pence, [1] * len(periods))
    return [Instalment(contract_id, reference, payer_ref, n, len(periods), first, last,
                       first if in_advance else last + timedelta(days=1), pence, in_advance)
            for n, ((first, last), pence) in enumerate(zip(periods, amounts), start=1)]


def draft_instalments(first: date, last: date, instalments: list[Instalment], payers: dict[str, PayerFacts],
                      billed: set[tuple[str, int]], services: dict[str, tuple[str, str]]) -> list[Draft]:
    """One draft per contract for its instalments due in the period and not yet invoiced."""
    by_contract: dict[str, list[Instalment]] = {}
    for item in instalments:
        if first <= item.due_on <= last and (item.contract_id, item.number) not in billed:
            by_contract.setdefault(item.contract_id, []).append(item)
    drafts = []
    for contract_id, items in by_contract.items():
        payer = payers[items[0].payer_ref]
        exceptions = () if payer.address.strip() else (f"billing address missing for {payer.name}",)
        service_id, service_name = services[contract_id]
        lines = tuple(DraftLine(None, service_id, f"Block contract {i.reference}: {service_name}, "
                                          f"instalment {i.number} of {i.of} ({short_date(i.covers_from)} to "
                                          f"{short_date(i.covers_to)}, "
                                          f"{'in advance' if i.in_advance else 'in arrears'})",
                                1, i.pence, i.pence, "outside_scope", i.covers_from, i.covers_to,
                                (references.instalment_ref(uuid.UUID(i.contract_id), i.number, i.in_advance),))
                      for i in items)
        drafts.append(Draft(payer, first, last, lines, None, exceptions, contract_reference=items[0].reference))
    return sorted(drafts, key=lambda d: (d.payer.name, d.contract_reference or ""))


def monthly_release(item: Instalment) -> list[tuple[date, int]]:
    """An instalment invoiced in advance becomes income month by month over what it covers: (month end, pence)."""
    months, start = [], item.covers_from
    while start <= item.covers_to:
        end = min(start + relativedelta(months=1) - timedelta(days=1), item.covers_to)
        months.append(end)
        start = end + timedelta(days=1)
    return list(zip(months, split(item.pence, [1] * len(months))))


def contracts(db: Session) -> list[Instalment]:
    """Every active block contract's schedule, paid by the contract's funder (its department when named)."""
    rows = db.exec(select(BlockContract).where(BlockContract.status == ArrangementStatus.active))
    result = []
    for c in rows:
        payer_ref = references.funder_payer(c.funder_id, c.department_id)
        result += schedule(str(c.id), c.reference, payer_ref, c.starts_on, c.ends_on, c.value_pence,
                           str(c.instalments), c.in_advance)
    return result


def contract_services(db: Session) -> dict[str, tuple[str, str]]:
    """Each contract's first service (id, and the names of all its services) for its instalment lines."""
    rows = db.exec(select(BlockContractService.contract_id, Service.id, Service.name)
                   .join(Service, Service.id == BlockContractService.service_id).order_by(Service.name))
    found: dict[str, list[tuple[str, str]]] = {}
    for contract_id, service_id, name in rows:
        found.setdefault(str(contract_id), []).append((str(service_id), name))
    return {c: (items[0][0], ", ".join(n for _, n in items)) for c, items in found.items()}


def billed(db: Session) -> set[tuple[str, int]]:
    return {(str(c), n) for c, n in db.exec(select(BilledInstalment.contract_id, BilledInstalment.number))}


def _released(db: Session, contract_ids=None) -> dict[str, int]:
    """What each monthly release posted so far, by its source reference (release:<contract>:<number>:<month>)."""
    query = (select(LedgerEntry.source_ref, func.sum(LedgerLine.debit_pence))
             .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
             .where(LedgerEntry.kind == EntryKind.deferred_released))
    if contract_ids is not None:
        query = query.where(LedgerEntry.group_id.in_(list(contract_ids)))
    return {ref: int(pence) for ref, pence in db.exec(query.group_by(LedgerEntry.source_ref))}


def _credited(db: Session, line_ids) -> dict:
    return {line_id: int(pence) for line_id, pence in db.exec(
        select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.amount_pence))
        .where(CreditNoteLine.invoice_line_id.in_(line_ids)).group_by(CreditNoteLine.invoice_line_id))}


def still_deferred(db: Session, billed_row: BilledInstalment, amount: int) -> int:
    """What of an instalment invoiced in advance is still deferred income: its amount, less what has been released
    and what credit notes have taken (from deferred income first)."""
    if not billed_row.in_advance:
        return 0
    prefix = references.release_prefix(billed_row.contract_id, billed_row.number)
    released = sum(p for ref, p in _released(db, [billed_row.contract_id]).items() if ref.startswith(prefix))
    credited = _credited(db, [billed_row.line_id]).get(billed_row.line_id, 0)
    return max(0, amount - credited - released)


def release_deferred(db: Session, through: date, on: date, actor_id=None) -> int:
    """Post, for every instalment invoiced in advance, the months it covers that have ended by `through` and are
    not yet released: deferred income becomes income, in the month it was earned (or the first open month after,
    if that one is closed), whenever the release is run. A month's share never takes more than is still deferred
    (a credit note may have taken some). Returns how many monthly releases were posted."""
    rows = db.exec(select(BilledInstalment, BlockContract, InvoiceLine.amount_pence)
                   .join(BlockContract, BlockContract.id == BilledInstalment.contract_id)
                   .join(InvoiceLine, InvoiceLine.id == BilledInstalment.line_id)
                   .where(BilledInstalment.in_advance, BilledInstalment.covers_from <= through)).all()
    # What has been released already, read for these contracts only.
    released = _released(db, {row[1].id for row in rows}) if rows else {}
    credited = _credited(db, [row[0].line_id for row in rows]) if rows else {}
    posted = 0
    for billed_row, contract, pence in rows:
        item = Instalment(str(contract.id), contract.reference, "", billed_row.number, 0, billed_row.covers_from,
                          billed_row.covers_to, billed_row.covers_from, pence, True)
        prefix = references.release_prefix(contract.id, billed_row.number)
        left = pence - credited.get(billed_row.line_id, 0) - sum(p for r, p in released.items() if r.startswith(prefix))
        for month_end, share in monthly_release(item):
            ref = references.release_ref(contract.id, billed_row.number, month_end)
            share = min(share, left)
            if month_end > through or ref in released or share <= 0:
                continue
            deferred = accounts.open_account(db, accounts.block_deferred(contract.id, contract.reference))
            income = accounts.open_account(db, accounts.block_income(contract.id, contract.reference))
            post(db, EntryKind.deferred_released, [Line(deferred, debit=share), Line(income, credit=share)],
                 service_date=month_end, description=f"{contract.reference} instalment {billed_row.number}: "
                 f"{month_end:%B %Y} released", source_ref=ref, group_id=contract.id, actor_id=actor_id,
                 on=min(month_end, on))
            left -= share
            posted += 1
    return posted
