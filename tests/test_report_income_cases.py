"""The statutory income report over a hand-made ledger: the cases the demo does not reach (shared charges, reversals,
cash for several lines or for an earlier year's income)."""
from __future__ import annotations

import uuid
from datetime import date
from fractions import Fraction

from sqlmodel import select

from invoicing.models import Invoice
from invoicing.payments.models import Allocation, Payment
from provider.db import unit_of_work
from provider.funders.models import DepartmentKind, Funder, FunderDepartment, FunderKind
from provider.ledger.models import AccountType, EntryKind
from provider.ledger.accounts import account, payer_of
from provider.ledger.post import Line, post
from provider.organisation.models import BankAccount
from reports import income
from tests.test_report_income import YEAR, ledger_income, rows

def _funder(db, name: str, kind: FunderKind) -> Funder:
    funder = Funder(kind=kind, name=name, billing_address=f"{name}\nSomewhere")
    db.add(funder)
    db.flush()
    return funder


def _post(db, day: date, kind: EntryKind, *pairs: tuple[str, str, int]) -> None:
    """One entry: each (debit account, credit account, pence), income accounts credited; both lines of a pair name
    the payer whose account it is, as care postings do."""
    lines = []
    for debit_code, credit_code, pence in pairs:
        debit_type = AccountType.income if debit_code.startswith("income:") else AccountType.asset
        credit_type = AccountType.income if credit_code.startswith("income:") else AccountType.liability
        payer = payer_of(debit_code) or payer_of(credit_code)
        lines += [Line(account(db, debit_code, debit_code, debit_type), debit=pence, payer_ref=payer),
                  Line(account(db, credit_code, credit_code, credit_type), credit=pence, payer_ref=payer)]
    post(db, kind, lines, service_date=day, description="test", source_ref=f"test:{uuid.uuid4()}")


def test_each_part_of_a_shared_charge_goes_to_its_own_payer_and_charity_is_not_statutory(db):
    with unit_of_work(db):
        icb, council = _funder(db, "Hillshire ICB", FunderKind.icb), _funder(db, "Westdale Council",
                                                                              FunderKind.local_authority)
        education = FunderDepartment(funder_id=council.id, kind=DepartmentKind.education, name="SEN team")
        db.add(education)
        db.flush()
        day = date(2026, 6, 10)
        # A joint package split 50/50, the same account and amount for both payers.
        _post(db, day, EntryKind.care_delivered, (f"accrued:funder:{icb.id}", "income:joint:NIGHT", 32_500),
              (f"accrued:funder:{council.id}", "income:joint:NIGHT", 32_500))
        # A spot package's money cap runs out; the council's education budget pays the rest.
        _post(db, day, EntryKind.care_delivered, (f"accrued:funder:{icb.id}", "income:spot:NIGHT", 40_000),
              (f"accrued:funder:{council.id}:{education.id}", "income:commissioner_managed:NIGHT", 25_000))
        _post(db, day, EntryKind.charitable_income, ("bank:x", "income:charitable:donation:unrestricted", 300_000),
              ("bank:x", "income:charitable:trust_grant:restricted", 100_000))
    report = income.statutory_income(db, YEAR.first, YEAR.last)
    assert rows(report) == [
        ("ICBs", "Hillshire ICB", "joint packages", "", 32_500, 0),
        ("ICBs", "Hillshire ICB", "spot packages", "", 40_000, 0),
        ("Councils", "Westdale Council", "joint packages", "", 32_500, 0),
        ("Councils", "Westdale Council", "managed budgets (education)", "", 25_000, 0),
        ("Charitable income", "Restricted funds", "trust grants", "", 100_000, None),
        ("Charitable income", "Unrestricted funds", "donations", "", 300_000, None),
    ]
    assert report.share == Fraction(130_000, 530_000)
    assert report.total == ledger_income(db, YEAR.first, YEAR.last)


def test_a_reversed_charge_takes_its_income_back_from_the_same_payer(db):
    with unit_of_work(db):
        icb = _funder(db, "Hillshire ICB", FunderKind.icb)
        code = f"accrued:funder:{icb.id}"
        _post(db, date(2026, 6, 10), EntryKind.care_delivered, (code, "income:spot:NIGHT", 72_000))
        _post(db, date(2026, 7, 1), EntryKind.care_reversed, ("income:spot:NIGHT", code, 72_000))
        _post(db, date(2026, 7, 1), EntryKind.care_delivered, (code, "income:spot:NIGHT", 65_000))
    report = income.statutory_income(db, YEAR.first, YEAR.last)
    assert rows(report) == [("ICBs", "Hillshire ICB", "spot packages", "", 65_000, 0)]
    june = income.month_period(2026, 6)
    assert rows(income.statutory_income(db, june.first, june.last))[0][4] == 72_000


def _paid_invoice(db, payer_ref: str, number: str, pence: int, paid_on: date) -> None:
    """An invoice to `payer_ref` paid on `paid_on`: the rows the report reads cash from, nothing more."""
    bank = db.exec(select(BankAccount)).first()
    if bank is None:
        bank = BankAccount(purpose="operating", bank_name="Bank", account_name="Hospice", sort_code="000000",
                           account_number="00000000")
        db.add(bank)
        db.flush()
    invoice = Invoice(number=number, payer_ref=payer_ref, payer_name="payer", period_start=paid_on,
                      period_end=paid_on, issued_on=paid_on, due_on=paid_on, total_pence=pence, data="{}",
                      data_sha256="0" * 64)
    payment = Payment(payer_ref=payer_ref, payer_name="payer", bank_account_id=bank.id, received_on=paid_on,
                      amount_pence=pence, method="bank_transfer")
    db.add_all([invoice, payment])
    db.flush()
    db.add(Allocation(payment_id=payment.id, invoice_id=invoice.id, pence=pence, allocated_on=paid_on))
    db.flush()


def test_cash_for_several_lines_stands_beside_the_first_and_cash_for_earlier_income_has_its_own_line(db):
    with unit_of_work(db):
        icb, council = _funder(db, "Hillshire ICB", FunderKind.icb), _funder(db, "Westdale Council",
                                                                              FunderKind.local_authority)
        code = f"accrued:funder:{icb.id}"
        _post(db, date(2026, 6, 10), EntryKind.care_delivered, (code, "income:spot:NIGHT", 72_000),
              (code, "income:commissioner_managed:HYDRO", 6_000))
        _paid_invoice(db, f"funder:{icb.id}", "INV2627000001", 78_000, date(2026, 8, 1))
        _paid_invoice(db, f"funder:{council.id}", "INV2526000009", 13_000, date(2026, 4, 20))
    report = income.statutory_income(db, YEAR.first, YEAR.last)
    assert [(x.source, x.stream, x.pence, x.cash, x.note) for x in report.lines] == [
        ("Hillshire ICB", "commissioner-managed budgets", 6_000, 78_000,
         "received for all of: commissioner-managed budgets, spot packages"),
        ("Hillshire ICB", "spot packages", 72_000, None, "in the cash beside commissioner-managed budgets"),
        ("Westdale Council", "care recognised earlier", 0, 13_000, ""),
    ]
    assert (report.total, report.cash_total) == (78_000, 91_000)
