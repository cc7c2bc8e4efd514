"""Money in (DOMAIN.md §6): a payment recorded into a bank account and set against one or many invoices, credit
held on account, refunds, disputes, write-offs and waivers by approval; what is owed is always derived."""
from __future__ import annotations

import html
import re
import uuid
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from sqlmodel import func, select

from lantern.check import run_all
from invoicing.models import Invoice
from invoicing.payments import service
from invoicing.payments.balances import credit_held, outstanding
from invoicing.payments.models import Allocation, DebtAdjustment, Payment, Refund
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.ledger.post import balances
from provider.organisation.models import BankAccount
from provider.users.models import User
from tests.conftest import api, post_form, rolled_back, demo_once_per_module

ON = date(2027, 4, 10)


demo_connection, connection = demo_once_per_module(payments=False)


@pytest.fixture
def willow(db):
    return db


def _finance(db) -> User:
    return db.exec(select(User).where(User.email == "finance@willow.example")).one()


def _bank(db) -> BankAccount:
    return db.exec(select(BankAccount).where(BankAccount.purpose == "operating")).one()


def _invoices(db, payer: str, kind: str = "invoice") -> list[Invoice]:
    return db.exec(select(Invoice).where(Invoice.payer_name == payer, Invoice.kind == kind)
                   .order_by(Invoice.number)).all()


def _pay(db, payer_ref: str, pence: int, reference: str = "", on: date = date(2027, 4, 1)) -> Payment:
    with unit_of_work(db):
        return service.record_payment(db, service.PaymentIn(payer_ref, _bank(db).id, on, pence, "bank_transfer",
                                                            reference), ON, _finance(db).id)


def test_one_remittance_pays_many_invoices_and_keeps_the_excess_as_credit(willow):
    leila = _invoices(willow, "Leila Haddad")
    owed = sum(outstanding(willow, i) for i in leila)
    assert owed == 48_000   # nine sessions less the hospital day credited
    banked = balances(willow).get(f"bank:{_bank(willow).id}", 0)   # the ISFs' draw-downs and fees moved in
    payment = _pay(willow, leila[0].payer_ref, 50_000, "HADDAD HYDRO")
    with unit_of_work(willow):
        service.allocate(willow, payment, {i.id: outstanding(willow, i) for i in leila if outstanding(willow, i)},
                         ON, _finance(willow).id)
    assert [outstanding(willow, i) for i in leila] == [0] * len(leila)
    assert credit_held(willow) == {leila[0].payer_ref: 2_000}
    ledger = balances(willow)
    assert ledger[f"debtor:{leila[0].payer_ref}"] == 0 and ledger[f"credit:{leila[0].payer_ref}"] == -2_000
    assert ledger[f"bank:{_bank(willow).id}"] - banked == 50_000
    assert run_all(willow) == []


def test_allocating_more_than_the_payment_is_refused(willow):
    leila = _invoices(willow, "Leila Haddad")
    payment = _pay(willow, leila[0].payer_ref, 6_000)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.allocate(willow, payment, {leila[0].id: 6_000, leila[1].id: 6_000}, ON)
    assert refused.value.errors == {"amounts": "add up to £120.00, more than the payment has left (£60.00)"}
    assert willow.exec(select(func.count()).select_from(Allocation)).one() == 0


def test_allocating_more_than_an_invoice_owes_is_refused(willow):
    [riverside] = _invoices(willow, "Riverside ICB")
    payment = _pay(willow, riverside.payer_ref, 300_000)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.allocate(willow, payment, {riverside.id: 216_001}, ON)
    assert refused.value.errors == {f"amount-{riverside.id}": f"is more than invoice {riverside.number} owes "
                                                              "(£2,160.00)"}
    assert outstanding(willow, riverside) == 216_000


def test_a_payment_cannot_pay_another_payers_invoice(willow):
    [riverside] = _invoices(willow, "Riverside ICB")
    leila = _invoices(willow, "Leila Haddad")
    payment = _pay(willow, leila[0].payer_ref, 300_000)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.allocate(willow, payment, {riverside.id: 1_000}, ON)
    assert "not to Leila Haddad" in refused.value.errors[f"amount-{riverside.id}"]


def test_a_refund_above_the_credit_held_is_refused(willow):
    [riverside] = _invoices(willow, "Riverside ICB")
    payment = _pay(willow, riverside.payer_ref, 220_000)
    with unit_of_work(willow):
        service.allocate(willow, payment, {riverside.id: 216_000}, ON)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.refund(willow, payment, 4_001, "payer", "NHS Riverside ICB 60-00-01 11223344", "Overpaid", ON)
    assert refused.value.errors == {"pence": "is more than the credit held from this payment (£40.00)"}
    with unit_of_work(willow):
        service.refund(willow, payment, 4_000, "payer", "NHS Riverside ICB 60-00-01 11223344", "Overpaid", ON)
    assert credit_held(willow) == {} and run_all(willow) == []


def test_a_direct_payment_is_never_refunded_to_a_parents_own_account(willow):
    leila = _invoices(willow, "Leila Haddad")
    payment = _pay(willow, leila[0].payer_ref, 10_000)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.refund(willow, payment, 10_000, "payer", "Mrs L Haddad 20-00-00 12345678", "Paid twice", ON)
    assert "never refunded to a parent's own account" in refused.value.errors["to"]
    with unit_of_work(willow):
        made = service.refund(willow, payment, 10_000, "direct_payment_account", "Haddad DP account 20-00-00 8765",
                              "Paid twice", ON)
    assert made.to == "direct_payment_account" and willow.exec(select(func.count()).select_from(Refund)).one() == 1


def test_an_allocation_made_in_error_is_undone_by_its_opposite(willow):
    [riverside] = _invoices(willow, "Riverside ICB")
    payment = _pay(willow, riverside.payer_ref, 216_000)
    with unit_of_work(willow):
        [made] = service.allocate(willow, payment, {riverside.id: 216_000}, ON)
        service.undo_allocation(willow, made, ON)
    assert outstanding(willow, riverside) == 216_000 and credit_held(willow) == {riverside.payer_ref: 216_000}
    with pytest.raises(FieldErrors), unit_of_work(willow):
        service.undo_allocation(willow, made, ON)
    assert run_all(willow) == []


def test_a_small_write_off_posts_at_once_and_a_large_one_waits_for_someone_else(willow, make_user):
    finance, other = _finance(willow), make_user("finance")
    leila = _invoices(willow, "Leila Haddad")
    [riverside] = _invoices(willow, "Riverside ICB")
    with unit_of_work(willow):
        small = service.ask_adjustment(willow, leila[0], "write_off", 2_500, "Small balance", ON, finance)
        large = service.ask_adjustment(willow, riverside, "write_off", 216_000, "ICB closed", ON, finance)
    assert small.approved_on == ON and outstanding(willow, leila[0]) == 3_500
    assert large.approved_on is None and outstanding(willow, riverside) == 216_000
    with pytest.raises(FieldErrors) as own, unit_of_work(willow):
        service.approve_adjustment(willow, large, finance, ON)
    assert own.value.errors == {"adjustment": "must be approved by someone other than the person who asked"}
    with unit_of_work(willow):
        service.approve_adjustment(willow, large, other, ON)
    assert outstanding(willow, riverside) == 0
    assert balances(willow)["expense:bad_debts"] == 218_500 and run_all(willow) == []


def test_a_waiver_for_a_bereaved_family_is_income_given_up(willow):
    leila = _invoices(willow, "Leila Haddad")
    with unit_of_work(willow):
        service.ask_adjustment(willow, leila[0], "waiver", 2_000, "Family bereaved", ON, _finance(willow))
    assert balances(willow)["income:waived"] == 2_000 and run_all(willow) == []


def test_an_invoice_is_disputed_once_at_a_time(willow):
    [riverside] = _invoices(willow, "Riverside ICB")
    with unit_of_work(willow):
        found = service.open_dispute(willow, riverside, "Night of 8 October not agreed", ON)
    with pytest.raises(FieldErrors), unit_of_work(willow):
        service.open_dispute(willow, riverside, "Again", ON)
    with unit_of_work(willow):
        service.close_dispute(willow, found, "Agreed after the ward's records", ON)
    assert found.closed_on == ON


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 300_000), st.lists(st.integers(0, 80_000), min_size=1, max_size=4)),
                min_size=1, max_size=4))
def test_whatever_is_tried_no_invoice_is_overpaid_and_no_payment_overspent(connection, attempts):
    with rolled_back(connection) as db:
        targets = db.exec(select(Invoice).where(Invoice.payer_name == "Leila Haddad").order_by(Invoice.number)).all()
        for amount, splits in attempts:
            payment = _pay(db, targets[0].payer_ref, amount)
            wanted = {invoice.id: pence for invoice, pence in zip(targets, splits) if pence}
            try:
                with unit_of_work(db):
                    service.allocate(db, payment, wanted, ON)
            except FieldErrors:
                pass
        assert all(outstanding(db, invoice) >= 0 for invoice in targets)
        assert all(v >= 0 for v in credit_held(db).values())
        assert run_all(db) == []


# --- pages and API --------------------------------------------------------------------------------------------

def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_a_reference_too_long_for_the_record_is_refused_by_name_on_the_page_never_cut_short(
        client, willow, signed_in):
    signed_in("finance")
    leila = _invoices(willow, "Leila Haddad")
    long = post_form(client, "/payments/new", {"payer_ref": leila[0].payer_ref, "bank_account_id": str(_bank(willow).id),
                                              "received_on": "2027-04-01", "amount": "120.00",
                                              "method": "bank_transfer", "reference": "R" * 141})
    assert long.status_code == 422
    assert "Reference" in text_of(long) and "is 141 characters long: at most 140" in text_of(long)
    assert willow.exec(select(func.count()).select_from(Payment)).one() == 0


def test_finance_records_a_remittance_and_sets_it_against_several_invoices_from_the_page(client, willow, signed_in):
    signed_in("finance")
    leila = _invoices(willow, "Leila Haddad")
    bad = post_form(client, "/payments/new", {"payer_ref": leila[0].payer_ref, "bank_account_id": str(_bank(willow).id),
                                             "received_on": "2027-04-01", "amount": "sixty", "method": "cheque"})
    assert bad.status_code == 422 and "Amount" in text_of(bad)
    assert willow.exec(select(func.count()).select_from(Payment)).one() == 0
    made = post_form(client, "/payments/new", {"payer_ref": leila[0].payer_ref,
                                               "bank_account_id": str(_bank(willow).id), "received_on": "2027-04-01",
                                               "amount": "120.00", "method": "bank_transfer",
                                               "reference": leila[0].number}, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "Not yet allocated £120.00" in text_of(page) and leila[0].number in page.text
    payment_id = made.headers["location"].split("/")[2].split("?")[0]
    too_much = post_form(client, f"/payments/{payment_id}/allocate", {f"amount-{leila[0].id}": "60.00",
                                                                      f"amount-{leila[1].id}": "70.00"})
    assert too_much.status_code == 422 and "is more than invoice" in text_of(too_much)
    done = post_form(client, f"/payments/{payment_id}/allocate", {f"amount-{leila[0].id}": "60.00",
                                                                  f"amount-{leila[1].id}": "60.00"},
                     follow_redirects=False)
    assert done.status_code == 303
    assert outstanding(willow, leila[0]) == outstanding(willow, leila[1]) == 0
    invoice_page = text_of(client.get(f"/invoices/{leila[0].id}"))
    assert "Paid £60.00" in invoice_page and "Outstanding £0.00" in invoice_page


def test_the_api_records_allocates_and_refuses_as_the_page_does(client, willow, signed_in):
    signed_in("finance")
    [riverside] = _invoices(willow, "Riverside ICB")
    made = api(client, "POST", "/api/payments", json={
        "payer_ref": riverside.payer_ref, "bank_account_id": str(_bank(willow).id), "received_on": "2027-04-02",
        "amount_pence": 216_000, "method": "bank_transfer", "reference": riverside.number})
    assert made.status_code == 201, made.text
    payment = made.json()
    over = api(client, "POST", f"/api/payments/{payment['id']}/allocations",
               json={"allocations": [{"invoice_id": str(riverside.id), "pence": 216_001}]})
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == f"amount-{riverside.id}"
    done = api(client, "POST", f"/api/payments/{payment['id']}/allocations",
               json={"allocations": [{"invoice_id": str(riverside.id), "pence": 216_000}]})
    assert done.status_code == 201 and done.json()["unallocated_pence"] == 0
    future = api(client, "POST", "/api/payments", json={
        "payer_ref": riverside.payer_ref, "bank_account_id": str(_bank(willow).id), "received_on": "2027-05-02",
        "amount_pence": 100, "method": "bank_transfer"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "received_on"


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family"])
def test_only_finance_handles_money(client, willow, signed_in, role):
    signed_in(role)
    [riverside] = _invoices(willow, "Riverside ICB")
    assert client.get("/payments").status_code == 403
    assert client.get("/payments/new").status_code == 403
    assert api(client, "POST", "/api/payments", json={
        "payer_ref": riverside.payer_ref, "bank_account_id": str(_bank(willow).id), "received_on": "2027-04-02",
        "amount_pence": 216_000, "method": "bank_transfer"}).status_code == 403
    assert post_form(client, f"/invoices/{riverside.id}/dispute", {"dispute_reason": "x"}).status_code == 403
    assert willow.exec(select(func.count()).select_from(Payment)).one() == 0


def test_a_stranger_is_sent_to_sign_in(anon, willow):
    assert anon.get("/payments", follow_redirects=False).status_code in (303, 401)
    assert anon.get(f"/payments/{uuid.uuid4()}", follow_redirects=False).status_code in (303, 401)


def test_another_finance_user_approves_a_large_write_off_from_the_page(client, willow, signed_in, make_user):
    [riverside] = _invoices(willow, "Riverside ICB")
    with unit_of_work(willow):
        asked = service.ask_adjustment(willow, riverside, "write_off", 100_000, "Disputed nights", ON,
                                       _finance(willow))
    signed_in("finance")
    page = client.get("/payments-approvals")
    assert riverside.number in page.text and "£1,000.00" in text_of(page)
    done = post_form(client, f"/payments-approvals/{asked.id}", {"decision": "approve"}, follow_redirects=False)
    assert done.status_code == 303
    willow.refresh(asked)
    assert asked.approved_on == ON and outstanding(willow, riverside) == 116_000
    assert willow.exec(select(func.count()).select_from(DebtAdjustment)).one() == 1
