"""When an ISF's reviews fall due, by the law each source falls under (DOMAIN.md §5): a council's children's
direct payment within 6 months and then at least yearly; an SEN personal budget within 3 months and then yearly;
others (personal health budgets, the Care Act) at least yearly. Plain functions over plain data."""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from provider.dates import short_date

FIRST_REVIEW_MONTHS = {"children_act": 6, "sen_personal_budgets": 3}
WARN = relativedelta(days=30)


def review_dates(starts_on: date, laws: list[str], until: date) -> list[date]:
    """Every review date from the start to `until`: the earliest first review any source needs, then yearly."""
    first = min((FIRST_REVIEW_MONTHS.get(law, 12) for law in laws), default=12)
    found, due = [], starts_on + relativedelta(months=first)
    while due <= until:
        found.append(due)
        due += relativedelta(years=1)
    return found


def next_review(starts_on: date, laws: list[str], today: date, done_until: date | None = None) -> date:
    """The first review due after the last one done (or from the start when none is recorded)."""
    after = done_until or starts_on - relativedelta(days=1)
    for due in review_dates(starts_on, laws, today + relativedelta(years=2)):
        if due > after:
            return due
    return today


def reminder(due: date, today: date) -> str | None:
    if due < today:
        return f"review overdue since {short_date(due)}"
    if due <= today + WARN:
        return f"review due on {short_date(due)}"
    return None
