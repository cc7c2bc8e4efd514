"""Recording charitable income and posting it, in the caller's one unit of work; reading it back by period.

Each record debits the operating bank account and credits `income:charitable:<type>:<restricted|unrestricted>`;
a correction (a record naming the one it corrects, with its type and fund) posts the difference the same way round
or, when negative, the other way round. Reports read charitable income from those account codes.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel
from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from provider import references
from provider.charity.models import DEFAULTS, TYPE_LABELS, TYPE_PLURALS, CharitableIncome, IncomeType, SorpHead
from provider.dates import month_last_day, short_date
from provider.errors import FieldErrors, NotFound
from provider.funders.models import CharitableFund
from provider.charity.schemas import IncomeIn
from provider.fields import checked
from provider.ledger import periods
from provider.ledger.models import EntryKind, LedgerAccount
from provider.ledger import accounts
from provider.ledger.post import Line, post
from provider.money import format_gbp
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child

CHARITY_LOCK = 7_202_620     # recording charitable income takes this advisory lock on PostgreSQL


@dataclass(frozen=True)
class Values:
    """What is written: checked, with the type's defaults filled in."""
    received_on: date
    amount_pence: int
    income_type: IncomeType
    sorp_head: SorpHead
    exchange: bool
    fund: CharitableFund
    restricted: bool
    donor_ref: str = ""
    gift_aid: bool = False
    external_id: str | None = None
    corrects: CharitableIncome | None = None
    notes: str = ""


# --- rules ---------------------------------------------------------------------------------------------------

def child_names(db: Session) -> re.Pattern | None:
    """A pattern matching any registered child's full name (or preferred name with surname), in any case."""
    names = set()
    for first, preferred, last in db.exec(select(Child.first_name, Child.preferred_name, Child.last_name)):
        names |= {r"\s+".join(map(re.escape, f"{given} {last}".split())) for given in (first, preferred) if given}
    return re.compile(rf"\b(?:{'|'.join(sorted(names))})\b", re.IGNORECASE) if names else None


def names_a_child(value: str, names: re.Pattern | None) -> bool:
    return bool(names and value and names.search(value))


NAMES_A_CHILD = "names a child: Lantern keeps children's names out of its income records"


def net_of(db: Session, record: CharitableIncome) -> int:
    """A record's amount with its corrections."""
    return record.amount_pence + int(db.exec(select(func.coalesce(func.sum(CharitableIncome.amount_pence), 0))
                                             .where(CharitableIncome.corrects_id == record.id)).one())


def _correction_problems(db: Session, shape: IncomeIn, errors: dict[str, str]) -> CharitableIncome | None:
    original = db.get(CharitableIncome, shape.corrects_id)
    if original is None:
        errors["corrects_id"] = "is not recorded charitable income"
        return None
    if original.corrects_id is not None:
        errors["corrects_id"] = "names a correction: correct the record it corrects"
        return None
    kept = {"income_type": original.income_type, "fund_id": original.fund_id, "sorp_head": original.sorp_head,
            "exchange": original.exchange}
    for name, value in kept.items():
        if getattr(shape, name) is not None and getattr(shape, name) != value:
            errors[name] = ("must be the record's own: a correction changes only the amount. To move income, "
                            "correct the record to nothing and record it again")
    if shape.received_on < original.received_on:
        errors["received_on"] = f"must not be before the record it corrects ({short_date(original.received_on)})"
    if shape.amount_pence is not None and shape.amount_pence < 0:
        net = net_of(db, original)
        if net + shape.amount_pence < 0:
            errors["amount_pence"] = (f"takes off more than the record holds: at most {format_gbp(net)} can be "
                                      "taken off")
    return original


def _problems(db: Session, shape: IncomeIn, today: date, found: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    if shape.received_on > today:
        errors["received_on"] = f"is after today ({short_date(today)}): record income once it is received"
    if shape.amount_pence is None:
        errors["amount_pence"] = "is required"
    elif shape.amount_pence == 0:
        errors["amount_pence"] = "must not be nothing"
    elif shape.amount_pence < 0 and shape.corrects_id is None:
        errors["amount_pence"] = ("must be more than nothing: only a correction that names the record it corrects "
                                  "may take money off")
    if shape.corrects_id is not None:
        found["corrects"] = _correction_problems(db, shape, errors)
    else:
        if shape.income_type is None:
            errors["income_type"] = "is required"
        fund = db.get(CharitableFund, shape.fund_id) if shape.fund_id else None
        if shape.fund_id is None:
            errors["fund_id"] = "is required: choose the charitable fund the income belongs to"
        elif fund is None:
            errors["fund_id"] = "is not a charitable fund"
        elif not fund.is_active:
            errors["fund_id"] = "is no longer in use: choose another fund"
        found["fund"] = fund
    names = child_names(db)
    for name in ("donor_ref", "notes"):
        if names_a_child(getattr(shape, name), names):
            errors[name] = NAMES_A_CHILD
    if shape.external_id and db.exec(select(CharitableIncome.received_on)
                                     .where(CharitableIncome.external_id == shape.external_id)).first():
        errors["external_id"] = "is recorded already: the fundraising system's gift is in Lantern"
    return errors


def operating_bank(db: Session) -> BankAccount:
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating,
                                             BankAccount.is_active)).first()
    if bank is None:
        raise FieldErrors({"bank_account": "is not set up: add the operating bank account in Settings first"})
    return bank


def lock(db: Session) -> None:
    """One writer of charitable income at a time (SQLite's write transactions are serialised already)."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=CHARITY_LOCK))


# --- writing -------------------------------------------------------------------------------------------------

def income_account(db: Session, income_type: IncomeType, restricted: bool) -> LedgerAccount:
    return accounts.open_account(db, accounts.charitable_income(income_type.value, restricted,
                                                                TYPE_PLURALS[income_type]))


def write(db: Session, values: Values, bank: BankAccount, actor_id: uuid.UUID | None, source: str) -> CharitableIncome:
    """The record and its posting: the bank debited and the income credited (the other way round when negative)."""
    original = values.corrects
    record = CharitableIncome(
        received_on=values.received_on, amount_pence=values.amount_pence, income_type=values.income_type,
        sorp_head=values.sorp_head, exchange=values.exchange, fund_id=values.fund.id, restricted=values.restricted,
        donor_ref=values.donor_ref, gift_aid=values.gift_aid, external_id=values.external_id,
        corrects_id=original.id if original else None, notes=values.notes, source=source[:200],
        created_by_id=actor_id)
    db.add(record)
    try:
        db.flush()
    except IntegrityError:  # the same gift recorded twice at the same moment
        raise FieldErrors({"external_id": "is recorded already: the fundraising system's gift is in Lantern"}) from None
    pence = abs(values.amount_pence)
    income, cash = income_account(db, values.income_type, values.restricted), accounts.open_account(db,
                                                                                                    accounts.bank(bank))
    if values.amount_pence > 0:
        lines = [Line(cash, debit=pence), Line(income, credit=pence)]
    else:
        lines = [Line(income, debit=pence), Line(cash, credit=pence)]
    what = f"{TYPE_LABELS[values.income_type]} to {values.fund.name}"
    description = (f"Correction of charitable income ({what}, {short_date(original.received_on)})" if original
                   else f"Charitable income: {what}")
    post(db, EntryKind.charitable_income, lines, service_date=values.received_on, description=description,
         source_ref=references.source_ref("charitable_income", record.id),
         group_id=original.id if original else record.id,
         actor_id=actor_id)
    return record


def record_income(db: Session, data: dict[str, Any] | BaseModel, today: date, actor_id: uuid.UUID | None = None,
                  *, pounds: bool = False, source: str = "api") -> CharitableIncome:
    """Check, record and post one piece of charitable income (or a correction): FieldErrors naming each bad field."""
    lock(db)
    found: dict = {}
    shape: IncomeIn = checked(IncomeIn, data, lambda s: _problems(db, s, today, found), pounds=pounds)
    bank = operating_bank(db)
    original = found.get("corrects")
    if original is not None:
        fund = db.get(CharitableFund, original.fund_id)
        values = Values(shape.received_on, shape.amount_pence, IncomeType(original.income_type),
                        SorpHead(original.sorp_head), original.exchange, fund, original.restricted,
                        shape.donor_ref or original.donor_ref, original.gift_aid, shape.external_id, original,
                        shape.notes)
    else:
        head, exchange = DEFAULTS[shape.income_type]
        values = Values(shape.received_on, shape.amount_pence, shape.income_type, shape.sorp_head or head,
                        exchange if shape.exchange is None else shape.exchange, found["fund"],
                        found["fund"].restricted, shape.donor_ref, shape.gift_aid, shape.external_id, None,
                        shape.notes)
    return write(db, values, bank, actor_id, source)


# --- reading -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first: date
    last: date
    label: str
    year: int          # the financial year it lies in, by the year it starts in


def latest_year(db: Session, today: date) -> int:
    """The financial year of the latest income recorded on or before `today` (or of `today`, when there is none)."""
    latest = db.exec(select(func.max(CharitableIncome.received_on)).where(CharitableIncome.received_on <= today)).one()
    return periods.year_of(db, latest or today)


def period(db: Session, year: int | None, month: str | None, today: date) -> Period:
    """A financial year (by the year it starts in) or one month of it; without either, the latest year with income."""
    if year is not None and not 2000 <= year <= 2100:
        raise FieldErrors({"year": periods.YEAR_FORMAT})
    if month:
        first = periods.parse_month(month)
        if year is not None and periods.year_of(db, first) != year:
            raise FieldErrors({"month": f"is not in {periods.year_label(db, year)}: choose a month of that year"})
        return Period(first, month_last_day(first), f"{first:%B %Y}", periods.year_of(db, first))
    year = latest_year(db, today) if year is None else year
    first = date(year, periods.start_month(db), 1)
    return Period(first, first + relativedelta(years=1, days=-1), periods.year_label(db, year), year)


def _where(query, when: Period | None, fund_id: uuid.UUID | None, income_type: IncomeType | None):
    if when is not None:
        query = query.where(CharitableIncome.received_on >= when.first, CharitableIncome.received_on <= when.last)
    if fund_id is not None:
        query = query.where(CharitableIncome.fund_id == fund_id)
    if income_type is not None:
        query = query.where(CharitableIncome.income_type == income_type)
    return query


def list_income(db: Session, when: Period | None, fund_id: uuid.UUID | None = None,
                income_type: IncomeType | None = None) -> list[CharitableIncome]:
    query = _where(select(CharitableIncome), when, fund_id, income_type)
    return list(db.exec(query.order_by(CharitableIncome.received_on, CharitableIncome.created_at)))


def get_income(db: Session, income_id: uuid.UUID) -> CharitableIncome:
    record = db.get(CharitableIncome, income_id)
    if record is None:
        raise NotFound("No such charitable income")
    return record


def corrections_of(db: Session, record: CharitableIncome) -> list[CharitableIncome]:
    return list(db.exec(select(CharitableIncome).where(CharitableIncome.corrects_id == record.id)
                        .order_by(CharitableIncome.received_on, CharitableIncome.created_at)))


def corrected_by(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The sum of each record's corrections, for the records among `ids` that have any."""
    found: dict[uuid.UUID, int] = {}
    for at in range(0, len(ids), 500):
        found |= {key: int(total) for key, total in db.exec(
            select(CharitableIncome.corrects_id, func.sum(CharitableIncome.amount_pence))
            .where(CharitableIncome.corrects_id.in_(ids[at:at + 500])).group_by(CharitableIncome.corrects_id))}
    return found


@dataclass(frozen=True)
class Total:
    month: str               # YYYY-MM
    income_type: IncomeType
    sorp_head: SorpHead
    exchange: bool
    fund_id: uuid.UUID
    restricted: bool
    pence: int


def totals(db: Session, when: Period | None, fund_id: uuid.UUID | None = None,
           income_type: IncomeType | None = None) -> list[Total]:
    """Income by month, type, SORP head, exchange and fund (corrections in the month they were made): no donors."""
    columns = (CharitableIncome.received_on, CharitableIncome.income_type, CharitableIncome.sorp_head,
               CharitableIncome.exchange, CharitableIncome.fund_id, CharitableIncome.restricted)
    query = _where(select(*columns, func.sum(CharitableIncome.amount_pence)), when, fund_id, income_type)
    summed: dict[tuple, int] = {}
    for day, *key, pence in db.exec(query.group_by(*columns)):
        whole = (f"{day:%Y-%m}", IncomeType(key[0]), SorpHead(key[1]), bool(key[2]), key[3], bool(key[4]))
        summed[whole] = summed.get(whole, 0) + int(pence)
    order = sorted(summed.items(), key=lambda item: (item[0][0], item[0][1], str(item[0][4])))
    return [Total(*key, pence) for key, pence in order if pence]
