"""A block contract settled at its end as the contract says (DOMAIN.md §10 scenario 1: Northshire bought 240 nights
for £150,000; the demo's children used 141 of them)."""
from __future__ import annotations

import json
import re
import uuid
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st
from sqlmodel import func, select

from invoicing import settlement
from lantern.check import run_all
from invoicing.models import BilledInstalment, ContractSettlement, CreditNote, Invoice, InvoiceLine
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funding.inputs import fundings
from provider.funding.models import BlockContract, BlockContractService, UnderUse
from provider.ledger.post import balances
from tests.conftest import api, post_form, demo_once_per_module


@given(contracted=st.integers(1, 5_000), carried=st.integers(0, 500), value=st.integers(0, 2_000_000_000),
       delivered=st.integers(0, 6_000), cancelled=st.integers(0, 300),
       under_use=st.sampled_from(list(UnderUse)))
def test_what_is_given_back_is_the_unused_share_of_the_value_never_more(contracted, carried, value, delivered,
                                                                        cancelled, under_use):
    s = settlement.settle(settlement.Use(contracted, carried, value, delivered, cancelled, 0, 0), under_use)
    assert s.unused_units == max(0, contracted + carried - delivered - cancelled)
    assert 0 <= s.pence <= value
    if under_use in (UnderUse.clawback, UnderUse.credited):
        exact = Fraction(value * min(s.unused_units, contracted), contracted)
        assert abs(s.pence - exact) <= Fraction(1, 2)
    else:
        assert s.pence == 0
    assert s.carried_units == (s.unused_units if under_use == UnderUse.carried_forward else 0)


def test_nothing_used_gives_back_the_whole_value_and_a_full_contract_nothing():
    nothing = settlement.settle(settlement.Use(240, 0, 15_000_000, 0, 0, 0, 0), UnderUse.clawback)
    full = settlement.settle(settlement.Use(240, 0, 15_000_000, 230, 10, 0, 0), UnderUse.clawback)
    assert (nothing.pence, full.pence, full.unused_units) == (15_000_000, 0, 0)


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def _northshire(db) -> BlockContract:
    return db.exec(select(BlockContract).where(BlockContract.reference == "NCC-SB-2627")).one()


def _says(db, under_use: UnderUse) -> BlockContract:
    contract = _northshire(db)
    with unit_of_work(db):
        contract.under_use = under_use
        db.add(contract)
    return contract


def test_the_demo_contract_keeps_its_value_and_says_how_much_was_used(willow):
    contract = _northshire(willow)
    with unit_of_work(willow):
        record = settlement.make(willow, contract, date(2027, 4, 10))
    statement = json.loads(record.data)
    assert (record.used_delivered, record.used_cancelled, record.unused_units, record.settled_pence) == (141, 0, 99, 0)
    assert statement["counts_as_used"] == "units delivered only; cancellations do not count"
    assert willow.exec(select(func.count()).select_from(CreditNote)).one() == 1   # only scenario 6's
    assert run_all(willow) == []


def test_under_use_clawed_back_is_credited_on_the_latest_instalments_and_comes_off_the_years_income(willow):
    contract = _says(willow, UnderUse.clawback)
    before = balances(willow)
    with unit_of_work(willow):
        record = settlement.make(willow, contract, date(2027, 4, 10))
    # 99 of 240 nights unused: 99/240 of £150,000 is £61,875.00, more than the last quarter's £37,500.
    assert record.settled_pence == 6_187_500
    notes = willow.exec(select(CreditNote).where(CreditNote.number.in_(json.loads(record.data)["credit_notes"]))
                        .order_by(CreditNote.number)).all()
    credited = {willow.get(Invoice, n.invoice_id).number: n.total_pence for n in notes}
    instalment = {n: willow.exec(select(Invoice.number).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                                 .join(BilledInstalment, BilledInstalment.line_id == InvoiceLine.id)
                                 .where(BilledInstalment.number == n)).one() for n in (3, 4)}
    assert credited == {instalment[4]: 3_750_000, instalment[3]: 2_437_500}
    assert all("99 of 240 units not used, £61,875.00 clawed back" in n.reason for n in notes)
    after = balances(willow)
    income, deferred = f"income:block:{contract.id}", f"deferred:block:{contract.id}"
    # The whole year was released as it passed (March's £12,500 at March's end); the claw-back comes off income.
    assert before.get(deferred, 0) == after.get(deferred, 0) == 0
    assert after[income] == before[income] + 6_187_500 == -8_812_500
    # October's quarter was paid: the £24,375 credited on it is Northshire's money, held to be repaid.
    from invoicing.payments.balances import credit_held
    assert list(credit_held(willow).values()) == [2_437_500]
    assert run_all(willow) == []


def test_a_contract_is_settled_once(willow):
    contract = _northshire(willow)
    with unit_of_work(willow):
        settlement.make(willow, contract, date(2027, 4, 10))
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        settlement.make(willow, contract, date(2027, 4, 11))
    assert refused.value.errors == {"contract": "NCC-SB-2627 is settled already"}
    assert willow.exec(select(func.count()).select_from(ContractSettlement)).one() == 1


def test_a_contract_still_running_cannot_be_settled(willow):
    contract = _says(willow, UnderUse.clawback)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        settlement.make(willow, contract, date(2027, 3, 31))
    assert "The contract runs to 31/03/2027: it can be settled from the day after." in refused.value.errors["contract"]
    assert willow.exec(select(func.count()).select_from(ContractSettlement)).one() == 0


def _next_year(db, contract: BlockContract) -> BlockContract:
    with unit_of_work(db):
        following = BlockContract(reference="NCC-SB-2728", funder_id=contract.funder_id,
                                  department_id=contract.department_id, starts_on=date(2027, 4, 1),
                                  ends_on=date(2028, 3, 31), volume_units=200, value_pence=13_000_000,
                                  instalments=contract.instalments, covers_area_id=contract.covers_area_id,
                                  allowance_units=14)
        db.add(following)
        db.flush()
        for service_id in db.exec(select(BlockContractService.service_id)
                                  .where(BlockContractService.contract_id == contract.id)):
            db.add(BlockContractService(contract_id=following.id, service_id=service_id))
    return following


def test_unused_units_carried_forward_join_the_next_contracts_volume(willow):
    contract = _says(willow, UnderUse.carried_forward)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        settlement.make(willow, contract, date(2027, 4, 10))
    assert "No later contract with Northshire County Council to carry the unused units to" in \
        refused.value.errors["contract"]
    following = _next_year(willow, contract)
    with unit_of_work(willow):
        record = settlement.make(willow, contract, date(2027, 4, 10), carried_to_id=following.id)
    willow.refresh(following)
    assert (record.carried_units, record.settled_pence, following.carried_in_units) == (99, 0, 99)
    [funding] = [f for f in fundings(willow) if f.ref == f"block:{following.id}"]
    assert funding.volume_units == 299
    with pytest.raises(FieldErrors) as changed, unit_of_work(willow):
        from provider.funding.contracts import save_contract
        save_contract(willow, {"volume_units": 300}, contract)
    assert changed.value.errors == {"status": "cannot change: the contract was settled on 10/04/2027"}


def test_a_contract_counting_late_cancellations_gives_its_funding_that_rule(willow):
    contract = _northshire(willow)
    with unit_of_work(willow):
        contract.counts_late_cancellations = True
        willow.add(contract)
    [funding] = [f for f in fundings(willow) if f.ref == f"block:{contract.id}"]
    assert funding.charges_cancellations is True
    assert settlement.preview(willow, contract, date(2027, 4, 10)).counts_as_used == (
        "units delivered, and late cancellations (the family's, or a child not brought)")


def test_finance_settles_from_the_contract_page_and_the_api_shows_it(client, willow, signed_in):
    contract = _says(willow, UnderUse.credited)
    signed_in("finance")
    page = client.get(f"/contracts/{contract.id}/settlement")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "141 delivered" in text and "99 units" in text and "£61,875.00 would be credited" in text
    done = post_form(client, f"/contracts/{contract.id}/settlement", follow_redirects=False)
    assert done.status_code == 303
    shown = api(client, "GET", f"/api/contracts/{contract.id}/settlement").json()
    assert (shown["settled"], shown["settled_pence"], shown["unused_units"], len(shown["credit_notes"])) == (
        True, 6_187_500, 99, 2)
    again = api(client, "POST", f"/api/contracts/{contract.id}/settlement", json={})
    assert again.status_code == 422 and "settled already" in again.text


def test_only_finance_may_settle(client, willow, signed_in):
    contract = _northshire(willow)
    signed_in("coordinator")
    assert client.get(f"/contracts/{contract.id}/settlement").status_code == 403
    assert post_form(client, f"/contracts/{contract.id}/settlement").status_code == 403
    assert api(client, "POST", f"/api/contracts/{contract.id}/settlement", json={}).status_code == 403
    assert willow.exec(select(func.count()).select_from(ContractSettlement)).one() == 0


def test_settling_an_unknown_contract_is_not_found(client, willow, signed_in):
    signed_in("finance")
    assert api(client, "GET", f"/api/contracts/{uuid.uuid4()}/settlement").status_code == 404
