"""Recurring bookings from a simple rule: on these weekdays, every N weeks, until a date, perhaps in term time only.

Pure: the school holidays come in as (first day, last day) pairs read from the provider's calendar.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.rrule import WEEKLY, rrule, weekday

from provider.dates import long_date

MAX_OCCURRENCES = 400
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class TooMany(ValueError):
    """The rule would make more bookings than anyone should book at once."""


@dataclass(frozen=True)
class Repeat:
    starts_on: date
    until: date
    weekdays: tuple[int, ...] = ()   # 0 = Monday; empty means the weekday of `starts_on`
    every_weeks: int = 1
    term_time_only: bool = False

    @property
    def days_of_week(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.weekdays))) if self.weekdays else (self.starts_on.weekday(),)


def _rule(repeat: Repeat) -> rrule:
    return rrule(WEEKLY, interval=repeat.every_weeks, byweekday=[weekday(d) for d in repeat.days_of_week],
                 dtstart=datetime.combine(repeat.starts_on, datetime.min.time()),
                 until=datetime.combine(repeat.until, datetime.min.time()))


def rule_text(repeat: Repeat) -> str:
    """The rule in iCalendar form (RFC 5545), kept with the bookings it made."""
    return str(_rule(repeat))


def _in_holiday(day: date, holidays: Sequence[tuple[date, date]]) -> bool:
    return any(first <= day <= last for first, last in holidays)


def occurrences(repeat: Repeat, school_holidays: Iterable[tuple[date, date]] = (),
                limit: int = MAX_OCCURRENCES) -> list[date]:
    """Every day the rule falls on, school holidays left out when term time only.

    Raises TooMany as soon as the count passes `limit`, without listing the rest.
    """
    holidays = list(school_holidays) if repeat.term_time_only else []
    days: list[date] = []
    for moment in _rule(repeat):
        day = moment.date()
        if holidays and _in_holiday(day, holidays):
            continue
        days.append(day)
        if len(days) > limit:
            raise TooMany(f"would make more than {limit} bookings; choose an earlier end date or fewer days")
    return days


def describe(repeat: Repeat) -> str:
    """'Every Tuesday in term time, until 15 July 2027'."""
    names = [WEEKDAY_NAMES[d] for d in repeat.days_of_week]
    days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    every = "Every" if repeat.every_weeks == 1 else f"Every {repeat.every_weeks} weeks on"
    term = " in term time" if repeat.term_time_only else ""
    return f"{every} {days}{term}, from {long_date(repeat.starts_on)} until {long_date(repeat.until)}"
