"""The ledger: balanced entries only, never changed or deleted, late postings into the first open month."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from provider.db import is_postgresql, unit_of_work
from lantern.check import run_all
from provider.ledger import check
from provider.ledger.models import AccountType, EntryKind, LedgerEntry, LedgerLine
from provider.ledger.accounts import account
from provider.ledger.post import Line, PeriodClosed, UnbalancedEntry, balances, close_month, post, reverse
from tests.conftest import rolled_back


def accounts(db):
    return (account(db, "debtors:test", "Debtors — test payer", AccountType.asset),
            account(db, "income:test", "Income — test", AccountType.income))


def test_a_balanced_entry_moves_both_balances(db):
    with unit_of_work(db):
        debtors, income = accounts(db)
        post(db, EntryKind.invoice, [Line(debtors, debit=216000), Line(income, credit=216000)],
             service_date=date(2026, 10, 31), description="Invoice INV2627000001")
    assert balances(db) == {"debtors:test": 216000, "income:test": -216000}
    assert run_all(db) == []


@pytest.mark.parametrize("lines, message", [
    (lambda d, i: [Line(d, debit=100), Line(i, credit=99)], "debits 100 and credits 99 differ"),
    (lambda d, i: [Line(d, debit=100, credit=100)], "each line is a debit or a credit"),
    (lambda d, i: [Line(d), Line(i)], "each line is a debit or a credit"),
    (lambda d, i: [Line(d, debit=-5), Line(i, credit=-5)], "each line is a debit or a credit"),
    (lambda d, i: [], "at least two lines"),
])
def test_an_unbalanced_entry_is_refused_and_nothing_is_written(db, lines, message):
    debtors, income = accounts(db)
    with pytest.raises(UnbalancedEntry, match=message):
        with unit_of_work(db):
            post(db, EntryKind.invoice, lines(debtors, income), service_date=date(2026, 10, 1), description="x")
    assert db.exec(select(LedgerEntry)).all() == []


def test_the_database_refuses_to_change_or_delete_a_posted_line(db):
    with unit_of_work(db):
        debtors, income = accounts(db)
        post(db, EntryKind.invoice, [Line(debtors, debit=500), Line(income, credit=500)],
             service_date=date(2026, 10, 1), description="x")
    for statement in ("UPDATE ledger_lines SET debit_pence = 1 WHERE debit_pence = 500",
                      "DELETE FROM ledger_lines", "DELETE FROM ledger_entries",
                      "UPDATE ledger_entries SET description = 'changed'"):
        nested = db.begin_nested()
        with pytest.raises(DBAPIError, match="never changed or deleted"):
            db.exec(text(statement))
        nested.rollback()
    assert balances(db)["debtors:test"] == 500


def test_an_unbalanced_entry_written_around_the_application_is_caught(db):
    """`lantern check` lists it on both engines; PostgreSQL's deferred trigger also refuses it at commit."""
    with unit_of_work(db):
        debtors, _ = accounts(db)
    nested = db.begin_nested()
    entry = LedgerEntry(kind=EntryKind.invoice, posted_on=date(2026, 10, 1), description="sneaky",
                        group_id=debtors.id)
    db.add(entry)
    db.flush()
    db.add(LedgerLine(entry_id=entry.id, account_id=debtors.id, debit_pence=100))
    db.flush()
    assert check.unbalanced_entries(db) == [
        f"Ledger entry {entry.id} (sneaky) does not balance: debits 100, credits 0."]
    if is_postgresql(db):
        with pytest.raises(DBAPIError, match="does not balance"):
            db.exec(text("SET CONSTRAINTS ledger_lines_balance IMMEDIATE"))
    nested.rollback()


def test_a_posting_for_a_closed_month_goes_to_the_first_open_month_keeping_its_service_date(db):
    with unit_of_work(db):
        debtors, income = accounts(db)
        close_month(db, 2026, 9)
        close_month(db, 2026, 10)
        entry = post(db, EntryKind.care_delivered, [Line(debtors, debit=65000), Line(income, credit=65000)],
                     service_date=date(2026, 9, 8), description="late night")
    assert (entry.posted_on, entry.service_date) == (date(2026, 11, 1), date(2026, 9, 8))


def test_a_month_cannot_be_closed_twice(db):
    with unit_of_work(db):
        close_month(db, 2026, 9)
    with pytest.raises(PeriodClosed, match="September 2026 is already closed"):
        with unit_of_work(db):
            close_month(db, 2026, 9)


def test_a_reversal_mirrors_the_entry_and_names_it(db):
    with unit_of_work(db):
        debtors, income = accounts(db)
        entry = post(db, EntryKind.care_delivered, [Line(debtors, debit=6000), Line(income, credit=6000)],
                     service_date=date(2026, 11, 4), description="hydrotherapy")
        undo = reverse(db, entry, description="hospital day", on=date(2026, 11, 20))
    assert undo.reverses_id == entry.id and undo.group_id == entry.group_id
    assert balances(db) == {"debtors:test": 0, "income:test": 0}


@settings(max_examples=40)
@given(st.lists(st.lists(st.integers(1, 10**7), min_size=1, max_size=4), min_size=1, max_size=6))
def test_whatever_is_posted_the_trial_balance_is_zero(connection, amounts):
    with rolled_back(connection) as db:
        _post_and_check(db, amounts)


def _post_and_check(db, amounts):
    debtors = account(db, "debtors:p", "Debtors", AccountType.asset)
    income = account(db, "income:p", "Income", AccountType.income)
    bank = account(db, "bank:p", "Bank", AccountType.asset)
    for debits in amounts:
        post(db, EntryKind.invoice, [Line(debtors, debit=d) for d in debits] + [Line(income, credit=sum(debits))],
             service_date=date(2026, 10, 1), description="invoice")
        post(db, EntryKind.payment, [Line(bank, debit=debits[0]), Line(debtors, credit=debits[0])],
             service_date=date(2026, 10, 2), description="payment")
    totals = balances(db)
    assert sum(totals.values()) == 0
    assert totals["debtors:p"] == sum(sum(d) - d[0] for d in amounts)
    assert check.unbalanced_entries(db) == []
