"""Aged debt and the overdue list at a date, from what each invoice still owes (`balances.owed`), never typed.

An invoice under an open dispute is shown apart, never in the age bands, and gets no reminder; nor does a family
under a bereavement hold. The bands and the disputed debt together equal the debtor accounts in the ledger.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing import gather
from invoicing.drafting import PayerFacts
from invoicing.models import Invoice
from invoicing.payments.balances import owed
from invoicing.payments.models import Dispute, Reminder
from provider.dates import long_date, short_date
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.money import format_gbp

BANDS = ("Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")
KINDS = {"icb": "Integrated Care Boards", "nhs_england": "NHS England", "local_authority": "Councils",
         "other": "Other organisations", "nominee": "Nominees", "family": "Families", "none": "Others"}
COMMISSIONERS = frozenset({"icb", "nhs_england", "local_authority", "other"})


def band(days_overdue: int) -> int:
    """0 for not yet due, then 1–30, 31–60, 61–90 and over 90 days past the due date."""
    if days_overdue <= 0:
        return 0
    return 1 if days_overdue <= 30 else 2 if days_overdue <= 60 else 3 if days_overdue <= 90 else 4


@dataclass(frozen=True)
class Debt:
    """What one invoice still owes at a date."""
    invoice: Invoice
    payer: PayerFacts
    outstanding: int
    days_overdue: int
    dispute: Dispute | None


@dataclass(frozen=True)
class Row:
    """One line of the aged-debt table: a payer, a payer type or the total."""
    label: str
    kind: str
    ref: str | None
    bands: tuple[int, ...]
    disputed: int

    @property
    def total(self) -> int:
        return sum(self.bands) + self.disputed


@dataclass(frozen=True)
class AgedDebt:
    as_of: date
    kinds: list[tuple[Row, list[Row]]]      # each payer type with its payers
    total: Row
    disputed: list[Debt]
    ledger_pence: int                       # the debtor accounts in the ledger, posted up to `as_of`

    @property
    def agrees(self) -> bool:
        return self.total.total == self.ledger_pence


def _disputes_at(db: Session, as_of: date) -> dict:
    rows = db.exec(select(Dispute).where(Dispute.opened_on <= as_of)
                   .where((Dispute.closed_on.is_(None)) | (Dispute.closed_on > as_of)))
    return {d.invoice_id: d for d in rows}


def debts(db: Session, as_of: date, payer_ref: str | None = None) -> list[Debt]:
    """Every invoice issued by `as_of` that still owed something then, oldest due first."""
    query = select(Invoice).where(Invoice.issued_on <= as_of)
    if payer_ref is not None:
        query = query.where(Invoice.payer_ref == payer_ref)
    owing = [o for o in owed(db, db.exec(query), as_of).values() if o.outstanding]
    payers = gather.payers(db, {o.invoice.payer_ref for o in owing})
    disputes = _disputes_at(db, as_of)
    found = [Debt(o.invoice, payers[o.invoice.payer_ref], o.outstanding, (as_of - o.invoice.due_on).days,
                  disputes.get(o.invoice.id)) for o in owing]
    return sorted(found, key=lambda d: (d.invoice.due_on, d.invoice.number))


def ledger_debtors(db: Session, as_of: date) -> int:
    """The debtor accounts' balance from the entries posted up to `as_of`."""
    debit, credit = db.exec(select(func.coalesce(func.sum(LedgerLine.debit_pence), 0),
                                   func.coalesce(func.sum(LedgerLine.credit_pence), 0))
                            .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                            .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                            .where(LedgerAccount.code.startswith(accounts.DEBTOR),
                                   LedgerEntry.posted_on <= as_of)).one()
    return int(debit) - int(credit)


def _row(label: str, kind: str, ref: str | None, found: list[Debt]) -> Row:
    bands = [0] * len(BANDS)
    for d in found:
        if d.dispute is None:
            bands[band(d.days_overdue)] += d.outstanding
    return Row(label, kind, ref, tuple(bands), sum(d.outstanding for d in found if d.dispute is not None))


def aged_debt(db: Session, as_of: date) -> AgedDebt:
    found = debts(db, as_of)
    by_kind: dict[str, dict[str, list[Debt]]] = defaultdict(lambda: defaultdict(list))
    for d in found:
        by_kind[d.payer.kind][d.payer.ref].append(d)
    kinds = []
    for kind in sorted(by_kind, key=list(KINDS).index):
        payers = sorted((_row(refs[0].payer.name, kind, ref, refs) for ref, refs in by_kind[kind].items()),
                        key=lambda r: r.label)
        kinds.append((_row(KINDS[kind], kind, None, [d for refs in by_kind[kind].values() for d in refs]), payers))
    return AgedDebt(as_of, kinds, _row("Total", "", None, found), [d for d in found if d.dispute is not None],
                    ledger_debtors(db, as_of))


def hold_refusal(payer: PayerFacts) -> str | None:
    if payer.on_hold_since is None:
        return None
    return (f"{payer.name}'s family is under a bereavement hold since {long_date(payer.on_hold_since)}: no reminder "
            f"goes to them while it lasts, and nothing is sent to them without a person deciding to; "
            f"{payer.hold_lifted_by or 'a care coordinator'} may lift the hold")


def dispute_refusal(debt: Debt) -> str | None:
    if debt.dispute is None:
        return None
    return (f"invoice {debt.invoice.number} is disputed (since {long_date(debt.dispute.opened_on)}: "
            f"{debt.dispute.reason}): no reminder while it is disputed")


@dataclass(frozen=True)
class OverduePayer:
    payer: PayerFacts
    debts: list[Debt]                 # past due, not disputed
    refusal: str | None               # why no reminder may go, or None when one may
    last_reminded: date | None

    @property
    def total(self) -> int:
        return sum(d.outstanding for d in self.debts)

    @property
    def commissioner(self) -> bool:
        return self.payer.kind in COMMISSIONERS


@dataclass(frozen=True)
class Overdue:
    as_of: date
    payers: list[OverduePayer]
    disputed: list[Debt]              # past due but disputed: shown apart, never reminded


def overdue(db: Session, as_of: date) -> Overdue:
    """Invoices past their due date that still owe something, by payer, saying whether a reminder may go."""
    late = [d for d in debts(db, as_of) if d.days_overdue > 0]
    by_payer: dict[str, list[Debt]] = defaultdict(list)
    for d in late:
        if d.dispute is None:
            by_payer[d.payer.ref].append(d)
    reminded = dict(db.exec(select(Reminder.payer_ref, func.max(Reminder.sent_on))
                            .where(Reminder.payer_ref.in_(list(by_payer))).group_by(Reminder.payer_ref)).all()) \
        if by_payer else {}
    payers = [OverduePayer(found[0].payer, found, hold_refusal(found[0].payer), reminded.get(ref))
              for ref, found in by_payer.items()]
    payers.sort(key=lambda p: (list(KINDS).index(p.payer.kind), p.payer.name))
    return Overdue(as_of, payers, [d for d in late if d.dispute is not None])


def aged_debt_text(report: AgedDebt) -> str:
    """The aged-debt table as `lantern aged-debt` prints it: payer type, payer, each band, total; disputed apart."""
    heads = ["Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days", "Total"]
    rows = [(row.label, [*row.bands, sum(row.bands)]) for kind, payers in report.kinds
            for row in [kind, *[Row("  " + p.label, p.kind, p.ref, p.bands, p.disputed) for p in payers]]]
    rows.append(("Total", [*report.total.bands, sum(report.total.bands)]))
    width = max([len(label) for label, _ in rows] + [30])
    out = [f"Aged debt at {long_date(report.as_of)} (days past the due date)", "",
           f"{'Payer':<{width}}" + "".join(f"{h:>15}" for h in heads)]
    out += [f"{label:<{width}}" + "".join(f"{format_gbp(p):>15}" for p in values) for label, values in rows]
    out += ["", f"Disputed, not in the bands: {format_gbp(report.total.disputed)}"]
    out += [f"  {d.invoice.number}  {d.payer.name}  {format_gbp(d.outstanding)}  disputed since "
            f"{short_date(d.dispute.opened_on)}: {d.dispute.reason}" for d in report.disputed]
    tie = "agrees" if report.agrees else "DOES NOT AGREE"
    out += ["", f"Owed in all: {format_gbp(report.total.total)}; debtors in the ledger: "
                f"{format_gbp(report.ledger_pence)} ({tie})"]
    return "\n".join(out)
