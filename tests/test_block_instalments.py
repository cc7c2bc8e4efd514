"""Block contracts through the year: instalments on schedule, invoiced once, in advance held as deferred income and
released month by month as the period passes (DOMAIN.md §10 scenario 1: £150,000 in four quarterly instalments)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st
from sqlmodel import select

from lantern.check import run_all
from invoicing.instalments import monthly_release, schedule
from invoicing.models import Invoice
from invoicing.runs import draft_run, issue_run, month_bounds
from provider.db import unit_of_work
from provider.funding.models import BlockContract
from provider.ledger.post import balances
from tests.conftest import demo_once_per_module


def test_northshire_pays_150000_pounds_in_four_quarterly_instalments_in_advance():
    items = schedule("c", "NCC-SB-2627", "funder:ns", date(2026, 4, 1), date(2027, 3, 31), 15_000_000, "quarterly",
                     True)
    assert [(i.due_on, i.pence, i.covers_from, i.covers_to) for i in items] == [
        (date(2026, 4, 1), 3_750_000, date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), 3_750_000, date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), 3_750_000, date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), 3_750_000, date(2027, 1, 1), date(2027, 3, 31))]
    assert monthly_release(items[0]) == [(date(2026, 4, 30), 1_250_000), (date(2026, 5, 31), 1_250_000),
                                         (date(2026, 6, 30), 1_250_000)]


def test_in_arrears_an_instalment_falls_due_the_day_after_its_period():
    [first, *_] = schedule("c", "R", "funder:x", date(2026, 4, 1), date(2027, 3, 31), 1_200_000, "monthly", False)
    assert (first.due_on, first.pence) == (date(2026, 5, 1), 100_000)


@given(st.integers(1, 10_000_000_00), st.sampled_from(["monthly", "quarterly"]), st.booleans(),
       st.integers(0, 400), st.integers(1, 800))
def test_instalments_add_up_to_the_contract_and_releases_to_each_instalment(value, frequency, advance, start, days):
    first = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + start)
    last = first.fromordinal(first.toordinal() + days)
    items = schedule("c", "R", "p", first, last, value, frequency, advance)
    assert sum(i.pence for i in items) == value
    assert items[0].covers_from == first and items[-1].covers_to == last
    assert all(a.covers_to.toordinal() + 1 == b.covers_from.toordinal() for a, b in zip(items, items[1:]))
    for item in items:
        assert sum(pence for _, pence in monthly_release(item)) == item.pence


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def test_an_instalment_in_advance_is_deferred_then_released_as_its_quarter_passes(willow):
    with unit_of_work(willow):
        result = issue_run(willow, *month_bounds("2026-10"), on=date(2026, 10, 1))
    [northshire] = [i for i in result.issued if i.payer_name.startswith("Northshire")]
    assert northshire.total_pence == 3_750_000 and northshire.issued_on == date(2026, 10, 1)
    contract = willow.exec(select(BlockContract)).one()
    ledger = balances(willow)
    assert ledger[f"debtor:{northshire.payer_ref}"] == 3_750_000
    assert ledger[f"deferred:block:{contract.id}"] == -3_750_000  # nothing is income on the day it is invoiced
    assert ledger.get(f"income:block:{contract.id}", 0) == 0
    with unit_of_work(willow):
        issue_run(willow, *month_bounds("2026-10"), on=date(2026, 11, 2))  # October has passed
    ledger = balances(willow)
    assert ledger[f"deferred:block:{contract.id}"] == -2_500_000
    assert ledger[f"income:block:{contract.id}"] == -1_250_000
    assert run_all(willow) == []


def test_a_months_share_is_income_in_that_month_and_closing_a_month_releases_it(willow):
    from provider.ledger.models import EntryKind, LedgerEntry
    from provider.ledger.periods import close

    with unit_of_work(willow):
        issue_run(willow, *month_bounds("2026-04"), on=date(2026, 4, 1), instalments_only=True)
        # No run in May or June: closing April and May on 15 June releases their shares all the same.
        close(willow, [date(2026, 4, 1), date(2026, 5, 1)], date(2026, 6, 15), None)
    contract = willow.exec(select(BlockContract)).one()
    releases = willow.exec(select(LedgerEntry.service_date, LedgerEntry.posted_on)
                           .where(LedgerEntry.kind == EntryKind.deferred_released)
                           .order_by(LedgerEntry.service_date)).all()
    # Each posted in the month it was earned, not on the day the release was run.
    assert releases == [(date(2026, 4, 30), date(2026, 4, 30)), (date(2026, 5, 31), date(2026, 5, 31))]
    ledger = balances(willow)
    assert (ledger[f"deferred:block:{contract.id}"], ledger[f"income:block:{contract.id}"]) == (-1_250_000, -2_500_000)
    assert run_all(willow) == []


def test_an_instalment_is_invoiced_once(willow):
    with unit_of_work(willow):
        issue_run(willow, *month_bounds("2026-10"))
    assert not [d for d in draft_run(willow, *month_bounds("2026-10")) if d.contract_reference]
    with unit_of_work(willow):
        issue_run(willow, *month_bounds("2026-10"))
    assert len(willow.exec(select(Invoice).where(Invoice.payer_name.startswith("Northshire"))).all()) == 1


def test_the_block_invoice_quotes_the_contract_and_bills_no_unit(willow):
    import json

    [draft] = [d for d in draft_run(willow, *month_bounds("2026-04")) if d.contract_reference]
    assert draft.contract_reference == "NCC-SB-2627" and draft.total_pence == 3_750_000
    with unit_of_work(willow):
        [invoice] = [i for i in issue_run(willow, *month_bounds("2026-04")).issued if i.total_pence == 3_750_000]
    document = json.loads(invoice.data)
    assert document["contract_reference"] == "NCC-SB-2627"
    assert document["lines"][0]["description"] == ("Block contract NCC-SB-2627: Short-break night, instalment 1 of 4 "
                                                   "(01/04/2026 to 30/06/2026, in advance)")


def test_the_block_invoice_pdf_shows_the_contract_reference(willow):
    import json
    from io import BytesIO

    from pypdf import PdfReader

    from invoicing.documents import render_invoice_pdf

    with unit_of_work(willow):
        [invoice] = [i for i in issue_run(willow, *month_bounds("2026-04")).issued if i.total_pence == 3_750_000]
    text = PdfReader(BytesIO(render_invoice_pdf(json.loads(invoice.data)))).pages[0].extract_text()
    assert "Contract reference" in text and "NCC-SB-2627" in text and "£37,500.00" in text


def test_a_commissioner_paid_on_a_schedule_is_not_invoiced_its_instalments(willow):
    from provider.funders.models import Funder

    contract = willow.exec(select(BlockContract)).one()
    with unit_of_work(willow):
        northshire = willow.get(Funder, contract.funder_id)
        northshire.pays_without_invoice = True
        willow.add(northshire)
    with unit_of_work(willow):
        result = issue_run(willow, *month_bounds("2026-10"))
    assert not [i for i in result.issued if i.payer_name.startswith("Northshire")]
    assert [d.contract_reference for d in result.skipped if d.scheduled] == ["NCC-SB-2627"]
    assert result.expected == []


def _pdf_text(invoice) -> str:
    import io
    import json

    import pypdf

    from invoicing.documents import render_invoice_pdf

    pdf = pypdf.PdfReader(io.BytesIO(render_invoice_pdf(json.loads(invoice.data))))
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def test_a_block_invoice_carries_a_backing_page_of_the_volume_used_by_client_reference(willow):
    import json

    with unit_of_work(willow):
        [invoice] = issue_run(willow, *month_bounds("2026-10"), on=date(2026, 10, 1), instalments_only=True).issued
    volume = json.loads(invoice.data)["volume_used"]
    assert (volume["as_of"], volume["volume"], volume["counts_only"]) == ("2026-09-30", 240, False)
    assert volume["used_to_date"] == sum(line["units"] for line in volume["lines"]) > 0
    text = _pdf_text(invoice)
    assert "Backing page: volume used" in text and f"{volume['used_to_date']} of 240 units used" in text
    assert "NS-208341" in text   # Amira, by Northshire's own client reference


def test_an_icb_block_invoice_backing_page_shows_counts_only(willow):
    import json

    from provider.funders.models import Funder, FunderKind
    from provider.people.models import Child

    northshire = willow.exec(select(Funder).where(Funder.name == "Northshire County Council")).one()
    with unit_of_work(willow):
        northshire.kind = FunderKind.icb   # as though an ICB had bought the same nights
        willow.add(northshire)
    with unit_of_work(willow):
        [invoice] = issue_run(willow, *month_bounds("2026-10"), on=date(2026, 10, 1), instalments_only=True).issued
    volume = json.loads(invoice.data)["volume_used"]
    assert volume["counts_only"] is True and [line["label"] for line in volume["lines"]] == ["Short-break night"]
    text = _pdf_text(invoice)
    assert "Counts only: no child is identified." in text
    for child in willow.exec(select(Child)):
        for marker in filter(None, (child.council_reference, child.nhs_number, f"{child.first_name} {child.last_name}")):
            assert marker not in text
