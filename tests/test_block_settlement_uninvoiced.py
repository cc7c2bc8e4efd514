"""A block contract's instalments before they are all invoiced: settlement waits for them, and a credit on an
instalment in advance takes what is still deferred first."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from invoicing import settlement
from invoicing.credits import credit
from invoicing.instalments import release_deferred
from invoicing.models import InvoiceLine
from invoicing.runs import issue_run, month_bounds
from provider.clock import set_as_of_date
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.ledger.post import balances
from tests.conftest import demo_once_per_module
from tests.test_block_settlement import _northshire

demo_connection, connection = demo_once_per_module(invoicing=False)


def test_an_instalment_not_yet_invoiced_stops_the_settlement(db):
    with pytest.raises(FieldErrors) as refused, unit_of_work(db):
        settlement.make(db, _northshire(db), date(2027, 4, 10))
    assert "Instalment 1 of 4 (due 01/04/2026) is not invoiced yet" in refused.value.errors["contract"]


def test_a_credit_on_an_instalment_in_advance_takes_what_is_still_deferred_first(db):
    with unit_of_work(db):
        set_as_of_date(db, date(2027, 1, 4))
        issued = issue_run(db, *month_bounds("2027-01"), on=date(2027, 1, 4), instalments_only=True).issued
        release_deferred(db, date(2027, 1, 31), date(2027, 2, 1))
    contract = _northshire(db)
    [invoice] = [i for i in issued if i.kind == "invoice"]   # the other is the NHS grant's
    deferred, income = f"deferred:block:{contract.id}", f"income:block:{contract.id}"
    assert (balances(db)[deferred], balances(db)[income]) == (-2_500_000, -1_250_000)
    line = db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).one()
    with unit_of_work(db):
        credit(db, invoice, "Contract varied", {line.id: 3_000_000}, on=date(2027, 2, 2))
    assert (balances(db)[deferred], balances(db)[income]) == (0, -750_000)
    with unit_of_work(db):
        release_deferred(db, date(2027, 3, 31), date(2027, 4, 1))
    assert (balances(db)[deferred], balances(db)[income]) == (0, -750_000)   # nothing left to release
