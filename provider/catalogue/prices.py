"""Price rules over plain data: amounts in pounds, which band a service is priced in, where a new period
may start, and the price in force on a day. No database here."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from provider.catalogue.models import HOURLY_BANDS, TimeBand, Unit
from provider.dated import P, in_force, period_to_close
from provider.fields import not_negative
from provider.money import MoneyError, Pence, parse_gbp


def pounds_to_pence(text: str | None) -> Pence:
    """A price typed in pounds ('650', '£1,150.00') to pence; ValueError says what is wrong in plain words."""
    if text is None or str(text).strip() == "":
        raise ValueError("is required")
    try:
        pence = parse_gbp(str(text))
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    return not_negative(pence)


def bands_for(priced_by_time_band: bool) -> tuple[TimeBand, ...]:
    return HOURLY_BANDS if priced_by_time_band else (TimeBand.all,)


def band_problem(priced_by_time_band: bool, band: TimeBand | str | None) -> str | None:
    if priced_by_time_band and band not in HOURLY_BANDS:
        return "is required: this service is priced by time band (weekday, evening, night, weekend, bank holiday)"
    if not priced_by_time_band and band not in (None, TimeBand.all):
        return "must be “all”: this service has one price at all times"
    return None


def banding_problem(unit: Unit | str, priced_by_time_band: bool) -> str | None:
    if priced_by_time_band and unit != Unit.hour:
        return "is only for hourly services"
    return None


def of_band(periods: Iterable[P], band: TimeBand | str) -> list[P]:
    return [p for p in periods if p.time_band == band]


def price_on(periods: Iterable[P], day: date, band: TimeBand | str = TimeBand.all) -> P | None:
    """The price period in force on `day` for `band`, or None when the service has no price that day."""
    return in_force(of_band(periods, band), day)


def period_to_end(periods: Sequence[P], band: TimeBand | str, starts_on: date, ends_on: date | None) -> P | None:
    """Where a new price for `band` may start: the open-ended period it closes the day before, or None.

    Raises FieldErrors naming starts_on when it would overlap or leave a gap (see provider.dated).
    """
    return period_to_close(of_band(periods, band), starts_on, ends_on, "price")
