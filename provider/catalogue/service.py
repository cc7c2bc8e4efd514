"""The catalogue of services and their price lists. Every check runs before anything is written."""
from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider import hooks
from provider.base import Count, Day
from provider.catalogue import prices
from provider.catalogue.models import PricePeriod, Service, TimeBand, Unit, VatTreatment
from provider.dated import DAY
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.organisation.changes import validate_change, validate_new, values_of
from provider.fields import blank_is_none, not_negative, PenceIn

UNIT_LABELS = {Unit.night: "Night", Unit.session: "Session", Unit.hour: "Hour", Unit.day: "Day"}
BAND_LABELS = {TimeBand.all: "All times", TimeBand.weekday: "Weekday", TimeBand.evening: "Evening",
               TimeBand.night: "Night", TimeBand.weekend: "Weekend", TimeBand.bank_holiday: "Bank holiday"}


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


def list_services(db: Session) -> list[Service]:
    return list(db.exec(select(Service).order_by(Service.is_active.desc(), Service.name)))


def get_service(db: Session, service_id: uuid.UUID) -> Service:
    service = db.get(Service, service_id)
    if service is None:
        raise NotFound("No such service.")
    return service


def price_periods(db: Session, service: Service) -> list[PricePeriod]:
    query = select(PricePeriod).where(PricePeriod.service_id == service.id)
    return list(db.exec(query.order_by(PricePeriod.time_band, PricePeriod.starts_on)))


def prices_in_force(db: Session, day: date) -> dict[uuid.UUID, list[PricePeriod]]:
    """Each service's price periods in force on `day` (one per band)."""
    found: dict[uuid.UUID, list[PricePeriod]] = {}
    query = select(PricePeriod).where(PricePeriod.starts_on <= day)
    for period in db.exec(query.order_by(PricePeriod.time_band)):
        if period.ends_on is None or period.ends_on >= day:
            found.setdefault(period.service_id, []).append(period)
    return found


def _problems(db: Session, shape: ServiceIn, service: Service | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    other = db.exec(select(Service.id).where(Service.code == shape.code)).first()
    if other is not None and (service is None or other != service.id):
        errors["code"] = "is already used by another service"
    if problem := prices.banding_problem(shape.unit, shape.priced_by_time_band):
        errors["priced_by_time_band"] = problem
    elif service is not None and shape.priced_by_time_band != service.priced_by_time_band and price_periods(db, service):
        errors["priced_by_time_band"] = "cannot change once the service has prices"
    return errors


def _save(db: Session, service: Service) -> Service:
    db.add(service)
    try:
        db.flush()
    except IntegrityError as exc:  # two people adding the same code at the same moment
        if "code" not in str(exc.orig):
            raise
        raise FieldErrors({"code": "is already used by another service"}) from None
    return service


def create_service(db: Session, data: dict | ServiceIn) -> Service:
    shape: ServiceIn = validate_new(ServiceIn, data)
    if errors := _problems(db, shape, None):
        raise FieldErrors(errors)
    return _save(db, Service(**shape.model_dump()))


def update_service(db: Session, service: Service, data: dict | ServicePatch) -> Service:
    shape = validate_change(ServiceIn, values_of(service, ServiceIn), data)
    if errors := _problems(db, shape, service):
        raise FieldErrors(errors)
    became_free = shape.free_to_families != service.free_to_families
    for name, value in shape.model_dump().items():
        if getattr(service, name) != value:
            setattr(service, name, value)
    saved = _save(db, service)
    if became_free:
        _flag_charges_from(db, service, date.min + DAY,
                           f"{service.name} was changed to be {'free' if service.free_to_families else 'not free'} "
                           "to families.")
    return saved


def _price_shape(data: dict | PriceIn | PriceForm) -> PriceIn:
    if isinstance(data, dict) and ("price" in data or "full_cost" in data):
        return validate_new(PriceForm, data).as_price()
    if isinstance(data, PriceForm):
        return data.as_price()
    return validate_new(PriceIn, data)


def add_price(db: Session, service: Service, data: dict | PriceIn | PriceForm) -> PricePeriod:
    """A new price period for one band; an open-ended one it follows is closed the day before it starts."""
    shape = _price_shape(data)
    if problem := prices.band_problem(service.priced_by_time_band, shape.time_band):
        raise FieldErrors({"time_band": problem})
    band = shape.time_band or TimeBand.all
    db.exec(select(Service.id).where(Service.id == service.id).with_for_update())  # one price change at a time
    to_close = prices.period_to_end(price_periods(db, service), band, shape.starts_on, shape.ends_on)
    if to_close is not None:
        to_close.ends_on = shape.starts_on - DAY
        db.add(to_close)
    period = PricePeriod(service_id=service.id, time_band=band, starts_on=shape.starts_on, ends_on=shape.ends_on,
                         price_pence=shape.price_pence, full_cost_pence=shape.full_cost_pence)
    db.add(period)
    db.flush()
    _flag_charges_from(db, service, shape.starts_on, f"The price of {service.name} changed from "
                                                     f"{short_date(shape.starts_on)}.")
    return period


def _flag_charges_from(db: Session, service: Service, day: date, reason: str) -> None:
    """Charges already stored from `day` on were priced before this change: recalculation is a person's step."""
    hooks.prices_changed(db, after=day - DAY, reason=reason, service_ids={service.id})
