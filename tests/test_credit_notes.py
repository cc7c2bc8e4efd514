"""Credit notes (DOMAIN.md §6, scenario 6): whole or per line with a reason, never more than is left, their own
series; and the corrections an invoice run issues when an invoiced charge was withdrawn or recalculated."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import func, select

from invoicing.credits import credit, left_to_credit, lines_of, pending_corrections
from invoicing.models import CreditNote, Invoice
from invoicing.runs import draft_run, issue_run, month_bounds
from provider.bookings import attendance
from provider.bookings.models import Booking, BookingUnit
from provider.catalogue.models import Service
from provider.charges import service as charges
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funding.models import Arrangement, ArrangementRate
from lantern.check import run_all
from provider.ledger.post import balances
from provider.numbering import NumberSeries
from provider.people.models import Child
from tests.conftest import demo_once_per_module

OCTOBER, DECEMBER = month_bounds("2026-10"), month_bounds("2026-12")


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def issued(db, period, payer_name) -> Invoice:
    with unit_of_work(db):
        result = issue_run(db, *period)
    return next(i for i in result.issued if i.payer_name == payer_name)


def test_a_whole_invoice_is_credited_with_its_own_number_naming_the_original(willow):
    invoice = issued(willow, OCTOBER, "Riverside ICB")
    with unit_of_work(willow):
        note = credit(willow, invoice, "Billed to the wrong ICB")
    assert note.number == "CN2728000001" and note.number != invoice.number
    assert note.total_pence == 216000
    document = json.loads(note.data)
    assert document["title"] == "Credit note"
    assert document["credits"] == {"number": invoice.number, "issued_on": "2027-04-10"}
    assert document["reason"] == "Billed to the wrong ICB"
    assert set(left_to_credit(willow, invoice).values()) == {0}
    assert balances(willow)[f"debtor:{invoice.payer_ref}"] == 0
    # The nights are free to be billed again, to whoever pays once corrected.
    assert "Riverside ICB" in {d.payer.name for d in draft_run(willow, *OCTOBER)}
    assert run_all(willow) == []


def test_part_of_a_line_is_credited_and_the_rest_stays_billed(willow):
    invoice = issued(willow, OCTOBER, "Riverside ICB")
    [line] = lines_of(willow, invoice)
    with unit_of_work(willow):
        credit(willow, invoice, "One night was charged at the wrong rate", {line.id: 7000})
    assert left_to_credit(willow, invoice) == {line.id: 209000}
    assert "Riverside ICB" not in {d.payer.name for d in draft_run(willow, *OCTOBER)}


def test_a_credit_for_more_than_is_left_is_refused_and_nothing_changes(willow):
    invoice = issued(willow, OCTOBER, "Riverside ICB")
    [line] = lines_of(willow, invoice)
    with unit_of_work(willow):
        credit(willow, invoice, "Part", {line.id: 200000})
    with pytest.raises(FieldErrors) as refused:
        with unit_of_work(willow):
            credit(willow, invoice, "Too much", {line.id: 16001})
    assert refused.value.errors == {f"amount-{line.id}": "is more than is left to credit on this line (£160.00)"}
    assert willow.exec(select(func.count()).select_from(CreditNote)).one() == 1
    assert willow.get(NumberSeries, "CN2728").next_value == 2


def test_a_credit_without_a_reason_is_refused(willow):
    invoice = issued(willow, OCTOBER, "Riverside ICB")
    with pytest.raises(FieldErrors) as refused:
        with unit_of_work(willow):
            credit(willow, invoice, "  ")
    assert refused.value.errors == {"reason": "is required: say why the invoice is credited"}
    assert willow.exec(select(CreditNote)).all() == []


def test_a_session_invoiced_then_found_to_be_a_hospital_day_is_credited_by_the_next_run(willow):
    """Scenario 6: Amira's hydrotherapy invoiced to Leila, then corrected to a hospital admission."""
    leila = issued(willow, DECEMBER, "Leila Haddad")
    assert leila.total_pence == 6000
    amira = willow.exec(select(Child).where(Child.first_name == "Amira")).one()
    unit = willow.exec(select(BookingUnit).join(Booking).where(Booking.child_id == amira.id,
                                                               BookingUnit.day == date(2026, 12, 2))).one()
    with unit_of_work(willow):
        attendance.mark_unit(willow, unit, {"status": "cancelled", "cancel_reason": "hospital_admission"})
    [correction] = pending_corrections(willow)
    assert (correction.invoice.number, correction.pence) == (leila.number, 6000)
    with unit_of_work(willow):
        result = issue_run(willow, *DECEMBER)
    [note] = result.credit_notes
    assert (note.total_pence, note.invoice_id) == (6000, leila.id)
    assert "02/12/2026 withdrawn or recalculated after it was invoiced" in note.reason
    assert result.issued == [] and pending_corrections(willow) == []
    assert balances(willow)[f"debtor:{leila.payer_ref}"] == 0
    assert run_all(willow) == []


def test_a_rate_agreed_late_is_billed_as_a_credit_note_and_a_new_invoice(willow):
    invoice = issued(willow, OCTOBER, "Riverside ICB")
    with unit_of_work(willow):
        package = willow.exec(select(Arrangement).where(Arrangement.po_number == "RIV-PO-55012")).one()
        night = willow.exec(select(Service).where(Service.code == "SHORT_BREAK_NIGHT")).one()
        willow.add(ArrangementRate(arrangement_id=package.id, service_id=night.id, time_band="all",
                                   starts_on=date(2026, 10, 1), price_pence=75000))
        willow.flush()
        recalculation = charges.recalculate(willow, *OCTOBER)
        assert len(recalculation.differences) == 3
        charges.apply(willow, recalculation, None)
    with unit_of_work(willow):
        result = issue_run(willow, *OCTOBER)
    [note] = result.credit_notes
    [again] = [i for i in result.issued if i.payer_name == "Riverside ICB"]
    assert (note.invoice_id, note.total_pence, again.total_pence) == (invoice.id, 216000, 225000)
    assert balances(willow)[f"debtor:{invoice.payer_ref}"] == 225000
    assert run_all(willow) == []
