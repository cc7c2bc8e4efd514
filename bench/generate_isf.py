"""Benchmark data: an Individual Service Fund for every generated ISF arrangement, made as finance would make it
(the last step of `bench.generate`, after the invoicing and payments: what the steps before it make is unchanged,
but for the one ISF `make_arrangements` adds to a generation too small to have made one).

For each ISF arrangement: the agreement (`service.make_agreement`), its source and two outcomes; a receipt for
every instalment whose period started by the clock (`service.record_receipt`) and the management fee of every
period that started with the ISF in place (`service.post_fee`); one to three payments to other suppliers in its
last year, each with a receipt as evidence, asked by the child's key worker and approved by finance (`ask_spend`,
`approve_spend`), when the ISF has the money available. The care the engine drew from the ISF is in the ledger.

An agreement funds whole financial years, from 1 April of the year its arrangement started to 31 March of the
year it ended (or of the current year): the engine caps an ISF at a whole year's budget less fees even in a part
year, so instalments that started with the arrangement, or stopped when a child died, would leave it below zero.
The first year's instalments due before the arrangement started are received on its first day. Each year then
receives at least its budget (instalments rounded up) and pays at most its fees and its cap, so every ISF ends at
or above zero and `isf.check.isf_balances` finds nothing.

Receipts and fees are most of the rows (about 30 a year an ISF). Through the service they took 5 ms each (2,000
children: 96 ISFs, 4,900 receipts and fees, 26 s; the whole step 3 s in bulk), so by default `Money` writes them
in bulk: the rows `record_receipt` and `post_fee` write, ledger postings included, in the same order with the same
ids (the test makes a generation both ways and compares them). `make_isfs(b, per_record=True)` calls the service.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, date, datetime, time as clock_time, timedelta
from unittest import mock

from sqlalchemy import func, insert
from sqlmodel import Session, select

from isf import service
from isf.models import Evidence, IsfAgreement, IsfOutcome, IsfReceipt, IsfSource, IsfSpend, Supplier
from provider.audit.models import AuditEvent
from provider.audit.recorder import set_actor
from lantern.demo import AS_OF
from lantern.demo_data.isf import RECEIPT
from provider.funding.models import Arrangement, ManagementOption
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child
from provider.users.models import Role, User

PER_YEAR = {"monthly": 12, "quarterly": 4, "four_weekly": 13}
FREQUENCY_WEIGHTS = [("monthly", 6), ("quarterly", 2), ("four_weekly", 2)]
OUTCOMES = {
    "social_care": ["Has regular short breaks away from home, and the family has a rest",
                    "Spends time with friends outside the home"],
    "health": ["Stays well at home, with care from people who know the child's needs",
               "The family is confident with the child's care and equipment"],
    "education": ["Takes part in activities alongside other children",
                  "Builds communication and independence skills"],
}
PERMITTED = {"social_care": "Short breaks, day care, activities and outings with the family",
             "health": "Care at home, short breaks and therapies in the child's health plan",
             "education": "Activities and therapies in the child's education, health and care plan"}
# (supplier, what was bought as the family will read it, pence)
PURCHASES = [("Northway Taxis", "Taxi to the sensory garden and back", 2_800),
             ("Northway Taxis", "Taxi to the music group", 2_400),
             ("Riverside Leisure Trust", "Swimming session tickets for the family", 1_650),
             ("Riverside Leisure Trust", "Soft play session", 950),
             ("Little Explorers Farm", "Farm park day tickets", 3_200),
             ("Sensory Play Supplies", "Sensory toys for home", 4_500)]
ISF_TABLES = (IsfAgreement, IsfSource, IsfOutcome, IsfReceipt, IsfSpend, Supplier, Evidence, AuditEvent,
              LedgerAccount, LedgerEntry, LedgerLine)


def make_isfs(b, per_record: bool = False) -> None:
    """Every ISF arrangement's agreement, receipts, fees and supplier payments; receipts and fees in bulk unless
    `per_record`."""
    db = Session(bind=b.conn)
    before = _counts(db)
    started = time.perf_counter()
    finance = db.exec(select(User).where(User.role == Role.finance)).one()
    key_workers = {u.id: u for u in db.exec(select(User).where(User.role == Role.coordinator))}
    found = db.exec(select(Arrangement, Child).join(Child, Child.id == Arrangement.child_id)
                    .where(Arrangement.management == ManagementOption.isf)
                    .order_by(Arrangement.starts_on, Arrangement.id)).all()
    with _clock(b) as at:
        set_actor(db, finance)
        at(AS_OF)
        suppliers = {}
        for name in dict.fromkeys(name for name, _, _ in PURCHASES):
            suppliers[name] = Supplier(name=name, sort_code="309634", account_number=f"{len(suppliers) + 1:08d}")
        db.add_all(suppliers.values())
        db.flush()
        money = None if per_record else Money(db, b)
        for arrangement, child in found:
            _isf(db, b, at, arrangement, child, finance, key_workers[child.key_worker_id], suppliers, money)
    db.flush()
    after = _counts(db)
    db.close()
    for table, rows in after.items():
        if rows != before[table]:
            b.counts[table] = b.counts.get(table, 0) + rows - before[table]
    b.invoicing["isfs"] = len(found)
    b.invoicing["isf seconds"] = time.perf_counter() - started


def _isf(db: Session, b, at, arrangement: Arrangement, child: Child, finance: User, key_worker: User,
         suppliers: dict[str, Supplier], money: Money | None) -> None:
    frequency = b.rng.choices(*zip(*FREQUENCY_WEIGHTS))[0]
    per_year = PER_YEAR[frequency]
    first_year, last_year = _year_of(arrangement.starts_on), _year_of(arrangement.ends_on or AS_OF)
    open_ = arrangement.ends_on is None
    db.add_all([arrangement, child])   # held here, so the service's look-ups find them without a query
    at(arrangement.starts_on)
    agreement = service.make_agreement(db, service.AgreementIn(
        arrangement_id=arrangement.id, frequency=frequency, first_instalment_on=date(first_year, 4, 1),
        instalment_count=per_year * (last_year - first_year + 1),
        instalment_pence=math.ceil(arrangement.yearly_pence / per_year),
        fee_kind="fixed", fee_pence=arrangement.fees_pence_per_year // per_year, surplus_weeks=8,
        owed_to="commissioner", key_worker_id=child.key_worker_id,
        next_review_on=_anniversary_after(arrangement.starts_on, AS_OF) if open_ else None))
    source = str(arrangement.source)
    db.add(IsfSource(agreement_id=agreement.id, source=source, law=str(arrangement.law),
                     yearly_pence=arrangement.yearly_pence, permitted=PERMITTED[source]))
    outcomes = [IsfOutcome(agreement_id=agreement.id, source=source, text=text,
                           review_on=_anniversary_after(arrangement.starts_on, AS_OF) if open_ else None)
                for text in OUTCOMES[source]]
    db.add_all(outcomes)
    db.flush()
    # Every receipt first: the care is drawn already, and a fee is refused while the ISF holds less than it.
    started = [p for p in service.periods_of(agreement) if p.starts_on <= AS_OF]
    reference = f"ISF {child.last_name.upper()} {str(child.id)[:6].upper()}"
    for period in started:
        received = max(period.starts_on, arrangement.starts_on)
        at(received)
        if money is None:
            service.record_receipt(db, agreement, period.pence, received, source, f"{reference} P{period.number}",
                                   period.number, finance.id)
        else:
            money.receipt(agreement, child, period, received, source, f"{reference} P{period.number}", finance.id)
    for period in (p for p in started if p.starts_on >= arrangement.starts_on):
        at(period.starts_on)
        if money is None:
            service.post_fee(db, agreement, period, finance.id)
        else:
            money.fee(agreement, child, period, finance.id)
    if money is not None:
        money.write()
    _purchases(db, b, at, agreement, arrangement, outcomes, suppliers, key_worker, finance)
    db.expunge_all()


def _purchases(db: Session, b, at, agreement: IsfAgreement, arrangement: Arrangement, outcomes: list[IsfOutcome],
               suppliers: dict[str, Supplier], asker: User, approver: User) -> None:
    """One to three supplier payments in the ISF's last year, each only if the ISF has it available (what
    `approve_spend` requires)."""
    last = min(arrangement.ends_on or AS_OF, AS_OF)
    first = max(arrangement.starts_on, last - timedelta(days=365))
    for day in sorted(b.day_between(first, last) for _ in range(b.rng.randrange(1, 4))):
        name, description, pence = b.rng.choice(PURCHASES)
        outcome = b.rng.choice(outcomes)
        at(day)
        if service.position(db, agreement, None).available < pence:
            continue
        evidence = service.store_evidence(db, f"{name.lower().replace(' ', '-')}-{day:%Y%m%d}.pdf",
                                          "application/pdf", RECEIPT)
        spend = service.ask_spend(db, agreement, pence, day, description, outcome.id, suppliers[name].id,
                                  evidence.id, asker)
        # No `today`: nothing is reserved, as every unit of the history is marked (the test checks it), and
        # working that out reads every block contract's children (0.2 s a payment with 2,000 children).
        service.approve_spend(db, spend, approver, day, None)


class Money:
    """The rows `service.record_receipt` and `service.post_fee` write, built here and written in bulk. Nothing
    the generator makes is an advance to recover, and no month is closed, so each posting is on its own day."""

    def __init__(self, db: Session, b):
        self.db, self.b = db, b
        self.accounts = dict(db.exec(select(LedgerAccount.code, LedgerAccount.id)).all())
        self.payers: dict = {}     # the ISF accounts: the payer and the child their lines name
        self.children: dict = {}
        bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.isf_client,
                                                 BankAccount.is_active)).first()
        self.bank = accounts.bank(bank)
        self.rows: dict[type, list[dict]] = defaultdict(list)

    def receipt(self, agreement: IsfAgreement, child: Child, period, received: date, source: str, reference: str,
                actor) -> None:
        now, receipt_id = _morning(received), self.b.new_id()
        self.rows[IsfReceipt].append({
            "id": receipt_id, "agreement_id": agreement.id, "instalment_number": period.number,
            "received_on": received, "pence": period.pence, "source": source, "reference": reference,
            "bank_line_id": None, "created_at": now, "created_by_id": actor})
        bank = self._account(self.bank, now)
        held = self._held(agreement, child, now)
        self._post("isf_receipt", [(bank, period.pence, 0), (held, 0, period.pence)], received,
                   f"ISF receipt: {reference or source}", f"isf_receipt:{receipt_id}", agreement.id, actor, now)

    def fee(self, agreement: IsfAgreement, child: Child, period, actor) -> None:
        now, pence = _morning(period.starts_on), agreement.fee_pence
        if pence <= 0:
            return
        fee_id = self.b.new_id()
        self.rows[IsfSpend].append({
            "id": fee_id, "agreement_id": agreement.id, "kind": "fee", "period_number": period.number,
            "spent_on": period.starts_on, "pence": pence, "description": f"Management fee, period {period.number}",
            "outcome_id": None, "supplier_id": None, "evidence_id": None, "from_contingency": False,
            "status": "approved", "asked_by_id": actor, "decided_by_id": actor, "decided_on": period.starts_on,
            "created_at": now})
        income = self._account(accounts.isf_fees(), now)
        held = self._held(agreement, child, now)
        self._post("isf_drawdown", [(held, pence, 0), (income, 0, pence)], period.starts_on,
                   f"ISF management fee, period {period.number}", f"isf_spend:{fee_id}", agreement.id, actor, now)

    def _held(self, agreement: IsfAgreement, child: Child, now: datetime):
        """The ISF's account, whose lines name the ISF as payer and its child, as `service.held_line` writes them."""
        spec = accounts.isf_held(agreement.arrangement_id, f"{child.preferred_name or child.first_name}'s ISF")
        held = self._account(spec, now)
        self.payers[held], self.children[held] = spec.code, child.id
        return held

    def _account(self, spec: accounts.Spec, now: datetime):
        found = self.accounts.get(spec.code)
        if found is None:
            found = self.accounts[spec.code] = self.b.new_id()
            self.rows[LedgerAccount].append({"id": found, "code": spec.code, "name": spec.name,
                                             "type": spec.type.value, "created_at": now})
        return found

    def _post(self, kind: str, lines: list, day: date, description: str, source_ref: str, group_id, actor,
              now: datetime) -> None:
        entry_id = self.b.new_id()
        self.rows[LedgerEntry].append({
            "id": entry_id, "kind": kind, "posted_on": day, "service_date": day, "description": description,
            "group_id": group_id, "source_ref": source_ref, "reverses_id": None, "created_at": now,
            "created_by_id": actor})
        self.rows[LedgerLine] += [{"id": self.b.new_id(), "entry_id": entry_id, "account_id": account,
                                   "debit_pence": debit, "credit_pence": credit, "payer_ref": self.payers.get(account),
                                   "child_id": self.children.get(account)} for account, debit, credit in lines]

    def write(self) -> None:
        connection = self.db.connection()
        for model in (LedgerAccount, IsfReceipt, IsfSpend, LedgerEntry, LedgerLine):
            if self.rows.get(model):
                connection.execute(insert(model.__table__), self.rows.pop(model))


def _morning(day: date) -> datetime:
    return datetime.combine(day, clock_time(9, 30), UTC)


def _year_of(day: date) -> int:
    """The financial year (April to March) holding `day`, by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def _anniversary_after(day: date, after: date) -> date:
    years = after.year - day.year
    while True:
        try:
            found = day.replace(year=day.year + years)
        except ValueError:   # 29 February
            found = date(day.year + years, 3, 1)
        if found > after:
            return found
        years += 1


@contextmanager
def _clock(b):
    """The app's new ids from the generator's seeded source, and its clock at 09:30 on the day `at(day)` names."""
    moment = [_morning(AS_OF)]

    class Morning(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment[0]

    def at(day: date) -> None:
        moment[0] = _morning(day)

    with mock.patch("uuid.uuid4", b.new_id), mock.patch("provider.base.datetime", Morning):
        yield at


def _counts(db: Session) -> dict[str, int]:
    conn = db.connection()
    return {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in ISF_TABLES}
