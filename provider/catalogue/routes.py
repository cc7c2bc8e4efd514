"""Services and price lists: finance manages them; care coordinators may read them."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.audit.routes import register_history
from provider.catalogue import prices, service as catalogue
from provider.catalogue.models import VAT_LABELS, Service, TimeBand
from provider.catalogue.schemas import ServiceIn
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
CAN_READ = allow(Role.finance, Role.coordinator)

for _table in ("services", "price_periods"):
    register_history(_table, Role.finance)

LABELS = {"unit": catalogue.UNIT_LABELS, "vat": VAT_LABELS, "bands": catalogue.BAND_LABELS}


def _form_values(service: Service) -> dict:
    values = catalogue.values_of(service, ServiceIn)
    return {k: "" if v is None else (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


def _service_form(request: Request, values: dict, errors: dict, service: Service | None = None, status: int = 200):
    return render(request, "services/form.html", {"values": values, "errors": errors, "service": service,
                                                  "labels": LABELS}, status)


@router.get("/services")
def services_list(request: Request, db: DB, user: User = CAN_READ):
    return render(request, "services/list.html", {
        "services": catalogue.list_services(db), "in_force": catalogue.prices_in_force(db, today(db)),
        "today": today(db), "labels": LABELS, "can_edit": user.role == Role.finance})


@router.get("/services/new")
def service_new(request: Request, _: User = FINANCE):
    return _service_form(request, {"is_active": True}, {})


@router.post("/services/new")
def service_create(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            service = catalogue.create_service(db, data)
    except FieldErrors as exc:
        return _service_form(request, data, exc.errors, status=422)
    return RedirectResponse(f"/services/{service.id}", status_code=303)


@router.get("/services/{service_id}")
def service_view(request: Request, db: DB, service_id: uuid.UUID, user: User = CAN_READ):
    service = catalogue.get_service(db, service_id)
    periods = catalogue.price_periods(db, service)
    history = [(band, sorted(prices.of_band(periods, band), key=lambda p: p.starts_on, reverse=True))
               for band in prices.bands_for(service.priced_by_time_band)]
    return render(request, "services/view.html", {
        "service": service, "history": history, "today": today(db), "labels": LABELS,
        "can_edit": user.role == Role.finance})


@router.get("/services/{service_id}/edit")
def service_edit(request: Request, db: DB, service_id: uuid.UUID, _: User = FINANCE):
    service = catalogue.get_service(db, service_id)
    return _service_form(request, _form_values(service), {}, service)


@router.post("/services/{service_id}/edit")
def service_update(request: Request, db: DB, service_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    service = catalogue.get_service(db, service_id)
    try:
        with unit_of_work(db):
            catalogue.update_service(db, service, data)
    except FieldErrors as exc:
        return _service_form(request, {**_form_values(service), **data}, exc.errors, service, 422)
    return RedirectResponse(f"/services/{service.id}?saved=1", status_code=303)


def _price_form(request: Request, service: Service, values: dict, errors: dict, status: int = 200):
    bands = [(band.value, catalogue.BAND_LABELS[band]) for band in prices.bands_for(True)]
    return render(request, "services/price_form.html", {"service": service, "values": values, "errors": errors,
                                                        "bands": bands}, status)


@router.get("/services/{service_id}/prices/new")
def price_new(request: Request, db: DB, service_id: uuid.UUID, _: User = FINANCE):
    return _price_form(request, catalogue.get_service(db, service_id), {}, {})


@router.post("/services/{service_id}/prices/new")
def price_create(request: Request, db: DB, service_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    service = catalogue.get_service(db, service_id)
    if not service.priced_by_time_band:
        data.setdefault("time_band", TimeBand.all.value)
    try:
        with unit_of_work(db):
            catalogue.add_price(db, service, data)
    except FieldErrors as exc:
        return _price_form(request, service, data, exc.errors, 422)
    return RedirectResponse(f"/services/{service.id}?price_added=1#prices", status_code=303)
