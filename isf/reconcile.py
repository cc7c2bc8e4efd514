"""The ISF client account reconciled (DOMAIN.md §5): the balance of its imported statements against the sum of all
ISF balances, with each difference listed line by line. Nothing should be left unexplained.

The statement balance is the sum of every imported line, so the account's statements are imported from when it
opened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from provider.bank.models import BankLine
from invoicing.payments.models import Payment
from isf import banking, service
from isf.models import Advance, IsfAgreement, IsfReceipt
from provider.funding.models import Arrangement
from provider.ledger import accounts
from provider.ledger.models import AccountType, LedgerAccount, LedgerLine
from provider.organisation.models import BankAccount


@dataclass(frozen=True)
class Detail:
    on: date | None
    text: str
    pence: int


@dataclass(frozen=True)
class Item:
    label: str
    pence: int                  # added to the ISF balances on the way to the bank's balance
    details: list[Detail] = field(default_factory=list)


@dataclass(frozen=True)
class Reconciliation:
    account: BankAccount
    last_line_on: date | None
    bank_balance: int
    isf_balances: int
    items: list[Item]

    @property
    def unexplained(self) -> int:
        return self.bank_balance - self.isf_balances - sum(i.pence for i in self.items)


def isf_total(db: Session) -> int:
    return sum(service.position(db, a, None).balance for a in db.exec(select(IsfAgreement)))


def liability_by_account(db: Session) -> dict[str, int]:
    """What the ledger holds for others in each ISF account (`isf:` liabilities), credit positive."""
    return {code: int(pence) for code, pence in db.exec(
        select(LedgerAccount.code, func.sum(LedgerLine.credit_pence - LedgerLine.debit_pence))
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerAccount.code.startswith(accounts.ISF_HELD), LedgerAccount.type == AccountType.liability)
        .group_by(LedgerAccount.code))}


def liability_total(db: Session) -> int:
    return sum(liability_by_account(db).values())


def reconcile(db: Session) -> Reconciliation:
    account = banking.client_account(db)
    lines = db.exec(select(BankLine).where(BankLine.bank_account_id == account.id)
                    .order_by(BankLine.booked_on, BankLine.identity)).all()
    used = set(db.exec(banking.used_line_ids()).scalars().all()) if lines else set()
    paid = set(db.exec(select(Payment.bank_line_id).where(Payment.bank_line_id.is_not(None))).all()) if lines else set()
    unmatched_in = [x for x in lines if x.id not in used | paid and not x.ignored_reason and x.amount_pence > 0]
    unmatched_out = [x for x in lines if x.id not in used | paid and not x.ignored_reason and x.amount_pence <= 0]
    ignored = [x for x in lines if x.ignored_reason]
    invoices = [x for x in lines if x.id in paid]
    names = _names(db)
    not_banked = db.exec(select(IsfReceipt).where(IsfReceipt.bank_line_id.is_(None))
                         .order_by(IsfReceipt.received_on)).all()
    advances = db.exec(select(Advance).order_by(Advance.advanced_on)).all()
    waiting = banking.uncleared(db)
    items = [
        Item("The hospice's own money not yet moved to the operating account (services drawn down, fees, advances "
             "repaid)", banking.to_move(db)),
        Item("Advances from charitable funds: paid out for an ISF, never paid into this account",
             -sum(a.pence for a in advances),
             [Detail(a.advanced_on, f"{names.get(a.agreement_id, '')}: {a.reason}", -a.pence) for a in advances]),
        Item("Money in on the statement not yet matched to an ISF", sum(x.amount_pence for x in unmatched_in),
             _details(unmatched_in)),
        Item("Receipts recorded but not yet seen on an imported statement", -sum(r.pence for r in not_banked),
             [Detail(r.received_on, f"{names.get(r.agreement_id, '')}: {r.reference or r.source}", -r.pence)
              for r in not_banked]),
        Item("Payments approved from ISFs not yet seen leaving the bank", sum(u.pence for u in waiting),
             [Detail(u.spent_on, f"{u.child}: {u.description}", u.pence) for u in waiting]),
        Item("Money out on the statement not yet matched", sum(x.amount_pence for x in unmatched_out),
             _details(unmatched_out)),
        Item("Lines ignored, with their reasons", sum(x.amount_pence for x in ignored), _details(ignored, True)),
        Item("Payments of invoices received into this account", sum(x.amount_pence for x in invoices),
             _details(invoices)),
    ]
    return Reconciliation(account, lines[-1].booked_on if lines else None, sum(x.amount_pence for x in lines),
                          isf_total(db), items)


def _details(lines: list[BankLine], reasons: bool = False) -> list[Detail]:
    return [Detail(x.booked_on, " — ".join(filter(None, (x.reference, x.description,
                                                           x.ignored_reason if reasons else None))), x.amount_pence)
            for x in lines]


def _names(db: Session) -> dict:
    return {a.id: name for a, name in db.exec(select(IsfAgreement, Arrangement.name)
                                             .join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id))}
