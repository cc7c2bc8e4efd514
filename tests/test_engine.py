"""The who-pays engine over plain data: DOMAIN.md §3 rule by rule, Willow's scenarios, and its invariants."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from provider.funding.engine import (
    Funding, MoneyLimit, Payer, PricePoint, Priority, PriorPart, ServiceInfo, UnitOfCare, allocate, usage_counts_from,
)

APRIL = date(2026, 4, 1)
SERVICES = {
    "night": ServiceInfo("night", "Short-break night", "night", prices=(PricePoint(APRIL, 65000, 115000),)),
    "sibling": ServiceInfo("sibling", "Sibling support session", "session", prices=(PricePoint(APRIL, 3500, 6000),)),
    "hydro": ServiceInfo("hydro", "Hydrotherapy session", "session", prices=(PricePoint(APRIL, 6000, 7500),)),
    "eol": ServiceInfo("eol", "End-of-life care", "night", free_to_families=True,
                       prices=(PricePoint(APRIL, 0, 140000),)),
}

NORTHSHIRE_BLOCK = Funding("block:ns", "block", "Northshire block contract", (Payer("funder:ns", "Northshire CC"),),
                           APRIL, date(2027, 3, 31), children=frozenset({"amira", "ellie"}),
                           services={"night": None}, block=True, volume_units=240, per_child_units=14)
AMIRA_ISF = Funding("arrangement:isf", "personal_budget", "Amira's ISF", (Payer("isf:amira", "Amira's ISF"),),
                    APRIL, date(2027, 3, 30), children=frozenset({"amira"}),
                    services={"night": None, "sibling": 6}, family_held=True,
                    agreed_services=frozenset({"night", "sibling"}), cap_pence=312000 - 19500)
LEILA_DP = Funding("arrangement:dp", "personal_budget", "Leila's direct payment", (Payer("family:leila", "Leila"),),
                   APRIL, date(2027, 3, 31), children=frozenset({"amira"}), services={"hydro": None},
                   family_held=True, agreed_services=frozenset({"hydro"}), cap_pence=200000)
SIBLING_APPEAL = Funding("fund:appeal", "restricted_fund", "Sibling Support Appeal", (Payer("fund:appeal", "Appeal"),),
                         services={"sibling": None})
GENERAL = Funding("fund:general", "unrestricted_fund", "General fund", (Payer("fund:general", "General fund"),))
AMIRA = [NORTHSHIRE_BLOCK, AMIRA_ISF, LEILA_DP, SIBLING_APPEAL, GENERAL]


def nights(child: str, first: date, count: int, prefix: str = "n") -> list[UnitOfCare]:
    return [UnitOfCare(f"{prefix}{first + timedelta(days=i)}", child, "night", first + timedelta(days=i))
            for i in range(count)]


def by_payer(outcomes) -> dict[str, int]:
    totals: dict[str, int] = {}
    for outcome in outcomes:
        for part in outcome.parts:
            totals[part.payer_name] = totals.get(part.payer_name, 0) + part.pence
    return totals


def test_amiras_fourteen_block_nights_then_two_from_her_isf():
    stays = (nights("amira", date(2026, 4, 20), 4) + nights("amira", date(2026, 6, 15), 3)
             + nights("amira", date(2026, 8, 17), 4) + nights("amira", date(2026, 10, 19), 3)
             + nights("amira", date(2027, 1, 11), 1) + nights("amira", date(2027, 3, 15), 1))
    outcomes = allocate(stays, AMIRA, SERVICES)
    assert [o.parts[0].rule for o in outcomes] == ["block-allowance"] * 14 + ["personal_budget"] * 2
    assert by_payer(outcomes) == {"Northshire CC": 0, "Amira's ISF": 130000}
    assert outcomes[13].parts[0].reason.startswith("Northshire block contract: 14 of this child's 14 for 2026/27")
    assert "Northshire block contract: this child's allowance of 14 a year is used up." in outcomes[14].passed_over
    assert outcomes[15].parts[0].left == "£1,625.00 left of £2,925.00 for 2026/27"


def test_sam_six_sibling_sessions_from_the_isf_then_four_from_the_appeal_at_full_cost():
    sessions = [UnitOfCare(f"s{i}", "amira", "sibling", date(2026, 5, 1) + timedelta(weeks=i)) for i in range(10)]
    outcomes = allocate(sessions, AMIRA, SERVICES)
    assert by_payer(outcomes) == {"Amira's ISF": 21000, "Sibling Support Appeal": 4 * 3500}
    assert sum(o.memorandum_pence for o in outcomes) == 24000
    assert outcomes[6].passed_over == ("Amira's ISF has used 6 Sibling support session a year.",)


def test_free_services_are_never_charged_to_a_family_held_budget():
    everything_agreed = Funding("arrangement:x", "personal_budget", "A generous ISF", (Payer("isf", "ISF"),),
                                family_held=True, agreed_services=frozenset({"eol"}), cap_pence=10**9)
    [outcome] = allocate([UnitOfCare("u", "ellie", "eol", date(2026, 11, 16))], [everything_agreed], SERVICES)
    assert [(p.payer_name, p.pence, p.memorandum_pence) for p in outcome.parts] == [("Unrestricted funds", 0, 140000)]


def test_a_family_held_budget_pays_only_for_what_the_family_agreed_to():
    not_agreed = Funding("arrangement:dp", "personal_budget", "DP", (Payer("family", "Leila"),), family_held=True,
                         agreed_services=frozenset({"hydro"}))
    [outcome] = allocate(nights("amira", date(2026, 5, 1), 1), [not_agreed], SERVICES)
    assert outcome.charged_pence == 0
    assert "who have not agreed" in outcome.passed_over[0]


def test_a_money_cap_splits_a_unit_and_the_next_pays_its_own_price_less_what_is_paid():
    small = Funding("arrangement:a", "personal_budget", "Small budget", (Payer("a", "A"),), cap_pence=20000)
    spot = Funding("arrangement:b", "spot", "Spot at £720", (Payer("b", "B"),),
                   rates=(("night", PricePoint(APRIL, 72000)),))
    order = Priority(default=("personal_budget", "spot"))
    [outcome] = allocate(nights("x", date(2026, 5, 1), 1), [small, spot], SERVICES, order)
    assert [(p.payer_name, p.pence, p.rule) for p in outcome.parts] == [
        ("A", 20000, "personal_budget-money-cap"), ("B", 52000, "spot")]
    assert outcome.price_pence == 72000


def test_a_joint_package_splits_every_unit_by_largest_remainder():
    joint = Funding("arrangement:j", "joint", "Joint package",
                    (Payer("icb", "ICB", 50), Payer("la", "Council", 30), Payer("edu", "Education", 20)),
                    rates=(("night", PricePoint(APRIL, 65001)),))
    [outcome] = allocate(nights("x", date(2026, 5, 1), 1), [joint], SERVICES)
    assert [(p.payer_name, p.pence) for p in outcome.parts] == [("ICB", 32501), ("Council", 19500),
                                                                ("Education", 13000)]


def test_a_purchase_order_limits_money_within_its_dates_only():
    ben = Funding("arrangement:ben", "spot", "Riverside spot", (Payer("riv", "Riverside ICB"),),
                  rates=(("night", PricePoint(APRIL, 72000)),), cap_units=20,
                  money_limits=(MoneyLimit("purchase order RIV-PO-55012", 1440000, APRIL, date(2027, 3, 31)),))
    outcomes = allocate(nights("ben", date(2026, 10, 6), 3), [ben], SERVICES)
    assert by_payer(outcomes) == {"Riverside ICB": 216000}
    [after] = allocate(nights("ben", date(2027, 4, 2), 1), [ben], SERVICES)
    assert after.charged_pence == 0 and "no purchase order in force" in after.passed_over[0]


def test_caps_count_what_is_already_stored():
    prior = [PriorPart("arrangement:isf", "amira", "sibling", date(2026, 4, 10), 1, 3500) for _ in range(6)]
    [outcome] = allocate([UnitOfCare("s", "amira", "sibling", date(2026, 9, 1))], AMIRA, SERVICES, prior=prior)
    assert outcome.parts[0].payer_name == "Sibling Support Appeal"


def test_a_cancellation_is_charged_only_to_a_funder_who_charges_for_them():
    strict = Funding("arrangement:s", "spot", "Strict ICB", (Payer("s", "Strict ICB"),), charges_cancellations=True)
    lenient = Funding("arrangement:l", "personal_budget", "Family DP", (Payer("f", "Family"),))
    unit = UnitOfCare("c", "x", "night", date(2026, 5, 1), cancelled=True)
    [charged] = allocate([unit], [strict, lenient], SERVICES)
    assert [(p.payer_name, p.pence) for p in charged.parts] == [("Strict ICB", 65000)]
    [free] = allocate([unit], [lenient], SERVICES)
    assert free.parts == () and free.memorandum_pence == 0


def test_a_hard_limit_is_reported_not_silently_passed_on():
    hard = Funding("arrangement:h", "spot", "Capped package", (Payer("h", "H"),), cap_units=1, hard_limit=True)
    outcomes = allocate(nights("x", date(2026, 5, 1), 2), [hard], SERVICES)
    assert outcomes[0].hard_limits == () and outcomes[1].hard_limits == ("Capped package has used 1 a year.",)


def test_a_child_override_puts_an_arrangement_first():
    order = Priority(by_child={"amira": ("arrangement:isf",)})
    [outcome] = allocate(nights("amira", date(2026, 5, 1), 1), AMIRA, SERVICES, order)
    assert outcome.parts[0].payer_name == "Amira's ISF"


# --- invariants -------------------------------------------------------------------------------------------------

DAYS = st.integers(0, 364).map(lambda n: APRIL + timedelta(days=n))
KINDS = ("spot", "joint", "block", "personal_budget")


@st.composite
def fundings(draw):
    result = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(KINDS))
        percents = draw(st.sampled_from([(100,), (50, 50), (50, 30, 20), (34, 33, 33)]))
        payers = tuple(Payer(f"p{i}-{j}", f"Payer {i}-{j}", pct) for j, pct in enumerate(percents))
        result.append(Funding(
            f"arrangement:{i}", kind, f"Funding {i}", payers,
            services=draw(st.sampled_from([None, {"night": None}, {"sibling": draw(st.integers(1, 5))}])),
            cap_units=draw(st.none() | st.integers(1, 10)),
            cap_pence=draw(st.none() | st.integers(0, 300000)),
            share_percent=draw(st.none() | st.sampled_from([25, 50, 60])),
            block=kind == "block", volume_units=draw(st.none() | st.integers(1, 8)) if kind == "block" else None,
            per_child_units=draw(st.none() | st.integers(1, 5)) if kind == "block" else None,
        ))
    return result


UNITS = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["night", "sibling"]), DAYS),
                 max_size=25).map(lambda rows: [UnitOfCare(f"u{i}", c, s, d) for i, (c, s, d) in enumerate(rows)])


@settings(max_examples=150)
@given(UNITS, fundings())
def test_parts_add_up_to_the_price_to_the_penny(units, funds):
    for outcome in allocate(units, funds, SERVICES):
        listed = SERVICES[outcome.unit.service_id].prices[0].pence
        assert sum(p.pence for p in outcome.parts) == outcome.price_pence
        if not any(p.rule.startswith("block") for p in outcome.parts):
            assert outcome.price_pence == listed


@settings(max_examples=150)
@given(UNITS, fundings())
def test_no_cap_is_ever_exceeded(units, funds):
    outcomes = allocate(units, funds, SERVICES)
    for f in funds:
        parts = [(o.unit, p) for o in outcomes for p in o.parts if p.funding_ref == f.ref]
        units_taken = len({u.ref for u, _ in parts})
        if f.cap_units is not None:
            assert units_taken <= f.cap_units
        if f.cap_pence is not None:
            assert sum(p.pence for _, p in parts) <= f.cap_pence
        if f.volume_units is not None and f.block:
            assert units_taken <= f.volume_units
        if f.per_child_units is not None:
            for child in ("a", "b"):
                assert len({u.ref for u, _ in parts if u.child_id == child}) <= f.per_child_units


@settings(max_examples=150)
@given(UNITS, fundings())
def test_parts_come_in_priority_order(units, funds):
    order = Priority().default
    for outcome in allocate(units, funds, SERVICES):
        ranks = [order.index(p.kind) for p in outcome.parts]
        assert ranks == sorted(ranks)


@settings(max_examples=100)
@given(UNITS, fundings(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_the_inputs(units, funds, rnd):
    first = allocate(units, funds, SERVICES)
    shuffled_units, shuffled_funds = list(units), list(funds)
    rnd.shuffle(shuffled_units)
    rnd.shuffle(shuffled_funds)
    assert allocate(shuffled_units, shuffled_funds, SERVICES) == first


@settings(max_examples=150)
@given(UNITS, st.integers(0, 200000), st.integers(1, 200000), st.integers(0, 200000))
def test_raising_a_cap_never_raises_a_lower_priority_funders_share(units, cap, raise_by, low_cap):
    def totals(high_cap):
        high = Funding("arrangement:high", "spot", "High", (Payer("h", "High"),), cap_pence=high_cap)
        low = Funding("arrangement:low", "personal_budget", "Low", (Payer("l", "Low"),), cap_pence=low_cap)
        return by_payer(allocate(units, [high, low], SERVICES)).get("Low", 0)

    assert totals(cap + raise_by) <= totals(cap)


def test_allocation_is_deterministic_across_runs():
    rnd = random.Random(7)
    units = [UnitOfCare(f"u{i}", rnd.choice(["amira", "ellie"]), rnd.choice(["night", "sibling", "hydro"]),
                        APRIL + timedelta(days=rnd.randrange(365))) for i in range(300)]
    assert allocate(units, AMIRA, SERVICES) == allocate(list(reversed(units)), list(reversed(AMIRA)), SERVICES)


def test_stored_parts_count_from_the_arrangement_year_the_purchase_order_or_the_contract():
    october = date(2026, 10, 10)
    calendar_year = Funding("arrangement:c", "spot", "Calendar", (Payer("c", "C"),), year_start=(1, 1))
    assert usage_counts_from([AMIRA_ISF], october, date(2025, 9, 1)) == date(2026, 4, 1)
    assert usage_counts_from([AMIRA_ISF, calendar_year], october, date(2025, 9, 1)) == date(2026, 1, 1)
    order = replace(LEILA_DP, money_limits=(MoneyLimit("PO 1", 50000, date(2025, 12, 1), date(2026, 11, 30)),))
    assert usage_counts_from([order], october, date(2025, 9, 1)) == date(2025, 12, 1)
    contract = replace(NORTHSHIRE_BLOCK, starts_on=date(2025, 10, 1))
    assert usage_counts_from([contract], october, date(2025, 9, 1)) == date(2025, 10, 1)
    assert usage_counts_from([replace(contract, starts_on=None)], october, date(2025, 9, 1)) == date(2025, 9, 1)
    ended = replace(contract, ends_on=date(2026, 3, 31))
    assert usage_counts_from([ended], october, date(2025, 9, 1)) == october


TWO_YEARS = st.integers(0, 729).map(lambda n: APRIL + timedelta(days=n))


@st.composite
def dated_fundings(draw):
    """`fundings()` with years starting in other months, purchase orders, and contracts with dates."""
    result = []
    for f in draw(fundings()):
        limits = ()
        if draw(st.booleans()):
            starts = APRIL + timedelta(days=draw(st.integers(0, 500)))
            limits = (MoneyLimit("PO", draw(st.integers(0, 300000)), starts,
                                 starts + timedelta(days=draw(st.integers(0, 400)))),)
        starts_on = APRIL + timedelta(days=draw(st.integers(0, 200))) if f.block else None
        ends_on = draw(st.none() | TWO_YEARS)
        result.append(replace(f, year_start=draw(st.sampled_from([(4, 1), (1, 1), (9, 6)])), money_limits=limits,
                              starts_on=starts_on, ends_on=ends_on))
    return result


@settings(max_examples=150)
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["night", "sibling"]), TWO_YEARS),
                max_size=30), dated_fundings(), st.integers(1, 729))
def test_stored_parts_before_the_day_usage_counts_from_change_nothing(rows, funds, split):
    """Reading only the stored parts from `usage_counts_from` on gives what reading every stored part gives."""
    first = APRIL + timedelta(days=split)
    units = [UnitOfCare(f"u{i}", c, s, d) for i, (c, s, d) in enumerate(rows)]
    stored = [PriorPart(p.funding_ref, o.unit.child_id, o.unit.service_id, o.unit.day, p.units, p.pence)
              for o in allocate([u for u in units if u.day < first], funds, SERVICES) for p in o.parts]
    since = usage_counts_from(funds, first, APRIL)
    later = [u for u in units if u.day >= first]
    assert allocate(later, funds, SERVICES, prior=[p for p in stored if p.day >= since]) == \
        allocate(later, funds, SERVICES, prior=stored)
