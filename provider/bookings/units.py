"""What a booking is made of: its nights, its day or session, or its hours in time bands. Pure: no database.

A stay's nights run from `starts_on` to the night before `ends_on` (a guest leaves on the morning of
`ends_on`). A day or a session is one unit on `starts_on`. Hours of care run from `start_time` on `starts_on`
to `end_time` on `ends_on` (the same day or the next), in whole hours, each hour in the band it starts in:
weekday 07:00–18:00, evening 18:00–22:00, night 22:00–07:00, all of Saturday and Sunday at the weekend rate,
and all of a bank holiday at the bank-holiday rate.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

# (day, time band, quantity): the shape the funding preview and the booking units share.
UnitKey = tuple[date, str, int]


class NotWholeHours(ValueError):
    pass


def nights(starts_on: date, ends_on: date) -> list[date]:
    """Each night of a stay, by the date it begins: 20–24 April is the nights of the 20th to the 23rd."""
    return [starts_on + i * DAY for i in range((ends_on - starts_on).days)]


def band_of(moment: datetime, bank_holidays: Collection[date]) -> str:
    """The time band an hour starting at `moment` is priced in."""
    day = moment.date()
    if day in bank_holidays:
        return "bank_holiday"
    if day.weekday() >= 5:
        return "weekend"
    if 7 <= moment.hour < 18:
        return "weekday"
    if 18 <= moment.hour < 22:
        return "evening"
    return "night"


def hours(starts_on: date, start_time: time, ends_on: date, end_time: time,
          bank_holidays: Collection[date] = ()) -> list[UnitKey]:
    """Hours of care grouped by the day each hour starts on and its band, in order; whole hours only."""
    if start_time.minute or start_time.second or end_time.minute or end_time.second:
        raise NotWholeHours("times must be on the hour")
    moment = datetime.combine(starts_on, start_time)
    end = datetime.combine(ends_on, end_time)
    counts: dict[tuple[date, str], int] = {}
    while moment < end:
        key = (moment.date(), band_of(moment, bank_holidays))
        counts[key] = counts.get(key, 0) + 1
        moment += HOUR
    return [(day, band, quantity) for (day, band), quantity in counts.items()]


def expand(unit: str, starts_on: date, ends_on: date, *, start_time: time | None = None,
           end_time: time | None = None, quantity: int = 1, bank_holidays: Collection[date] = ()) -> list[UnitKey]:
    """The units of one booking of a service counted in `unit` (night, day, session or hour)."""
    if unit == "night":
        return [(night, "all", 1) for night in nights(starts_on, ends_on)]
    if unit == "hour":
        if start_time is None or end_time is None:
            raise ValueError("hours need a start and an end time")
        return hours(starts_on, start_time, ends_on, end_time, bank_holidays)
    return [(starts_on, "all", quantity)]
