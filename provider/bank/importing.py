"""Importing a statement file into one bank account, in the caller's one transaction.

A line's identity is the bank's transaction id where the format has one, otherwise its date, amount, reference
and its position among the file's identical lines of that day (the account is part of the unique key). So the
same file twice adds nothing, and two genuine identical payments on one day are two lines. A file whose lines
are partly held already is held itself, its new lines kept aside, until a person confirms it.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from datetime import date

from sqlalchemy import func, insert
from sqlmodel import Session, select

from provider.bank.models import BankImport, BankLine
from provider.bank.parse import BadFile, StatementLine, UnknownLayout, parse
from provider.base import new_id
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.numbering import named_numbers
from provider.organisation.models import BankAccount, ColumnMap

CHUNK = 500


def label(account: BankAccount) -> str:
    return account.label or account.account_name


def account_by_label(db: Session, name: str) -> BankAccount:
    found = db.exec(select(BankAccount).where(func.lower(BankAccount.label) == (name or "").strip().lower())).first()
    if found is None:
        labels = [a.label for a in db.exec(select(BankAccount).order_by(BankAccount.label)) if a.label]
        raise FieldErrors({"account": f"no bank account is labelled {name!r}: the labels are "
                                      f"{', '.join(labels) or 'not set yet (Settings, bank layouts)'}"})
    return found


def identities(lines: list[StatementLine]) -> list[str]:
    seen: Counter = Counter()
    keys, ids = [], {}
    for n, line in enumerate(lines, start=1):
        if line.transaction_id:
            if line.transaction_id in ids:
                raise BadFile(f"the bank's transaction id {line.transaction_id!r} is given to two transactions "
                              f"(number {ids[line.transaction_id]} and number {n} in the file)")
            ids[line.transaction_id] = n
            keys.append(f"id:{line.transaction_id}"[:300])
            continue
        same_day = (line.booked_on, line.amount_pence, line.reference)
        seen[same_day] += 1
        keys.append(f"{line.booked_on.isoformat()}|{line.amount_pence}|{seen[same_day]}|{line.reference}"[:300])
    return keys


def _lock(db: Session, account: BankAccount) -> None:
    """One import into an account at a time (SQLite's write transactions are serialised already)."""
    db.exec(select(BankAccount.id).where(BankAccount.id == account.id).with_for_update())


def _held(db: Session, account_id: uuid.UUID, lines: list[StatementLine], keys: list[str]) -> set[str]:
    """Which of `keys` the account holds already."""
    if not lines:
        return set()
    first, last = min(line.booked_on for line in lines), max(line.booked_on for line in lines)
    held = set(db.exec(select(BankLine.identity).where(BankLine.bank_account_id == account_id,
                                                      BankLine.booked_on >= first, BankLine.booked_on <= last)))
    by_id = [k for k in keys if k.startswith("id:") and k not in held]   # in case the bank moved one's date
    for at in range(0, len(by_id), CHUNK):
        held |= set(db.exec(select(BankLine.identity).where(BankLine.bank_account_id == account_id,
                                                           BankLine.identity.in_(by_id[at:at + CHUNK]))))
    return held & set(keys)


def _add(db: Session, record: BankImport, rows: list[tuple[str, StatementLine]]) -> None:
    if rows:
        db.connection().execute(insert(BankLine.__table__), [
            {"id": new_id(), "bank_account_id": record.bank_account_id, "import_id": record.id, "identity": key,
             "booked_on": line.booked_on, "amount_pence": line.amount_pence, "reference": line.reference[:200],
             "description": line.description, "transaction_id": (line.transaction_id or None) and
             line.transaction_id[:100], "ignored_reason": None,
             "reference_numbers": named_numbers(line.reference),
             "description_numbers": named_numbers(line.description)} for key, line in rows])


def import_file(db: Session, account: BankAccount, filename: str, data: bytes,
                actor_id: uuid.UUID | None = None) -> BankImport:
    """Refused whole, naming the problem, if the file was imported before, is not in a layout Lantern knows for
    the account, or has a malformed line."""
    if not account.is_active:
        raise FieldErrors({"account": f"{label(account)} is not in use"})
    _lock(db, account)
    digest = hashlib.sha256(data).hexdigest()
    earlier = db.exec(select(BankImport).where(BankImport.bank_account_id == account.id, BankImport.sha256 == digest,
                                               BankImport.status != "discarded")).first()
    if earlier is not None:
        raise FieldErrors({"file": f"{filename} is the same file as {earlier.filename}, imported into "
                                   f"{label(account)} on {short_date(earlier.imported_at)}: a file is imported once, "
                                   f"so nothing was added."})
    layout = db.get(ColumnMap, account.column_map_id) if account.column_map_id else None
    try:
        kind, lines = parse(data, layout)
        keys = identities(lines)
    except (BadFile, UnknownLayout) as exc:
        raise FieldErrors({"file": str(exc)}) from None
    held = _held(db, account.id, lines, keys)
    new = [(key, line) for key, line in zip(keys, lines) if key not in held]
    partly = bool(new) and bool(held)
    record = BankImport(bank_account_id=account.id, filename=(filename or "statement")[:200], format=kind,
                        sha256=digest, lines_in_file=len(lines), lines_new=len(new), lines_already_held=len(held),
                        status="held" if partly else "imported", imported_by_id=actor_id,
                        pending=json.dumps([_plain(key, line) for key, line in new]) if partly else None)
    db.add(record)
    db.flush()
    if not partly:
        _add(db, record, new)
    return record


def _plain(key: str, line: StatementLine) -> dict:
    return {"identity": key, "booked_on": line.booked_on.isoformat(), "amount_pence": line.amount_pence,
            "reference": line.reference, "description": line.description, "transaction_id": line.transaction_id}


def pending_lines(record: BankImport) -> list[tuple[str, StatementLine]]:
    return [(p["identity"], StatementLine(date.fromisoformat(p["booked_on"]), p["amount_pence"], p["reference"],
                                          p["description"], p["transaction_id"]))
            for p in json.loads(record.pending or "[]")]


def _waiting(db: Session, import_id: uuid.UUID) -> BankImport:
    record = db.get(BankImport, import_id)
    if record is None:
        raise NotFound("No such statement import")
    _lock(db, db.get(BankAccount, record.bank_account_id))
    db.refresh(record)   # read again under the lock: another person may have just decided
    if record.status != "held":
        raise FieldErrors({"import": f"{record.filename} is not waiting to be confirmed (it is {record.status})"})
    return record


def confirm(db: Session, import_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> BankImport:
    """Add a held file's new lines (any added meanwhile by another file are skipped)."""
    record = _waiting(db, import_id)
    rows = pending_lines(record)
    held = _held(db, record.bank_account_id, [line for _, line in rows], [key for key, _ in rows])
    new = [(key, line) for key, line in rows if key not in held]
    _add(db, record, new)
    record.status, record.pending, record.confirmed_by_id = "confirmed", None, actor_id
    record.lines_new, record.lines_already_held = len(new), record.lines_in_file - len(new)
    db.add(record)
    db.flush()
    return record


def discard(db: Session, import_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> BankImport:
    """A held file a person decided not to add: nothing from it is kept."""
    record = _waiting(db, import_id)
    record.status, record.pending, record.confirmed_by_id, record.lines_new = "discarded", None, actor_id, 0
    db.add(record)
    db.flush()
    return record


def summary(record: BankImport, account: BankAccount) -> str:
    counts = (f"{record.filename} into {label(account)}: {record.lines_in_file} line(s) in the file, "
              f"{record.lines_new} new, {record.lines_already_held} already held")
    if record.status == "held":
        return (f"{counts}. It overlaps an earlier statement only in part, so it is held for a person to confirm: "
                f"nothing was added yet.")
    if record.status == "discarded":
        return f"{counts}. Not added: a person decided against it."
    if record.lines_new == 0:
        return f"{counts}. Every line was held already: nothing was added."
    return f"{counts}."
