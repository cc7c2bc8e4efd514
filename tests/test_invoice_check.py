"""`lantern check` over documents: debtors against invoices, gaps in numbers, changed documents, double billing."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from lantern.check import run_all
from invoicing.models import Invoice
from invoicing.runs import issue_run, month_bounds
from lantern import demo
from provider.db import unit_of_work
from provider.numbering import NumberSeries, take


@pytest.fixture
def invoiced(db):
    with unit_of_work(db):
        demo.build(db, invoicing=False)
    with unit_of_work(db):
        issue_run(db, *month_bounds("2026-10"))
    assert run_all(db) == []
    return db


def _without_guard(db, table: str) -> None:
    """What a person editing the database by hand could do: drop the trigger that refuses changes."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text(f"DROP TRIGGER {table}_immutable ON {table}"))
    else:
        db.exec(text(f"DROP TRIGGER {table}_no_update"))


def test_an_invoice_changed_behind_lanterns_back_is_named(invoiced):
    invoice = invoiced.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB",
                                                  Invoice.kind == "invoice")).one()
    _without_guard(invoiced, "invoices")
    invoiced.exec(text("UPDATE invoices SET data = replace(data, '216000', '21600') WHERE number = :n")
                  .bindparams(n=invoice.number))
    assert run_all(invoiced) == [f"Invoice {invoice.number}: its stored data no longer matches its hash."]


def test_a_number_handed_out_but_never_issued_is_a_gap(invoiced):
    taken = take(invoiced, "INV", invoiced.exec(select(Invoice.issued_on)).first())
    series = taken[:7]
    assert run_all(invoiced) == [f"Series {series}: missing [{int(taken[7:])}], duplicated none."]
    assert invoiced.get(NumberSeries, series).next_value == int(taken[7:]) + 1


def test_a_debtor_that_does_not_match_its_invoices_is_named(invoiced):
    from provider.ledger.models import AccountType
    from provider.ledger.accounts import account
    from provider.ledger.post import Line, post
    from provider.ledger.models import EntryKind

    invoice = invoiced.exec(select(Invoice).where(Invoice.payer_name == "Riverside ICB",
                                                  Invoice.kind == "invoice")).one()
    debtor = account(invoiced, f"debtor:{invoice.payer_ref}", "Debtor", AccountType.asset)
    stray = account(invoiced, "suspense", "Suspense", AccountType.asset)
    post(invoiced, EntryKind.reversal, [Line(debtor, debit=100), Line(stray, credit=100)],
         service_date=invoice.issued_on, description="A posting by hand")
    assert run_all(invoiced) == ["Debtor Riverside ICB: the ledger holds £79,661.00 but its documents say "
                                 "£79,660.00."]  # Ben's £2,160 and a quarter of the grant
