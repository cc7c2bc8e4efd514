"""The NHS children's hospice funding (DOMAIN.md §10 scenario 7): Willow's £310,000 for 2026/27 is income when it
becomes entitled to it, kept apart from Riverside ICB's contract income, and billed by a quarterly grant invoice
that names no child."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import pypdf
import pytest
from sqlmodel import func, select

from lantern.check import run_all
from invoicing.credits import credit
from invoicing.documents import render_invoice_pdf
from invoicing.models import ExpectedPayment, Invoice
from invoicing.runs import issue_run, month_bounds
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import Funder
from provider.grants.models import GrantAward
from provider.grants.service import record_award
from provider.ledger.models import EntryKind, LedgerEntry
from provider.ledger.post import balances
from tests.conftest import api, post_form, demo_once_per_module

AWARD = {"reference": "NHS-CHF-2627", "paid_by_id": None, "starts_on": "2026-04-01", "ends_on": "2027-03-31",
         "amount_pence": 31_000_000, "entitled_on": "2026-04-01", "instalments": "quarterly"}


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def _riverside(db) -> Funder:
    return db.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()


def _award(db, **changes) -> GrantAward:
    with unit_of_work(db):
        return record_award(db, {**AWARD, "paid_by_id": _riverside(db).id, **changes}, date(2027, 4, 10))


def _codes(award: GrantAward) -> tuple[str, str]:
    return f"income:grant:{award.id}", f"receivable:grant:{award.id}"


def test_the_award_is_income_on_the_day_of_entitlement_not_as_instalments_arrive(willow):
    award = _award(willow)
    income, receivable = _codes(award)
    assert (balances(willow)[income], balances(willow)[receivable]) == (-31_000_000, 31_000_000)
    [entry] = willow.exec(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.grant_entitlement)).all()
    assert entry.posted_on == date(2026, 4, 1)
    assert not any(code.startswith("income:spot") or code.startswith("income:block") for code in balances(willow)
                   if balances(willow)[code] == -31_000_000)


def test_each_quarter_riverside_gets_a_grant_invoice_apart_from_its_contract_invoice(willow):
    award = _award(willow)
    with unit_of_work(willow):
        issued = issue_run(willow, *month_bounds("2026-10"), on=date(2026, 11, 2)).issued
    riverside = [i for i in issued if i.payer_name == "Riverside ICB"]
    assert sorted((i.kind, i.total_pence) for i in riverside) == [("grant", 7_750_000), ("invoice", 216_000)]
    grant = next(i for i in riverside if i.kind == "grant")
    document = json.loads(grant.data)
    assert document["lines"][0]["description"] == ("NHS children's hospice funding 2026/27 (award NHS-CHF-2627): "
                                                   "instalment 3 of 4, 01/10/2026 to 31/12/2026")
    assert document["backing_reference"] is None and document["contract_reference"] == "NHS-CHF-2627"
    income, receivable = _codes(award)
    assert (balances(willow)[income], balances(willow)[receivable]) == (-31_000_000, 31_000_000 - 7_750_000)
    with unit_of_work(willow):
        again = issue_run(willow, *month_bounds("2026-10"), on=date(2026, 11, 2)).issued
    assert again == []
    assert run_all(willow) == []


def test_the_grant_invoice_pdf_says_what_it_is_and_names_no_child(willow):
    _award(willow)
    with unit_of_work(willow):
        issued = issue_run(willow, *month_bounds("2026-04"), on=date(2026, 4, 1), instalments_only=True).issued
    grant = next(i for i in issued if i.kind == "grant")
    text = " ".join(" ".join(page.extract_text().split())
                    for page in pypdf.PdfReader(io.BytesIO(render_invoice_pdf(json.loads(grant.data)))).pages)
    assert "Invoice" in text and "Grant award NHS-CHF-2627" in text and "£77,500.00" in text
    assert "grant invoice for the NHS children's hospice funding, paid on NHS England's behalf" in text
    assert not re.search(r"Ben|Carter|999 ?000 ?0018", text)


def test_crediting_a_grant_invoice_puts_the_amount_back_as_receivable(willow):
    award = _award(willow)
    with unit_of_work(willow):
        [grant] = [i for i in issue_run(willow, *month_bounds("2026-04"), on=date(2026, 4, 1),
                                        instalments_only=True).issued if i.kind == "grant"]
        credit(willow, grant, "Raised against the wrong purchase order")
    income, receivable = _codes(award)
    assert (balances(willow)[income], balances(willow)[receivable]) == (-31_000_000, 31_000_000)
    assert run_all(willow) == []


def test_an_icb_that_wants_no_grant_invoice_is_expected_to_pay_each_instalment(willow):
    _award(willow, invoice_required=False)
    with unit_of_work(willow):
        result = issue_run(willow, *month_bounds("2026-07"), on=date(2026, 7, 1), instalments_only=True)
    assert [i for i in result.issued if i.kind == "grant"] == []
    [expected] = [e for e in result.expected if e.payer_name == "Riverside ICB"]
    assert (expected.pence, expected.expected_on) == (7_750_000, date(2026, 7, 31))
    with unit_of_work(willow):
        issue_run(willow, *month_bounds("2026-07"), on=date(2026, 7, 1), instalments_only=True)
    assert willow.exec(select(func.count()).select_from(ExpectedPayment)).one() == 1


def test_an_award_entitled_later_than_today_is_refused_and_nothing_posted(willow):
    with pytest.raises(FieldErrors) as refused:
        _award(willow, entitled_on="2027-05-01")
    assert refused.value.errors == {"entitled_on": "is after today (10/04/2027): record the award on or after the day "
                                                   "the hospice becomes entitled to it"}
    assert willow.exec(select(func.count()).select_from(GrantAward)).one() == 0
    assert willow.exec(select(func.count()).select_from(LedgerEntry)
                       .where(LedgerEntry.kind == EntryKind.grant_entitlement)).one() == 0


def test_an_award_paid_by_a_council_or_for_nothing_or_twice_is_refused(willow):
    northshire = willow.exec(select(Funder).where(Funder.name == "Northshire County Council")).one()
    with pytest.raises(FieldErrors) as refused:
        _award(willow, paid_by_id=northshire.id, amount_pence=0, ends_on="2026-03-31")
    assert set(refused.value.errors) == {"paid_by_id", "amount_pence", "ends_on"}
    _award(willow)
    with pytest.raises(FieldErrors) as twice:
        _award(willow, reference="nhs-chf-2627")
    assert twice.value.errors == {"reference": "is already used by another award"}


def test_a_purchase_order_longer_than_the_commissioner_allows_is_refused(willow):
    riverside = _riverside(willow)
    with unit_of_work(willow):
        riverside.po_number_max_length = 10
        willow.add(riverside)
    with pytest.raises(FieldErrors) as refused:
        _award(willow, po_number="RIV-PO-CHF-2627")
    assert refused.value.errors == {"po_number": "is 15 characters: Riverside ICB takes purchase order numbers of at "
                                                 "most 10"}
    assert willow.exec(select(func.count()).select_from(GrantAward)).one() == 0


def test_finance_records_an_award_from_the_page_and_reads_it_through_the_api(client, willow, signed_in):
    signed_in("finance")
    riverside = _riverside(willow)
    bad = post_form(client, "/grants", {"reference": "NHS-CHF-2627", "name": "NHS children's hospice funding",
                                        "paid_by_id": str(riverside.id), "starts_on": "2026-04-01",
                                        "ends_on": "2027-03-31", "amount": "three hundred", "entitled_on": "2026-04-01",
                                        "instalments": "quarterly", "invoice_required": "true"})
    assert bad.status_code == 422 and "Amount" in bad.text
    assert willow.exec(select(func.count()).select_from(GrantAward)).one() == 0
    done = post_form(client, "/grants", {"reference": "NHS-CHF-2627", "name": "NHS children's hospice funding",
                                         "paid_by_id": str(riverside.id), "starts_on": "2026-04-01",
                                         "ends_on": "2027-03-31", "amount": "310,000.00", "entitled_on": "2026-04-01",
                                         "instalments": "quarterly", "invoice_required": "true"},
                     follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert "Recorded: £310,000.00 of income posted on 1 April 2026." in page.text
    [shown] = api(client, "GET", "/api/grants").json()
    assert shown["amount_pence"] == 31_000_000 and [i["amount_pence"] for i in shown["schedule"]] == [7_750_000] * 4
    refused = api(client, "POST", "/api/grants", json={**AWARD, "paid_by_id": str(riverside.id),
                                                        "reference": "NHS-CHF-2728", "entitled_on": "2099-01-01"})
    assert refused.status_code == 422 and "entitled_on" in refused.text


def test_only_finance_sees_the_grant(client, willow, signed_in):
    award = _award(willow)
    signed_in("coordinator")
    assert client.get("/grants").status_code == 403
    assert client.get(f"/grants/{award.id}").status_code == 403
    assert api(client, "GET", "/api/grants").status_code == 403
    assert api(client, "POST", "/api/grants", json={**AWARD, "paid_by_id": str(_riverside(willow).id),
                                                    "reference": "X"}).status_code == 403


