"""The API's and forms' shapes for the catalogue: services and their prices, and the field types they check.

No `from __future__ import annotations` here: ServiceOut keeps another module's name for the API document, and
pydantic would look its annotations up in that module; evaluated as each class is made, they need no look-up."""
import re
import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from provider.base import Count, Day
from provider.catalogue import prices
from provider.catalogue.models import TimeBand, Unit, VatTreatment
from provider.fields import PenceIn, blank_is_none, not_negative


def _code(value: str) -> str:
    value = value.upper()
    if not re.fullmatch(r"[A-Z0-9_]{1,30}", value):
        raise ValueError("must be capital letters, digits and underscores (at most 30), like SHORT_BREAK_NIGHT")
    return value


def _positive(value: int) -> int:
    if value < 1:
        raise ValueError("must be a positive whole number")
    return value


Code = Annotated[str, AfterValidator(_code)]
Capacity = Annotated[Annotated[Count, AfterValidator(_positive)] | None, BeforeValidator(blank_is_none)]
NotNegativePence = Annotated[PenceIn, Field(strict=True, description="Whole pence, not negative"),
                             AfterValidator(not_negative)]
Pounds = Annotated[PenceIn, BeforeValidator(prices.pounds_to_pence)]



class ServiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code = Field(description="Capitals, digits and underscores, e.g. SHORT_BREAK_NIGHT")
    name: str = Field(min_length=1, max_length=200)
    unit: Unit
    bed_based: bool = False
    group: bool = False
    capacity: Capacity = Field(default=None, description="How many at once (beds, places); optional")
    vat_treatment: VatTreatment
    vat_reason: str = Field(min_length=1, max_length=2000, description="Why this VAT treatment applies")
    free_to_families: bool = False
    priced_by_time_band: bool = Field(default=False, description="Only for hourly services")
    is_active: bool = True


class ServicePatch(BaseModel):
    """A change to a service: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: Unit | None = None
    bed_based: bool | None = None
    group: bool | None = None
    capacity: Capacity = None
    vat_treatment: VatTreatment | None = None
    vat_reason: str | None = Field(default=None, min_length=1, max_length=2000)
    free_to_families: bool | None = None
    priced_by_time_band: bool | None = None
    is_active: bool | None = None


class ServiceOut(BaseModel):
    # Published in the API document as provider__catalogue__service__ServiceOut: funding has a shape of the same
    # name, and the document names clashing shapes by module, so this one keeps the module it was first published
    # from.
    __module__ = "provider.catalogue.service"
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    unit: Unit
    bed_based: bool
    group: bool
    capacity: int | None
    vat_treatment: VatTreatment
    vat_reason: str
    free_to_families: bool
    priced_by_time_band: bool
    is_active: bool


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    time_band: TimeBand | None = Field(default=None, description="Hourly banded services only; otherwise omit or 'all'")
    starts_on: Day
    ends_on: Day | None = Field(default=None, description="Leave out for a price in force until the next one")
    price_pence: NotNegativePence
    full_cost_pence: NotNegativePence = Field(description="Full cost of care per unit, in whole pence")


class PriceForm(BaseModel):
    """The price form: the same, in pounds."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    time_band: TimeBand | None = None
    starts_on: Day
    ends_on: Day | None = None
    price: Pounds
    full_cost: Pounds

    def as_price(self) -> PriceIn:
        return PriceIn(time_band=self.time_band, starts_on=self.starts_on, ends_on=self.ends_on,
                       price_pence=self.price, full_cost_pence=self.full_cost)


class PriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    service_id: uuid.UUID
    time_band: TimeBand
    starts_on: date
    ends_on: date | None
    price_pence: int
    full_cost_pence: int

