"""What trustees see of the statutory income report (DOMAIN.md §7): no money line from fewer than five children, no
total that would reveal one, and everything else exactly as the ledger has it."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from reports import income
from reports.trustee import COMBINED_SOURCE, HELD_BACK, for_trustees

FIRST, LAST = date(2026, 4, 1), date(2027, 3, 31)


def report(*lines: income.Line) -> income.Report:
    return income.Report(FIRST, LAST, list(lines), sum(x.pence for x in lines), children_counted=True)


def line(section: str, source: str, pence: int, children: int | None, cash: int | None = None) -> income.Line:
    return income.Line(section, source, "care delivered", "", pence, cash, "", children)


def test_small_statutory_lines_are_combined_and_everything_else_is_as_it_was():
    shown = for_trustees(report(
        line(income.NHS_GRANT, "Riverside ICB", 31_000_000, None, 23_250_000),
        line("Councils", "Northshire County Council", 15_000_000, 18, 11_250_000),
        line("ICBs", "Riverside ICB", 216_000, 1, 144_000),
        line(income.PERSONAL, "Direct payments to nominees", 54_000, 1, 54_000),
        line(income.PERSONAL, "ISF draw-downs", 173_000, 3, 832_000),
        line(income.CHARITABLE, "Unrestricted funds", 52_107_570, None)))
    assert [(x.section, x.source, x.pence, x.cash, x.children) for x in shown.lines] == [
        (income.NHS_GRANT, "Riverside ICB", 31_000_000, 23_250_000, ""),
        ("Councils", "Northshire County Council", 15_000_000, 11_250_000, "18"),
        (income.CHARITABLE, "Unrestricted funds", 52_107_570, None, ""),
        ("Statutory income combined", COMBINED_SOURCE, 443_000, 1_030_000, "5"),
    ]
    assert shown.lines[-1].stream == "3 lines combined: ICBs, Personal budgets"
    assert (shown.total, shown.statutory_pence, shown.ties) == (98_550_570, 46_443_000, True)


def test_a_kind_too_small_even_together_is_held_back_and_so_is_every_total():
    shown = for_trustees(report(line(income.NHS_GRANT, "Riverside ICB", 31_000_000, None),
                                line(income.PERSONAL, "Direct payments from families", 48_000, 1, 42_000),
                                line(income.PERSONAL, "ISF draw-downs", 173_000, 2, 832_000)))
    combined = shown.lines[-1]
    assert (combined.pence, combined.cash, combined.note, combined.children) == (None, None, HELD_BACK,
                                                                                 "fewer than 5")
    assert (shown.total, shown.statutory_pence, shown.cash_total, shown.share, shown.ledger_pence) == \
        (None, None, None, None, None)
    assert not shown.ties


def test_the_report_must_have_been_read_with_its_children():
    with pytest.raises(ValueError):
        for_trustees(income.Report(FIRST, LAST, [line("ICBs", "Riverside ICB", 100, None)], 100))


SECTIONS = st.sampled_from(["ICBs", "Councils", income.PERSONAL, income.NHS_GRANT, income.CHARITABLE])


@given(st.lists(st.tuples(SECTIONS, st.integers(-50_000, 5_000_000), st.one_of(st.none(), st.integers(0, 40))),
                max_size=12))
def test_no_line_of_fewer_than_five_shows_its_money_and_what_is_shown_adds_up(rows):
    lines = [line(section, f"Source {i}", pence, children) for i, (section, pence, children) in enumerate(rows)]
    shown = for_trustees(report(*lines))
    for x in shown.lines:
        if x.source != COMBINED_SOURCE:
            original = next(o for o in lines if o.source == x.source)
            assert x.pence == original.pence                              # never changed, only combined
            assert original.children is None or original.children >= 5
        elif x.pence is not None:
            assert int(x.children) >= 5
    if shown.total is not None:
        assert shown.total == sum(x.pence for x in lines)                 # nothing lost in combining
        assert shown.statutory_pence == sum(x.pence for x in lines if x.statutory)
    else:
        assert any(x.pence is None for x in shown.lines)
