"""The benchmark generator's charitable income and NHS grant awards: the rows the services write, which `lantern
check` passes and the statutory income report ties to the ledger."""
from __future__ import annotations

import functools
import re
from datetime import date

from sqlalchemy import create_engine, select
from sqlmodel import Session

from bench import generate
from bench.generate_charity import CHARITY_TABLES, make_charity
from lantern.check import run_all
from isf.check import isf_balances
from provider.charity.models import CharitableIncome
from provider.grants.models import GrantAward
from provider.ledger.post import balances
from provider.money import format_gbp
from reports.income import CHARITABLE, NHS_GRANT, statutory_income, year_period


def test_each_year_has_its_gifts_and_nhs_grant_and_the_statutory_report_ties_to_the_ledger(
        fresh_database_url, capsys):
    counts = generate.main(["--children", "40", "--years", "2", "--database-url", fresh_database_url])
    out = capsys.readouterr().out
    assert re.search(r"^Charitable income: 1020 gifts and 2 corrections, and 2 NHS grant awards, in \d+\.\d s$", out,
                     re.MULTILINE)
    assert counts["charitable_income"] == 1022 and counts["grant_awards"] == 2
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as db:
            assert run_all(db) == [] and isf_balances(db) == []   # what `lantern check` runs
            awards = db.scalars(select(GrantAward).order_by(GrantAward.starts_on)).all()
            assert [(a.reference, a.amount_pence, a.entitled_on) for a in awards] == [
                ("NHS-CHF-2526", 29_800_000, date(2025, 4, 1)), ("NHS-CHF-2627", 31_000_000, date(2026, 4, 1))]
            held = balances(db)
            assert all(held[f"receivable:grant:{a.id}"] == a.amount_pence == -held[f"income:grant:{a.id}"]
                       for a in awards)
            gifts = db.scalars(select(CharitableIncome)).all()
            for year in (2025, 2026):
                period = year_period(year)
                mine = [g for g in gifts if period.first <= g.received_on <= period.last]
                # 100 + 40/20 of each kind, in every month; some restricted; one correction, of trading.
                kinds = {kind: [g for g in mine if g.income_type == kind and g.corrects_id is None]
                         for kind in ("donation", "legacy", "event", "trading", "trust_grant")}
                assert all(len(found) == 102 and len({g.received_on.month for g in found}) == 12
                           for found in kinds.values())
                assert any(g.restricted for g in kinds["donation"]) and any(g.restricted for g in kinds["trust_grant"])
                assert not any(g.restricted for g in kinds["event"] + kinds["trading"])
                [correction] = [g for g in mine if g.corrects_id]
                assert correction.amount_pence < 0 and correction.income_type == "trading"

                report = statutory_income(db, period.first, period.last)
                assert report.ties and report.total == report.ledger_pence
                charity = [x for x in report.lines if x.section == CHARITABLE]
                assert {x.source for x in charity} == {"Restricted funds", "Unrestricted funds"}
                assert {x.stream for x in charity} == {"donations", "legacies", "events", "trading", "trust grants"}
                assert sum(x.pence for x in charity) == sum(g.amount_pence for g in mine)
                [grant] = [x for x in report.lines if x.section == NHS_GRANT]
                assert grant.reference == f"NHS-CHF-{year % 100}{(year + 1) % 100}"
                assert format_gbp(grant.pence) == ("£298,000.00" if year == 2025 else "£310,000.00")
                assert report.statutory_pence < report.total
    finally:
        engine.dispose()


def test_gifts_written_in_bulk_are_the_rows_the_service_writes(_fresh_urls, monkeypatch):
    def made(url: str, per_record: bool) -> dict[str, list]:
        steps = [functools.partial(make_charity, per_record=True) if step is make_charity and per_record else step
                 for step in generate.STEPS]
        monkeypatch.setattr(generate, "STEPS", steps)
        generate.main(["--children", "20", "--years", "1", "--database-url", url])
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return {model.__tablename__: sorted(map(tuple, conn.execute(select(model.__table__))), key=repr)
                        for model in CHARITY_TABLES}
        finally:
            engine.dispose()

    in_bulk, by_service = made(_fresh_urls("charitybulk"), False), made(_fresh_urls("charityservice"), True)
    assert len(in_bulk["charitable_income"]) == 5 * 101 + 1 and len(in_bulk["grant_awards"]) == 1
    for table, rows in in_bulk.items():
        assert rows == by_service[table], table
