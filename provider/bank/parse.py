"""Statement files to plain lines: CSV by a bank's column map, OFX (`ofx.py`) and ISO 20022 camt.053 (`camt.py`).

A file is read whole or refused whole: a malformed line raises `BadFile` naming its line number, a file that is
not in a layout Lantern knows for the account raises `UnknownLayout` naming what was expected.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from provider.organisation.models import ColumnMap

FORMATS = "a CSV in the account's layout, an OFX file or an ISO 20022 camt.053 statement"
# The longest text a line may carry. A payer's reference is 18 characters on Faster Payments and BACS and 140 in
# ISO 20022; the description is the payer's name and the bank's own words (in camt.053 at most 140 + 500 + 500).
# Anything longer is not a bank's.
LONGEST = {"reference": 200, "description": 2_000, "transaction id": 100}


@dataclass(frozen=True)
class StatementLine:
    booked_on: date
    amount_pence: int            # money in positive, money out negative
    reference: str
    description: str
    transaction_id: str | None   # the bank's own id for the line, where the format has one


class BadFile(ValueError):
    """A malformed line: nothing is imported from the file."""

    def __init__(self, problem: str, line: int | None = None):
        where = f"Line {line}: " if line else ""
        super().__init__(f"{where}{problem}. Nothing was imported from this file.")
        self.line = line


class UnknownLayout(ValueError):
    """Not a file Lantern can read for this account."""


def bounded(field: str, text: str) -> str:
    """`text`, or a ValueError naming the field when it is longer than a bank's statement line ever holds."""
    if len(text) > LONGEST[field]:
        raise ValueError(f"the {field} is {len(text):,} characters long: a statement line's {field} is at most "
                         f"{LONGEST[field]:,}")
    return text


def bounded_line(line: StatementLine) -> StatementLine:
    for field, text in (("reference", line.reference), ("description", line.description),
                        ("transaction id", line.transaction_id or "")):
        bounded(field, text)
    return line


def amount_pence(text: str) -> int:
    """'£1,234.50', '-12.3', '+60', '(250.00)' to pence, through Decimal; refuses fractions of a penny."""
    cleaned = (text or "").strip().replace("£", "").replace(",", "").replace(" ", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(f"the amount {text.strip()!r} is not an amount of money" if text.strip() else
                         "the amount is missing")
    return decimal_pence(Decimal(cleaned), text.strip())


def decimal_pence(value: Decimal, shown: str) -> int:
    try:
        pence = value * 100
        if pence != pence.to_integral_value():
            raise ValueError(f"the amount {shown!r} has a fraction of a penny")
        return int(pence)
    except InvalidOperation:
        raise ValueError(f"the amount {shown!r} is not an amount of money") from None


def human_format(date_format: str) -> str:
    """'%d/%m/%Y' as people read it: 'DD/MM/YYYY'."""
    for code, shown in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY"), ("%b", "Mon"), ("%B", "Month")):
        date_format = date_format.replace(code, shown)
    return date_format


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252, which UK banks' exports often are."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def columns_of(layout: ColumnMap) -> dict[str, str]:
    """What each of the layout's columns holds, by the column's name in the file."""
    named = {"date": layout.date_column, "amount": layout.amount_column, "paid in": layout.paid_in_column,
             "paid out": layout.paid_out_column, "reference": layout.reference_column,
             "description": layout.description_column, "transaction id": layout.transaction_id_column}
    return {role: name.strip() for role, name in named.items() if name and name.strip()}


def expected_header(layout: ColumnMap) -> str:
    return ", ".join(columns_of(layout).values())


def parse_csv(data: bytes, layout: ColumnMap) -> list[StatementLine]:
    reader = csv.reader(io.StringIO(decode(data), newline=""), delimiter=layout.delimiter or ",")
    try:
        return _csv_lines(reader, layout)
    except csv.Error as exc:   # a cell longer than the csv module reads, or a stray NUL
        raise BadFile(f"the CSV cannot be read ({exc})", reader.line_num) from None


def _csv_lines(reader, layout: ColumnMap) -> list[StatementLine]:
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise UnknownLayout(f"The file is empty: expected a first row naming the columns {expected_header(layout)} "
                            f"(the layout {layout.name!r}).")
    index = {cell.strip().casefold(): i for i, cell in enumerate(header)}
    wanted = columns_of(layout)
    missing = [name for name in wanted.values() if name.casefold() not in index]
    if missing:
        raise UnknownLayout(f"The file's first row does not fit the layout {layout.name!r}: it has no column "
                            f"{', '.join(repr(m) for m in missing)}. Expected the columns {expected_header(layout)}; "
                            f"the file has {', '.join(cell.strip() for cell in header)}.")
    at = {role: index[name.casefold()] for role, name in wanted.items()}
    lines = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        try:
            lines.append(_csv_line(row, at, layout))
        except ValueError as exc:
            raise BadFile(str(exc), reader.line_num) from None
    return lines


def _csv_line(row: list[str], at: dict[str, int], layout: ColumnMap) -> StatementLine:
    def cell(role: str) -> str:
        if role not in at:
            return ""
        if at[role] >= len(row):
            raise ValueError(f"the row has {len(row)} column(s), so its column {columns_of(layout)[role]!r} is missing")
        return row[at[role]].strip()

    shown = cell("date")
    try:
        booked_on = datetime.strptime(shown, layout.date_format).date()
    except ValueError:
        raise ValueError(f"the date {shown!r} is not a date written {human_format(layout.date_format)}" if shown
                         else "the date is missing") from None
    if "amount" in at:
        pence = amount_pence(cell("amount"))
    else:
        paid_in, paid_out = cell("paid in"), cell("paid out")
        if not paid_in and not paid_out:
            raise ValueError("has neither a paid-in nor a paid-out amount")
        pence = (amount_pence(paid_in) if paid_in else 0) - (abs(amount_pence(paid_out)) if paid_out else 0)
    return bounded_line(StatementLine(booked_on, pence, cell("reference"), cell("description"),
                                      cell("transaction id") or None))


def kind_of(data: bytes) -> str:
    """'ofx', 'camt053' or 'csv', from the file's first bytes; refuses what is plainly none of them."""
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if start.startswith(b"OFXHEADER") or b"<OFX>" in start or b"<?OFX" in start:
        return "ofx"
    if start.startswith((b"<", b"\x00<", b"\xff\xfe<\x00", b"\xfe\xff\x00<")):   # XML, in UTF-16 too
        return "camt053"
    if start.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or b"\x00" in start:
        raise UnknownLayout(f"This is not a statement Lantern can read (a PDF or spreadsheet?): expected {FORMATS}.")
    return "csv"


def parse(data: bytes, layout: ColumnMap | None) -> tuple[str, list[StatementLine]]:
    """The file's format ('csv:<layout>', 'ofx' or 'camt053') and its lines."""
    from provider.bank import camt, ofx

    kind = kind_of(data)
    if kind == "ofx":
        return "ofx", ofx.parse_ofx(data)
    if kind == "camt053":
        return "camt053", camt.parse_camt053(data)
    if layout is None:
        raise UnknownLayout(f"This looks like a CSV file, but the account has no CSV layout: choose one in the bank "
                            f"layouts settings, or import {FORMATS}.")
    return f"csv:{layout.name}"[:20], parse_csv(data, layout)
