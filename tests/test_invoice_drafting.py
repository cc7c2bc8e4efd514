"""Drafting invoices over plain data: every billable part on exactly one line of its payer's draft, to the penny."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from invoicing.drafting import Billable, ChildFacts, Order, PayerFacts, ServiceFacts, draft_invoices

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
SERVICES = {"night": ServiceFacts("night", "Short-break night", "night", "exempt"),
            "hydro": ServiceFacts("hydro", "Hydrotherapy session", "session", "exempt")}
CHILDREN = {"c1": ChildFacts("c1", "Amira", "NS-1"), "c2": ChildFacts("c2", "Ben", None)}
PAYERS = {"funder:icb": PayerFacts("funder:icb", "Riverside ICB", "icb", "1 Road"),
          "funder:la": PayerFacts("funder:la", "Eastvale Council", "local_authority", "2 Road", po_required=True),
          "family:leila": PayerFacts("family:leila", "Leila Haddad", "family", "3 Road"),
          "nominee:bw": PayerFacts("nominee:bw", "Brightway", "nominee", "4 Road")}

PARTS = st.lists(st.tuples(st.sampled_from(sorted(PAYERS)), st.sampled_from(sorted(CHILDREN)),
                           st.sampled_from(sorted(SERVICES)), st.integers(0, 30), st.integers(1, 3),
                           st.integers(1, 100_000)), max_size=40).map(
    lambda rows: [Billable(f"p{i}", child, service, FIRST + timedelta(days=day), units, pence, payer,
                           f"arrangement:{payer}") for i, (payer, child, service, day, units, pence) in enumerate(rows)])


IN_FORCE = ((date(2026, 1, 1), None),)


def draft(parts, orders=None, nominations=frozenset({("nominee:bw", "c1"), ("nominee:bw", "c2")})):
    return draft_invoices(FIRST, LAST, parts, PAYERS, SERVICES, CHILDREN, orders or {},
                          {key: IN_FORCE for key in nominations})


@settings(max_examples=200)
@given(PARTS)
def test_every_part_is_on_exactly_one_line_of_its_payers_draft_and_the_totals_add_up(parts):
    drafts = draft(parts)
    placed = [p for d in drafts for line in d.lines for p in line.part_ids]
    assert sorted(placed) == sorted(p.part_id for p in parts)
    by_id = {p.part_id: p for p in parts}
    for d in drafts:
        for line in d.lines:
            assert all(by_id[p].payer_ref == d.payer.ref for p in line.part_ids)
            assert line.amount_pence == sum(by_id[p].pence for p in line.part_ids)
            assert line.quantity * line.unit_price_pence == line.amount_pence
        assert d.total_pence == sum(p.pence for p in parts if p.payer_ref == d.payer.ref)


@settings(max_examples=200)
@given(PARTS)
def test_an_nhs_payer_never_sees_a_child_and_a_council_sees_only_its_reference(parts):
    for d in draft(parts):
        for line in d.lines:
            if d.payer.kind == "icb":
                assert line.child_id is None and "Amira" not in line.description and "Ben" not in line.description
            if d.payer.kind == "local_authority":
                assert "Amira" not in line.description and "Ben" not in line.description


def test_a_council_that_requires_a_purchase_order_without_one_is_an_exception():
    part = Billable("p1", "c1", "night", FIRST, 1, 65000, "funder:la", "arrangement:funder:la")
    [d] = draft([part])
    assert d.exceptions == ("Eastvale Council requires a purchase order and arrangement:funder:la has none",)
    with_order = {("funder:la", "arrangement:funder:la"): Order("arrangement:funder:la", "Dev's budget", "PO-1",
                                                                 100000, FIRST, LAST, 50000)}
    [d] = draft([part], with_order)
    assert d.exceptions == ("purchase order PO-1 has £500.00 left; this invoice needs £650.00",)


def test_parts_outside_the_period_are_left_for_their_own_month():
    part = Billable("p1", "c1", "night", LAST + timedelta(days=1), 1, 65000, "family:leila", "arrangement:x")
    assert draft([part]) == []


def test_each_purchase_order_gets_its_own_invoice():
    parts = [Billable("p1", "c1", "night", FIRST, 1, 72000, "funder:icb", "arrangement:a"),
             Billable("p2", "c2", "night", FIRST, 1, 72000, "funder:icb", "arrangement:b"),
             Billable("p3", "c2", "night", FIRST + timedelta(days=1), 1, 72000, "funder:icb", "arrangement:b")]
    orders = {("funder:icb", "arrangement:a"): Order("arrangement:a", "A's package", "PO-1"),
              ("funder:icb", "arrangement:b"): Order("arrangement:b", "B's package", "PO-2")}
    drafts = draft(parts, orders)
    assert [(d.payer.name, d.po_number, d.total_pence) for d in drafts] == [("Riverside ICB", "PO-1", 72000),
                                                                          ("Riverside ICB", "PO-2", 144000)]
    assert len({d.key for d in drafts}) == 2


def test_a_purchase_order_longer_than_the_commissioner_allows_stops_the_invoice():
    """A limit set after the order was entered still stops the invoice its system would reject."""
    from dataclasses import replace

    part = Billable("p1", "c1", "night", FIRST, 1, 65000, "funder:la", "arrangement:funder:la")
    orders = {("funder:la", "arrangement:funder:la"): Order("arrangement:funder:la", "Dev's budget", "EV-PO-7781")}
    payers = {**PAYERS, "funder:la": replace(PAYERS["funder:la"], po_max_length=8)}
    [d] = draft_invoices(FIRST, LAST, [part], payers, SERVICES, CHILDREN, orders, {})
    assert d.exceptions == ("purchase order EV-PO-7781 has 10 characters: Eastvale Council takes at most 8",)
    assert not d.can_issue
