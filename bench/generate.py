"""Benchmark data: a provider of N children with families and Y years of history, in bulk, deterministically.

    python -m bench.generate --children 5000 --years 5 [--database-url URL] [--seed 2027] [--reset]

Without --database-url it uses DATABASE_URL, else the file bench/out/bench.db (replaced on each run). The
years are the Y financial years up to 2026/27; the clock stands at the demo's 10 April 2027. One
function per kind of record (`make_*`), each appending rows through `Bench.insert`: later issues add
their own records (income) the same way. Funding arrangements, bookings with each
unit's attendance, and the charges the engine allocates for them (with their ledger postings) are made by
`make_block_contracts`, `make_arrangements` and `make_bookings`; `make_invoices` then runs the app's own
invoicing month by month up to `OPEN_MONTH`, which it leaves for `bench.invoice_month`, and `make_payments` pays
the invoices. Then `make_isfs` (bench/generate_isf.py) gives every ISF arrangement its agreement, receipts, fees
and supplier payments; last, `make_charity` (bench/generate_charity.py) records each year's charitable income and
NHS grant award.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, date, datetime, time as clock_time, timedelta
from enum import Enum
from itertools import islice
from pathlib import Path
from unittest import mock

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, func, insert, inspect, select, text
from sqlmodel import Session, SQLModel

import lantern.models  # noqa: F401  (every table in the metadata)
from bench.generate_charity import make_charity
from bench.generate_isf import make_isfs
from invoicing.models import BilledInstalment, BilledPart, CreditNote, Invoice, InvoiceLine
from invoicing.payments.models import Allocation, Payment
from invoicing.payments import service as payments
from invoicing.runs import issue_run
from provider.base import SystemState
from provider.bookings.models import Booking, BookingUnit, CancelReason, UnitStatus
from provider.charges.models import Charge, ChargePart
from provider.catalogue.models import PricePeriod, Service
from provider.dates import short_date
from provider.db import make_engine
from lantern.demo import AS_OF
from lantern.demo_data import catalogue, names, organisation
from lantern.demo_data.nhs_numbers import nhs_numbers
from provider.funders.models import (CharitableFund, CodeKind, DepartmentKind, Funder, FunderCode,
                                     FunderDepartment, FunderKind, FundService)
from provider.funding import inputs
from provider.funding.engine import CHARITY_KINDS, RULE_VERSION, Outcome, UnitOfCare, allocate
from provider.funding.models import (FAMILY_HELD, Arrangement, ArrangementKind, ArrangementRate, ArrangementService,
                                     ArrangementShare, BlockContract, BlockContractService, BudgetLaw, BudgetSource,
                                     ManagementOption)
from provider.funding.units import CHARGEABLE_CANCELLATIONS
from provider import references
from provider.charges.posting import stream_of
from reports import income_months
from reports import income_children
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.migrate import upgrade
from provider.numbering import NumberSeries
from provider.organisation.models import BankAccount, Holiday, HolidayKind, ProviderSettings
from provider.people.models import (Child, ChildRelationship, ChildStatus, FamilyMember, Nomination, Nominee,
                                    NomineeKind, Relationship)
from provider.users.models import Role, User
from provider.users.passwords import hash_password

DEFAULT_FILE = Path(__file__).resolve().parent / "out" / "bench.db"
BATCH = 1000
LAST_YEAR = 2026  # the latest financial year of history: 2026/27, priced as Willow's demo
PRICE_RISE = 1.04  # each year's prices are 4% above the year before's
BENCH_PASSWORD = "bench-password-2027"
COUNTY_NAMES = ["Northshire", "Eastvale", "Westmoor", "Southdown", "Fenland", "Highcliff", "Marshford", "Greywater",
                "Oakridge", "Stonebridge", "Ashdale", "Kingsholm", "Lowfield", "Brackenby", "Thornbury", "Redhill"]
ICB_NAMES = ["Riverside", "Hillshire", "Coastal", "Valleys", "Moorland", "Forest", "Lakeside", "Downs"]


@dataclass
class Bench:
    """What the generator has made so far: the connection, the seeded random source and the ids of each kind."""

    conn: Connection
    rng: random.Random
    children: int
    years: int
    ids: dict[str, list] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    invoicing: dict = field(default_factory=dict)  # what make_invoices did, for the summary

    @property
    def first_year(self) -> int:
        return LAST_YEAR - self.years + 1

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def insert(self, model: type[SQLModel], rows: list[dict], plain: bool = False) -> None:
        """Bulk insert; `plain` rows hold no enums, so they go in as they are."""
        table = model.__table__
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            self.conn.execute(insert(table), batch if plain else [_plain(row) for row in batch])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))


def _plain(row: dict) -> dict:
    return {key: value.value if isinstance(value, Enum) else value for key, value in row.items()}


def _dump(model: SQLModel) -> dict:
    return {column.key: getattr(model, column.key) for column in model.__table__.columns}


def make_clock(b: Bench) -> None:
    b.insert(SystemState, [{"id": 1, "as_of_date": AS_OF}])


def make_settings(b: Bench) -> None:
    b.insert(ProviderSettings, [_dump(organisation.settings())])
    b.insert(BankAccount, [{**_dump(account), "id": b.new_id()} for account in organisation.bank_accounts()])
    b.insert(Holiday, [{**_dump(day), "id": b.new_id()} for day in organisation.holidays()])


def make_users(b: Bench) -> None:
    password_hash = hash_password(BENCH_PASSWORD)
    rows = [{"id": b.new_id(), "email": f"{role.value}@bench.example", "name": f"Bench {role.label}",
             "role": role, "password_hash": password_hash, "is_active": True, "created_at": _moment(b, AS_OF)}
            for role in Role if role != Role.family]
    coordinators = max(1, b.children // 250)
    rows += [{"id": b.new_id(), "email": f"coordinator{n}@bench.example", "name": f"Key Worker {n}",
              "role": Role.coordinator, "password_hash": password_hash, "is_active": True,
              "created_at": _moment(b, AS_OF)} for n in range(1, coordinators + 1)]
    b.insert(User, rows)
    b.ids["key_workers"] = [row["id"] for row in rows if row["role"] == Role.coordinator]


def make_funders(b: Bench) -> None:
    councils = COUNTY_NAMES[:max(2, min(len(COUNTY_NAMES), math.ceil(b.children / 400)))]
    icbs = ICB_NAMES[:max(2, min(len(ICB_NAMES), math.ceil(b.children / 800)))]
    funders, codes, departments = [], [], []
    for n, county in enumerate(councils):
        funder_id = b.new_id()
        funders.append(_funder(funder_id, FunderKind.local_authority, f"{county} Council", po_required=n % 2 == 1,
                               charges_cancellations=n % 3 == 2))
        departments += [{"id": b.new_id(), "funder_id": funder_id, "kind": kind, "name": name,
                         "invoice_email": f"{kind.value}@{county.lower()}.example", "billing_address": None}
                        for kind, name in ((DepartmentKind.social_care, "Children's Social Care"),
                                           (DepartmentKind.education, "Education (Special Educational Needs)"))]
    for n, area in enumerate(icbs):
        funder_id = b.new_id()
        funders.append(_funder(funder_id, FunderKind.icb, f"{area} ICB", secure_email=f"{area.lower()}.iv@nhs.example",
                               invoice_number_max_length=30, max_days_dated_ahead=14))
        codes += [{"id": b.new_id(), "funder_id": funder_id, "kind": kind, "value": value,
                   "starts_on": date(2024, 4, 1), "ends_on": None}
                  for kind, value in ((CodeKind.organisation_code, f"Q{n:02d}"),
                                      (CodeKind.payables_code, f"K9{n:02d}"))]
    funders.append(_funder(b.new_id(), FunderKind.nhs_england, "NHS England", invoice_number_max_length=30,
                           max_days_dated_ahead=14))
    b.insert(Funder, funders)
    b.insert(FunderCode, codes)
    b.insert(FunderDepartment, departments)
    b.ids["councils"] = [f["id"] for f in funders if f["kind"] == FunderKind.local_authority]
    b.ids["care_departments"] = {d["funder_id"]: d["id"] for d in departments
                                 if d["kind"] == DepartmentKind.social_care}
    b.ids["icbs"] = [f["id"] for f in funders if f["kind"] == FunderKind.icb]


def _funder(funder_id: uuid.UUID, kind: FunderKind, name: str, **rules) -> dict:
    row = _dump(Funder(kind=kind, name=name, billing_address=f"{name}\nPO Box 100\nCounty Hall", **rules))
    return {**row, "id": funder_id}


def make_services(b: Bench) -> None:
    """Willow's catalogue, with a new price each 1 April: 2026/27 at Willow's prices, 4% less each year before."""
    services, periods = [], []
    for spec in catalogue.SERVICES:
        service_id = b.new_id()
        services.append({**_dump(catalogue.service_row(spec)), "id": service_id})
        for band, (price, full_cost) in spec.prices.items():
            for year in range(b.first_year, LAST_YEAR + 1):
                factor = PRICE_RISE ** (year - LAST_YEAR)
                periods.append({"id": b.new_id(), "service_id": service_id, "time_band": band,
                                "starts_on": date(year, 4, 1),
                                "ends_on": None if year == LAST_YEAR else date(year + 1, 3, 31),
                                "price_pence": _to_pound(price * factor),
                                "full_cost_pence": _to_pound(full_cost * factor)})
    b.insert(Service, services)
    b.insert(PricePeriod, periods)
    b.ids["services"] = {row["code"]: row["id"] for row in services}


def _to_pound(pence: float) -> int:
    return int(round(pence / 100)) * 100


def make_funds(b: Bench) -> None:
    appeal, pool, general = b.new_id(), b.new_id(), b.new_id()
    b.insert(CharitableFund, [
        {"id": appeal, "name": "Sibling Support Appeal", "restricted": True, "is_active": True,
         "purpose": "Sibling support sessions"},
        {"id": pool, "name": "Hydrotherapy Pool Appeal", "restricted": True, "is_active": True,
         "purpose": "Hydrotherapy and music and play therapy sessions"},
        {"id": general, "name": "General Fund", "restricted": False, "is_active": True,
         "purpose": "Unrestricted income"},
    ])
    services = b.ids["services"]
    b.insert(FundService, [{"fund_id": appeal, "service_id": services["SIBLING_SUPPORT"]},
                           {"fund_id": pool, "service_id": services["HYDROTHERAPY"]},
                           {"fund_id": pool, "service_id": services["MUSIC_PLAY_THERAPY"]}])


def make_children(b: Bench) -> None:
    """N children registered across the Y years; some have since died or moved to adult services."""
    rng, start = b.rng, date(b.first_year, 4, 1)
    numbers = list(islice(nhs_numbers(999_100_000), b.children))
    rng.shuffle(numbers)  # not in the order of registration
    references: set[str] = set()
    rows = []
    for _ in range(b.children):
        registered = b.day_between(start, AS_OF - timedelta(days=1))
        born = b.day_between(registered - timedelta(days=17 * 365), registered - timedelta(days=30))
        council = rng.choice(b.ids["councils"])
        status, status_date, roll = ChildStatus.active, None, rng.random()
        if roll < 0.03:
            status, status_date = ChildStatus.died, b.day_between(registered, AS_OF - timedelta(days=1))
        elif roll < 0.07:
            status_date = b.day_between(registered, AS_OF - timedelta(days=1))
            status, born = ChildStatus.adult_services, status_date - timedelta(days=18 * 365 + 4)
        first = rng.choice(names.GIRLS if rng.random() < 0.5 else names.BOYS)
        rows.append({
            "id": b.new_id(), "first_name": first, "last_name": rng.choice(names.SURNAMES),
            "preferred_name": names.NICKNAMES.get(first) if rng.random() < 0.4 else None,
            "date_of_birth": born, "nhs_number": numbers[len(rows)],
            "council_reference": _reference(b, council, references) if rng.random() < 0.7 else None,
            "home_authority_id": council, "icb_id": rng.choice(b.ids["icbs"]),
            "key_worker_id": rng.choice(b.ids["key_workers"]), "status": status, "status_date": status_date,
            "notes": "", "created_at": _moment(b, registered)})
    b.insert(Child, rows)
    b.ids["children"] = rows


def _reference(b: Bench, council: uuid.UUID, taken: set[str]) -> str:
    prefix = COUNTY_NAMES[b.ids["councils"].index(council)][:2].upper()
    while True:
        reference = f"{prefix}-{b.rng.randrange(100000, 1000000)}"
        if reference not in taken:
            taken.add(reference)
            return reference


def _moment(b: Bench, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(minutes=b.rng.randrange(480))


def make_families(b: Bench) -> None:
    """Parents (with parental responsibility) and siblings; about one household in twenty has two children here."""
    rng, members, links = b.rng, [], []
    children = b.ids["children"]
    households, index = [], 0
    while index < len(children):
        size = 2 if rng.random() < 0.05 and index + 1 < len(children) else 1
        households.append(children[index:index + size])
        index += size
    parents_by_child: dict[uuid.UUID, list[str]] = {}
    family_by_child: dict[uuid.UUID, dict[str, list]] = {}
    for household in households:
        surname = household[0]["last_name"]
        address = f"{rng.randrange(1, 200)} {rng.choice(names.STREETS)}\nTown {rng.randrange(1, 40)}"
        people = []
        if rng.random() < 0.85:
            people.append((f"{rng.choice(names.MOTHERS)} {surname}", Relationship.mother, True))
        if rng.random() < 0.6 or not people:
            people.append((f"{rng.choice(names.FATHERS)} {surname}", Relationship.father, True))
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3])):
            people.append((f"{rng.choice(names.GIRLS + names.BOYS)} {surname}", Relationship.sibling, False))
        for name, relationship, responsible in people:
            member_id = b.new_id()
            sibling = relationship == Relationship.sibling
            members.append({
                "id": member_id, "name": name, "address": address, "notes": "", "user_id": None,
                "date_of_birth": b.day_between(date(2006, 1, 1), date(2026, 1, 1)) if sibling else None,
                "email": None if sibling else name.lower().replace(" ", ".").replace("'", "") + "@example.com",
                "phone": None if sibling else f"07700 900 {rng.randrange(1000):03d}",
                "created_at": household[0]["created_at"]})
            for child in household:
                links.append({"id": b.new_id(), "child_id": child["id"], "family_member_id": member_id,
                              "relationship": relationship, "parental_responsibility": responsible})
                if responsible:
                    parents_by_child.setdefault(child["id"], []).append(name)
                family = family_by_child.setdefault(child["id"], {"parents": [], "siblings": []})
                family["siblings" if sibling else "parents"].append((member_id, name))
    b.insert(FamilyMember, members)
    b.insert(ChildRelationship, links)
    b.ids["parents_by_child"] = parents_by_child
    b.ids["family_by_child"] = family_by_child


def make_nominees(b: Bench) -> None:
    rows = []
    for n in range(max(3, b.children // 100)):
        organisation_kind = n % 3 != 2
        place = names.STREETS[n % len(names.STREETS)].split()[0]
        name = (f"{place} Direct Payment Support {n + 1}" if organisation_kind
                else f"{b.rng.choice(names.MOTHERS)} {b.rng.choice(names.SURNAMES)}")
        rows.append({"id": b.new_id(), "kind": NomineeKind.organisation if organisation_kind else NomineeKind.person,
                     "name": name, "contact_name": "Payments team" if organisation_kind else None,
                     "address": f"{n + 1} {b.rng.choice(names.STREETS)}", "email": f"nominee{n + 1}@example.org",
                     "phone": None, "notes": ""})
    b.insert(Nominee, rows)
    b.ids["nominees"] = [row["id"] for row in rows]


def make_nominations(b: Bench) -> None:
    """About one child in twenty-five has a written nomination; some have since been withdrawn."""
    rows = []
    for child in b.ids["children"]:
        parents = b.ids["parents_by_child"].get(child["id"])
        if not parents or b.rng.random() >= 0.04:
            continue
        received = b.day_between(child["created_at"].date(), AS_OF)
        withdrawn = b.day_between(received, AS_OF) if b.rng.random() < 0.2 else None
        rows.append({"id": b.new_id(), "nominee_id": b.rng.choice(b.ids["nominees"]), "child_id": child["id"],
                     "budget": "Personal health budget", "nominated_by": parents[0], "received_on": received,
                     "withdrawn_on": withdrawn})
    b.insert(Nomination, rows)
    b.ids["nominee_by_child"] = {row["child_id"]: row["nominee_id"] for row in rows if row["withdrawn_on"] is None}



HISTORY_END = date(LAST_YEAR + 1, 3, 31)
BLOCK_ALLOWANCE = 14  # short-break nights a year for each child of a council's area
BLOCK_VOLUME_SHARE = 0.6  # each area's volume: 60% of its children's allowances, so some areas run out


def _active_window(b: Bench, child: dict) -> tuple[date, date] | None:
    """The days of the history on which the child could receive care (registration to death or 18, or the end)."""
    first = max(child["created_at"].date(), date(b.first_year, 4, 1))
    last = HISTORY_END if child["status"] == ChildStatus.active else child["status_date"]
    return (first, last) if first <= last else None


def _financial_years(b: Bench) -> list[tuple[date, date]]:
    """The history's years and the current one (2027/28: the clock stands in April 2027)."""
    return [(date(year, 4, 1), date(year + 1, 3, 31)) for year in range(b.first_year, LAST_YEAR + 2)]


def make_block_contracts(b: Bench) -> None:
    """Each council buys short-break nights for its area every year: 14 nights a child, a volume, instalments."""
    services, contracts, links = b.ids["services"], [], []
    for n, council in enumerate(b.ids["councils"]):
        prefix = COUNTY_NAMES[n][:3].upper()
        for starts, ends in _financial_years(b):
            covered = sum(1 for c in b.ids["children"] if c["home_authority_id"] == council
                          and c["created_at"].date() <= ends and (c["status_date"] is None or c["status_date"] >= starts))
            volume = max(BLOCK_ALLOWANCE, round(covered * BLOCK_ALLOWANCE * BLOCK_VOLUME_SHARE))
            price = _to_pound(65000 * PRICE_RISE ** (starts.year - LAST_YEAR))
            by_rate = n % 2 == 0
            contract_id = b.new_id()
            contracts.append({
                "id": contract_id, "reference": f"{prefix}-SB-{starts.year % 100:02d}{ends.year % 100:02d}",
                "funder_id": council, "department_id": b.ids["care_departments"][council], "starts_on": starts,
                "ends_on": ends, "volume_units": volume, "value_pence": volume * price * 9 // 10,
                "instalments": "quarterly" if n % 3 else "monthly", "in_advance": n % 4 != 3,
                "covers_area_id": council, "overage": "rate" if by_rate else "charity",
                "overage_rate_pence": price * 85 // 100 if by_rate else None, "allowance_units": BLOCK_ALLOWANCE,
                "status": "active", "hard_limit": False,
                "notes": f"{volume} short-break nights for the area's children; {BLOCK_ALLOWANCE} a year each."})
            links.append({"contract_id": contract_id, "service_id": services["SHORT_BREAK_NIGHT"]})
    b.insert(BlockContract, contracts)
    b.insert(BlockContractService, links)


def _arrangement(b: Bench, child: dict, kind: ArrangementKind, name: str, first: date, **values) -> dict:
    row = {column.key: None for column in Arrangement.__table__.columns}
    row.update({"id": b.new_id(), "child_id": child["id"], "kind": kind, "name": name, "status": "active",
                "starts_on": first, "ends_on": None, "year_start_month": 4, "year_start_day": 1, "hard_limit": False,
                "fees_pence_per_year": 0, "agreed": True, "notes": "", "created_at": _moment(b, first)})
    row.update(values)
    return row


BUDGET_SERVICES = ["SHORT_BREAK_NIGHT", "DAY_CARE", "HYDROTHERAPY", "SIBLING_SUPPORT", "MUSIC_PLAY_THERAPY",
                   "ACTIVITY_BREAK_DAY", "CARE_AT_HOME"]
MANAGEMENT_WEIGHTS = [(ManagementOption.isf, 25), (ManagementOption.direct_payment, 30),
                      (ManagementOption.nominee, 10), (ManagementOption.managed_account, 10),
                      (ManagementOption.commissioner_managed, 25)]
SOURCES = [(BudgetSource.social_care, BudgetLaw.children_act), (BudgetSource.health, BudgetLaw.nhs_direct_payments),
           (BudgetSource.education, BudgetLaw.sen_personal_budgets)]


def make_arrangements(b: Bench) -> None:
    """Spot packages (8%), joint packages (2%) and personal budgets (20%: ISFs, direct payments, nominees...)."""
    rng, services = b.rng, b.ids["services"]
    arrangements, links, rates, shares = [], [], [], []
    for child in b.ids["children"]:
        window = _active_window(b, child)
        if window is None:
            continue
        first, last = window
        ends = None if child["status"] == ChildStatus.active else last
        own = child["preferred_name"] or child["first_name"]
        roll = rng.random()
        if roll < 0.08:
            icb = child["icb_id"]
            row = _arrangement(b, child, ArrangementKind.spot, f"{own}'s continuing-care package", first, ends_on=ends,
                               funder_id=icb, cap_units=rng.choice([12, 20, 30]))
            if rng.random() < 0.5:
                po_first = max(first, date(LAST_YEAR, 4, 1))
                if po_first <= HISTORY_END:
                    row.update(po_number=f"PO-{rng.randrange(10000, 100000)}", po_value_pence=rng.choice([8, 14, 20]) * 72_000,
                               po_starts_on=po_first, po_ends_on=HISTORY_END)
            arrangements.append(row)
            links.append(_service_link(row, services["SHORT_BREAK_NIGHT"]))
            rates.append({"id": b.new_id(), "arrangement_id": row["id"], "service_id": services["SHORT_BREAK_NIGHT"],
                          "time_band": "all", "starts_on": first, "price_pence": 72_000})
        elif roll < 0.10:
            council = child["home_authority_id"]
            row = _arrangement(b, child, ArrangementKind.joint, f"{own}'s joint package", first, ends_on=ends,
                               cap_units=24)
            arrangements.append(row)
            links += [_service_link(row, services[code]) for code in ("SHORT_BREAK_NIGHT", "DAY_CARE")]
            council_percent = rng.choice([50, 60, 70])
            shares += [{"id": b.new_id(), "arrangement_id": row["id"], "funder_id": council,
                        "department_id": b.ids["care_departments"][council], "percent": council_percent,
                        "po_number": None},
                       {"id": b.new_id(), "arrangement_id": row["id"], "funder_id": child["icb_id"],
                        "department_id": None, "percent": 100 - council_percent, "po_number": None}]
        elif roll < 0.30:
            row, agreed = _personal_budget(b, child, own, first, ends)
            arrangements.append(row)
            links += [_service_link(row, services[code], cap=6 if code == "SIBLING_SUPPORT" else None,
                                    agreed=ok) for code, ok in agreed]
    if not any(row.get("management") == ManagementOption.isf for row in arrangements):
        _one_isf(b, arrangements, links)
    b.insert(Arrangement, arrangements)
    b.insert(ArrangementService, links)
    b.insert(ArrangementRate, rates)
    b.insert(ArrangementShare, shares)


def _one_isf(b: Bench, arrangements: list[dict], links: list[dict]) -> None:
    """An ISF for the first child with none of its own budget, when the dice made no ISF (a small generation): so
    that every generation has one for `make_isfs`. A generation that made an ISF of its own is unchanged."""
    budgets = {row["child_id"] for row in arrangements if row["kind"] == ArrangementKind.personal_budget}
    children = [c for c in b.ids["children"] if _active_window(b, c)]
    if not children:
        return
    child = next((c for c in children if c["id"] not in budgets), children[0])
    first, last = _active_window(b, child)
    council = child["home_authority_id"]
    parents = b.ids["family_by_child"].get(child["id"], {}).get("parents", [])
    row = _arrangement(
        b, child, ArrangementKind.personal_budget, f"{child['preferred_name'] or child['first_name']}'s ISF", first,
        ends_on=None if child["status"] == ChildStatus.active else last, funder_id=council,
        department_id=b.ids["care_departments"][council], source=BudgetSource.social_care,
        law=BudgetLaw.children_act, management=ManagementOption.isf, yearly_pence=312_000,
        fees_pence_per_year=13 * 1_500, family_agreed_by=f"{parents[0][1]} (parent)" if parents else None,
        family_agreed_on=first)
    arrangements.append(row)
    links += [_service_link(row, b.ids["services"][code], cap=6 if code == "SIBLING_SUPPORT" else None, agreed=True)
              for code in ("SHORT_BREAK_NIGHT", "SIBLING_SUPPORT", "ACTIVITY_BREAK_DAY")]


def _service_link(row: dict, service_id: uuid.UUID, cap: int | None = None, agreed: bool = False) -> dict:
    return {"arrangement_id": row["id"], "service_id": service_id, "cap_units": cap, "family_agreed": agreed}


def _personal_budget(b: Bench, child: dict, own: str, first: date, ends: date | None) -> tuple[dict, list]:
    rng = b.rng
    options, weights = zip(*MANAGEMENT_WEIGHTS)
    management = rng.choices(options, weights)[0]
    nominee = b.ids["nominee_by_child"].get(child["id"])
    if management == ManagementOption.nominee and nominee is None:
        management = ManagementOption.direct_payment
    parents = b.ids["family_by_child"].get(child["id"], {}).get("parents", [])
    source, law = rng.choice(SOURCES)
    funder = child["icb_id"] if source == BudgetSource.health else child["home_authority_id"]
    department = None if source == BudgetSource.health else b.ids["care_departments"][funder]
    family_held = management in FAMILY_HELD
    holder = parents[0] if parents and management in (ManagementOption.direct_payment,
                                                      ManagementOption.managed_account) else None
    codes = rng.sample(BUDGET_SERVICES, rng.randrange(2, 5))
    agreed = [(code, family_held and (index > 0 or rng.random() < 0.8)) for index, code in enumerate(codes)]
    label = {ManagementOption.isf: "ISF", ManagementOption.direct_payment: "direct payment",
             ManagementOption.nominee: "direct payment (nominee)", ManagementOption.managed_account: "managed account",
             ManagementOption.commissioner_managed: "commissioner-managed budget"}[management]
    row = _arrangement(
        b, child, ArrangementKind.personal_budget, f"{own}'s {label}", first, ends_on=ends, funder_id=funder,
        department_id=department, source=source, law=law, management=management,
        holder_id=holder[0] if holder else None, nominee_id=nominee if management == ManagementOption.nominee else None,
        managed_account_name="Brightway managed accounts" if management == ManagementOption.managed_account else None,
        yearly_pence=rng.choice([150_000, 240_000, 312_000, 400_000, 600_000]),
        fees_pence_per_year=13 * 1_500 if management == ManagementOption.isf else 0,
        agreed=rng.random() < 0.9, share_percent=50 if rng.random() < 0.1 else None,
        family_agreed_by=f"{parents[0][1]} (parent)" if family_held and parents else None,
        family_agreed_on=first if family_held else None)
    return row, agreed



# (chance a child has it, days between one and the next: from, to, its code): sessions spread over the history
SESSIONS = [(0.40, 21, 42, "DAY_CARE"), (0.25, 14, 35, "HYDROTHERAPY"), (0.15, 21, 42, "MUSIC_PLAY_THERAPY"),
            (0.20, 45, 90, "ACTIVITY_BREAK_DAY"), (0.10, 14, 35, "CARE_AT_HOME")]
# Attendance of each unit: (cumulative chance, status, cancel reason)
ATTENDANCE = [(0.93, UnitStatus.delivered, None), (0.95, UnitStatus.cancelled, CancelReason.child_unwell),
              (0.96, UnitStatus.cancelled, CancelReason.hospital_admission),
              (0.975, UnitStatus.cancelled, CancelReason.family_cancelled),
              (0.98, UnitStatus.cancelled, CancelReason.hospice_cancelled), (1.0, UnitStatus.did_not_attend, None)]
CHARGEABLE_REASONS = frozenset(reason.value for reason in CHARGEABLE_CANCELLATIONS)
FLUSH_ROWS = 20_000
INSERT_ORDER = (Booking, BookingUnit, Charge, ChargePart, LedgerAccount, LedgerEntry, LedgerLine)


class Diary:
    """One child's bookings and units, each unit with its own attendance, as rows for the bulk insert."""

    def __init__(self, b: Bench, child: dict):
        self.b, self.child = b, child
        self.bookings: list[dict] = []
        self.units: list[dict] = []

    def book(self, code: str, days: list[date], *, participant: uuid.UUID | None = None, band: str = "all",
             hours: int = 1, attendance: bool = True) -> None:
        b, rng = self.b, self.b.rng
        booking_id, first = b.new_id(), days[0]
        made = _moment(b, first - timedelta(days=rng.randrange(14, 60)))
        marker = b.ids["key_workers"][rng.randrange(len(b.ids["key_workers"]))]
        statuses = []
        for day in days:
            roll, chosen = rng.random(), ATTENDANCE[0]
            if attendance:
                chosen = next(item for item in ATTENDANCE if roll < item[0])
            _, status, reason = chosen
            statuses.append((status, reason))
            self.units.append({"id": b.new_id(), "booking_id": booking_id, "day": day, "time_band": band,
                               "quantity": hours, "status": status.value,
                               "cancel_reason": reason.value if reason else None,
                               "marked_at": datetime.combine(day, clock_time(18), UTC), "marked_by_id": marker,
                               "_child": self.child["id"], "_service": b.ids["services"][code], "_made": made})
        if any(status == UnitStatus.delivered for status, _ in statuses):
            status, reason = "delivered", None
        elif all(status == UnitStatus.cancelled for status, _ in statuses):
            status, reason = "cancelled", statuses[0][1].value
        else:
            status, reason = "did_not_attend", None
        nights = b.ids["nights"].get(code, False)
        self.bookings.append({
            "id": booking_id, "child_id": self.child["id"], "participant_id": participant,
            "service_id": b.ids["services"][code], "starts_on": first,
            "ends_on": days[-1] + timedelta(days=1) if nights else days[-1],
            "start_time": clock_time(10) if code == "CARE_AT_HOME" else None,
            "end_time": clock_time(10 + hours) if code == "CARE_AT_HOME" else None,
            "status": status, "cancel_reason": reason, "recurrence_id": None, "override_by": None,
            "override_reason": None, "notes": "", "confirmed_at": made, "created_at": made, "created_by_id": marker})


def _diary(b: Bench, child: dict) -> Diary:
    """Short-break stays every five to ten weeks, some regular sessions, end-of-life care for children who died."""
    rng, diary = b.rng, Diary(b, child)
    window = _active_window(b, child)
    if window is None:
        return diary
    first, last = window
    day = first + timedelta(days=rng.randrange(45))
    while day <= last:
        nights = rng.choice([2, 3, 3, 4])
        days = [d for d in (day + timedelta(days=i) for i in range(nights)) if d <= last]
        diary.book("SHORT_BREAK_NIGHT", days)
        day += timedelta(days=nights + rng.randrange(30, 75))
    for chance, shortest, longest, code in SESSIONS:
        if rng.random() >= chance:
            continue
        day = first + timedelta(days=rng.randrange(shortest))
        while day <= last:
            if code == "CARE_AT_HOME":
                diary.book(code, [day], band="weekend" if day.weekday() >= 5 else "weekday", hours=3)
            else:
                diary.book(code, [day])
            day += timedelta(days=rng.randrange(shortest, longest))
    family = b.ids["family_by_child"].get(child["id"], {})
    if family.get("siblings") and rng.random() < 0.5:
        sibling = family["siblings"][0][0]
        day = first + timedelta(days=rng.randrange(30))
        while day <= last:
            diary.book("SIBLING_SUPPORT", [day], participant=sibling)
            day += timedelta(days=rng.randrange(21, 42))
    if child["status"] == ChildStatus.died:
        died = child["status_date"]
        end_of_life = [died - timedelta(days=n) for n in (3, 2, 1) if died - timedelta(days=n) >= first]
        if end_of_life:
            diary.book("END_OF_LIFE_NIGHT", end_of_life, attendance=False)
        after = [d for d in (died, died + timedelta(days=1)) if d <= HISTORY_END]
        if after:
            diary.book("CARE_AFTER_DEATH_NIGHT", after, attendance=False)
        parent = family.get("parents", [(None, "")])[0][0]
        sessions = [died + timedelta(days=n) for n in (30, 60, 90) if died + timedelta(days=n) <= HISTORY_END]
        for day in sessions:
            diary.book("BEREAVEMENT_SUPPORT", [day], participant=parent, attendance=False)
    return diary


class Charger:
    """Charges the chargeable units through the engine and keeps the rows `charges.service.store_many` would write.

    The engine's inputs are read once with `provider.funding.inputs`, as `charges.attendance_changed` reads
    them. The engine is called once per council area and financial year, with every chargeable unit of the
    area's children that year: caps run over April-March years and a block contract's volume is shared only
    by the children of its area, so this is the allocation of the whole year in order of service date, then
    booking (what `charges.recalculate` over the year finds: no differences). Every part, its rule and its
    sentence are the engine's. The ledger gets what `ledger.care.delivery_posting` makes: income accrued per
    payer, or drawn from an ISF.
    """

    def __init__(self, b: Bench):
        self.b = b
        db = Session(bind=b.conn)
        self.services = inputs.services(db)
        self.priority = inputs.priority(db)
        self.codes = {str(service_id): code for code, service_id in b.ids["services"].items()}
        every = inputs.fundings(db)
        db.close()
        self.general = [f for f in every if f.children is None]
        self.blocks = [f for f in every if f.block]
        self.own: dict[str, list] = defaultdict(list)
        for f in every:
            if f.children is not None and not f.block:
                for child in f.children:
                    self.own[child].append(f)
        self.accounts: dict[str, uuid.UUID] = {}
        self.rows: dict[type, list[dict]] = defaultdict(list)

    def add_area(self, diaries: list[Diary]) -> None:
        """One council area's children: their bookings and units, and the year-by-year allocation."""
        by_year: dict[int, list[UnitOfCare]] = defaultdict(list)
        by_ref: dict[str, dict] = {}
        for diary in diaries:
            self.rows[Booking] += diary.bookings
            self.rows[BookingUnit] += [{key: value for key, value in row.items() if not key.startswith("_")}
                                       for row in diary.units]
            for row in diary.units:
                status, reason = row["status"], row["cancel_reason"]
                if status == UnitStatus.delivered:
                    cancelled = False
                elif status == UnitStatus.did_not_attend or reason in CHARGEABLE_REASONS:
                    cancelled = True
                else:
                    continue
                ref = str(row["id"])
                by_ref[ref] = row
                day = row["day"]
                by_year[day.year if day.month >= 4 else day.year - 1].append(UnitOfCare(
                    ref, str(row["_child"]), str(row["_service"]), day, row["time_band"], row["quantity"],
                    (row["_made"].isoformat(), str(row["booking_id"])), cancelled))
        for year, care in sorted(by_year.items()):
            first, last = date(year, 4, 1), date(year + 1, 3, 31)
            children = {unit.child_id for unit in care}
            own = [f for child in sorted(children) for f in self.own.get(child, [])
                   if (f.starts_on is None or f.starts_on <= last) and (f.ends_on is None or f.ends_on >= first)]
            blocks = [f for f in self.blocks if f.starts_on <= last and f.ends_on >= first
                      and not children.isdisjoint(f.children)]
            for outcome in allocate(care, own + blocks + self.general, self.services, self.priority):
                if outcome.parts:
                    self.store(outcome, by_ref[outcome.unit.ref])
            if sum(len(rows) for rows in self.rows.values()) >= FLUSH_ROWS:
                self.flush()

    def store(self, outcome: Outcome, unit: dict) -> None:
        """The rows of `charges.service.store_many` and `ledger.care.delivery_posting` for one outcome."""
        b, charge_id = self.b, self.b.new_id()
        made = datetime.combine(unit["day"], clock_time(18, 30), UTC)
        actor = unit["marked_by_id"]
        self.rows[Charge].append({
            "id": charge_id, "unit_id": unit["id"], "child_id": unit["_child"], "service_id": unit["_service"],
            "day": unit["day"], "time_band": unit["time_band"], "quantity": unit["quantity"], "state": "current",
            "needs_recalculation": False, "flagged_reason": None, "rule_version": RULE_VERSION,
            "supersedes_id": None, "created_at": made, "created_by_id": actor})
        lines = []
        code = self.codes[outcome.unit.service_id]
        service_name = self.services[outcome.unit.service_id].name
        for position, p in enumerate(outcome.parts):
            self.rows[ChargePart].append({
                "id": b.new_id(), "charge_id": charge_id, "position": position, "arrangement_ref": p.funding_ref,
                "kind": p.kind, "payer_ref": p.payer_ref, "payer_name": p.payer_name, "pence": p.pence,
                "units": p.units, "memorandum_pence": p.memorandum_pence, "rule": p.rule, "reason": p.reason})
            if p.pence == 0 or p.kind in CHARITY_KINDS:
                continue
            if references.is_kind(p.payer_ref, references.ISF):
                held = self.account(accounts.isf_held(references.parse_payer(p.payer_ref).id, p.payer_name), made)
            else:
                held = self.account(accounts.accrued(p.payer_ref, p.payer_name), made)
            income = self.account(accounts.care_income(stream_of(p), code, service_name), made)
            lines += [(held, p.pence, 0, p.payer_ref), (income, 0, p.pence, p.payer_ref)]
        if lines:
            entry_id = b.new_id()
            self.rows[LedgerEntry].append({
                "id": entry_id, "kind": "care_delivered", "posted_on": unit["day"], "service_date": unit["day"],
                "description": f"Care delivered {short_date(unit['day'])}", "group_id": charge_id,
                "source_ref": f"charge:{charge_id}", "reverses_id": None, "created_at": made,
                "created_by_id": actor})
            self.rows[LedgerLine] += [{"id": b.new_id(), "entry_id": entry_id, "account_id": account,
                                       "debit_pence": debit, "credit_pence": credit, "payer_ref": payer,
                                       "child_id": unit["_child"]}
                                      for account, debit, credit, payer in lines]

    def account(self, spec: accounts.Spec, made: datetime) -> uuid.UUID:
        found = self.accounts.get(spec.code)
        if found is None:
            found = self.accounts[spec.code] = self.b.new_id()
            self.rows[LedgerAccount].append({"id": found, "code": spec.code, "name": spec.name,
                                             "type": spec.type.value, "created_at": made})
        return found

    def flush(self) -> None:
        for model in INSERT_ORDER:
            rows = self.rows.pop(model, [])
            if rows:
                self.b.insert(model, rows, plain=True)


def make_bookings(b: Bench) -> None:
    """Every child's bookings over the history with each unit's attendance; chargeable units charged."""
    b.ids["nights"] = {spec.code: spec.unit.value == "night" for spec in catalogue.SERVICES}
    charger = Charger(b)
    by_area: dict[uuid.UUID, list[dict]] = defaultdict(list)
    for child in b.ids["children"]:
        by_area[child["home_authority_id"]].append(child)
    for council in b.ids["councils"]:
        charger.add_area([_diary(b, child) for child in by_area[council]])
    charger.flush()


# The month whose invoice run is due on the clock's 10 April 2027 (the care of March, the instalments due in it):
# left un-invoiced for `bench.invoice_month`, as Willow's demo leaves it for a new user.
OPEN_MONTH = date(HISTORY_END.year, HISTORY_END.month, 1)
INVOICING_TABLES = (Invoice, InvoiceLine, BilledPart, BilledInstalment, CreditNote, NumberSeries, LedgerAccount,
                    LedgerEntry, LedgerLine)


def make_invoices(b: Bench) -> None:
    """Every month of the history before OPEN_MONTH invoiced by `invoicing.runs.issue_run` itself, as Willow's
    demo is: the block instalments due in the month on its first working day, then the month's care (and what
    it held back) on the first working day of the next, by finance; each run releases the deferred income of the
    months that have passed. Drafts with an exception (no purchase order, no written nomination) are left, as the
    app leaves them. No PDFs: the app makes those after an issue commits, when a document is first viewed or sent.
    """
    if b.conn.dialect.name == "postgresql":  # the app's queries planned for the rows written, not empty tables
        b.conn.execute(text("ANALYZE"))
    db = Session(bind=b.conn)
    before = _table_counts(db)
    finance = db.exec(select(User).where(User.role == Role.finance)).one()[0]
    bank_holidays = {day.starts_on for day in organisation.holidays() if day.kind == HolidayKind.bank_holiday}
    started, issued, held_back, months = time.perf_counter(), 0, 0, 0
    month = date(b.first_year, 4, 1)
    while month < OPEN_MONTH:
        following = month + relativedelta(months=1)
        for on, instalments_only in ((_first_working_day(month, bank_holidays), True),
                                     (_first_working_day(following, bank_holidays), False)):
            with _app_as_on(b, on):
                result = issue_run(db, month, following - timedelta(days=1), finance.id, on=on,
                                   instalments_only=instalments_only)
                db.flush()
            issued += len(result.issued)
            held_back += 0 if instalments_only else len(result.skipped)
        db.expunge_all()
        months += 1
        month = following
    after = _table_counts(db)
    db.close()
    for table, rows in after.items():
        if rows != before[table]:
            b.counts[table] = b.counts.get(table, 0) + rows - before[table]
    b.invoicing = {"first": date(b.first_year, 4, 1), "months": months, "issued": issued, "held back": held_back,
                   "seconds": time.perf_counter() - started}


def _first_working_day(day: date, bank_holidays: set[date]) -> date:
    while day.weekday() >= 5 or day in bank_holidays:
        day += timedelta(days=1)
    return day


@contextmanager
def _app_as_on(b: Bench, on: date):
    """The app's new ids drawn from the seeded source and its clock reading the morning of `on`, so that what the
    invoicing writes is the same on every run with the same seed and dated as if finance had issued it then."""
    moment = datetime.combine(on, clock_time(9, 30), UTC)

    class Morning(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment

    with mock.patch("uuid.uuid4", b.new_id), mock.patch("provider.base.datetime", Morning):
        yield


def _table_counts(db: Session) -> dict[str, int]:
    conn = db.connection()
    return {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in INVOICING_TABLES}


PAYMENT_TABLES = (Payment, Allocation, LedgerEntry, LedgerLine)


def make_payments(b: Bench) -> None:
    """Each payer pays its invoices as they fall due: one remittance a month covering every invoice of that month
    it pays (a council's for many children); most pay on time, some a few weeks late, some only in part, a few not
    at all yet. Recorded and allocated by `invoicing.payments.service` itself, as finance would."""
    db = Session(bind=b.conn)
    before = {m.__tablename__: db.connection().execute(select(func.count()).select_from(m)).scalar_one()
              for m in PAYMENT_TABLES}
    finance = db.exec(select(User).where(User.role == Role.finance)).one()[0]
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == "operating")).first()[0]
    clock = date(HISTORY_END.year, 4, 10)
    due: dict[tuple[str, date], list] = defaultdict(list)
    for invoice in db.exec(select(Invoice).where(Invoice.due_on < clock).order_by(Invoice.number)).scalars():
        due[(invoice.payer_ref, invoice.due_on.replace(day=1))].append(invoice)
    started, remittances = time.perf_counter(), 0
    for (payer_ref, month), invoices in sorted(due.items(), key=lambda item: (item[0][1], item[0][0])):
        luck = b.rng.random()
        if luck < 0.05:
            continue                                       # not paid yet
        late = timedelta(days=b.rng.randrange(20, 60)) if luck < 0.2 else timedelta(days=b.rng.randrange(-5, 3))
        received = min(max(i.due_on for i in invoices) + late, clock)
        paid = {i.id: (i.total_pence if luck >= 0.12 else i.total_pence // 2) for i in invoices if i.total_pence}
        if not paid:
            continue
        with _app_as_on(b, received):
            payment = payments.record_payment(db, payments.PaymentIn(
                payer_ref, bank.id, received, sum(paid.values()), "bank_transfer", invoices[0].number), clock,
                finance.id)
            payments.allocate(db, payment, paid, received, finance.id)
            db.flush()
        remittances += 1
        db.expunge_all()
    for model in PAYMENT_TABLES:
        rows = db.connection().execute(select(func.count()).select_from(model)).scalar_one()
        if rows != before[model.__tablename__]:
            b.counts[model.__tablename__] = b.counts.get(model.__tablename__, 0) + rows - before[model.__tablename__]
    db.close()
    b.invoicing["remittances"] = remittances
    b.invoicing["payments seconds"] = time.perf_counter() - started


STEPS = [make_clock, make_settings, make_users, make_funders, make_services, make_funds, make_children,
         make_families, make_nominees, make_nominations, make_block_contracts, make_arrangements, make_bookings,
         make_invoices, make_payments, make_isfs, make_charity]


def generate(database_url: str, children: int, years: int, seed: int = 2027, reset: bool = False) -> Bench:
    """Migrate the database and fill it; returns what was made (rows per table, what the invoicing did). Refuses
    a database with children."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        if reset:
            _empty(engine)
            upgrade(database_url)
        with engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(Child.__table__)).scalar_one():
                raise SystemExit("bench.generate: the database already has children; use --reset to replace them")
            bench = Bench(conn, random.Random(seed), children, years)
            for step in STEPS:
                step(bench)
            # The rows above were written in bulk, past the ledger's posting: its income by month is made afresh.
            income_months.rebuild(Session(bind=conn))
            income_children.rebuild(Session(bind=conn))
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # planner statistics now, not whenever autovacuum gets round to it
        return bench
    finally:
        engine.dispose()


def _empty(engine) -> None:
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        if inspect(conn).has_table("alembic_version"):
            conn.execute(text("DROP TABLE alembic_version"))
        if conn.dialect.name == "postgresql":  # the ledger's trigger functions outlive its tables
            conn.execute(text("DROP FUNCTION IF EXISTS ledger_entry_balances()"))
            conn.execute(text("DROP FUNCTION IF EXISTS ledger_immutable()"))
            conn.execute(text("DROP FUNCTION IF EXISTS document_immutable()"))
            conn.execute(text("DROP FUNCTION IF EXISTS money_immutable()"))


def main(argv: list[str] | None = None) -> dict[str, int]:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--reset", action="store_true", help="drop every table of the database first")
    args = parser.parse_args(argv)
    if args.children < 1 or not 1 <= args.years <= 20:
        parser.error("--children must be at least 1 and --years from 1 to 20")
    url = args.database_url
    if not url:
        DEFAULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(DEFAULT_FILE) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{DEFAULT_FILE}"
    started = time.perf_counter()
    bench = generate(url, args.children, args.years, args.seed, args.reset)
    print(f"Generated {args.children} children and {args.years} years of history in "
          f"{time.perf_counter() - started:.1f} s into {url}")
    done = bench.invoicing
    print(f"Invoiced {done['first']:%B %Y} to {OPEN_MONTH - relativedelta(months=1):%B %Y} ({done['months']} months, "
          f"two runs each): {done['issued']} invoices issued, {done['held back']} drafts held back with an exception, "
          f"in {done['seconds']:.1f} s; {OPEN_MONTH:%B %Y} left for bench.invoice_month")
    print(f"Paid: {done['remittances']} remittances recorded and allocated in {done['payments seconds']:.1f} s")
    print(f"ISFs made: {done['isfs']}, with their receipts, fees and supplier payments, in {done['isf seconds']:.1f} s")
    gifts, corrections, awards = done["charity"]
    print(f"Charitable income: {gifts} gifts and {corrections} corrections, and {awards} NHS grant awards, in "
          f"{done['charity seconds']:.1f} s")
    for table, rows in bench.counts.items():
        print(f"  {table:<20} {rows:>7}")
    return bench.counts


if __name__ == "__main__":
    main(sys.argv[1:])
