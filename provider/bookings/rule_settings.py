"""A service's booking rules as finance and admins set them: read (with the defaults) and saved."""
from __future__ import annotations

from sqlmodel import Session

from provider.bookings.models import BookingRules
from provider.bookings.queries import rules_for
from provider.bookings.schemas import BookingRulesIn
from provider.catalogue.models import Service
from provider.errors import FieldErrors
from provider.organisation.changes import validate_new


def booking_rules_of(db: Session, service: Service) -> BookingRules:
    """The service's rules, or (unsaved) the defaults: no limits but the warnings at 17 nights and 75 days."""
    return rules_for(db, service) or BookingRules(service_id=service.id)


def save_booking_rules(db: Session, service: Service, data: dict | BookingRulesIn) -> BookingRules:
    shape: BookingRulesIn = validate_new(BookingRulesIn, data)
    if (shape.min_stay_nights is not None and shape.max_stay_nights is not None
            and shape.max_stay_nights < shape.min_stay_nights):
        raise FieldErrors({"max_stay_nights": "must not be fewer than the shortest stay"})
    row = rules_for(db, service)
    if row is None:
        # An INSERT fills a None from the column's default (17 nights, 75 days); the update below clears it.
        row = BookingRules(service_id=service.id)
        db.add(row)
        db.flush()
    for name, value in shape.model_dump().items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    db.add(row)
    db.flush()
    return row
