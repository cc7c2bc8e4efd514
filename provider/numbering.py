"""Document numbers: one counter row per series, taken inside the issuing transaction.

The row is locked for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
serialises writers), so two people issuing at once never get the same number, and a rollback gives the
number back: no gaps. A number is the series, the financial year and six digits — INV2627000123 — at most
18 characters, digits and capitals only, so it can be quoted as a bank payment reference.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import String, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Field, Session, SQLModel, select

from provider.clock import financial_year_start

SERIES = re.compile(r"^[A-Z]{2,4}$")
DIGITS = 6
# A number as a payer writes it, once upper-cased and run together: the financial year and six digits, after up
# to a series' four capitals (any capitals before those are the payer's words). The digits are found first and the
# capitals read back from them, each repetition bounded, so reading a text takes time in proportion to its length
# however long a run of capitals it holds.
YEAR_AND_NUMBER = 4 + DIGITS
NAMED = re.compile(rf"\d{{{YEAR_AND_NUMBER}}}")
SERIES_BEFORE = re.compile(r"[A-Z]{0,4}$")


class NumberSeries(SQLModel, table=True):
    __tablename__ = "number_series"
    series: str = Field(sa_type=String(12), primary_key=True)
    next_value: int = 1


def year_code(day: date, start_month: int = 4) -> str:
    """'2627' for the financial year 1 April 2026 to 31 March 2027."""
    first = financial_year_start(day, start_month)
    return f"{first.year % 100:02d}{(first.year + 1) % 100:02d}"


def take(db: Session, prefix: str, day: date, start_month: int = 4) -> str:
    """The next number of `prefix`'s series for the financial year containing `day`."""
    return take_many(db, prefix, day, 1, start_month)[0]


def take_many(db: Session, prefix: str, day: date, count: int, start_month: int = 4) -> list[str]:
    """The next `count` numbers of the series, in order, with one lock and one update of its counter."""
    if not SERIES.match(prefix):
        raise ValueError("a series prefix is 2 to 4 capital letters")
    if count < 1:
        return []
    series = f"{prefix}{year_code(day, start_month)}"
    if db.get_bind().dialect.name == "postgresql":
        db.exec(pg_insert(NumberSeries).values(series=series, next_value=1).on_conflict_do_nothing())
    else:
        db.exec(insert(NumberSeries).values(series=series, next_value=1).prefix_with("OR IGNORE"))
    row = db.exec(select(NumberSeries).where(NumberSeries.series == series).with_for_update()
                  .execution_options(populate_existing=True)).one()
    first = row.next_value
    if first + count - 1 >= 10 ** DIGITS:
        raise OverflowError(f"the series {series} has used all its {DIGITS}-digit numbers")
    row.next_value = first + count
    db.add(row)
    db.flush()
    return [f"{series}{value:0{DIGITS}d}" for value in range(first, first + count)]


def run_together(text: str) -> str:
    """'inv 2627 000011' as 'INV2627000011': capitals and digits only."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def named_numbers(text: str) -> str:
    """The numbers a payer's text names, space-separated, each its series' capitals (or none) and its ten digits:
    'NCC REF INV 2627000011, 2627000012' gives 'INV2627000011 2627000012'."""
    together = run_together(text)
    return " ".join(SERIES_BEFORE.search(together, max(0, found.start() - 4), found.start()).group() + found.group()
                    for found in NAMED.finditer(together))


def split_named(token: str) -> tuple[str, str]:
    """A token of `named_numbers` as its capitals and its ten digits."""
    return token[:-YEAR_AND_NUMBER], token[-YEAR_AND_NUMBER:]
