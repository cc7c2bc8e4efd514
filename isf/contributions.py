"""Whose money is left in an ISF: the family's own contribution or the commissioner's.

Where the agreement says the family's contribution is spent first, everything used for the child (care drawn
down, suppliers' payments, fees) comes out of it before the commissioner's money; otherwise what is left is shared
in proportion to what each paid in. Money returned to the commissioner comes out of the commissioner's part.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from isf import service
from isf.models import IsfAgreement, IsfReceipt

FAMILY = "family_contribution"


@dataclass(frozen=True)
class Split:
    family: int          # the family's own contribution still in the ISF
    commissioner: int    # the rest of the balance


def split(contributed: int, received: int, used: int, balance: int, first: bool) -> Split:
    """`contributed` of the `received` came from the family; `used` went on the child; `balance` is left."""
    if balance <= 0 or contributed <= 0:
        return Split(0, max(balance, 0))
    family = max(0, contributed - used) if first else balance * contributed // received
    family = min(family, balance)
    return Split(family, balance - family)


def of(db: Session, agreement: IsfAgreement) -> Split:
    p = service.position(db, agreement, None)
    contributed = db.exec(select(func.coalesce(func.sum(IsfReceipt.pence), 0)).where(
        IsfReceipt.agreement_id == agreement.id, IsfReceipt.source == FAMILY)).one()
    return split(int(contributed), p.received, p.drawn + p.spent + p.fees, p.balance,
                 agreement.family_contribution_first)
