"""Ledger lines say whom they concern: the payer and, where there is one, the child; migration 0026 fills them
from the ledger as it stood, exactly as posting now writes them."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine
from sqlmodel import Session, select

from lantern import demo
from lantern.check import run_all
from provider.db import unit_of_work
from provider.funders.models import Funder
from provider.ledger.models import EntryKind, LedgerAccount, LedgerEntry, LedgerLine
from provider.migrate import alembic_config
from provider.people.models import Child
from reports import income_children, income_months
from tests.conftest import demo_once_per_module

demo_connection, connection = demo_once_per_module()


def _lines_of(db, kind: EntryKind, child: Child):
    return db.exec(select(LedgerAccount.code, LedgerLine.debit_pence, LedgerLine.credit_pence, LedgerLine.payer_ref)
                   .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                   .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                   .where(LedgerEntry.kind == kind, LedgerLine.child_id == child.id)
                   .order_by(LedgerEntry.service_date, LedgerAccount.code)).all()


def test_bens_nights_name_riverside_and_ben_on_both_lines(db):
    ben = db.exec(select(Child).where(Child.preferred_name == "Ben")).one()
    riverside = db.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
    lines = _lines_of(db, EntryKind.care_delivered, ben)
    assert len(lines) == 6                                    # 3 nights, accrued income against care income
    assert {payer for *_, payer in lines} == {f"funder:{riverside.id}"}
    assert sum(credit for _, _, credit, _ in lines) == 216_000


def test_amiras_isf_fee_lines_name_her_isf_and_her(db):
    """Her ISF's 13 fees of £15: the ISF's line of each fee entry names the ISF as payer and Amira as the child."""
    amira = db.exec(select(Child).where(Child.first_name == "Amira")).one()
    fee_entries = select(LedgerLine.entry_id).join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id) \
        .where(LedgerAccount.code == "income:isf_fees")
    lines = db.exec(select(LedgerAccount.code, LedgerLine.debit_pence, LedgerLine.payer_ref, LedgerLine.child_id)
                    .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
                    .where(LedgerLine.entry_id.in_(fee_entries), LedgerAccount.code.like("isf:%"),
                           LedgerLine.child_id == amira.id)).all()
    assert len(lines) == 13 and sum(debit for _, debit, _, _ in lines) == 19_500
    assert all(payer == code for code, _, payer, _ in lines)


def test_lines_on_a_payers_account_name_that_payer(db):
    rows = db.exec(select(LedgerAccount.code, LedgerLine.payer_ref)
                   .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)).all()
    for prefix in ("debtor:", "accrued:", "credit:"):
        found = [(code, payer) for code, payer in rows if code.startswith(prefix)]
        assert found and all(payer == code.removeprefix(prefix) for code, payer in found), prefix
    assert all(payer is None for code, payer in rows if code.startswith("bank:"))


def test_the_migration_fills_todays_ledger_as_posting_writes_it(fresh_database_url):
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as db, unit_of_work(db):
            demo.build(db)
        with Session(engine) as db:
            written = {row.id: (row.payer_ref, row.child_id) for row in db.exec(select(LedgerLine))}
            kept = (income_months.kept(db), income_children.kept(db))
        assert sum(1 for payer, _ in written.values() if payer) > 100
        assert sum(1 for _, child in written.values() if child) > 100
        engine.dispose()
        config = alembic_config(fresh_database_url)
        command.downgrade(config, "0025")
        command.upgrade(config, "head")
        with Session(engine) as db:
            filled = {row.id: (row.payer_ref, row.child_id) for row in db.exec(select(LedgerLine))}
            assert filled == written
            assert (income_months.kept(db), income_children.kept(db)) == kept
            assert run_all(db) == []
    finally:
        engine.dispose()
