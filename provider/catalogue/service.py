"""The catalogue of services and their price lists. Every check runs before anything is written."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider import hooks
from provider.catalogue import prices
from provider.catalogue.models import PricePeriod, Service, TimeBand, Unit
from provider.catalogue.schemas import PriceForm, PriceIn, ServiceIn, ServicePatch
from provider.dated import DAY
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.organisation.changes import validate_change, validate_new, values_of

UNIT_LABELS = {Unit.night: "Night", Unit.session: "Session", Unit.hour: "Hour", Unit.day: "Day"}
BAND_LABELS = {TimeBand.all: "All times", TimeBand.weekday: "Weekday", TimeBand.evening: "Evening",
               TimeBand.night: "Night", TimeBand.weekend: "Weekend", TimeBand.bank_holiday: "Bank holiday"}


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
