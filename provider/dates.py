"""Dates as Lantern writes them for people in the UK.

`long_date` gives "7 December 2026" (pages, letters, refusals); `short_date` gives "07/12/2026" (lists, reports,
ledger descriptions). Pages use them as the `uk_date` and `short_date` template filters.
"""
from __future__ import annotations

from datetime import date, datetime


def long_date(day: date | datetime) -> str:
    """'7 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def long_date_time(moment: datetime) -> str:
    """'7 December 2026, 14:05'."""
    return f"{long_date(moment)}, {moment:%H:%M}"


def short_date(day: date | datetime) -> str:
    """'07/12/2026'."""
    return f"{day:%d/%m/%Y}"

