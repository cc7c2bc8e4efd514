"""One month parser (provider.dates.parse_month) behind the pages', the ledger's, the invoice runs' and the CLI's:
each keeps its own years and its own words."""
from datetime import date

import pytest

from invoicing.runs import month_bounds as run_bounds
from provider.dates import MONTH_WRITTEN, month_bounds, parse_month
from provider.errors import FieldErrors
from provider.ledger.periods import parse_month as ledger_month


def refusal(parse, *args) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        parse(*args)
    return caught.value.errors


def test_a_month_is_its_first_and_last_days_february_included():
    assert month_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert run_bounds("2027-02") == (date(2027, 2, 1), date(2027, 2, 28))
    assert ledger_month("2026-10") == parse_month("2026-10") == date(2026, 10, 1)


@pytest.mark.parametrize("text", ["", None, "October", "2026-13", "2026-10-01", "26-10", " 2026-10"])
def test_text_that_is_not_a_month_is_refused_naming_the_field(text):
    assert refusal(parse_month, text, "at") == {"at": MONTH_WRITTEN}
    assert refusal(month_bounds, text) == {"month": "must be a month written YYYY-MM, like 2026-10"}
    assert refusal(ledger_month, text, "month") == {"month": MONTH_WRITTEN}
    with pytest.raises(ValueError, match=f"period must be a month as YYYY-MM, not {text!r}"):
        run_bounds(text)


def test_each_caller_keeps_its_own_years():
    assert refusal(month_bounds, "1899-12") == {"month": "must be a month from 1900 to 2999"}
    assert month_bounds("2999-12")[1] == date(2999, 12, 31)
    assert refusal(ledger_month, "1999-12") == {"month": MONTH_WRITTEN}
    assert refusal(ledger_month, "2101-01") == {"month": MONTH_WRITTEN}
    assert ledger_month("2100-12") == date(2100, 12, 1)
    assert run_bounds("1066-10") == (date(1066, 10, 1), date(1066, 10, 31))
