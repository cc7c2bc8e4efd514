"""What the bank pages and API show: each account, its imports, and its lines with their suggestions or payment."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing.bank_lines.matching import Suggestion, open_book, suggest
from provider.bank.models import BankImport, BankLine
from invoicing.payments.models import Payment
from provider.bank import claims
from provider.errors import NotFound
from provider.organisation.models import BankAccount, ColumnMap

STATES = ("unmatched", "matched", "ignored")


@dataclass(frozen=True)
class Row:
    line: Any                      # the line's columns, read as a row (tens of thousands load faster than models)
    payment_id: uuid.UUID | None
    payer_name: str | None         # whom its payment is from, once matched
    suggestions: list[Suggestion]

    @property
    def state(self) -> str:
        return "matched" if self.payment_id else "ignored" if self.line.ignored_reason else "unmatched"


@dataclass(frozen=True)
class AccountView:
    account: BankAccount
    layout: ColumnMap | None
    unmatched: int


def accounts(db: Session) -> list[AccountView]:
    layouts = {m.id: m for m in db.exec(select(ColumnMap))}
    waiting = dict(db.exec(select(BankLine.bank_account_id, func.count())
                           .outerjoin(Payment, Payment.bank_line_id == BankLine.id)
                           .where(Payment.id.is_(None), BankLine.ignored_reason.is_(None),
                                  BankLine.id.not_in(claims.claimed_ids()))
                           .group_by(BankLine.bank_account_id)).all())
    found = db.exec(select(BankAccount).order_by(BankAccount.is_active.desc(), BankAccount.label,
                                                 BankAccount.account_name))
    return [AccountView(a, layouts.get(a.column_map_id), waiting.get(a.id, 0)) for a in found]


def get_account(db: Session, account_id: uuid.UUID) -> BankAccount:
    account = db.get(BankAccount, account_id)
    if account is None:
        raise NotFound("No such bank account")
    return account


def imports(db: Session, status: str | None = None, limit: int = 50) -> list[BankImport]:
    query = select(BankImport).order_by(BankImport.imported_at.desc()).limit(limit)
    if status:
        query = query.where(BankImport.status == status)
    return list(db.exec(query))


def rows(db: Session, account_id: uuid.UUID | None = None, state: str | None = None,
         line_id: uuid.UUID | None = None) -> list[Row]:
    """An account's lines (or one line), in date order, each with its payment or (unmatched money in) its
    suggestions."""
    query = (select(*BankLine.__table__.c, Payment.id.label("payment_id"), Payment.payer_name)
             .outerjoin(Payment, Payment.bank_line_id == BankLine.id).order_by(BankLine.booked_on, BankLine.identity))
    if account_id is not None:
        query = query.where(BankLine.bank_account_id == account_id)
    if line_id is not None:
        query = query.where(BankLine.id == line_id)
    if state == "matched":
        query = query.where(Payment.id.is_not(None))
    elif state == "ignored":
        query = query.where(BankLine.ignored_reason.is_not(None))
    elif state == "unmatched":
        query = query.where(Payment.id.is_(None), BankLine.ignored_reason.is_(None))
    found = db.exec(query).all()
    used = set(db.exec(claims.claimed_ids()).scalars().all()) if found else set()
    found = [line for line in found if line.id not in used]    # matched to ISF money: on the ISF client account page
    waiting = [line for line in found if line.payment_id is None and not line.ignored_reason and line.amount_pence > 0]
    b = open_book(db) if waiting else None
    return [Row(line, line.payment_id, line.payer_name, suggest(b, line) if b and line.payment_id is None else [])
            for line in found]


def row(db: Session, line_id: uuid.UUID) -> Row:
    found = rows(db, line_id=line_id)
    if not found:
        raise NotFound("No such bank statement line")
    return found[0]
