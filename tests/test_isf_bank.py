"""The ISF client account: its statement lines matched to instalments received and payments cleared, the
hospice's own money moved out, and the account reconciled with the ISFs' balances, each difference listed."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from provider.bank import importing

from invoicing.bank_lines import matching
from provider.bank.models import BankLine
from lantern.check import run_all
from isf import banking, reconcile, service
from isf.check import isf_liability
from isf.models import IsfAgreement, IsfOutcome, IsfReceipt, Supplier
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funding.models import Arrangement
from provider.ledger.models import AccountType, EntryKind
from provider.ledger.accounts import account
from provider.ledger.post import Line, post
from provider.organisation.models import AccountPurpose, BankAccount
from provider.users.models import User
from tests.conftest import api, csrf_token, demo_once_per_module

ON = date(2027, 4, 10)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.name.startswith("Amira"))).one()


def _finance(db) -> User:
    return db.exec(select(User).where(User.role == "finance")).first()


def _statement(db, *rows: tuple[str, str, str], name: str = "isf-april.csv") -> list[BankLine]:
    """Import lines (date DD/MM/YYYY, signed amount, reference) into the ISF client account."""
    text = "Date,Amount (GBP),Reference,Counter Party\n" + "".join(f"{d},{a},{r},NORTHSHIRE CC\n" for d, a, r in rows)
    with unit_of_work(db):
        record = importing.import_file(db, banking.client_account(db), name, text.encode(), _finance(db).id)
    return list(db.exec(select(BankLine).where(BankLine.import_id == record.id).order_by(BankLine.identity)))


def _one_more_instalment(db) -> IsfAgreement:
    agreement = _amira(db)
    with unit_of_work(db):
        agreement.instalment_count = 14       # the agreement renewed for a fourteenth period, from 31 March 2027
        db.add(agreement)
    return agreement


def _row(db, line: BankLine) -> banking.Row:
    return next(r for r in banking.rows(db, banking.client_account(db)) if r.line.id == line.id)


def _items(db) -> dict[str, int]:
    return {i.label.split(" ")[1] + " " + i.label.split(" ")[2]: i.pence for i in reconcile.reconcile(db).items}


def test_the_demo_account_reconciles_to_the_penny(willow):
    found = reconcile.reconcile(willow)
    assert found.bank_balance == found.isf_balances == 586_800 == reconcile.liability_total(willow)
    assert [i.pence for i in found.items] == [0] * 8 and found.unexplained == 0
    assert run_all(willow) == []


def test_an_instalment_on_the_statement_is_matched_to_the_isf_its_reference_names(willow):
    agreement = _one_more_instalment(willow)
    [line] = _statement(willow, ("31/03/2027", "240.00", "NCC ISF AMIRA P14"))
    before = service.position(willow, agreement, None).balance
    assert reconcile.reconcile(willow).unexplained == 0
    assert _items(willow)["in on"] == 24_000          # money in not yet matched, listed
    [suggestion] = _row(willow, line).suggestions
    assert suggestion.key == f"receipt:{agreement.id}:14"
    assert suggestion.why == "The reference names Amira Haddad: instalment 14 of their ISF"
    with unit_of_work(willow):
        banking.accept(willow, line.id, suggestion.key, _finance(willow).id)
    receipt = willow.exec(select(IsfReceipt).where(IsfReceipt.bank_line_id == line.id)).one()
    assert (receipt.pence, receipt.instalment_number, receipt.received_on) == (24_000, 14, date(2027, 3, 31))
    assert service.position(willow, agreement, None).balance == before + 24_000 == 165_500
    assert reconcile.reconcile(willow).unexplained == 0 and _items(willow)["in on"] == 0
    assert run_all(willow) == []


def test_a_short_instalment_is_suggested_saying_how_short_it_is(willow):
    _one_more_instalment(willow)
    [line] = _statement(willow, ("31/03/2027", "200.00", "AMIRA HASSAN ISF"))
    [suggestion] = _row(willow, line).suggestions
    assert suggestion.why.endswith("it is £40.00 short of the £240.00 expected")


def test_an_amount_only_one_isf_expects_is_suggested_by_the_amount(willow):
    agreement = _one_more_instalment(willow)
    [line] = _statement(willow, ("31/03/2027", "240.00", "BACS 88121"))
    [suggestion] = _row(willow, line).suggestions
    assert suggestion.key == f"receipt:{agreement.id}:14"
    assert suggestion.why == "The amount is what Amira Haddad's instalment 14 expects, and no other ISF's"


def test_an_instalment_received_already_cannot_be_received_again_from_the_bank(willow):
    agreement = _one_more_instalment(willow)
    [line] = _statement(willow, ("31/03/2027", "240.00", "ISF AMIRA P13 AGAIN"))
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        banking.accept(willow, line.id, f"receipt:{agreement.id}:13", _finance(willow).id)
    assert refused.value.errors == {"instalment_number": "instalment 13 of this ISF is received already, or is not "
                                                         "in its schedule"}
    assert willow.exec(select(IsfReceipt).where(IsfReceipt.bank_line_id == line.id)).first() is None


def test_a_supplier_payment_is_listed_until_it_clears_the_bank(willow):
    agreement = _amira(willow)
    coordinator = willow.exec(select(User).where(User.role == "coordinator")).first()
    outcome = willow.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)).first()
    with unit_of_work(willow):
        supplier = Supplier(name="Northfield Cabs")
        willow.add(supplier)
        willow.flush()
        proof = service.store_evidence(willow, "taxi.pdf", "application/pdf", PDF)
        spend = service.ask_spend(willow, agreement, 3_150, date(2027, 4, 6), "Taxi to the park", outcome.id,
                                  supplier.id, proof.id, coordinator)
        service.approve_spend(willow, spend, _finance(willow), date(2027, 4, 6), ON)
    found = reconcile.reconcile(willow)
    waiting = next(i for i in found.items if i.label.startswith("Payments approved"))
    assert waiting.pence == 3_150 and [d.text for d in waiting.details] == ["Amira Haddad: Taxi to the park"]
    assert found.unexplained == 0 and found.bank_balance == found.isf_balances + 3_150
    [line] = _statement(willow, ("08/04/2027", "-31.50", "NORTHFIELD CABS"))
    assert [s.key for s in _row(willow, line).suggestions] == [f"spend:{spend.id}"]   # no own money waiting to move
    with unit_of_work(willow):
        banking.accept(willow, line.id, f"spend:{spend.id}", _finance(willow).id)
    after = reconcile.reconcile(willow)
    assert [i.pence for i in after.items] == [0] * 8 and after.unexplained == 0
    assert after.bank_balance == after.isf_balances == 586_800 - 3_150


def test_moving_more_than_the_hospices_own_money_is_refused(willow):
    [line] = _statement(willow, ("09/04/2027", "-100.00", "TRF TO OPERATING"))
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        banking.accept(willow, line.id, "transfer", _finance(willow).id)
    assert refused.value.errors == {"suggestion": "£100.00 is more than the hospice's own money in the account "
                                                  "(£0.00): the rest belongs to the children's ISFs"}
    assert _items(willow)["out on"] == -10_000 and reconcile.reconcile(willow).unexplained == 0


def test_a_line_is_matched_once_and_an_isf_line_is_never_paid_to_an_invoice(willow):
    agreement = _one_more_instalment(willow)
    [line] = _statement(willow, ("31/03/2027", "240.00", "ISF AMIRA P14"))
    with unit_of_work(willow):
        banking.accept(willow, line.id, f"receipt:{agreement.id}:14", _finance(willow).id)
    with pytest.raises(FieldErrors) as twice, unit_of_work(willow):
        banking.accept(willow, line.id, f"receipt:{agreement.id}:14", _finance(willow).id)
    assert twice.value.errors == {"suggestion": "this line is matched already"}
    with pytest.raises(FieldErrors) as invoice, unit_of_work(willow):
        matching.accept(willow, line.id, "chosen:INV2627000017", ON)
    assert invoice.value.errors == {"suggestion": "this line is matched already: its payment is recorded"}


def test_a_line_of_the_operating_account_is_not_matched_to_an_isf(willow):
    operating = willow.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating)).first()
    text = "Date,Type,Reference,Description,Paid in,Paid out,Balance\n01/04/2027,FPI,ISF AMIRA,NCC,240.00,,1.00\n"
    with unit_of_work(willow):
        record = importing.import_file(willow, operating, "op.csv", text.encode())
    line = willow.exec(select(BankLine).where(BankLine.import_id == record.id)).one()
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        banking.accept(willow, line.id, f"receipt:{_amira(willow).id}:13", None)
    assert refused.value.errors == {"suggestion": "only lines of the ISF client account are matched to ISFs"}


def test_the_check_finds_money_held_for_an_isf_that_no_agreement_accounts_for(willow):
    assert isf_liability(willow) == []
    with unit_of_work(willow):
        stray = account(willow, "isf:stray", "ISF held for others: nobody", AccountType.liability)
        post(willow, EntryKind.isf_receipt, [Line(service.client_bank_account(willow), debit=5_000),
                                             Line(stray, credit=5_000)], service_date=ON, description="Stray")
    assert isf_liability(willow) == ["ISF held for others: nobody: the ledger holds £50.00 for it, but it has no ISF "
                                     "agreement."]


def test_finance_matches_a_line_and_reads_the_reconciliation_in_the_page_and_the_api(client, willow, signed_in):
    agreement = _one_more_instalment(willow)
    [line] = _statement(willow, ("31/03/2027", "240.00", "ISF AMIRA P14"))
    signed_in("finance")
    page = client.get("/isf-client-account")
    assert page.status_code == 200 and "The reference names Amira Haddad: instalment 14 of their ISF" in page.text
    refused = client.post(f"/isf-client-account/lines/{line.id}/accept",
                          data={"csrf_token": csrf_token(client), "chosen": "transfer"})
    assert refused.status_code == 422 and "choose one of the suggestions" in refused.text
    done = client.post(f"/isf-client-account/lines/{line.id}/accept", follow_redirects=False,
                       data={"csrf_token": csrf_token(client), "suggestion": f"receipt:{agreement.id}:14"})
    assert done.status_code == 303
    body = api(client, "GET", "/api/isf-client-account/reconciliation").json()
    assert (body["bank_balance_pence"], body["isf_balances_pence"], body["unexplained_pence"]) == (610_800, 610_800, 0)
    lines = api(client, "GET", "/api/isf-client-account/lines").json()
    assert next(x for x in lines if x["id"] == str(line.id))["matched_as"] == "Amira Haddad's ISF, instalment 14"


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family"])
def test_only_finance_sees_the_isf_client_account(client, willow, signed_in, role):
    signed_in(role)
    assert client.get("/isf-client-account").status_code == 403
    assert api(client, "GET", "/api/isf-client-account/reconciliation").status_code == 403
