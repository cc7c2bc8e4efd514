"""Booking rules (DOMAIN.md §4) over plain data: each check says, in a sentence, what it refuses or warns of.

A refusal stops a booking unless a named person overrides it with a reason; a warning is shown and the
booking goes ahead. Nothing here reads the database or the clock.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from provider.dates import short_date

DAY = timedelta(days=1)
ROLLING_YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Rules:
    """One service's rules; None means no limit."""

    service_name: str = "This service"
    unit: str = "night"
    units_per_year: int | None = None
    year_start: tuple[int, int] = (4, 1)
    future_stays_at_once: int | None = None
    min_stay_nights: int | None = None
    max_stay_nights: int | None = None
    school_holiday_nights_per_year: int | None = None
    nights_in_a_row: int | None = 17
    council_days_warning: int | None = 75


@dataclass(frozen=True)
class Stay:
    """A booking as the rules see it: its dates and the units that count (not cancelled), as (day, quantity)."""

    starts_on: date
    ends_on: date
    units: tuple[tuple[date, int], ...]

    @property
    def days(self) -> list[date]:
        return [day for day, _ in self.units]


@dataclass
class Findings:
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.refusals or self.warnings)


def year_of(day: date, start: tuple[int, int]) -> date:
    begins = date(day.year, *start)
    return begins if day >= begins else date(day.year - 1, *start)


def year_label(begins: date) -> str:
    if (begins.month, begins.day) == (1, 1):
        return str(begins.year)
    return f"{begins.year}/{(begins.year + 1) % 100:02d}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


def _per_year(units: Iterable[tuple[date, int]], start: tuple[int, int]) -> dict[date, int]:
    totals: dict[date, int] = {}
    for day, quantity in units:
        begins = year_of(day, start)
        totals[begins] = totals.get(begins, 0) + quantity
    return totals


def check_units_per_year(rules: Rules, proposed: Sequence[Stay], existing: Sequence[Stay]) -> list[str]:
    if rules.units_per_year is None:
        return []
    mine = _per_year((u for s in proposed for u in s.units), rules.year_start)
    before = _per_year((u for s in existing for u in s.units), rules.year_start)
    problems = []
    for begins in sorted(mine):
        total = before.get(begins, 0) + mine[begins]
        if total > rules.units_per_year:
            problems.append(
                f"{rules.service_name} allows {_plural(rules.units_per_year, rules.unit)} a year; with this booking "
                f"there would be {total} in {year_label(begins)} ({before.get(begins, 0)} booked already).")
    return problems


def check_future_stays(rules: Rules, proposed: Sequence[Stay], existing: Sequence[Stay], today: date) -> list[str]:
    if rules.future_stays_at_once is None:
        return []
    new = [s for s in proposed if s.starts_on > today]
    if not new:
        return []
    booked = [s for s in existing if s.starts_on > today and s.units]
    total = len(booked) + len(new)
    if total <= rules.future_stays_at_once:
        return []
    return [f"No more than {rules.future_stays_at_once} future stays may be in the diary at once; with this booking "
            f"there would be {total}."]


def check_stay_length(rules: Rules, proposed: Sequence[Stay]) -> list[str]:
    problems = []
    for stay in proposed:
        count = (stay.ends_on - stay.starts_on).days
        if rules.min_stay_nights is not None and count < rules.min_stay_nights:
            problems.append(f"A stay must be at least {_plural(rules.min_stay_nights, 'night')}; the stay from "
                            f"{short_date(stay.starts_on)} is {_plural(count, 'night')}.")
        if rules.max_stay_nights is not None and count > rules.max_stay_nights:
            problems.append(f"A stay may be at most {_plural(rules.max_stay_nights, 'night')}; the stay from "
                            f"{short_date(stay.starts_on)} is {_plural(count, 'night')}.")
    return problems


def in_holidays(day: date, holidays: Sequence[tuple[date, date]]) -> bool:
    return any(first <= day <= last for first, last in holidays)


def check_school_holiday_nights(rules: Rules, proposed: Sequence[Stay], existing: Sequence[Stay],
                                school_holidays: Sequence[tuple[date, date]]) -> list[str]:
    if rules.school_holiday_nights_per_year is None:
        return []
    limit = rules.school_holiday_nights_per_year

    def holiday_units(stays):
        return ((d, q) for s in stays for d, q in s.units if in_holidays(d, school_holidays))

    mine = _per_year(holiday_units(proposed), rules.year_start)
    before = _per_year(holiday_units(existing), rules.year_start)
    problems = []
    for begins in sorted(mine):
        total = before.get(begins, 0) + mine[begins]
        if total > limit:
            problems.append(f"At most {_plural(limit, 'night')} a year may fall in school holidays; with this "
                            f"booking there would be {total} in {year_label(begins)}.")
    return problems


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Runs of consecutive days as (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def check_nights_in_a_row(rules: Rules, proposed: Sequence[Stay], existing: Sequence[Stay]) -> list[str]:
    if rules.nights_in_a_row is None:
        return []
    mine = {d for s in proposed for d in s.days}
    warnings = []
    for first, last in _runs(mine | {d for s in existing for d in s.days}):
        count = (last - first).days + 1
        if count > rules.nights_in_a_row and any(first <= d <= last for d in mine):
            warnings.append(f"{count} nights in a row, {short_date(first)} to {short_date(last)}: more than the local "
                            f"limit of {rules.nights_in_a_row}.")
    return warnings


def check_council_days(rules: Rules, proposed_council: Iterable[date], existing_council: Iterable[date]) -> list[str]:
    """Council-arranged short breaks passing the limit (75 days) in any rolling 12 months that holds a new day."""
    if rules.council_days_warning is None:
        return []
    mine = set(proposed_council)
    if not mine:
        return []
    days = sorted(mine | set(existing_council))
    worst: tuple[int, date] | None = None
    for end in days:
        window = [d for d in days if end - ROLLING_YEAR < d <= end]
        if not any(d in mine for d in window):
            continue
        if len(window) > rules.council_days_warning and (worst is None or len(window) > worst[0]):
            worst = (len(window), end)
    if worst is None:
        return []
    return [f"Council-arranged short breaks would reach {worst[0]} days in the 12 months to {short_date(worst[1])}: "
            f"more than {rules.council_days_warning}, which changes which legal rules apply to the child's care."]


def check(rules: Rules, proposed: Sequence[Stay], existing: Sequence[Stay], *, today: date, nights: bool = True,
          school_holidays: Sequence[tuple[date, date]] = (), proposed_council: Iterable[date] = (),
          existing_council: Iterable[date] = ()) -> Findings:
    """Every rule at once. `existing` is this participant's other bookings of the service that still count."""
    findings = Findings()
    findings.refusals += check_units_per_year(rules, proposed, existing)
    findings.refusals += check_future_stays(rules, proposed, existing, today)
    if nights:
        findings.refusals += check_stay_length(rules, proposed)
        findings.refusals += check_school_holiday_nights(rules, proposed, existing, school_holidays)
        findings.warnings += check_nights_in_a_row(rules, proposed, existing)
        findings.warnings += check_council_days(rules, proposed_council, existing_council)
    return findings
