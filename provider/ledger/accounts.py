"""The chart of accounts: each kind of account, its code and its type. Nothing else builds an account code."""
from __future__ import annotations

from sqlmodel import Session

from provider.ledger.models import AccountType, LedgerAccount
from provider.ledger.post import account
from provider.organisation.models import BankAccount


def bank(db: Session, bank_account: BankAccount) -> LedgerAccount:
    """The ledger's side of one of the hospice's bank accounts."""
    return account(db, f"bank:{bank_account.id}",
                   f"Bank: {bank_account.label or bank_account.account_name} ({bank_account.account_number})",
                   AccountType.asset)
