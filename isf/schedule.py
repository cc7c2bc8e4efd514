"""An ISF's instalments and periods, from its agreement: plain functions over plain data (python-dateutil).

A four-weekly agreement runs in whole periods of 28 days; a monthly or quarterly one in calendar steps from the
first instalment's day. Each instalment is paid at the start of its period, in advance.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, rrule

STEP = {"four_weekly": (DAILY, 28), "monthly": (MONTHLY, 1), "quarterly": (MONTHLY, 3)}
WEEKS_A_YEAR = 52


class NoInstalments(ValueError):
    """The schedule as given produces no instalment."""


@dataclass(frozen=True)
class Period:
    number: int
    starts_on: date
    ends_on: date
    pence: int           # the instalment due on its first day


def periods(first_on: date, frequency: str, count: int, pence: int) -> list[Period]:
    if frequency not in STEP:
        raise NoInstalments("the frequency must be four-weekly, monthly or quarterly")
    if count <= 0:
        raise NoInstalments("the schedule must have at least one instalment")
    if pence <= 0:
        raise NoInstalments("each instalment must be more than nothing")
    freq, interval = STEP[frequency]
    if freq == DAILY:
        starts = [d.date() for d in rrule(DAILY, dtstart=first_on, interval=interval, count=count + 1)]
    else:   # counted from the first day, so a period starting on the 31st keeps to each month's last day
        starts = [first_on + relativedelta(months=interval * n) for n in range(count + 1)]
    return [Period(n + 1, starts[n], starts[n + 1] - timedelta(days=1), pence) for n in range(count)]


def period_on(all_periods: list[Period], day: date) -> Period | None:
    return next((p for p in all_periods if p.starts_on <= day <= p.ends_on), None)


def weekly_pence(yearly_pence: int) -> int:
    return yearly_pence // WEEKS_A_YEAR


def surplus_limit(yearly_pence: int, weeks: int | None, pence: int | None) -> int | None:
    """The balance above which a council reclaims: so many weeks of funding, or a fixed amount."""
    if pence is not None:
        return pence
    if weeks is not None:
        return weekly_pence(yearly_pence) * weeks
    return None
