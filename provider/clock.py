"""The one clock. A real database uses the real date; a demo database keeps its own as-of date."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from provider.base import SystemState


def today(session: Session) -> date:
    state = session.get(SystemState, 1)
    if state is not None and state.as_of_date is not None:
        return state.as_of_date
    return date.today()


def set_as_of_date(session: Session, as_of: date | None) -> None:
    state = session.get(SystemState, 1) or SystemState(id=1)
    state.as_of_date = as_of
    session.add(state)


def financial_year_start(day: date, start_month: int = 4) -> date:
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


def financial_year_label(day: date, start_month: int = 4) -> str:
    """'2026/27' for any day from 1 April 2026 to 31 March 2027."""
    start = financial_year_start(day, start_month)
    return f"{start.year}/{(start.year + 1) % 100:02d}"
