"""Money is whole pence: one rounding rule, one split that always adds up, GBP text in and out."""
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from provider.money import MoneyError, format_gbp, parse_gbp, pounds_text, round_pence, split

pence = st.integers(min_value=-10**11, max_value=10**11)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(lambda w: sum(w) > 0)


@given(pence, weights)
def test_split_always_adds_up_and_each_part_is_within_a_penny_of_its_share(total, shares):
    parts = split(total, shares)
    assert sum(parts) == total
    assert len(parts) == len(shares)
    for part, weight in zip(parts, shares):
        exact = Fraction(total * weight, sum(shares))
        assert abs(part - exact) < 1


@given(pence, st.integers(min_value=1, max_value=50))
def test_equal_weights_give_parts_that_differ_by_at_most_a_penny(total, how_many):
    parts = split(total, [1] * how_many)
    assert sum(parts) == total
    assert max(parts) - min(parts) <= 1


@given(st.integers(min_value=1, max_value=10**9), weights)
def test_split_of_a_negative_total_mirrors_the_positive_one(total, shares):
    assert split(-total, shares) == [-part for part in split(total, shares)]
    assert all(part <= 0 for part in split(-total, shares))


def test_split_gives_the_spare_penny_to_the_earliest_tie():
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    assert split(-100, [1, 1, 1]) == [-34, -33, -33]
    assert split(5, [0, 1]) == [0, 5]


@pytest.mark.parametrize("bad", [[], [0, 0], [1, -1]])
def test_split_refuses_weights_that_cannot_share(bad):
    with pytest.raises(ValueError):
        split(100, bad)


@pytest.mark.parametrize("exact, rounded", [
    (Fraction(1, 2), 1), (Fraction(-1, 2), -1), (Fraction(3, 2), 2), (Fraction(-3, 2), -2),
    (Fraction(249, 100), 2), (Fraction(-249, 100), -2), (Fraction(251, 100), 3), (7, 7), (0, 0),
])
def test_round_pence_rounds_halves_away_from_zero(exact, rounded):
    assert round_pence(exact) == rounded


@given(st.integers(min_value=-10**9, max_value=10**9), st.integers(min_value=1, max_value=10**4))
def test_round_pence_is_never_more_than_half_a_penny_out(numerator, denominator):
    exact = Fraction(numerator, denominator)
    rounded = round_pence(exact)
    assert abs(rounded - exact) <= Fraction(1, 2)
    assert round_pence(-exact) == -rounded


@given(pence)
def test_formatted_amounts_parse_back_to_the_same_pence(amount):
    assert parse_gbp(format_gbp(amount)) == amount
    assert parse_gbp(pounds_text(amount)) == amount


@pytest.mark.parametrize("text, expected", [
    ("£1,234.50", 123450), ("1234.5", 123450), ("1234", 123400), ("0.07", 7), ("£0", 0),
    (" 12.00 ", 1200), ("-£3.50", -350), ("£-3.50", -350), (".5", 50),
])
def test_parse_gbp_reads_what_people_type(text, expected):
    assert parse_gbp(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("12.345", "finer than a penny"), ("abc", "pounds and pence"), ("", "pounds and pence"),
    ("1,23.00", "pounds and pence"), ("£", "pounds and pence"), ("12.", "pounds and pence"),
])
def test_parse_gbp_refuses_unclear_text_with_a_reason(text, reason):
    with pytest.raises(MoneyError, match=reason):
        parse_gbp(text)


def test_format_gbp_shows_pounds_with_thousands_separators():
    assert format_gbp(123456) == "£1,234.56"
    assert format_gbp(0) == "£0.00"
    assert format_gbp(5) == "£0.05"
    assert format_gbp(-1200) == "-£12.00"
    assert format_gbp(123456789) == "£1,234,567.89"


def test_format_gbp_refuses_a_float():
    with pytest.raises(TypeError):
        format_gbp(12.5)
