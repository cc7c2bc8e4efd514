"""The benchmark generator's ISFs: agreements with their receipts, fees and supplier payments, whose balances are
what the ledger holds, and which `lantern check` passes."""
from __future__ import annotations

import functools
import re

from sqlalchemy import create_engine, select
from sqlmodel import Session

from bench import generate
from bench.generate_isf import ISF_TABLES, make_isfs
from lantern.check import run_all
from isf import service, statements
from isf.check import isf_balances
from isf.models import Evidence, IsfAgreement, IsfOutcome, IsfReceipt, IsfSource, IsfSpend, Supplier
from lantern.demo import AS_OF
from provider.funding.models import Arrangement
from provider.ledger.post import balances
from provider.money import format_gbp
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child
from provider.users.models import Role, User


def test_the_smallest_generation_has_an_isf_whose_balance_is_what_the_ledger_holds(fresh_database_url, capsys):
    counts = generate.main(["--children", "1", "--years", "1", "--database-url", fresh_database_url])
    out = capsys.readouterr().out
    assert re.search(r"^ISFs made: 1, with their receipts, fees and supplier payments, in \d+\.\d s$", out,
                     re.MULTILINE)
    assert counts["isf_agreements"] == 1 and counts["isf_receipts"] > 0
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as db:
            assert isf_balances(db) == []
            assert run_all(db) == []   # what `lantern check` runs
            agreement = db.scalars(select(IsfAgreement)).one()
            arrangement = db.get(Arrangement, agreement.arrangement_id)
            child = db.get(Child, arrangement.child_id)
            assert arrangement.management == "isf" and agreement.key_worker_id == child.key_worker_id
            source = db.scalars(select(IsfSource).where(IsfSource.agreement_id == agreement.id)).one()
            assert (source.source, source.law, source.yearly_pence) == (arrangement.source, arrangement.law,
                                                                         arrangement.yearly_pence)
            outcomes = db.scalars(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)).all()
            assert len(outcomes) == 2

            # A receipt for every instalment whose period has started by the clock, and a fee for each period that
            # started with the ISF in place.
            periods = service.periods_of(agreement)
            started = [p for p in periods if p.starts_on <= AS_OF]
            receipts = db.scalars(select(IsfReceipt).where(IsfReceipt.agreement_id == agreement.id)).all()
            assert sorted(r.instalment_number for r in receipts) == [p.number for p in started]
            assert all(r.received_on == max(p.starts_on, arrangement.starts_on) and r.pence == p.pence
                       for r, p in zip(sorted(receipts, key=lambda r: r.instalment_number), started))
            spend = db.scalars(select(IsfSpend).where(IsfSpend.agreement_id == agreement.id)).all()
            fees = sorted(s.period_number for s in spend if s.kind == "fee")
            assert fees == [p.number for p in started if p.starts_on >= arrangement.starts_on]

            # Supplier payments with their receipt as evidence, asked by the key worker, approved by finance.
            paid = [s for s in spend if s.kind == "supplier"]
            assert paid and all(s.status == "approved" for s in paid)
            finance = db.scalars(select(User).where(User.role == Role.finance)).one()
            assert {(s.asked_by_id, s.decided_by_id) for s in paid} == {(child.key_worker_id, finance.id)}
            assert all(db.get(Evidence, s.evidence_id).content.startswith(b"%PDF") for s in paid)
            assert all(db.get(Supplier, s.supplier_id) and s.outcome_id in {o.id for o in outcomes} for s in paid)

            # Its balance: what came in, less the care drawn, the supplier payments and the fees; the ledger says so.
            position = service.position(db, agreement, AS_OF)
            assert position.reserved == 0      # every unit of the history is marked: nothing still booked
            assert position.drawn > 0 and position.spent == sum(s.pence for s in paid)
            assert position.balance == (sum(r.pence for r in receipts) - position.drawn - position.spent
                                        - position.fees) == service.ledger_balance(db, agreement) >= 0
            bank = db.scalars(select(BankAccount).where(BankAccount.purpose == AccountPurpose.isf_client)).one()
            assert balances(db)[f"bank:{bank.id}"] == sum(r.pence for r in receipts) - position.spent

            # Its statement from the first instalment to the clock shows the same.
            found = statements.statement(db, agreement, periods[0].starts_on, AS_OF, AS_OF)
            assert found.total_in == sum(r.pence for r in receipts) and found.closing == position.balance
            assert all(any(line.what.startswith(s.description) for line in found.spend) for s in paid)
            assert len(found.spend) > len(paid)   # the care drawn is on it too
            assert format_gbp(found.closing) in statements.render_html(found)
    finally:
        engine.dispose()


def test_receipts_and_fees_written_in_bulk_are_the_rows_the_service_writes(_fresh_urls, monkeypatch):
    def made(url: str, per_record: bool) -> dict[str, list]:
        steps = [functools.partial(make_isfs, per_record=True) if step is make_isfs and per_record else step
                 for step in generate.STEPS]
        monkeypatch.setattr(generate, "STEPS", steps)
        generate.main(["--children", "40", "--years", "2", "--database-url", url])
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return {model.__tablename__: sorted(map(tuple, conn.execute(select(model.__table__))), key=repr)
                        for model in ISF_TABLES}
        finally:
            engine.dispose()

    in_bulk, by_service = made(_fresh_urls("isfbulk"), False), made(_fresh_urls("isfservice"), True)
    assert len(in_bulk["isf_agreements"]) > 1 and len(in_bulk["isf_receipts"]) > 20
    for table, rows in in_bulk.items():
        assert rows == by_service[table], table
