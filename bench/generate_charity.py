"""Benchmark data: each financial year's charitable income and its NHS children's hospice grant award (a step of
`bench.generate` after the ISFs: what the steps before it make is unchanged).

For each year of the history, 100 + children/20 gifts of each kind (donations, legacies, events, trading, trust
grants), spread over its months: events and trading to the General Fund; some donations, legacies and trust grants
to the Sibling Support Appeal or the Hydrotherapy Pool Appeal (the generator's restricted funds), the rest to the
General Fund. Each year one shop's takings were banked twice and a correction takes half of them off, as in
Willow's demo. Every gift has a fundraising-system id (BEN-...) and names no child.

Gifts are written in bulk as `provider.charity.service.record_income` writes them: the record, and an entry
debiting the operating bank account and crediting `income:charitable:<type>:<restricted|unrestricted>` (the other
way round for a correction), in the same order with the same ids; `make_charity(b, per_record=True)` calls the
service instead (the test compares both). Through the service each gift reads every child's name to check that
none is named: 20 ms a gift with 5,000 children, 3 minutes for their 8,755; in bulk about 1 s.

The NHS grant: one award a year (`provider.grants.service.record_award` itself: a call a year), 2026/27 at
Willow's £310,000 and 4% less each year before, paid quarterly by the first ICB, its entitlement on 1 April posted
to the ledger (grant receivable against `income:grant:<award>`). The awards are recorded after the history's
invoicing, so their instalments are not invoiced: each year's receivable stays open.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert
from sqlmodel import Session, select

from bench.generate_isf import _clock, _morning
from provider.audit.models import AuditEvent
from provider.audit.recorder import set_actor
from provider.charity.models import DEFAULTS, TYPE_LABELS, TYPE_PLURALS, CharitableIncome, IncomeType
from provider.charity.service import operating_bank, record_income
from lantern.demo import AS_OF
from provider.dates import short_date
from provider.funders.models import CharitableFund
from provider.grants.models import GrantAward
from provider.grants.service import record_award
from provider.ledger import accounts
from provider.ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from provider.users.models import Role, User

GENERAL, SIBLING, POOL = "General Fund", "Sibling Support Appeal", "Hydrotherapy Pool Appeal"
KINDS = {IncomeType.donation: "DO", IncomeType.legacy: "LE", IncomeType.event: "EV", IncomeType.trading: "SH",
         IncomeType.trust_grant: "TG"}      # each kind and its fundraising-system ids' prefix
# Each kind: (smallest, largest) in whole pounds, and the chance of each restricted fund.
AMOUNTS = {IncomeType.donation: (5, 2_500), IncomeType.legacy: (500, 90_000), IncomeType.event: (250, 18_000),
           IncomeType.trading: (1_500, 24_000), IncomeType.trust_grant: (2_000, 50_000)}
RESTRICTED = {IncomeType.donation: ((SIBLING, 0.1), (POOL, 0.1)), IncomeType.legacy: ((POOL, 0.05),),
              IncomeType.trust_grant: ((SIBLING, 0.3), (POOL, 0.25))}
EVENTS = ["Spring Fun Run: entries", "Abseil challenge: entries", "Midsummer Ball: tickets", "Charity golf day",
          "Summer fete", "Willow Walk: entries", "Halloween family fun day", "Bonfire night: tickets",
          "Santa Dash: entries", "Burns night supper: tickets", "Valentine's ball: tickets",
          "Spring quiz night"]                                   # April to March
SHOPS = ["Northfield shop", "Market Street shop", "Riverside furniture shop", "Online shop", "Willow weekly lottery"]
TRUSTS = ["The Harmony Foundation", "The Ashworth Charitable Trust", "The Henley Family Trust",
          "Northshire Community Foundation", "The Northfield Schools Trust", "The Linden Trust"]
GRANT_2026_PENCE = 31_000_000
GRANT_FALL = 1.04          # each year before 2026/27 a smaller award, as prices were
CHARITY_TABLES = (CharitableIncome, GrantAward, AuditEvent, LedgerAccount, LedgerEntry, LedgerLine)
BATCH = 1000


def make_charity(b, per_record: bool = False) -> None:
    """Each year's NHS grant award and charitable income; the gifts in bulk unless `per_record`."""
    db = Session(bind=b.conn)
    before = _counts(db)
    started = time.perf_counter()
    finance = db.exec(select(User).where(User.role == Role.finance)).one()
    funds = {f.name: f for f in db.exec(select(CharitableFund))}
    years = range(b.first_year, b.first_year + b.years)
    gifts = sorted((gift for year in years for gift in _gifts(b, year, funds)),
                   key=lambda g: (g["received_on"], g["external_id"]))
    with _clock(b) as at:
        set_actor(db, finance)
        for year in years:
            at(date(year, 4, 1))
            record_award(db, _award(b, year), AS_OF, finance.id)
        db.flush()
        if per_record:
            for gift in gifts:
                at(gift["received_on"])
                record_income(db, _with_original(db, gift), AS_OF, finance.id, source="bench")
        else:
            Gifts(db, b, funds).write(gifts, finance.id)
    db.flush()
    after = _counts(db)
    db.close()
    for table, rows in after.items():
        if rows != before[table]:
            b.counts[table] = b.counts.get(table, 0) + rows - before[table]
    corrections = sum(1 for g in gifts if g.get("corrects"))
    b.invoicing["charity"] = (len(gifts) - corrections, corrections, len(years))
    b.invoicing["charity seconds"] = time.perf_counter() - started


def _award(b, year: int) -> dict:
    pence = round(GRANT_2026_PENCE / GRANT_FALL ** (2026 - year) / 100_000) * 100_000
    return {"reference": f"NHS-CHF-{year % 100:02d}{(year + 1) % 100:02d}", "name": "NHS children's hospice funding",
            "paid_by_id": b.ids["icbs"][0], "starts_on": date(year, 4, 1), "ends_on": date(year + 1, 3, 31),
            "amount_pence": pence, "entitled_on": date(year, 4, 1), "instalments": "quarterly",
            "invoice_required": True, "notes": f"Award letter of March {year}: the hospice's share for the year."}


def _gifts(b, year: int, funds: dict[str, CharitableFund]) -> list[dict]:
    """The year's gifts of each kind, a month at a time from April, and the correction of a February banking."""
    rng, per_kind, gifts = b.rng, 100 + b.children // 20, []
    for kind, prefix in KINDS.items():
        low, high = AMOUNTS[kind]
        for n in range(per_kind):
            month = date(year, 4, 1) + relativedelta(months=n % 12)
            day = b.day_between(month, month + relativedelta(months=1, days=-1))
            pounds = round(low * (high / low) ** (rng.random() ** 1.5))   # mostly small, a few large
            pence = pounds * 100 + (rng.randrange(100) if kind in (IncomeType.trading, IncomeType.event) else 0)
            fund, roll = GENERAL, rng.random()
            for name, chance in RESTRICTED.get(kind, ()):
                if roll < chance:
                    fund = name
                    break
                roll -= chance
            gifts.append({"received_on": day, "amount_pence": pence, "income_type": kind,
                          "fund_id": funds[fund].id, "donor_ref": _donor(rng, kind, year, n, month),
                          "gift_aid": kind == IncomeType.donation and rng.random() < 0.6,
                          "external_id": f"BEN-{year}-{prefix}-{n + 1:05d}"})
    shop = next(g for g in gifts if g["income_type"] == IncomeType.trading and g["received_on"].month == 2)
    gifts.append({"received_on": shop["received_on"] + timedelta(days=7), "amount_pence": -(shop["amount_pence"] // 2),
                  "corrects": shop["external_id"], "external_id": f"{shop['external_id']}-C",
                  "notes": "Half of these takings were banked twice: the second banking is taken off."})
    return gifts


def _donor(rng, kind: IncomeType, year: int, n: int, month: date) -> str:
    if kind == IncomeType.donation:
        return f"Supporter {rng.randrange(10_000, 100_000)}"
    if kind == IncomeType.legacy:
        return f"Estate ref L-{year}-{n + 1:03d}"
    if kind == IncomeType.event:
        return EVENTS[(month.month - 4) % 12]
    if kind == IncomeType.trading:
        return f"{rng.choice(SHOPS)}, {month:%B %Y}"
    return rng.choice(TRUSTS)


def _with_original(db: Session, gift: dict) -> dict:
    """A correction as the service takes it: naming the record it corrects by id."""
    if not gift.get("corrects"):
        return gift
    original = db.exec(select(CharitableIncome.id).where(CharitableIncome.external_id == gift["corrects"])).one()
    return {key: value for key, value in gift.items() if key != "corrects"} | {"corrects_id": original}


class Gifts:
    """The rows `record_income` writes for each gift, built here and written in bulk. No month is closed, so each
    entry is posted on the day the gift was received."""

    def __init__(self, db: Session, b, funds: dict[str, CharitableFund]):
        self.db, self.b = db, b
        self.funds = {f.id: f for f in funds.values()}
        self.accounts = dict(db.exec(select(LedgerAccount.code, LedgerAccount.id)).all())
        bank = operating_bank(db)
        self.bank = accounts.bank(bank)
        self.rows: dict[type, list[dict]] = defaultdict(list)

    def write(self, gifts: list[dict], actor) -> None:
        records: dict[str, dict] = {}
        for gift in gifts:
            records[gift["external_id"]] = self.record(gift, records.get(gift.get("corrects")), actor)
        connection = self.db.connection()
        for model in (LedgerAccount, CharitableIncome, LedgerEntry, LedgerLine):
            rows = self.rows.pop(model, [])
            for at in range(0, len(rows), BATCH):
                connection.execute(insert(model.__table__), rows[at:at + BATCH])

    def record(self, gift: dict, original: dict | None, actor) -> dict:
        now, day, pence = _morning(gift["received_on"]), gift["received_on"], gift["amount_pence"]
        source = original or gift
        kind, fund = IncomeType(source["income_type"]), self.funds[source["fund_id"]]
        head, exchange = DEFAULTS[kind]
        record = {"id": self.b.new_id(), "received_on": day, "amount_pence": pence, "income_type": kind.value,
                  "sorp_head": source.get("sorp_head", head.value), "exchange": source.get("exchange", exchange),
                  "fund_id": fund.id, "restricted": fund.restricted,
                  "donor_ref": gift.get("donor_ref") or source.get("donor_ref", ""),
                  "gift_aid": source.get("gift_aid", False), "external_id": gift["external_id"],
                  "corrects_id": original["id"] if original else None, "notes": gift.get("notes", ""),
                  "source": "bench", "created_at": now, "created_by_id": actor}
        self.rows[CharitableIncome].append(record)
        income = self._account(accounts.charitable_income(kind.value, fund.restricted, TYPE_PLURALS[kind]), now)
        cash = self._account(self.bank, now)
        lines = [(cash, pence, 0), (income, 0, pence)] if pence > 0 else [(income, -pence, 0), (cash, 0, -pence)]
        what = f"{TYPE_LABELS[kind]} to {fund.name}"
        description = (f"Correction of charitable income ({what}, {short_date(original['received_on'])})" if original
                       else f"Charitable income: {what}")
        entry_id = self.b.new_id()
        self.rows[LedgerEntry].append({
            "id": entry_id, "kind": "charitable_income", "posted_on": day, "service_date": day,
            "description": description, "group_id": original["id"] if original else record["id"],
            "source_ref": f"charitable_income:{record['id']}", "reverses_id": None, "created_at": now,
            "created_by_id": actor})
        self.rows[LedgerLine] += [{"id": self.b.new_id(), "entry_id": entry_id, "account_id": account,
                                   "debit_pence": debit, "credit_pence": credit} for account, debit, credit in lines]
        return record

    def _account(self, spec: accounts.Spec, now):
        found = self.accounts.get(spec.code)
        if found is None:
            found = self.accounts[spec.code] = self.b.new_id()
            self.rows[LedgerAccount].append({"id": found, "code": spec.code, "name": spec.name,
                                             "type": spec.type.value, "created_at": now})
        return found


def _counts(db: Session) -> dict[str, int]:
    conn = db.connection()
    return {model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in CHARITY_TABLES}
