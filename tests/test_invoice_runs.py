"""Invoice runs over Willow's 2026/27 (DOMAIN.md §6 and §10): drafts per payer, the exceptions that stop one,
issuing with numbers, frozen data and ledger postings, and never billing a charge twice."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from invoicing.models import BilledPart, Invoice, InvoiceLine
from invoicing.runs import draft_run, frozen, issue_run, month_bounds
from provider.db import unit_of_work
from provider.funding.models import Arrangement
from lantern.check import run_all
from provider.ledger.post import balances
from provider.errors import FieldErrors
from provider.people.models import Nomination
from tests.conftest import demo_once_per_module

OCTOBER, AUGUST, SEPTEMBER = month_bounds("2026-10"), month_bounds("2026-08"), month_bounds("2026-09")


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def draft_for(db, period, payer_name):
    return next(d for d in draft_run(db, *period) if d.payer.name == payer_name)


def test_ben_riverside_is_drafted_2160_pounds_naming_no_child(willow):
    draft = draft_for(willow, OCTOBER, "Riverside ICB")
    assert draft.total_pence == 216000 and draft.exceptions == () and draft.po_number == "RIV-PO-55012"
    [line] = draft.lines
    assert (line.quantity, line.unit_price_pence, line.amount_pence) == (3, 72000, 216000)
    assert line.child_id is None
    assert "Ben" not in line.description and "Carter" not in line.description
    assert (line.first_day, line.last_day) == (date(2026, 10, 6), date(2026, 10, 8))


def test_chloe_brightway_is_drafted_540_pounds_on_her_behalf(willow):
    draft = draft_for(willow, AUGUST, "Brightway Direct Payment Support")
    assert draft.total_pence == 54000 and draft.exceptions == ()
    assert [l.description for l in draft.lines] == ["Hydrotherapy session for Chloe: 9 sessions"]
    assert draft.on_behalf_of == ("Chloe",)


def test_dev_eastvale_is_drafted_1300_pounds_with_his_client_reference_and_the_purchase_order(willow):
    draft = draft_for(willow, SEPTEMBER, "Eastvale Council, Children's Social Care Team")
    assert draft.total_pence == 130000 and draft.exceptions == () and draft.po_number == "EV-PO-7781"
    assert [l.description for l in draft.lines] == ["Short-break night: 2 nights, client reference EV-104233"]


def test_nothing_goes_to_a_nominee_without_a_written_nomination(willow):
    with unit_of_work(willow):
        for nomination in willow.exec(select(Nomination)):
            willow.delete(nomination)
    draft = draft_for(willow, AUGUST, "Brightway Direct Payment Support")
    assert draft.exceptions == ("no written nomination of Brightway Direct Payment Support for Chloe is in force: "
                                "nothing is invoiced to a nominee without one",)
    with unit_of_work(willow):
        result = issue_run(willow, *AUGUST)
    assert "Brightway Direct Payment Support" not in {i.payer_name for i in result.issued}
    assert draft.payer.ref in {d.payer.ref for d in result.skipped}


def _dev_order(db, **values):
    with unit_of_work(db):
        arrangement = db.exec(select(Arrangement).where(Arrangement.po_number == "EV-PO-7781")).one()
        for key, value in values.items():
            setattr(arrangement, key, value)
        db.add(arrangement)


def test_a_commissioner_that_requires_a_purchase_order_gets_no_invoice_without_one(willow):
    _dev_order(willow, po_number=None)
    draft = draft_for(willow, SEPTEMBER, "Eastvale Council, Children's Social Care Team")
    [problem] = draft.exceptions
    assert problem.startswith("Eastvale Council, Children's Social Care Team requires a purchase order and Dev")
    assert problem.endswith(" has none") and not draft.can_issue


def test_a_purchase_order_that_has_expired_stops_the_invoice(willow):
    _dev_order(willow, po_ends_on=date(2026, 8, 31))
    draft = draft_for(willow, SEPTEMBER, "Eastvale Council, Children's Social Care Team")
    assert draft.exceptions == ("purchase order EV-PO-7781 runs 01/04/2026 to 31/08/2026: it does not cover "
                                "07/09/2026",)


def test_a_purchase_order_without_enough_value_left_stops_the_invoice(willow):
    _dev_order(willow, po_value_pence=100000)
    draft = draft_for(willow, SEPTEMBER, "Eastvale Council, Children's Social Care Team")
    assert draft.exceptions == ("purchase order EV-PO-7781 has £1,000.00 left; this invoice needs £1,300.00",)


def test_a_missing_billing_address_stops_the_invoice(willow):
    from provider.funders.models import Funder

    with unit_of_work(willow):
        riverside = willow.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
        riverside.billing_address = "  "
        willow.add(riverside)
    assert draft_for(willow, OCTOBER, "Riverside ICB").exceptions == ("billing address missing for Riverside ICB",)


def test_issuing_numbers_freezes_and_posts_each_invoice_and_a_second_run_issues_nothing(willow):
    with unit_of_work(willow):
        first = issue_run(willow, *OCTOBER)
    riverside = next(i for i in first.issued if i.payer_name == "Riverside ICB")
    numbers = sorted(i.number for i in first.issued)
    assert numbers == [f"INV2728{n:06d}" for n in range(1, len(numbers) + 1)]  # issued on the demo's 10 April 2027
    document = json.loads(riverside.data)
    assert frozen(document) == (riverside.data, riverside.data_sha256)
    assert document["title"] == "Invoice" and document["total_pence"] == 216000
    assert document["purchase_order"] == "RIV-PO-55012" and document["payment_reference"] == riverside.number
    assert document["supplier"]["charity_number"] and document["backing_reference"].startswith("BS")
    assert riverside.due_on == date(2027, 5, 10)
    ledger = balances(willow)
    assert ledger[f"debtor:{riverside.payer_ref}"] == 216000
    with unit_of_work(willow):
        again = issue_run(willow, *OCTOBER)
    assert again.issued == []
    assert willow.exec(select(Invoice)).all() == first.issued
    assert run_all(willow) == []


def test_each_billed_part_is_billed_once(willow):
    with unit_of_work(willow):
        result = issue_run(willow, *SEPTEMBER)
    lines = willow.exec(select(InvoiceLine)).all()
    billed = willow.exec(select(BilledPart)).all()
    assert len({b.part_id for b in billed}) == len(billed) > 0
    assert sum(l.amount_pence for l in lines) == sum(i.total_pence for i in result.issued)
    assert draft_run(willow, *SEPTEMBER) == [d for d in draft_run(willow, *SEPTEMBER) if not d.can_issue]


def test_an_issued_invoice_can_be_neither_changed_nor_deleted(willow):
    with unit_of_work(willow):
        [invoice, *_] = issue_run(willow, *OCTOBER).issued
    for statement in (f"UPDATE invoices SET total_pence = 1 WHERE number = '{invoice.number}'",
                      f"DELETE FROM invoice_lines WHERE invoice_id IN (SELECT id FROM invoices "
                      f"WHERE number = '{invoice.number}')"):
        with pytest.raises(Exception, match="never changed or deleted"):
            with willow.begin_nested():
                willow.exec(text(statement))


def test_a_period_that_is_not_a_month_is_refused():
    with pytest.raises(ValueError, match="period must be a month as YYYY-MM"):
        month_bounds("October")


def test_issuing_a_payer_with_an_exception_open_is_refused_and_nothing_is_issued(willow):
    _dev_order(willow, po_number=None)
    eastvale = draft_for(willow, SEPTEMBER, "Eastvale Council, Children's Social Care Team")
    leila = draft_for(willow, SEPTEMBER, "Leila Haddad")
    with pytest.raises(FieldErrors) as refused:
        with unit_of_work(willow):
            issue_run(willow, *SEPTEMBER, payer_refs={eastvale.payer.ref, leila.payer.ref})
    [(field, message)] = refused.value.errors.items()
    assert field == "payer_refs"
    assert message.startswith("Eastvale Council, Children's Social Care Team cannot be issued: Eastvale Council, "
                              "Children's Social Care Team requires a purchase order")
    assert willow.exec(select(Invoice)).all() == []


def test_an_invoice_dated_more_than_14_days_ahead_for_an_nhs_payer_is_refused(willow):
    with pytest.raises(FieldErrors) as refused:
        with unit_of_work(willow):
            issue_run(willow, *OCTOBER, on=date(2027, 4, 25))
    assert refused.value.errors == {"issued_on": "is 15 days ahead: Riverside ICB accepts invoices dated at most 14 "
                                                 "days ahead"}
    assert willow.exec(select(Invoice)).all() == []
    with unit_of_work(willow):
        assert len(issue_run(willow, *OCTOBER, on=date(2027, 4, 24)).issued) == 3  # with Northshire's instalment


def test_a_payer_whose_system_takes_shorter_invoice_numbers_is_an_exception(willow):
    from provider.funders.models import Funder

    with unit_of_work(willow):
        riverside = willow.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
        riverside.invoice_number_max_length = 10
        willow.add(riverside)
    assert draft_for(willow, OCTOBER, "Riverside ICB").exceptions == (
        "Riverside ICB takes invoice numbers of at most 10 characters; Lantern's have 13",)


def test_a_funder_paid_on_a_schedule_gets_no_invoice_but_an_expected_payment_once(willow):
    from invoicing.models import ExpectedPayment
    from provider.funders.models import Funder

    with unit_of_work(willow):
        riverside = willow.exec(select(Funder).where(Funder.name == "Riverside ICB")).one()
        riverside.pays_without_invoice = True
        willow.add(riverside)
    assert draft_for(willow, OCTOBER, "Riverside ICB").scheduled
    with unit_of_work(willow):
        result = issue_run(willow, *OCTOBER)
    assert "Riverside ICB" not in {i.payer_name for i in result.issued}
    [expected] = result.expected
    assert (expected.payer_name, expected.pence, expected.expected_on) == ("Riverside ICB", 216000,
                                                                          date(2026, 11, 30))
    assert "Riverside ICB" not in {d.payer.name for d in draft_run(willow, *OCTOBER)}
    with unit_of_work(willow):
        assert issue_run(willow, *OCTOBER).expected == []
    assert len(willow.exec(select(ExpectedPayment)).all()) == 1
    assert run_all(willow) == []
