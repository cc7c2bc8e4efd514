"""Dates as Lantern writes them for people in the UK, and the days of a month.

`long_date` gives "7 December 2026" (pages, letters, refusals); `short_date` gives "07/12/2026" (lists, reports,
ledger descriptions). Pages use them as the `uk_date`, `long_date` and `short_date` template filters (the PDFs'
`long_date` too).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from provider.errors import FieldErrors


def long_date(day: date | datetime) -> str:
    """'7 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def long_date_time(moment: datetime) -> str:
    """'7 December 2026, 14:05'."""
    return f"{long_date(moment)}, {moment:%H:%M}"


def short_date(day: date | datetime) -> str:
    """'07/12/2026'."""
    return f"{day:%d/%m/%Y}"


def month_last_day(first: date) -> date:
    """The last day of the month that starts on `first`."""
    return first + relativedelta(months=1) - timedelta(days=1)


MONTH_WRITTEN = "must be a month written YYYY-MM, like 2026-10"


def parse_month(text: str | None, field: str = "month", *, years: tuple[int, int] = (1, 9999),
                outside: str = MONTH_WRITTEN) -> date:
    """The first day of the month written 'YYYY-MM' in `field`. FieldErrors naming the field otherwise: MONTH_WRITTEN
    for text that is not a month, `outside` for a month whose year is not within `years` (first and last)."""
    try:
        first = datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        raise FieldErrors({field: MONTH_WRITTEN}) from None
    if not years[0] <= first.year <= years[1]:
        raise FieldErrors({field: outside})
    return first


def month_bounds(month: str | None, field: str = "month") -> tuple[date, date]:
    """A month asked for as 'YYYY-MM' (a page's or the API's `field`): its first and last days, or FieldErrors."""
    first = parse_month(month, field, years=(1900, 2999), outside="must be a month from 1900 to 2999")
    return first, month_last_day(first)
