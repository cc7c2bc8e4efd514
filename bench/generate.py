"""Benchmark data: a provider of N children with families and Y years of history, in bulk, deterministically.

    python -m bench.generate --children 5000 --years 5 [--database-url URL] [--seed 2027] [--reset]

Without --database-url it uses DATABASE_URL, else the file bench/out/bench.db (replaced on each run). The
years are the Y financial years up to 2026/27; the clock stands at the demo's 10 April 2027. One
function per kind of record (`make_*`), each appending rows through `Bench.insert`: later issues add
their own records (bookings, invoices, ISFs) the same way.
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
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection, func, insert, inspect, select, text
from sqlmodel import SQLModel

import provider.models  # noqa: F401  (every table in the metadata)
from provider.base import SystemState
from provider.catalogue.models import PricePeriod, Service
from provider.db import make_engine
from provider.demo import AS_OF
from provider.demo_data import catalogue, names, organisation
from provider.demo_data.nhs_numbers import nhs_numbers
from provider.funders.models import (CharitableFund, CodeKind, DepartmentKind, Funder, FunderCode,
                                     FunderDepartment, FunderKind, FundService)
from provider.migrate import upgrade
from provider.organisation.models import BankAccount, Holiday, ProviderSettings
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

    @property
    def first_year(self) -> int:
        return LAST_YEAR - self.years + 1

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def insert(self, model: type[SQLModel], rows: list[dict]) -> None:
        table = model.__table__
        for start in range(0, len(rows), BATCH):
            self.conn.execute(insert(table), [_plain(row) for row in rows[start:start + BATCH]])
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
        funders.append(_funder(funder_id, FunderKind.local_authority, f"{county} Council", po_required=n % 2 == 1))
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
    appeal, general = b.new_id(), b.new_id()
    b.insert(CharitableFund, [
        {"id": appeal, "name": "Sibling Support Appeal", "restricted": True, "is_active": True,
         "purpose": "Sibling support sessions"},
        {"id": general, "name": "General Fund", "restricted": False, "is_active": True,
         "purpose": "Unrestricted income"},
    ])
    b.insert(FundService, [{"fund_id": appeal, "service_id": b.ids["services"]["SIBLING_SUPPORT"]}])


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
    b.insert(FamilyMember, members)
    b.insert(ChildRelationship, links)
    b.ids["parents_by_child"] = parents_by_child


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


STEPS = [make_clock, make_settings, make_users, make_funders, make_services, make_funds, make_children,
         make_families, make_nominees, make_nominations]


def generate(database_url: str, children: int, years: int, seed: int = 2027, reset: bool = False) -> dict[str, int]:
    """Migrate the database and fill it; returns the rows written per table. Refuses a database with children."""
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
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # planner statistics now, not whenever autovacuum gets round to it
        return bench.counts
    finally:
        engine.dispose()


def _empty(engine) -> None:
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        if inspect(conn).has_table("alembic_version"):
            conn.execute(text("DROP TABLE alembic_version"))


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
    counts = generate(url, args.children, args.years, args.seed, args.reset)
    print(f"Generated {args.children} children and {args.years} years of history in "
          f"{time.perf_counter() - started:.1f} s into {url}")
    for table, rows in counts.items():
        print(f"  {table:<20} {rows:>7}")
    return counts


if __name__ == "__main__":
    main(sys.argv[1:])
