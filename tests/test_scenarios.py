"""DOMAIN.md §10: who pays for Willow's 2026/27, to the penny, from the demo's bookings and attendance."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from provider.bookings.models import Booking, BookingUnit, CancelReason, UnitStatus
from provider.catalogue.models import Service
from provider.charges import report, service as charges
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.db import unit_of_work
from provider.people.models import Child
from tests.conftest import demo_once_per_module

SNAPSHOT = Path(__file__).parent / "snapshots" / "allocations_2026_27.txt"
YEAR = (date(2026, 4, 1), date(2027, 3, 31))


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def child(db, first_name: str) -> Child:
    return db.exec(select(Child).where(Child.first_name == first_name)).one()


def paid_by(db, first_name: str, code: str | None = None) -> dict[str, tuple[int, int, int]]:
    """{payer: (units, pence, full cost)} of a child's current charges for the year."""
    query = (select(Charge, ChargePart).join(ChargePart, ChargePart.charge_id == Charge.id)
             .join(Service, Service.id == Charge.service_id)
             .where(Charge.child_id == child(db, first_name).id, Charge.state == ChargeState.current))
    if code:
        query = query.where(Service.code == code)
    totals: dict[str, list[int]] = {}
    for _, part in db.exec(query):
        entry = totals.setdefault(part.payer_name, [0, 0, 0])
        entry[0] += part.units
        entry[1] += part.pence
        entry[2] += part.memorandum_pence
    return {payer: tuple(values) for payer, values in totals.items()}


def test_amira_fourteen_block_nights_then_two_isf_nights(willow):
    assert paid_by(willow, "Amira", "SHORT_BREAK_NIGHT") == {
        "Northshire County Council, Children's Social Care": (14, 0, 0),
        "Amira's ISF": (2, 130000, 0)}


def test_sam_six_sibling_sessions_from_the_isf_four_from_the_appeal_at_full_cost(willow):
    assert paid_by(willow, "Amira", "SIBLING_SUPPORT") == {"Amira's ISF": (6, 21000, 0),
                                                         "Sibling Support Appeal": (4, 14000, 24000)}


def test_amira_hydrotherapy_invoiced_to_leila_for_the_eight_sessions_she_attended(willow):
    assert paid_by(willow, "Amira", "HYDROTHERAPY") == {"Leila Haddad": (8, 48000, 0)}


def test_amiras_isf_spends_1510_pounds_on_services(willow):
    assert paid_by(willow, "Amira")["Amira's ISF"][1] == 151000


def test_ben_three_nights_at_the_riverside_contract_rate(willow):
    assert paid_by(willow, "Benjamin") == {"Riverside ICB": (3, 216000, 0)}


def test_chloe_nine_hydrotherapy_sessions_to_her_nominee(willow):
    assert paid_by(willow, "Chloe") == {"Brightway Direct Payment Support (nominee for Chloe)": (9, 54000, 0)}


def test_dev_two_nights_to_eastvale_childrens_social_care(willow):
    assert paid_by(willow, "Dev") == {"Eastvale Council, Children's Social Care Team": (2, 130000, 0)}


def test_ellie_end_of_life_and_care_after_death_are_free_and_charity_records_full_cost(willow):
    assert paid_by(willow, "Eleanor", "END_OF_LIFE_NIGHT") == {"General Fund": (4, 0, 560000)}
    assert paid_by(willow, "Eleanor", "CARE_AFTER_DEATH_NIGHT") == {"General Fund": (3, 0, 270000)}


def test_the_night_amira_was_unwell_is_charged_to_nobody(willow):
    unit = willow.exec(select(BookingUnit).join(Booking).where(Booking.child_id == child(willow, "Amira").id,
                                                               BookingUnit.day == date(2027, 1, 12))).one()
    assert unit.cancel_reason == CancelReason.child_unwell
    assert willow.exec(select(Charge).where(Charge.unit_id == unit.id)).all() == []


def test_the_hospital_day_charge_is_withdrawn_and_kept(willow):
    unit = willow.exec(select(BookingUnit).join(Booking).where(Booking.child_id == child(willow, "Amira").id,
                                                               BookingUnit.day == date(2026, 11, 4))).one()
    assert (unit.status, unit.cancel_reason) == (UnitStatus.cancelled, CancelReason.hospital_admission)
    [old] = willow.exec(select(Charge).where(Charge.unit_id == unit.id)).all()
    assert old.state == ChargeState.superseded
    [part] = willow.exec(select(ChargePart).where(ChargePart.charge_id == old.id)).all()
    assert (part.payer_name, part.pence) == ("Leila Haddad", 6000)


def test_every_part_says_why(willow):
    parts = willow.exec(select(ChargePart)).all()
    assert parts and all(p.reason.strip() and p.rule for p in parts)
    block = next(p for p in parts if p.rule == "block-allowance")
    assert "paid by the contract's instalments" in block.reason


def test_a_recalculation_of_the_whole_year_changes_nothing(willow):
    with unit_of_work(willow):
        assert charges.recalculate(willow, *YEAR).differences == []


def test_the_allocations_match_the_readable_snapshot(willow):
    scenario = {child(willow, name).id for name in ("Amira", "Benjamin", "Chloe", "Dev", "Eleanor")}
    text = report.snapshot(willow, *YEAR, scenario)
    if os.environ.get("LANTERN_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text()


LEDGER_SNAPSHOT = Path(__file__).parent / "snapshots" / "ledger_2026_27.txt"


def test_delivered_care_is_accrued_per_payer_and_the_isf_draws_down(willow):
    from lantern import check
    from provider.ledger.post import balances

    from provider.ledger.models import LedgerAccount

    totals = balances(willow)
    by_name = {}
    for account in willow.exec(select(LedgerAccount)):
        by_name[account.name] = totals.get(account.code, 0)
    # Accrued as delivered, invoiced up to February, then paid up to February: what is still owed sits with the
    # debtors. Riverside owes the last grant quarter (£77,500) and the night of Ben's stay it queries (£720); the
    # grant's income is its own, recognised when Willow became entitled to it.
    assert by_name["Accrued income: Riverside ICB"] == 0 and by_name["Debtor: Riverside ICB"] == 7_750_000 + 72_000
    assert by_name["Income, NHS children's hospice funding NHS-CHF-2627"] == -31_000_000
    assert by_name["Grant receivable: NHS children's hospice funding NHS-CHF-2627"] == 0
    # Leila: nine sessions invoiced (£540), the hospital day credited (£480), all paid but February's £60.
    assert by_name["Accrued income: Leila Haddad"] == 0 and by_name["Debtor: Leila Haddad"] == 6_000
    # Amira's ISF: 13 instalments of £240 in, £1,510 drawn down for her nights and Sam's sessions, 13 fees of £15.
    assert by_name["ISF held for others: Amira's ISF"] == -141_500
    assert by_name["Debtor: Brightway Direct Payment Support"] == 0
    assert by_name["Debtor: Eastvale Council, Children's Social Care Team"] == 30_000   # paid £1,000 of £1,300
    assert by_name["Debtor: Northshire County Council, Children's Social Care"] == 3_750_000   # January's quarter
    # The block is paid by its instalments: nothing accrues to Northshire's social care for its nights.
    assert not any(name.startswith("Accrued income: Northshire County Council, Children's") for name in by_name)
    assert not any("General Fund" in name or "Appeal" in name for name in by_name)  # charity: memorandum only
    assert check.run_all(willow) == []


def test_the_ledger_matches_its_readable_snapshot(willow):
    from provider.ledger.post import trial_balance_text

    text = trial_balance_text(willow)
    if os.environ.get("LANTERN_UPDATE_SNAPSHOTS"):
        LEDGER_SNAPSHOT.write_text(text)
    assert text == LEDGER_SNAPSHOT.read_text()


def _invoices_to(db, payer_name: str):
    from invoicing.models import Invoice

    return db.exec(select(Invoice).where(Invoice.payer_name == payer_name).order_by(Invoice.number)).all()


def test_the_invoices_of_2026_27_to_february_match_the_scenarios(willow):
    import json

    from invoicing.models import CreditNote

    riverside, *grants = sorted(_invoices_to(willow, "Riverside ICB"), key=lambda i: i.kind != "invoice")
    # Scenario 7: the NHS children's hospice funding, a quarterly grant invoice on each instalment's due day.
    assert [(g.kind, g.total_pence, g.issued_on) for g in grants] == [
        ("grant", 7_750_000, date(2026, 4, 1)), ("grant", 7_750_000, date(2026, 7, 1)),
        ("grant", 7_750_000, date(2026, 10, 1)), ("grant", 7_750_000, date(2027, 1, 4))]
    assert all(json.loads(g.data)["lines"][0]["description"].startswith(
        "NHS children's hospice funding 2026/27 (award NHS-CHF-2627): instalment") for g in grants)
    document = json.loads(riverside.data)
    assert (riverside.total_pence, riverside.po_number, riverside.issued_on) == (216000, "RIV-PO-55012",
                                                                                 date(2026, 11, 2))
    assert not any(word in riverside.data for word in ("Ben", "Carter", "9990000018", "2014-"))
    assert document["backing_reference"] == f"BS{riverside.number[3:]}"
    [brightway] = _invoices_to(willow, "Brightway Direct Payment Support")
    assert brightway.total_pence == 54000 and json.loads(brightway.data)["on_behalf_of"] == ["Chloe"]
    [eastvale] = _invoices_to(willow, "Eastvale Council, Children's Social Care Team")
    assert eastvale.total_pence == 130000 and eastvale.po_number == "EV-PO-7781"
    assert "client reference EV-104233" in json.loads(eastvale.data)["lines"][0]["description"]
    leila = _invoices_to(willow, "Leila Haddad")  # a month's sessions on one invoice: July had two
    assert [(i.period_start.month, i.total_pence) for i in leila] == [
        (5, 6000), (6, 6000), (7, 12000), (9, 6000), (10, 6000), (11, 6000), (12, 6000), (2, 6000)]
    [note] = willow.exec(select(CreditNote)).all()
    november = next(i for i in leila if i.period_start == date(2026, 11, 1))
    assert (note.invoice_id, note.total_pence, note.issued_on) == (november.id, 6000, date(2027, 1, 4))
    assert json.loads(note.data)["credits"] == {"number": november.number, "issued_on": "2026-12-01"}
    assert "04/11/2026 withdrawn or recalculated after it was invoiced" in note.reason
