"""Recording a grant award: checked, then posted as income on the day the hospice became entitled to it.

An award is not changed once recorded: its income is in the ledger. Its instalments are invoiced (or expected)
by the invoice runs (`invoicing.grants`)."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider import references
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.funders.models import Funder, FunderKind
from provider.fields import checked
from provider.funding.service import po_length_problem
from provider.grants.models import GrantAward
from provider.grants.schemas import GrantIn
from provider.ledger import accounts
from provider.ledger.models import EntryKind
from provider.ledger.post import Line, post

PAYING_KINDS = (FunderKind.icb, FunderKind.nhs_england)
FREQUENCIES = {"quarterly": "Quarterly", "monthly": "Monthly"}


def grant_receivable(award_id: uuid.UUID, db: Session) -> accounts.Spec:
    award = db.get(GrantAward, award_id)
    return accounts.grant_receivable(award_id, award.name, award.reference)


def _problems(db: Session, shape: GrantIn, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if shape.ends_on < shape.starts_on:
        errors["ends_on"] = "must not be before the start date"
    if shape.amount_pence is None:
        errors["amount_pence"] = "is required"
    elif shape.amount_pence <= 0:
        errors["amount_pence"] = "must be more than nothing"
    if shape.entitled_on > today:
        errors["entitled_on"] = (f"is after today ({short_date(today)}): record the award on or after the day the "
                                 "hospice becomes entitled to it")
    payer = db.get(Funder, shape.paid_by_id)
    if payer is None:
        errors["paid_by_id"] = "is not a known funder"
    elif payer.kind not in PAYING_KINDS:
        errors["paid_by_id"] = "must be an ICB (or NHS England): the funding is paid on NHS England's behalf"
    elif problem := po_length_problem(payer, shape.po_number):
        errors["po_number"] = problem
    same = select(func.count()).select_from(GrantAward).where(func.lower(GrantAward.reference) == shape.reference.lower())
    if db.exec(same).one():
        errors["reference"] = "is already used by another award"
    return errors


def record_award(db: Session, data: dict[str, Any] | BaseModel, today: date, actor_id: uuid.UUID | None = None,
                 *, pounds: bool = False) -> GrantAward:
    """Record the award and post its income on the day of entitlement (or the first open day after)."""
    shape: GrantIn = checked(GrantIn, data, lambda s: _problems(db, s, today), pounds=pounds)
    award = GrantAward(**shape.model_dump(), created_by_id=actor_id)
    db.add(award)
    try:
        db.flush()
    except IntegrityError:
        raise FieldErrors({"reference": "is already used by another award"}) from None
    receivable = accounts.open_account(db, grant_receivable(award.id, db))
    income = accounts.open_account(db, accounts.grant_income(award.id, award.name, award.reference))
    post(db, EntryKind.grant_entitlement, [Line(receivable, debit=award.amount_pence),
                                           Line(income, credit=award.amount_pence)],
         service_date=award.entitled_on, description=f"{award.name} {award.reference}: entitled",
         source_ref=references.source_ref("grant", award.id), group_id=award.id, actor_id=actor_id,
         on=award.entitled_on)
    return award


def get_award(db: Session, award_id: uuid.UUID) -> GrantAward:
    award = db.get(GrantAward, award_id)
    if award is None:
        raise NotFound("No such grant award")
    return award


def list_awards(db: Session) -> list[GrantAward]:
    return list(db.exec(select(GrantAward).order_by(GrantAward.starts_on.desc(), GrantAward.reference)))
