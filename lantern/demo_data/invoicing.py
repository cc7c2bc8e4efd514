"""Willow's invoicing of 2026/27: each month from April to February issued early the next month, March left for a
new user to run (its block income released at the month's end all the same); the hospital day of scenario 6
credited by the December run."""
from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from invoicing.instalments import release_deferred
from invoicing.runs import issue_run
from provider.organisation.models import Holiday, HolidayKind
from provider.users.models import User


def _first_working_day(session: Session, day: date) -> date:
    bank_holidays = set(session.exec(select(Holiday.starts_on).where(Holiday.kind == HolidayKind.bank_holiday)))
    while day.weekday() >= 5 or day in bank_holidays:
        day += timedelta(days=1)
    return day


def invoice_months(session: Session, finance: User, first: date, last: date) -> None:
    """Issue the months from `first` to `last` (first days): block and grant instalments on their due day (the
    first working day of the month, in advance), the care of each month on the first working day of the month after."""
    month = first
    while month <= last:
        following = month + relativedelta(months=1)
        end = following - timedelta(days=1)
        issue_run(session, month, end, finance.id, on=_first_working_day(session, month), instalments_only=True)
        issue_run(session, month, end, finance.id, on=_first_working_day(session, following))
        month = following


def month_end(session: Session, finance: User, last_day: date) -> None:
    """Finance's month-end, without the invoicing: the block contracts' deferred income for the month that has just
    ended is released, so the year's block income is whole before its last invoice run."""
    release_deferred(session, last_day, _first_working_day(session, last_day + timedelta(days=1)), finance.id)
