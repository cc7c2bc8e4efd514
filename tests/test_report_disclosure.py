"""Trustees see no count and no amount about fewer than five children, and no total that would reveal one."""
import pytest
from hypothesis import given, strategies as st

from reports.disclosure import Disclosed, Line, Shown, disclose, format_count


def test_counts_below_five_show_as_fewer_than_5():
    assert [format_count(n) for n in range(6)] == ["fewer than 5"] * 5 + ["5"]
    assert format_count(1234) == "1,234"
    with pytest.raises(ValueError):
        format_count(-1)


def test_small_councils_are_combined_and_the_next_smallest_joins_them_until_five_children():
    shown = disclose([
        Line("Northshire County Council", "Local authorities", 20, 150_000_00),
        Line("Eastbridge Council", "Local authorities", 7, 30_000_00),
        Line("Westmoor Council", "Local authorities", 2, 4_000_00),
        Line("Southvale Council", "Local authorities", 1, 1_250_00),
    ])
    assert shown == Disclosed(
        lines=[Shown("Northshire County Council", "Local authorities", "20", 150_000_00),
               Shown("Other Local authorities", "Local authorities", "10", 35_250_00)],
        kind_totals={"Local authorities": 185_250_00},
        total=185_250_00)


def test_small_lines_that_reach_five_together_are_shown_together():
    shown = disclose([
        Line("Direct payments", "Personal budgets", 9, 20_000_00),
        Line("Managed accounts", "Personal budgets", 3, 6_000_00),
        Line("Nominees", "Personal budgets", 2, 2_500_00),
    ])
    assert [(x.label, x.children, x.pence) for x in shown.lines] == [
        ("Direct payments", "9", 20_000_00), ("Other Personal budgets", "5", 8_500_00)]
    assert shown.total == 28_500_00


def test_a_kind_from_fewer_than_five_children_is_held_back_with_every_total_that_would_reveal_it():
    shown = disclose([
        Line("Charitable funds", "Charitable", None, 900_000_00),
        Line("Lakeside ICB", "ICBs", 3, 40_000_00),
        Line("Hillcrest ICB", "ICBs", 1, 9_000_00),
    ])
    assert shown.lines == [Shown("Charitable funds", "Charitable", "", 900_000_00),
                           Shown("Other ICBs", "ICBs", "fewer than 5", None)]
    assert shown.kind_totals == {"Charitable": 900_000_00, "ICBs": None}
    assert shown.total is None


def test_money_from_no_child_is_never_combined():
    shown = disclose([Line("NHS children's hospice grant", "NHS", None, 250_000_00)])
    assert shown.lines == [Shown("NHS children's hospice grant", "NHS", "", 250_000_00)]
    assert shown.total == 250_000_00


def test_negative_lines_are_combined_like_any_other():
    shown = disclose([Line("Refunds", "Personal budgets", 2, -300_00), Line("Direct payments", "Personal budgets", 6, 9_000_00)])
    assert shown.lines == [Shown("Other Personal budgets", "Personal budgets", "8", 8_700_00)]
    assert shown.total == 8_700_00


def test_nothing_in_gives_nothing_out_and_a_zero_total():
    assert disclose([]) == Disclosed([], {}, 0)


def test_money_must_be_whole_pence():
    with pytest.raises(TypeError):
        disclose([Line("Donations", "Charitable", None, 12.5)])


KINDS = ["Charitable", "ICBs", "Local authorities"]
lines = st.lists(
    st.tuples(st.sampled_from(KINDS), st.none() | st.integers(0, 14), st.integers(-10**7, 10**9)), max_size=12,
).map(lambda rows: [Line(f"Line {i}", kind, children, pence) for i, (kind, children, pence) in enumerate(rows)])


def _children(shown: Shown) -> int | None:
    return None if shown.children in ("", "fewer than 5") else int(shown.children.replace(",", ""))


@given(lines)
def test_the_shown_money_adds_up_to_the_input_whenever_the_total_is_shown(lines):
    shown = disclose(lines)
    held_back = [x for x in shown.lines if x.pence is None]
    if shown.total is not None:
        assert sum(x.pence for x in shown.lines) == shown.total == sum(x.pence for x in lines)
    assert (shown.total is None) == bool(held_back)
    for kind, total in shown.kind_totals.items():
        if total is not None:
            assert total == sum(x.pence for x in shown.lines if x.kind == kind) == sum(
                x.pence for x in lines if x.kind == kind)


@given(lines)
def test_no_shown_amount_comes_from_fewer_than_five_children(lines):
    source = {x.label: x for x in lines}
    for shown in disclose(lines).lines:
        if shown.pence is None:
            assert shown.children == "fewer than 5"
        elif shown.label in source:
            line = source[shown.label]
            assert line.children is None or line.children >= 5
            assert (shown.kind, shown.pence) == (line.kind, line.pence)
        else:
            assert shown.label == f"Other {shown.kind}" and _children(shown) >= 5


@given(lines)
def test_no_small_group_can_be_found_by_subtracting_shown_lines_from_a_shown_total(lines):
    shown = disclose(lines)
    for line in lines:
        if line.children is not None and line.children < 5:
            assert line.label not in [x.label for x in shown.lines]  # never shown on its own line
            other = next(x for x in shown.lines if x.label == f"Other {line.kind}")
            if other.pence is not None:
                # Its Other line is made of lines from at least five children, none of them shown alone.
                named = sum(x.pence for x in shown.lines if x.kind == line.kind and x is not other)
                hidden = [x for x in lines if x.kind == line.kind and x.label not in [s.label for s in shown.lines]]
                assert sum(x.children for x in hidden) >= 5
                assert other.pence == sum(x.pence for x in lines if x.kind == line.kind) - named
            else:
                # Held back: neither the kind's total nor the grand total is there to subtract from.
                assert shown.kind_totals[line.kind] is None and shown.total is None
