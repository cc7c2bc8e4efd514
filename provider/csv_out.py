"""Every CSV Lantern writes goes through here, so that no cell runs as a formula in a spreadsheet.

A text cell starting with =, +, -, @, a tab or a carriage return is written after a single quote (OWASP's rule for
CSV injection): a name, a reference or a bank's remittance text is read as text, never run. A figure is written as
it is, so that a finance package reads a negative amount as a number: an int, a Decimal, or a `Figure` — text that
is a number as written ('-12.50'), checked when it is made, so no other text can pass for one.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from provider.money import pounds_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


class Figure(str):
    """A number written as text: '-12.50', '3', '0.00'."""

    def __new__(cls, text: str) -> Figure:
        if not NUMBER.fullmatch(text):
            raise ValueError(f"{text!r} is not a number written as digits, a point and a minus sign")
        return super().__new__(cls, text)


def amount(pence: int) -> Figure:
    """Pence as pounds, as every export writes an amount: plain digits, two decimals, a minus sign when negative."""
    return Figure(pounds_text(pence))


def safe(cell: object) -> object:
    """The cell as the writer writes it: text that a spreadsheet would run gets a single quote in front."""
    if isinstance(cell, str) and not isinstance(cell, Figure) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]], line_end: str = "\r\n") -> str:
    """The header and the rows as CSV text (each cell text, a figure, a date or None; None is an empty cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow([safe(cell) for cell in header])
    writer.writerows([safe(cell) for cell in row] for row in rows)
    return out.getvalue()
