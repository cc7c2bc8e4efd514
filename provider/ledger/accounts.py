"""The chart of accounts: each kind of account, its code and its type. Nothing else builds an account code."""
from __future__ import annotations

from sqlmodel import Session, select

from provider.ledger.models import AccountType, LedgerAccount
from provider.organisation.models import BankAccount

PAYER_ACCOUNTS = ("debtor:", "accrued:", "credit:")   # each kept for one payer, named after it
ISF = "isf:"                                          # an ISF's money held for others: the ISF pays from it


def payer_of(code: str) -> str | None:
    """The payer an account is kept for (its debtor, accrued income or credit held, or an ISF's own account)."""
    for prefix in PAYER_ACCOUNTS:
        if code.startswith(prefix):
            return code[len(prefix):]
    return code if code.startswith(ISF) else None


def holding_code(payer_ref: str | None) -> str:
    """The account that holds what a payer owes for care delivered: the ISF's own account, or the payer's accrued
    income ("" for no payer)."""
    if not payer_ref:
        return ""
    return payer_ref if payer_ref.startswith(ISF) else f"accrued:{payer_ref}"


def bank(db: Session, bank_account: BankAccount) -> LedgerAccount:
    """The ledger's side of one of the hospice's bank accounts."""
    return account(db, f"bank:{bank_account.id}",
                   f"Bank: {bank_account.label or bank_account.account_name} ({bank_account.account_number})",
                   AccountType.asset)


def account(db: Session, code: str, name: str, type_: AccountType) -> LedgerAccount:
    """The account with this code, opened the first time it is needed."""
    found = db.exec(select(LedgerAccount).where(LedgerAccount.code == code)).first()
    if found is None:
        found = LedgerAccount(code=code, name=name, type=type_)
        db.add(found)
        db.flush()
    return found
