"""Banks' CSV layouts (column maps) and which account uses which: settings, so a new bank needs no code."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from provider.errors import FieldErrors
from provider.organisation.models import BankAccount, ColumnMap

DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Vertical bar"}
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "bar": "|"}   # form values: a tab would be stripped
TEXT_FIELDS = ("name", "date_column", "date_format", "amount_column", "paid_in_column", "paid_out_column",
               "reference_column", "description_column", "transaction_id_column")
SAMPLE_DAY = date(2027, 1, 28)


def _clean(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value)


def layouts(db: Session) -> list[ColumnMap]:
    return list(db.exec(select(ColumnMap).order_by(ColumnMap.name)))


def add_layout(db: Session, data: dict) -> ColumnMap:
    values = {field: _clean(data.get(field)) for field in TEXT_FIELDS}
    values["date_format"] = values["date_format"] or "%d/%m/%Y"
    delimiter = SEPARATORS.get(data.get("delimiter") or "comma")
    errors = {}
    if not values["name"]:
        errors["name"] = "is required: the bank's name, say"
    elif len(values["name"]) > 100:
        errors["name"] = "is too long (100 characters at most)"
    elif db.exec(select(ColumnMap).where(func.lower(ColumnMap.name) == values["name"].lower())).first():
        errors["name"] = "is the name of another layout already"
    for field in ("date_column", "reference_column"):
        if not values[field]:
            errors[field] = "is required: the column's heading, as the file's first row has it"
    try:
        if datetime.strptime(SAMPLE_DAY.strftime(values["date_format"]), values["date_format"]).date() != SAMPLE_DAY:
            raise ValueError
    except ValueError:
        errors["date_format"] = "must give the day, month and year, like %d/%m/%Y for 28/01/2027"
    signed, split = values["amount_column"], (values["paid_in_column"], values["paid_out_column"])
    if not ((signed and not any(split)) or (not signed and all(split))):
        errors["amount_column"] = "is needed, or else both a paid-in and a paid-out column (not both kinds)"
    if delimiter is None:
        errors["delimiter"] = "must be a comma, semicolon, tab or vertical bar"
    if any(len(v) > 100 for v in values.values()):
        errors.setdefault("name", "a column heading is too long (100 characters at most)")
    if errors:
        raise FieldErrors(errors)
    layout = ColumnMap(**{k: v or None for k, v in values.items() if k != "name"}, name=values["name"],
                       delimiter=delimiter)
    db.add(layout)
    db.flush()
    return layout


def set_account(db: Session, account: BankAccount, data: dict) -> BankAccount:
    """What finance calls the account (`lantern bank-import --account NAME`) and its CSV layout."""
    label, layout_id = _clean(data.get("label")), _clean(data.get("column_map_id"))
    errors = {}
    if len(label) > 60:
        errors["label"] = "is too long (60 characters at most)"
    elif label and db.exec(select(BankAccount).where(func.lower(BankAccount.label) == label.lower(),
                                                     BankAccount.id != account.id)).first():
        errors["label"] = "is the label of another account already"
    layout = None
    if layout_id:
        try:
            layout = db.get(ColumnMap, uuid.UUID(layout_id))
        except ValueError:
            pass
        if layout is None:
            errors["column_map_id"] = "is not one of the layouts"
    if errors:
        raise FieldErrors(errors)
    account.label, account.column_map_id = label or None, layout.id if layout else None
    db.add(account)
    db.flush()
    return account
