"""Importing a fundraising system's export of gifts (CSV), in the caller's one transaction.

The file is comma-separated, UTF-8 (or Windows-1252, as Excel saves it), with a heading line naming its columns
(in any order, any case; other columns are ignored):

    Date       required  the day the gift was received, DD/MM/YYYY (e.g. 03/05/2026)
    Amount     required  in pounds, more than nothing (e.g. 25.00, £1,250.00)
    Type       required  Donation, Legacy, Event, Trading, Trust grant or Other
    Fund       required  the name of a charitable fund in Lantern (e.g. General Fund)
    Gift ID    required  the fundraising system's own id for the gift: a gift imported before is left out
    Gift Aid   optional  Yes or No (blank is No): the donor made a Gift Aid declaration
    Reference  optional  the appeal, event, shop or trust
    Donor ID   optional  the donor's id in the fundraising system (never a child's name)

Each gift's SORP head and exchange flag are its type's (see `provider.charity.models.DEFAULTS`); Donor ID and
Reference together are its donor or source reference. Every line is checked first and each problem reported by
line number and column ("line 7: Amount '12,5x' is not an amount of money"); one bad line and nothing is imported.
Importing the same file again adds nothing, and says so. A refund is not imported: it is a correction, made on the
page of the gift it refunds.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from provider.charity.models import DEFAULTS, TYPE_LABELS, CharitableIncome, IncomeType
from provider.charity.service import (NAMES_A_CHILD, Values, child_names, lock, names_a_child, operating_bank,
                                      write)
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funders.models import CharitableFund
from provider.money import MAX_PENCE, MoneyError, format_gbp, parse_gbp

COLUMNS = [
    ("Date", True, "The day the gift was received, written DD/MM/YYYY, e.g. 03/05/2026"),
    ("Amount", True, "In pounds, more than nothing, e.g. 25.00 or £1,250.00"),
    ("Type", True, "Donation, Legacy, Event, Trading, Trust grant or Other"),
    ("Fund", True, "The name of a charitable fund in Lantern, e.g. General Fund"),
    ("Gift ID", True, "The fundraising system's own id for the gift: a gift imported before is left out"),
    ("Gift Aid", False, "Yes or No (blank is No): the donor made a Gift Aid declaration"),
    ("Reference", False, "The appeal, event, shop or trust"),
    ("Donor ID", False, "The donor's id in the fundraising system, never a child's name"),
]
REQUIRED = [name for name, required, _ in COLUMNS if required]
MAX_BYTES = 5 * 1024 * 1024
MAX_REPORTED = 50
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class ImportResult:
    filename: str
    gifts: int
    added: int
    held_already: int
    added_pence: int

    @property
    def message(self) -> str:
        plural = "s" if self.gifts != 1 else ""
        if not self.added:
            return (f"{self.filename} was imported before: its {self.gifts} gift{plural} are recorded already, "
                    "so nothing was added.")
        added = (f"{self.filename}: {self.added} gift{'s' if self.added != 1 else ''} added, "
                 f"{format_gbp(self.added_pence)} in all.")
        if self.held_already:
            added += f" {self.held_already} had been imported before and were left out."
        return added


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise FieldErrors({"file": "is not a CSV file: save the export as CSV (comma-separated) and try again"})
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _type(value: str) -> IncomeType:
    folded = value.strip().lower().replace("-", " ").replace("_", " ")
    for kind, label in TYPE_LABELS.items():
        if folded in (label.lower(), kind.value.replace("_", " ")):
            return kind
    raise ValueError(f"is not one of: {', '.join(TYPE_LABELS.values())}")


def _line(cells: dict[str, str], funds: dict[str, CharitableFund], today: date, names: re.Pattern | None,
          problems: list[str]) -> Values | None:
    def bad(column: str, message: str) -> None:
        problems.append(f"{column} '{cells[column]}' {message}")

    for column in REQUIRED:
        if not cells[column]:
            problems.append(f"{column} is blank" + (": each gift needs the fundraising system's id"
                                                    if column == "Gift ID" else ""))
    received = amount = kind = fund = None
    if cells["Date"]:
        try:
            received = datetime.strptime(cells["Date"], "%d/%m/%Y").date()
            if received > today:
                bad("Date", f"is after today ({short_date(today)})")
        except ValueError:
            bad("Date", "is not a date written DD/MM/YYYY")
    if cells["Amount"]:
        try:
            amount = parse_gbp(cells["Amount"])
            if amount <= 0:
                bad("Amount", "is not more than nothing: a refund is a correction, made on the page of the gift "
                              "it refunds")
            elif amount > MAX_PENCE:
                bad("Amount", "is more than Lantern can hold")
        except MoneyError as exc:
            bad("Amount", "is finer than a penny" if "penny" in str(exc) else "is not an amount of money")
    if cells["Type"]:
        try:
            kind = _type(cells["Type"])
        except ValueError as exc:
            bad("Type", str(exc))
    if cells["Fund"]:
        fund = funds.get(cells["Fund"].lower())
        if fund is None:
            bad("Fund", f"is not a charitable fund in use: the funds are {', '.join(f.name for f in funds.values())}")
    if len(cells["Gift ID"]) > 120:
        bad("Gift ID", "is longer than 120 characters")
    if cells["Gift Aid"].lower() not in YES | NO:
        bad("Gift Aid", "must be Yes or No")
    donor = " · ".join(part for part in (cells["Donor ID"], cells["Reference"]) if part)
    if len(donor) > 200:
        problems.append("Donor ID and Reference are longer than 200 characters together")
    for column in ("Donor ID", "Reference"):
        if names_a_child(cells[column], names):
            problems.append(f"{column} {NAMES_A_CHILD}")
    if problems:
        return None
    head, exchange = DEFAULTS[kind]
    return Values(received, amount, kind, head, exchange, fund, fund.restricted, donor,
                  cells["Gift Aid"].lower() in YES, cells["Gift ID"])


def read(db: Session, content: bytes, today: date) -> list[tuple[int, Values]]:
    """Every gift in the file with its line number, or FieldErrors: the file's problem, or each bad line's."""
    if not content.strip():
        raise FieldErrors({"file": "is empty: export the gifts with a heading line, then one line each"})
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    try:
        heading = [cell.strip().lower() for cell in next(reader)]
        where = {name: heading.index(name.lower()) for name, _, _ in COLUMNS if name.lower() in heading}
        missing = [name for name in REQUIRED if name not in where]
        if missing:
            raise FieldErrors({"file": f"has no {', '.join(missing)} column: its heading line must name the "
                                       f"columns {', '.join(REQUIRED)} (and may name Gift Aid, Reference, Donor ID)"})
        funds = {f.name.lower(): f for f in db.exec(select(CharitableFund).where(CharitableFund.is_active)
                                                    .order_by(CharitableFund.name))}
        names, found, errors, seen = child_names(db), [], {}, {}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            number, problems = reader.line_num, []
            cells = {name: (row[where[name]].strip() if name in where and where[name] < len(row) else "")
                     for name, _, _ in COLUMNS}
            values = _line(cells, funds, today, names, problems)
            gift_id = cells["Gift ID"]
            if gift_id in seen:
                problems.append(f"Gift ID '{gift_id}' is also on line {seen[gift_id]}: each gift once")
            elif gift_id:
                seen[gift_id] = number
            if problems:
                errors[f"line {number}"] = "; ".join(problems)
            elif values is not None:
                found.append((number, values))
    except csv.Error as exc:
        raise FieldErrors({"file": f"cannot be read as CSV at line {reader.line_num}: {exc}"}) from None
    if errors:
        shown = dict(list(errors.items())[:MAX_REPORTED])
        if len(errors) > MAX_REPORTED:
            shown["more"] = f"and {len(errors) - MAX_REPORTED} more lines are wrong"
        lines = "1 line is" if len(errors) == 1 else f"{len(errors)} lines are"
        raise FieldErrors({"file": f"was not imported: {lines} wrong. Nothing was recorded; put the lines right "
                                   "and import the file again.", **shown})
    if not found:
        raise FieldErrors({"file": "has no gifts in it: only its heading line"})
    return found


def _held(db: Session, external_ids: list[str]) -> set[str]:
    held: set[str] = set()
    for at in range(0, len(external_ids), 500):
        held |= set(db.exec(select(CharitableIncome.external_id)
                            .where(CharitableIncome.external_id.in_(external_ids[at:at + 500]))))
    return held


def import_file(db: Session, filename: str, content: bytes, today: date,
                actor_id: uuid.UUID | None = None) -> ImportResult:
    """Record every gift of the file not imported before, or nothing at all if any line is wrong."""
    if len(content) > MAX_BYTES:
        raise FieldErrors({"file": "is larger than 5 MB: export a month or a quarter at a time"})
    lock(db)
    gifts = read(db, content, today)
    bank = operating_bank(db)
    held = _held(db, [values.external_id for _, values in gifts])
    added = [(number, values) for number, values in gifts if values.external_id not in held]
    name = (filename or "the file").rsplit("/", 1)[-1][:120]
    for number, values in added:
        write(db, values, bank, actor_id, f"import {name} line {number}")
    return ImportResult(name, len(gifts), len(added), len(gifts) - len(added),
                        sum(values.amount_pence for _, values in added))
