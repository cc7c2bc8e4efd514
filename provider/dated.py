"""Effective-dated rows (prices, funder codes): which one is in force on a day, and where a new one may go.

The rows of one series (one service and time band, or one funder and kind of code) neither overlap nor,
once started, leave a gap. Adding a row that starts after an open-ended one closes that one the day before.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Protocol, TypeVar

from provider.dates import long_date
from provider.errors import FieldErrors

DAY = timedelta(days=1)


class Dated(Protocol):
    starts_on: date
    ends_on: date | None


P = TypeVar("P", bound=Dated)


def span(period: Dated) -> str:
    if period.ends_on is None:
        return f"from {long_date(period.starts_on)}"
    return f"from {long_date(period.starts_on)} to {long_date(period.ends_on)}"


def in_force(periods: Iterable[P], day: date) -> P | None:
    for period in periods:
        if period.starts_on <= day and (period.ends_on is None or day <= period.ends_on):
            return period
    return None


def period_to_close(existing: Sequence[P], starts_on: date, ends_on: date | None, what: str = "price") -> P | None:
    """Check a new period against the series `existing`; return the open-ended one it closes, if any.

    Raises FieldErrors naming starts_on (or ends_on, for a period added before the first) when the new
    period would overlap another or leave a gap.
    """
    if ends_on is not None and ends_on < starts_on:
        raise FieldErrors({"ends_on": "must not be before the start date"})
    if not existing:
        return None
    ordered = sorted(existing, key=lambda p: p.starts_on)
    first, last = ordered[0], ordered[-1]
    if starts_on > last.starts_on:
        if last.ends_on is None:
            return last
        if starts_on <= last.ends_on:
            raise FieldErrors({"starts_on": f"overlaps the {what} {span(last)}"})
        if starts_on > last.ends_on + DAY:
            raise FieldErrors({"starts_on": f"would leave a gap: the {what} before it ends on "
                                            f"{long_date(last.ends_on)}, so this one must start on "
                                            f"{long_date(last.ends_on + DAY)}"})
        return None
    if starts_on < first.starts_on:
        latest_end = first.starts_on - DAY
        if ends_on is None or ends_on > latest_end:
            raise FieldErrors({"ends_on": f"must be {long_date(latest_end)}: the {what} {span(first)} follows it"})
        if ends_on < latest_end:
            raise FieldErrors({"ends_on": f"would leave a gap: it must be {long_date(latest_end)}, the day before "
                                          f"the {what} {span(first)}"})
        return None
    clash = next(p for p in reversed(ordered) if p.starts_on <= starts_on)
    raise FieldErrors({"starts_on": f"overlaps the {what} {span(clash)}"})
