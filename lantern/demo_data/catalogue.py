"""Willow's services and their prices from 1 April 2026: (price, full cost of care) in pence."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from provider.catalogue.models import HOURLY_BANDS, PricePeriod, Service, TimeBand, Unit, VatTreatment

PRICES_FROM = date(2026, 4, 1)
CARE_VAT_REASON = "Care supplied by a charity / regulated hospice"
NOT_REGISTERED_REASON = "Willow Children's Hospice is not registered for VAT"


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    unit: Unit
    prices: dict[TimeBand, tuple[int, int]]
    bed_based: bool = False
    group: bool = False
    capacity: int | None = None
    free_to_families: bool = False
    vat_treatment: VatTreatment = VatTreatment.exempt
    vat_reason: str = CARE_VAT_REASON
    priced_by_time_band: bool = field(init=False, default=False)

    def __post_init__(self):
        object.__setattr__(self, "priced_by_time_band", TimeBand.all not in self.prices)


def _one(price: int, full_cost: int) -> dict[TimeBand, tuple[int, int]]:
    return {TimeBand.all: (price, full_cost)}


SERVICES = [
    ServiceSpec("SHORT_BREAK_NIGHT", "Short-break night", Unit.night, _one(65000, 115000), bed_based=True, capacity=8),
    ServiceSpec("DAY_CARE", "Day care", Unit.day, _one(22000, 31000), group=True, capacity=6),
    ServiceSpec("SIBLING_SUPPORT", "Sibling support session", Unit.session, _one(3500, 6000), group=True, capacity=12),
    ServiceSpec("ACTIVITY_BREAK_DAY", "Activity-break day", Unit.day, _one(18000, 24000), group=True, capacity=10),
    ServiceSpec("HYDROTHERAPY", "Hydrotherapy session", Unit.session, _one(6000, 7500), capacity=1),
    ServiceSpec("MUSIC_PLAY_THERAPY", "Music and play therapy session", Unit.session, _one(5500, 7000), capacity=1),
    ServiceSpec("CARE_AT_HOME", "Care at home", Unit.hour, {
        TimeBand.weekday: (3200, 3800), TimeBand.evening: (3600, 4200), TimeBand.night: (3800, 4500),
        TimeBand.weekend: (4000, 4800), TimeBand.bank_holiday: (5500, 6000)}),
    ServiceSpec("END_OF_LIFE_NIGHT", "End-of-life care night", Unit.night, _one(0, 140000), bed_based=True,
                capacity=2, free_to_families=True),
    ServiceSpec("CARE_AFTER_DEATH_NIGHT", "Care after death night", Unit.night, _one(0, 90000), bed_based=True,
                capacity=1, free_to_families=True),
    ServiceSpec("BEREAVEMENT_SUPPORT", "Bereavement support session", Unit.session, _one(0, 8000),
                free_to_families=True),
    ServiceSpec("DP_ADVICE", "Direct-payment advice and assistance", Unit.hour,
                {band: (4000, 4000) for band in HOURLY_BANDS},
                vat_treatment=VatTreatment.outside_scope, vat_reason=NOT_REGISTERED_REASON),
    ServiceSpec("ISF_MANAGEMENT_FEE", "ISF management fee (each four-week period)", Unit.session, _one(1500, 1500),
                vat_treatment=VatTreatment.outside_scope, vat_reason=NOT_REGISTERED_REASON),
]


def service_row(spec: ServiceSpec) -> Service:
    return Service(code=spec.code, name=spec.name, unit=spec.unit, bed_based=spec.bed_based, group=spec.group,
                   capacity=spec.capacity, vat_treatment=spec.vat_treatment, vat_reason=spec.vat_reason,
                   free_to_families=spec.free_to_families, priced_by_time_band=spec.priced_by_time_band)


def build(session: Session) -> dict[str, Service]:
    services = {spec.code: service_row(spec) for spec in SERVICES}
    session.add_all(services.values())
    session.flush()  # the rows have no ORM relationships: parents are written before the rows that refer to them
    for spec in SERVICES:
        service = services[spec.code]
        for band, (price, full_cost) in spec.prices.items():
            session.add(PricePeriod(service_id=service.id, time_band=band, starts_on=PRICES_FROM, ends_on=None,
                                    price_pence=price, full_cost_pence=full_cost))
    return services
