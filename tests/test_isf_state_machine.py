"""Any sequence of money in and out of an ISF keeps it equal to a simple model, in the records and in the ledger,
and never below zero: receipts, supplier payments asked and approved (or refused for want of money), fees,
repayments of surplus and advances recovered from later instalments."""
from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlmodel import select

from isf import returns, service
from isf.check import isf_balances
from isf.models import IsfAgreement, IsfOutcome, Supplier
from lantern import demo
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import CharitableFund
from provider.funding.models import Arrangement
from provider.users.models import User
from tests.conftest import rolled_back

ON = date(2027, 4, 10)
PDF = b"%PDF-1.4\n%%EOF\n"
MONEY = st.integers(1, 60_000)


def test_an_isf_always_matches_a_simple_model(connection):
    class Isf(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.context = rolled_back(connection)
            self.db = self.context.__enter__()
            with unit_of_work(self.db):
                demo.build(self.db, care=False, invoicing=False)
            self.agreement = self.db.exec(select(IsfAgreement).join(Arrangement).where(
                Arrangement.name.startswith("Amira"))).one()
            self.model = service.position(self.db, self.agreement, None).balance
            self.advanced = 0
            self.coordinator = self.db.exec(select(User).where(User.role == "coordinator")).first()
            self.admin = self.db.exec(select(User).where(User.role == "admin")).first()
            self.outcome = self.db.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == self.agreement.id)).first()
            self.fund = self.db.exec(select(CharitableFund).where(CharitableFund.restricted.is_(False))).first()
            with unit_of_work(self.db):
                self.supplier = Supplier(name="Model Cabs")
                self.db.add(self.supplier)
            self.extra = 13

        def teardown(self):
            if hasattr(self, "context"):
                self.context.__exit__(None, None, None)

        @rule(pence=MONEY)
        def receive(self, pence):
            with unit_of_work(self.db):
                self.agreement.instalment_count = self.extra = self.extra + 1
                self.db.add(self.agreement)
                service.record_receipt(self.db, self.agreement, pence, ON, "social_care",
                                       instalment_number=self.extra)
            recovered = min(pence, self.advanced)
            self.advanced -= recovered
            self.model += pence - recovered

        @rule(pence=MONEY)
        def pay_a_supplier(self, pence):
            with unit_of_work(self.db):
                proof = service.store_evidence(self.db, "r.pdf", "application/pdf", PDF)
                spend = service.ask_spend(self.db, self.agreement, pence, ON, "Taxi", self.outcome.id,
                                          self.supplier.id, proof.id, self.coordinator)
            try:
                with unit_of_work(self.db):
                    service.approve_spend(self.db, spend, self.admin, ON, ON)
                self.model -= pence
            except FieldErrors:
                assert pence > self.model   # refused only for want of money

        @rule(pence=MONEY)
        def repay_surplus(self, pence):
            try:
                with unit_of_work(self.db):
                    notice = returns.record_notice(self.db, self.agreement, pence, "Surplus", ON, ON)
                    returns.repay(self.db, notice, ON)
                self.model -= pence
            except FieldErrors:
                assert pence > self.model

        @rule(pence=MONEY)
        def advance(self, pence):
            with unit_of_work(self.db):
                returns.advance(self.db, self.agreement, self.fund.id, pence, "Bridging", self.coordinator, self.admin,
                                ON)
            self.advanced += pence
            self.model += pence

        @invariant()
        def matches_the_model(self):
            if not hasattr(self, "db"):
                return
            assert service.position(self.db, self.agreement, None).balance == self.model >= 0
            assert service.ledger_balance(self.db, self.agreement) == self.model
            assert returns.outstanding_advances(self.db, self.agreement) == self.advanced
            assert isf_balances(self.db) == []

    run_state_machine_as_test(Isf, settings=settings(max_examples=8, stateful_step_count=12, deadline=None,
                                                     suppress_health_check=list(HealthCheck)))
