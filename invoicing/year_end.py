"""The schedules auditors ask for at the year end, each tied to the ledger: aged debtors, accrued income, grants
receivable, deferred income, ISF liabilities per child and credit balances held for payers.

Each schedule lists its lines and ends with its total and the ledger's balance for the same accounts; the two
must agree, and a schedule that does not says so.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from invoicing.models import Invoice
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.money import format_gbp

AGES = ((0, "not yet due"), (1, "1-30 days"), (31, "31-60 days"), (61, "61-90 days"), (91, "over 90 days"))


def _balances_at(db: Session, day: date) -> dict[str, tuple[str, int]]:
    """Each account's debits less credits from entries posted up to `day`, with its name."""
    rows = db.exec(select(LedgerAccount.code, LedgerAccount.name, LedgerLine.debit_pence, LedgerLine.credit_pence)
                   .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                   .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                   .where(LedgerEntry.posted_on <= day))
    totals: dict[str, list] = {}
    for code, name, debit, credit in rows:
        entry = totals.setdefault(code, [name, 0])
        entry[1] += debit - credit
    return {code: (name, value) for code, (name, value) in totals.items()}


def _age(days_overdue: int) -> str:
    label = AGES[0][1]
    for start, name in AGES:
        if days_overdue >= start:
            label = name
    return label


def aged_debtors(db: Session, day: date) -> list[tuple[str, str, int]]:
    """(payer, age band, pence) of what invoices still owe at `day`: less credit notes, payments allocated and
    write-offs approved by then."""
    from invoicing.payments.balances import owed

    lines: dict[tuple[str, str], int] = defaultdict(int)
    for o in owed(db, db.exec(select(Invoice).where(Invoice.issued_on <= day)), as_of=day).values():
        if o.outstanding:
            lines[(o.invoice.payer_name, _age((day - o.invoice.due_on).days))] += o.outstanding
    order = [name for _, name in AGES]
    return sorted(((payer, age, pence) for (payer, age), pence in lines.items()),
                  key=lambda line: (line[0], order.index(line[1])))


def _schedule(title: str, lines: list[tuple[str, int]], ledger_total: int) -> list[str]:
    total = sum(pence for _, pence in lines)
    width = max([len(label) for label, _ in lines] + [30])
    out = [title]
    out += [f"  {label:<{width}} {format_gbp(pence):>14}" for label, pence in lines] or ["  (none)"]
    out.append(f"  {'Total':<{width}} {format_gbp(total):>14}")
    tie = "agrees with the ledger" if total == ledger_total else f"DOES NOT AGREE with the ledger " \
                                                                f"({format_gbp(ledger_total)})"
    out.append(f"  {'Ledger':<{width}} {format_gbp(ledger_total):>14}  {tie}")
    return out


def schedules_text(db: Session, year_end: date) -> str:
    balances = _balances_at(db, year_end)

    def listed(prefix: str, sign: int = 1) -> list[tuple[str, int]]:
        return sorted((name, sign * value) for code, (name, value) in balances.items()
                      if code.startswith(prefix) and value)

    debtors = aged_debtors(db, year_end)
    debtor_ledger = sum(value for code, (_, value) in balances.items() if accounts.is_debtor(code))
    out = [f"Year-end schedules at {year_end:%d %B %Y}", ""]
    out += _schedule("Aged debtors (by days past the due date)", [(f"{payer}: {age}", pence)
                                                                 for payer, age, pence in debtors], debtor_ledger)
    for title, prefix, sign in (("Accrued income (care delivered, not yet invoiced)", accounts.ACCRUED, 1),
                                ("Grants receivable (entitled to, not yet invoiced)", accounts.GRANT_RECEIVABLE, 1),
                                ("Deferred income (invoiced in advance, period still to come)", accounts.DEFERRED, -1),
                                ("ISF money held for children (a liability to each child's fund)", accounts.ISF_HELD,
                                 -1),
                                ("Credit balances held for payers", accounts.CREDIT, -1)):
        lines = listed(prefix, sign)
        out += [""] + _schedule(title, lines, sum(pence for _, pence in lines))
    return "\n".join(out)
