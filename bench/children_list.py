"""The children list and search, through the real app, against a bare SQL query for the same rows.

    python -m bench.generate --children 5000 --years 5 [--database-url URL]
    python -m bench.children_list [--database-url URL] [--requests 60]

Signs in as a coordinator (made if missing) and times `GET /children?q=...&page=N` for each case, each
request followed in the same run by a plain SQL query returning the same 50 rows (same filter, order,
limit and offset). Prints p50 and p95 in milliseconds and the ratio page / bare. Target: every page's
p95 under 100 ms.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from bench.generate import DEFAULT_FILE
from provider.config import Settings
from provider.db import make_engine, unit_of_work
from provider.migrate import ensure_up_to_date
from provider.people.models import Child
from provider.people.nhs import format_nhs_number
from provider.users.models import Role, User
from provider.users.service import create_user
from provider.web import security
from lantern.app import create_app

PER_PAGE = 50
TARGET_P95_MS = 100.0
SECRET = "bench-secret-key"
EMAIL, PASSWORD = "bench-list-coordinator@bench.example", "bench-list-password"


@dataclass(frozen=True)
class Case:
    label: str
    q: str
    page: int = 1


def bare_sql(q: str) -> tuple[str, dict]:
    """The children list's query written out by hand: every word in a name, a council reference, an NHS number."""
    params: dict = {}
    where = []
    words = q.split()
    if words:
        per_word = []
        for n, word in enumerate(words):
            params[f"w{n}"] = f"%{word.lower()}%"
            per_word.append(f"(lower(first_name) LIKE :w{n} ESCAPE '\\' OR lower(last_name) LIKE :w{n} ESCAPE '\\' "
                            f"OR lower(coalesce(preferred_name, '')) LIKE :w{n} ESCAPE '\\')")
        options = ["(" + " AND ".join(per_word) + ")", "lower(council_reference) LIKE :ref ESCAPE '\\'"]
        params["ref"] = f"%{q.strip().lower()}%"
        digits = re.sub(r"[\s-]", "", q)
        if digits.isdigit():
            options.append("nhs_number LIKE :nhs")
            params["nhs"] = digits + "%"
        where.append("(" + " OR ".join(options) + ")")
    sql = ("SELECT * FROM children" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY last_name, first_name, id LIMIT :limit OFFSET :offset")
    return sql, params


def run_bare(engine: Engine, case: Case) -> list:
    sql, params = bare_sql(case.q)
    with engine.connect() as conn:
        return conn.execute(text(sql), {**params, "limit": PER_PAGE, "offset": (case.page - 1) * PER_PAGE}).all()


def cases(engine: Engine) -> list[Case]:
    """From the data: the first, middle and last page; a surname, a full name, an NHS number, a reference."""
    with Session(engine) as db:
        total = db.exec(select(func.count()).select_from(Child)).one()
        surname = db.exec(select(Child.last_name).group_by(Child.last_name)
                          .order_by(func.count().desc(), Child.last_name)).first()
        someone = db.exec(select(Child).where(Child.council_reference.is_not(None))
                          .order_by(Child.nhs_number).offset(total // 3)).first()
    last_page = max(1, -(-total // PER_PAGE))
    return [Case("list, page 1", ""), Case(f"list, page {last_page // 2}", "", last_page // 2),
            Case(f"list, page {last_page}", "", last_page),
            Case(f"search surname '{surname.lower()}'", surname.lower()),
            Case("search first + last name", f"{someone.first_name} {someone.last_name}"),
            Case("search NHS number (3-3-4)", format_nhs_number(someone.nhs_number)),
            Case("search council reference", someone.council_reference)]


def signed_in_client(engine: Engine, url: str) -> TestClient:
    with Session(engine, expire_on_commit=False) as db:
        if db.exec(select(User).where(User.email == EMAIL)).first() is None:
            with unit_of_work(db):
                create_user(db, {"email": EMAIL, "name": "Bench Coordinator", "role": Role.coordinator,
                                 "password": PASSWORD})
    settings = Settings(database_url=url, secret_key=SECRET, data_dir=Path(tempfile.mkdtemp(prefix="lantern-bench-")))
    client = TestClient(create_app(settings, engine), follow_redirects=False)
    client.get("/login")
    token = security.csrf_token_for(SECRET, security.unsign(SECRET, client.cookies.get(security.COOKIE)))
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        raise SystemExit(f"bench.children_list: could not sign in ({response.status_code})")
    return client


def measure(client: TestClient, engine: Engine, case: Case, requests: int, warmup: int = 5) -> tuple[list, list]:
    params = {"q": case.q, "page": case.page} if case.q else {"page": case.page}
    page_ms, bare_ms = [], []
    for n in range(warmup + requests):
        started = time.perf_counter()
        response = client.get("/children", params=params)
        page_time = time.perf_counter() - started
        started = time.perf_counter()
        rows = run_bare(engine, case)
        bare_time = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"bench.children_list: {case.label} answered {response.status_code}")
        if n == 0 and rows and rows[0].last_name not in response.text.replace("&#39;", "'"):
            raise SystemExit(f"bench.children_list: {case.label}: the page does not show the bare query's first row")
        if n >= warmup:
            page_ms.append(page_time * 1000)
            bare_ms.append(bare_time * 1000)
    return page_ms, bare_ms


def same_rows_as_the_app(engine: Engine, case: Case) -> bool:
    from provider.people.service import search_children

    with Session(engine) as db:
        found = search_children(db, case.q or None, case.page)
    return [child.id for child in found.children] == [uuid.UUID(str(row.id)) for row in run_bare(engine, case)]


def p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(prog="python -m bench.children_list", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_FILE}")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per case (after 5 warm-ups)")
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    ensure_up_to_date(engine)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM children")).scalar_one()
    print(f"Children list benchmark on {engine.dialect.name}: {total} children, {args.requests} requests per case")
    print(f"{'case':<34}{'page p50':>10}{'page p95':>10}{'bare p50':>10}{'bare p95':>10}{'ratio p50':>11}"
          f"{'ratio p95':>11}  same rows")
    worst = 0.0
    with signed_in_client(engine, args.database_url) as client:
        for case in cases(engine):
            page_ms, bare_ms = measure(client, engine, case, args.requests)
            same = same_rows_as_the_app(engine, case)
            worst = max(worst, p(page_ms, 95))
            print(f"{case.label[:33]:<34}{p(page_ms, 50):>10.1f}{p(page_ms, 95):>10.1f}{p(bare_ms, 50):>10.2f}"
                  f"{p(bare_ms, 95):>10.2f}{p(page_ms, 50) / p(bare_ms, 50):>10.1f}x"
                  f"{p(page_ms, 95) / p(bare_ms, 95):>10.1f}x  {'yes' if same else 'NO'}")
    engine.dispose()
    met = worst < TARGET_P95_MS
    print(f"Target: page p95 under {TARGET_P95_MS:.0f} ms. Worst page p95: {worst:.1f} ms: "
          f"{'met' if met else 'NOT met'}.")
    return met


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
