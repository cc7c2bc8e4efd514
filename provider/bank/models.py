"""Bank statements: each imported file, and each line (the column layouts of each bank's CSV are settings, in
`provider.organisation.models.ColumnMap`).

A line is identified by the bank's transaction id where there is one, otherwise by account, date, amount,
reference and its position among identical lines of that day: importing a file twice adds nothing, yet two
genuine identical payments on one day both count.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

import provider.organisation.models  # noqa: F401
from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class BankImport(SQLModel, table=True):
    """One statement file imported into one account: whole, or (overlapping an earlier one only in part) held
    for a person to confirm."""

    __tablename__ = "bank_imports"
    id: uuid.UUID = id_field()
    bank_account_id: uuid.UUID = Field(foreign_key="bank_accounts.id", index=True)
    filename: str = Field(sa_type=String(200))
    format: str = Field(sa_type=String(20))                 # csv:<map name>, ofx, camt053
    sha256: str = Field(sa_type=String(64), index=True)
    lines_in_file: int
    lines_new: int
    lines_already_held: int
    status: str = Field(default="imported", sa_type=String(20))   # imported, held (for confirmation), confirmed
    pending: str | None = Field(default=None, sa_type=Text)      # the new lines while held: JSON
    imported_at: datetime = timestamp_field()
    imported_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    confirmed_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class BankLine(SQLModel, table=True):
    __tablename__ = "bank_lines"
    __table_args__ = (UniqueConstraint("bank_account_id", "identity", name="uq_bank_lines_identity"),)
    id: uuid.UUID = id_field()
    bank_account_id: uuid.UUID = Field(foreign_key="bank_accounts.id", index=True)
    import_id: uuid.UUID = Field(foreign_key="bank_imports.id", index=True)
    identity: str = Field(sa_type=String(300))
    booked_on: date = Field(index=True)
    amount_pence: StoredPence                                     # money in positive, money out negative
    reference: str = Field(default="", sa_type=String(200))
    description: str = Field(default="", sa_type=Text)
    transaction_id: str | None = Field(default=None, sa_type=String(100))
    ignored_reason: str | None = Field(default=None, sa_type=Text)   # not a payment to match, and why
    # The document numbers the reference and the description name (provider.numbering.named_numbers), read once
    # when the line is imported rather than at every look at the lines.
    reference_numbers: str = Field(default="", sa_type=Text)
    description_numbers: str = Field(default="", sa_type=Text)
