"""The charges' check for `lantern check`: no unit of care has two current charges."""
from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from provider.charges.models import Charge, ChargeState


def units_charged_twice(db: Session) -> list[str]:
    rows = db.exec(select(Charge.unit_id, func.count()).where(Charge.state == ChargeState.current)
                   .group_by(Charge.unit_id).having(func.count() > 1))
    return [f"Unit of care {unit_id} has {count} current charges." for unit_id, count in rows]


CHECKS = (units_charged_twice,)
