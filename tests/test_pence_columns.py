"""Every amount of money is stored in 64 bits (issue 20, item 10): one amount given to Lantern is at most £20m, but a
sum of many (an invoice's total, a year's ISF, a contract's value) can pass INTEGER's £21,474,836.47."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import BigInteger, Integer, inspect
from sqlmodel import SQLModel, select

import lantern.models  # noqa: F401  (registers every table)
from provider.db import make_engine, open_session, unit_of_work
from provider.ledger import accounts
from provider.ledger.accounts import open_account
from provider.ledger.models import EntryKind, LedgerLine
from provider.ledger.post import Line, balances, post
from provider.money import MoneyError
from tests.conftest import ENGINE_NAME


def test_every_pence_column_of_every_table_is_declared_bigint():
    narrow = [f"{table.name}.{column.name}" for table in SQLModel.metadata.sorted_tables for column in table.columns
              if "pence" in column.name and not isinstance(column.type, BigInteger)]
    assert narrow == []


def test_every_pence_column_in_the_migrated_database_holds_64_bits(fresh_database_url):
    engine = make_engine(fresh_database_url)
    found = inspect(engine)
    kinds = {(table, column["name"]): column["type"] for table in found.get_table_names()
             for column in found.get_columns(table) if "pence" in column["name"]}
    engine.dispose()
    assert set(kinds) == {(table.name, column.name) for table in SQLModel.metadata.sorted_tables
                          for column in table.columns if "pence" in column.name}
    if ENGINE_NAME == "postgresql":
        assert {name: type(kind).__name__ for name, kind in kinds.items() if not isinstance(kind, BigInteger)} == {}
    else:
        assert all(isinstance(kind, Integer) for kind in kinds.values())  # SQLite: every integer is 64-bit


def test_an_invoice_of_two_fifteen_million_pound_lines_posts_its_thirty_million_total_to_the_penny(
        fresh_database_url):
    """Each line is within the £20m one amount may be; the debtor's line is their sum, past INTEGER's bound."""
    engine = make_engine(fresh_database_url)
    with open_session(engine) as session, unit_of_work(session):
        debtor = open_account(session, accounts.debtor("funder:1:2", "Riverside ICB"))
        income = open_account(session, accounts.debtor("funder:3:4", "Eastvale Council"))
        post(session, EntryKind.invoice, [Line(debtor, debit=3_000_000_001),
                                          Line(income, credit=1_500_000_000), Line(income, credit=1_500_000_001)],
             service_date=date(2027, 3, 31), description="Two very large lines")
    with open_session(engine) as session:
        assert balances(session)[debtor.code] == 3_000_000_001
        assert session.exec(select(LedgerLine.debit_pence).where(LedgerLine.debit_pence > 0)).all() == [3_000_000_001]
    engine.dispose()


def test_a_sum_past_what_a_bigint_holds_is_refused_in_words_before_anything_is_written(fresh_database_url):
    engine = make_engine(fresh_database_url)
    huge = 2**63
    with open_session(engine) as session:
        debtor = open_account(session, accounts.debtor("funder:1:2", "Riverside ICB"))
        with pytest.raises(MoneyError, match="more than Lantern can hold"):
            post(session, EntryKind.invoice, [Line(debtor, debit=huge), Line(debtor, credit=huge)],
                 service_date=date(2027, 3, 31), description="Too much")
        session.rollback()
    with open_session(engine) as session:
        assert session.exec(select(LedgerLine)).all() == []
    engine.dispose()
