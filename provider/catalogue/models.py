"""The services the hospice provides, with effective-dated prices and full cost of care."""
from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field, SQLModel

from provider.base import id_field
from provider.money import StoredPence


class Unit(StrEnum):
    night = "night"
    session = "session"
    hour = "hour"
    day = "day"


class VatTreatment(StrEnum):
    exempt = "exempt"
    outside_scope = "outside_scope"
    zero = "zero"
    standard = "standard"


VAT_LABELS = {
    VatTreatment.exempt: "Exempt",
    VatTreatment.outside_scope: "Outside the scope of VAT",
    VatTreatment.zero: "Zero-rated",
    VatTreatment.standard: "Standard-rated",
}


class TimeBand(StrEnum):
    """Hourly services are priced by band; every other service has one price: `all`."""

    all = "all"
    weekday = "weekday"
    evening = "evening"
    night = "night"
    weekend = "weekend"
    bank_holiday = "bank_holiday"


HOURLY_BANDS = (TimeBand.weekday, TimeBand.evening, TimeBand.night, TimeBand.weekend, TimeBand.bank_holiday)


class Service(SQLModel, table=True):
    __tablename__ = "services"
    __audited__ = True
    id: uuid.UUID = id_field()
    code: str = Field(sa_type=String(30), unique=True)
    name: str = Field(sa_type=String(200))
    unit: Unit = Field(sa_type=String(20))
    bed_based: bool = False
    group: bool = False
    capacity: int | None = None
    vat_treatment: VatTreatment = Field(sa_type=String(20))
    vat_reason: str = Field(sa_type=Text)
    free_to_families: bool = False
    priced_by_time_band: bool = False
    is_active: bool = True


class PricePeriod(SQLModel, table=True):
    """Price and full cost of care from `starts_on` to `ends_on` (open when None), for one time band."""

    __tablename__ = "price_periods"
    __table_args__ = (
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint("full_cost_pence >= 0", name="full_cost_not_negative"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="services.id", index=True)
    time_band: TimeBand = Field(default=TimeBand.all, sa_type=String(20))
    starts_on: date
    ends_on: date | None = None
    price_pence: StoredPence
    full_cost_pence: StoredPence
