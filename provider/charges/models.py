"""Stored allocations: each delivered (or chargeable cancelled) unit becomes a charge split into parts.

A stored allocation never changes by itself. A recalculation supersedes a charge with a new one and keeps
the old; a charge already invoiced is corrected through the invoicing run, never rewritten.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class ChargeState(StrEnum):
    current = "current"
    superseded = "superseded"


class Charge(SQLModel, table=True):
    __tablename__ = "charges"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # At most one current charge per unit of care, so nothing is billed twice.
        Index("uq_charges_current_unit", "unit_id", unique=True,
              postgresql_where=text("state = 'current'"), sqlite_where=text("state = 'current'")),
    )
    id: uuid.UUID = id_field()
    unit_id: uuid.UUID = Field(foreign_key="booking_units.id")
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    service_id: uuid.UUID = Field(foreign_key="services.id")
    day: date = Field(index=True)
    time_band: str = Field(default="all", sa_type=String(20))
    quantity: int = 1
    state: ChargeState = Field(default=ChargeState.current, sa_type=String(20))
    needs_recalculation: bool = False
    flagged_reason: str | None = Field(default=None, sa_type=Text)
    rule_version: str = Field(sa_type=String(20))
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="charges.id")
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


class ChargePart(SQLModel, table=True):
    """Who pays what of one charge, the rule that decided it and a sentence saying why."""

    __tablename__ = "charge_parts"
    __table_args__ = (
        CheckConstraint("pence >= 0", name="pence_not_negative"),
        CheckConstraint("memorandum_pence >= 0", name="memorandum_not_negative"),
    )
    id: uuid.UUID = id_field()
    charge_id: uuid.UUID = Field(foreign_key="charges.id", index=True)
    position: int
    arrangement_ref: str = Field(sa_type=String(80), index=True)
    kind: str = Field(sa_type=String(20))
    payer_ref: str = Field(sa_type=String(80), index=True)
    payer_name: str = Field(sa_type=String(200))
    pence: StoredPence
    units: int = 0
    memorandum_pence: StoredPence = 0
    rule: str = Field(sa_type=String(40))
    reason: str = Field(sa_type=Text)
