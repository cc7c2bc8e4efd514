"""The chart of accounts: each kind of account, its code, its name and its type. Nothing else builds an account code.

Each function below names one kind of account as a `Spec` (code, name, type) without touching the database;
`open_account` finds or opens it, and a bulk writer (an invoice run) can gather specs and open them together.
The codes are stored, so their text never changes: "debtor:<payer>", "accrued:<payer>", "credit:<payer>",
"isf:<arrangement>" (an ISF's money held), "deferred:block:<contract>", "income:block:<contract>",
"income:<stream>:<service code>", "receivable:grant:<award>", "income:grant:<award>",
"income:charitable:<type>:<restricted|unrestricted>", "bank:<bank account>", "income:isf_fees", "income:waived",
"expense:bad_debts", "asset:isf_advances".

Readers of balances ask here too: `is_debtor(code)`, `payer_of_debtor(code)`, the prefixes for a query,
`income_kind(code)` for what an income account is, and `payer_of(code)` for the payer an account is kept for.
"""
from __future__ import annotations

import uuid
from typing import NamedTuple

from sqlmodel import Session, select

from provider import references
from provider.ledger.models import AccountType, LedgerAccount
from provider.organisation.models import BankAccount


class Spec(NamedTuple):
    code: str
    name: str
    type: AccountType


def account(db: Session, code: str, name: str, type_: AccountType) -> LedgerAccount:
    """The account with this code, opened the first time it is needed."""
    found = db.exec(select(LedgerAccount).where(LedgerAccount.code == code)).first()
    if found is None:
        found = LedgerAccount(code=code, name=name, type=type_)
        db.add(found)
        db.flush()
    return found


def open_account(db: Session, spec: Spec) -> LedgerAccount:
    """The account, opened the first time it is needed."""
    return account(db, spec.code, spec.name, spec.type)


# --- the prefixes of each kind, for reading balances and for queries ---------------------------------------------

DEBTOR, ACCRUED, CREDIT, DEFERRED = "debtor:", "accrued:", "credit:", "deferred:"
ISF_HELD = references.prefix(references.ISF)          # an ISF's money held: the ISF payer's own reference
INCOME, BANK = "income:", "bank:"
BLOCK_INCOME, BLOCK_DEFERRED = "income:block:", "deferred:block:"
GRANT_RECEIVABLE, GRANT_INCOME = "receivable:grant:", "income:grant:"
CHARITABLE_INCOME = "income:charitable:"
ISF_FEES_CODE, WAIVED_CODE = "income:isf_fees", "income:waived"
BAD_DEBTS_CODE, ISF_ADVANCES_CODE = "expense:bad_debts", "asset:isf_advances"

# Care income's streams, as its accounts name them.
CARE_STREAMS = {
    "isf": "personal budgets: ISF draw-downs",
    "direct_payment": "personal budgets: direct payments",
    "nominee": "personal budgets: nominees",
    "commissioner_managed": "personal budgets: commissioner-managed",
    "spot": "spot packages",
    "joint": "joint packages",
    "block_overage": "block contracts: above the volume",
}


# --- what a payer owes, has accrued and holds in credit ----------------------------------------------------------

def debtor(payer_ref: str, payer_name: str) -> Spec:
    """What a payer owes on issued invoices."""
    return Spec(f"{DEBTOR}{payer_ref}", f"Debtor: {payer_name}", AccountType.asset)


def accrued(payer_ref: str, payer_name: str) -> Spec:
    """Care delivered to a payer's account and not yet invoiced."""
    return Spec(f"{ACCRUED}{payer_ref}", f"Accrued income: {payer_name}", AccountType.asset)


def credit_held(payer_ref: str, payer_name: str) -> Spec:
    """Money received from a payer and not yet set against an invoice."""
    return Spec(f"{CREDIT}{payer_ref}", f"Credit held for {payer_name}", AccountType.liability)


def isf_held(arrangement_id: uuid.UUID, name: str) -> Spec:
    """A child's ISF: money the hospice holds for the child; its code is the ISF payer's reference. `name` is the
    ISF's ("Amira's ISF")."""
    return Spec(references.payer_ref(references.ISF, arrangement_id), f"ISF held for others: {name}",
                AccountType.liability)


def is_debtor(code: str) -> bool:
    return code.startswith(DEBTOR)


def payer_of_debtor(code: str) -> str:
    return code.removeprefix(DEBTOR)


def is_credit_held(code: str) -> bool:
    return code.startswith(CREDIT)


def payer_of_credit(code: str) -> str:
    return code.removeprefix(CREDIT)


def payer_of_accrued(code: str) -> str:
    return code.removeprefix(ACCRUED)


def is_isf_held(code: str) -> bool:
    return code.startswith(ISF_HELD)


def payer_of(code: str) -> str | None:
    """The payer an account is kept for: its debtor, accrued income or credit held, or an ISF's own account."""
    for prefix in (DEBTOR, ACCRUED, CREDIT):
        if code.startswith(prefix):
            return code[len(prefix):]
    return code if is_isf_held(code) else None


def holding_code(payer_ref: str | None) -> str:
    """The account that holds what a payer owes for care delivered: the ISF's own account, or the payer's accrued
    income ("" for no payer)."""
    if not payer_ref:
        return ""
    return payer_ref if is_isf_held(payer_ref) else f"{ACCRUED}{payer_ref}"


def arrangement_of_isf(code: str) -> uuid.UUID:
    """The ISF's arrangement an ISF account holds money for; ValueError when the code names none."""
    found = references.parse_payer(code)
    if found.kind != references.ISF:
        raise ValueError(f"{code!r} is not an ISF's account")
    return found.id


# --- income ------------------------------------------------------------------------------------------------------

def care_income(stream: str, service_code: str, service_name: str) -> Spec:
    """Care income by its stream (spot, joint, a personal budget's kind, block overage) and its service."""
    return Spec(f"{INCOME}{stream}:{service_code}", f"Income, {CARE_STREAMS.get(stream, stream)}: {service_name}",
                AccountType.income)


def block_deferred(contract_id: uuid.UUID | str, reference: str) -> Spec:
    """A block contract's instalments invoiced in advance, their period still to come."""
    return Spec(f"{BLOCK_DEFERRED}{contract_id}", f"Deferred income: block contract {reference}",
                AccountType.liability)


def block_income(contract_id: uuid.UUID | str, reference: str) -> Spec:
    return Spec(f"{BLOCK_INCOME}{contract_id}", f"Income, block contracts: {reference}", AccountType.income)


def grant_receivable(award_id: uuid.UUID, award_name: str, award_reference: str) -> Spec:
    return Spec(f"{GRANT_RECEIVABLE}{award_id}", f"Grant receivable: {award_name} {award_reference}",
                AccountType.asset)


def grant_income(award_id: uuid.UUID, award_name: str, award_reference: str) -> Spec:
    return Spec(f"{GRANT_INCOME}{award_id}", f"Income, {award_name} {award_reference}", AccountType.income)


def charitable_income(income_type: str, restricted: bool, type_plural: str) -> Spec:
    """Charitable income by its type (donation, legacy, ...) and fund; `type_plural` names the type ("legacies")."""
    fund = "restricted" if restricted else "unrestricted"
    return Spec(f"{CHARITABLE_INCOME}{income_type}:{fund}", f"Income, charitable: {type_plural} ({fund})",
                AccountType.income)


def isf_fees() -> Spec:
    return Spec(ISF_FEES_CODE, "Income, ISF management fees", AccountType.income)


def income_waived() -> Spec:
    return Spec(WAIVED_CODE, "Income waived", AccountType.income)


def bad_debts() -> Spec:
    return Spec(BAD_DEBTS_CODE, "Bad debts written off", AccountType.expense)


def isf_advances() -> Spec:
    return Spec(ISF_ADVANCES_CODE, "Advances to ISFs from charitable funds", AccountType.asset)


def is_income(code: str) -> bool:
    return code.startswith(INCOME)


class IncomeKind(NamedTuple):
    """What an income account is: kind "grant" (key: the award), "block" (the contract), "charitable" (key: the
    income type, fund: restricted or unrestricted), "isf_fees", "waived", or else a care stream (the kind is the
    stream, key the service's code)."""
    kind: str
    key: str = ""
    fund: str = ""


def income_kind(code: str) -> IncomeKind:
    """An income account's code taken apart; ValueError when it is not an income account's."""
    if not is_income(code):
        raise ValueError(f"{code[:60]!r} is not an income account's code")
    kind, _, rest = code.removeprefix(INCOME).partition(":")
    if kind == "charitable":
        income_type, _, fund = rest.partition(":")
        return IncomeKind(kind, income_type, fund) if ":" not in fund else IncomeKind(kind, rest)
    return IncomeKind(kind, rest)


def block_of_income(code: str) -> str:
    """The contract (its id's text) a block contract's income account is for."""
    return code.removeprefix(BLOCK_INCOME)


# --- cash --------------------------------------------------------------------------------------------------------

def bank_code(bank_account_id: uuid.UUID) -> str:
    return f"{BANK}{bank_account_id}"


def bank(bank_account: BankAccount) -> Spec:
    """The ledger's side of one of the hospice's bank accounts."""
    return Spec(bank_code(bank_account.id),
                f"Bank: {bank_account.label or bank_account.account_name} ({bank_account.account_number})",
                AccountType.asset)
