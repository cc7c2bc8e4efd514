"""The chart of accounts (provider/ledger/accounts.py): each kind of account's code, name and type, and no code
built anywhere else."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from provider.ledger import accounts
from provider.ledger.models import AccountType
from provider.organisation.models import BankAccount

ROOT = Path(__file__).resolve().parent.parent
KEY = uuid.UUID("0b1e7c0e-5a8d-4a53-9d3c-1f7f2d6f8a10")
PAYER = f"funder:{KEY}:{KEY}"


def test_a_payers_accounts():
    assert accounts.debtor(PAYER, "Eastvale Council, Children's Services") == (
        f"debtor:{PAYER}", "Debtor: Eastvale Council, Children's Services", AccountType.asset)
    assert accounts.accrued(PAYER, "Eastvale") == (f"accrued:{PAYER}", "Accrued income: Eastvale", AccountType.asset)
    assert accounts.credit_held(PAYER, "Eastvale") == (f"credit:{PAYER}", "Credit held for Eastvale",
                                                        AccountType.liability)
    assert accounts.is_debtor(f"debtor:{PAYER}") and not accounts.is_debtor(f"credit:{PAYER}")
    assert accounts.payer_of_debtor(f"debtor:{PAYER}") == PAYER
    assert accounts.is_credit_held(f"credit:{PAYER}") and accounts.payer_of_credit(f"credit:{PAYER}") == PAYER
    assert accounts.payer_of_accrued(f"accrued:{PAYER}") == PAYER


def test_an_isfs_money_held():
    spec = accounts.isf_held(KEY, "Amira's ISF")
    assert spec == (f"isf:{KEY}", "ISF held for others: Amira's ISF", AccountType.liability)
    assert accounts.is_isf_held(spec.code) and accounts.arrangement_of_isf(spec.code) == KEY
    assert spec.code.startswith(accounts.ISF_HELD)


def test_income_accounts():
    assert accounts.care_income("isf", "NIGHT", "Overnight respite") == (
        "income:isf:NIGHT", "Income, personal budgets: ISF draw-downs: Overnight respite", AccountType.income)
    assert accounts.care_income("spot", "DAY", "Day care").name == "Income, spot packages: Day care"
    assert accounts.care_income("other", "DAY", "Day care").name == "Income, other: Day care"
    assert accounts.block_deferred(KEY, "NCC-SB-2627") == (
        f"deferred:block:{KEY}", "Deferred income: block contract NCC-SB-2627", AccountType.liability)
    assert accounts.block_income(KEY, "NCC-SB-2627") == (
        f"income:block:{KEY}", "Income, block contracts: NCC-SB-2627", AccountType.income)
    assert accounts.grant_receivable(KEY, "Children's hospice grant", "CHG-1") == (
        f"receivable:grant:{KEY}", "Grant receivable: Children's hospice grant CHG-1", AccountType.asset)
    assert accounts.grant_income(KEY, "Children's hospice grant", "CHG-1") == (
        f"income:grant:{KEY}", "Income, Children's hospice grant CHG-1", AccountType.income)
    assert accounts.charitable_income("legacy", True, "legacies") == (
        "income:charitable:legacy:restricted", "Income, charitable: legacies (restricted)", AccountType.income)
    assert accounts.charitable_income("donation", False, "donations").code == "income:charitable:donation:unrestricted"
    assert accounts.isf_fees() == ("income:isf_fees", "Income, ISF management fees", AccountType.income)
    assert accounts.income_waived() == ("income:waived", "Income waived", AccountType.income)


def test_other_accounts():
    assert accounts.bad_debts() == ("expense:bad_debts", "Bad debts written off", AccountType.expense)
    assert accounts.isf_advances() == ("asset:isf_advances", "Advances to ISFs from charitable funds",
                                       AccountType.asset)
    bank = BankAccount(id=KEY, account_name="Willow Hospice", account_number="12345678", sort_code="123456")
    assert accounts.bank(bank) == (f"bank:{KEY}", "Bank: Willow Hospice (12345678)", AccountType.asset)
    bank.label = "Operating"
    assert accounts.bank(bank).name == "Bank: Operating (12345678)"
    assert accounts.bank_code(KEY) == f"bank:{KEY}"


def test_an_income_account_taken_apart():
    assert accounts.income_kind(f"income:grant:{KEY}") == ("grant", str(KEY), "")
    assert accounts.income_kind(f"income:block:{KEY}") == ("block", str(KEY), "")
    assert accounts.income_kind("income:charitable:legacy:restricted") == ("charitable", "legacy", "restricted")
    assert accounts.income_kind("income:isf:NIGHT").kind == "isf"
    assert accounts.income_kind("income:isf_fees") == ("isf_fees", "", "")
    assert accounts.block_of_income(f"income:block:{KEY}") == str(KEY)
    for code in ("debtor:x", "bank:x", ""):
        try:
            accounts.income_kind(code)
        except ValueError:
            continue
        raise AssertionError(code)


def test_the_account_in_the_database(db):
    spec = accounts.isf_fees()
    opened = accounts.open_account(db, spec)
    assert (opened.code, opened.name, opened.type) == spec
    assert accounts.open_account(db, spec).id == opened.id


BUILDS_A_CODE = re.compile(
    r"""account\(db, f?["']|\.want\(f?["']|add\(f["']"""
    r"""|["'](debtor|accrued|deferred|credit|receivable|expense|asset|bank|income):""")


def test_no_module_outside_the_chart_builds_an_account_code():
    found = []
    for package in ("provider", "invoicing", "isf", "reports", "lantern", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if name == "provider/ledger/accounts.py":
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if BUILDS_A_CODE.search(line.partition("  #")[0]):
                    found.append(f"{name}:{n}: {line.strip()}")
    assert found == []
