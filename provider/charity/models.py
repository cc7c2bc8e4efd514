"""Charitable income: donations, legacies, events, trading and trust grants, each to a charitable fund.

Each record is headed as the Charities SORP heads income and flagged exchange or non-exchange (DOMAIN.md §5); both
default from its type. A record is posted money: never changed or deleted (the database refuses it). A mistake is
put right by a correction, a new record naming the one it corrects; only a correction may be negative, and the
corrections of a record never take it below nothing.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text
from sqlmodel import Field, SQLModel

import provider.funders.models  # noqa: F401  (the table this refers to by foreign key)
from provider.base import id_field, timestamp_field
from provider.money import StoredPence


class IncomeType(StrEnum):
    donation = "donation"
    legacy = "legacy"
    event = "event"
    trading = "trading"
    trust_grant = "trust_grant"
    other = "other"


class SorpHead(StrEnum):
    donations_and_legacies = "donations_and_legacies"
    charitable_activities = "charitable_activities"
    other_trading_activities = "other_trading_activities"
    investments = "investments"
    other = "other"


TYPE_LABELS = {IncomeType.donation: "Donation", IncomeType.legacy: "Legacy", IncomeType.event: "Event",
               IncomeType.trading: "Trading", IncomeType.trust_grant: "Trust grant", IncomeType.other: "Other"}
TYPE_PLURALS = {IncomeType.donation: "donations", IncomeType.legacy: "legacies", IncomeType.event: "events",
                IncomeType.trading: "trading", IncomeType.trust_grant: "trust grants", IncomeType.other: "other"}
HEAD_LABELS = {SorpHead.donations_and_legacies: "Donations and legacies",
               SorpHead.charitable_activities: "Charitable activities",
               SorpHead.other_trading_activities: "Other trading activities",
               SorpHead.investments: "Investments", SorpHead.other: "Other"}

# Each type's SORP head and whether it is exchange income, unless the record says otherwise. Event income is
# tickets and entry fees (an exchange); sponsorship of a fundraiser is a donation.
DEFAULTS: dict[IncomeType, tuple[SorpHead, bool]] = {
    IncomeType.donation: (SorpHead.donations_and_legacies, False),
    IncomeType.legacy: (SorpHead.donations_and_legacies, False),
    IncomeType.trust_grant: (SorpHead.donations_and_legacies, False),
    IncomeType.event: (SorpHead.other_trading_activities, True),
    IncomeType.trading: (SorpHead.other_trading_activities, True),
    IncomeType.other: (SorpHead.other, False),
}


class CharitableIncome(SQLModel, table=True):
    __tablename__ = "charitable_income"
    __table_args__ = (
        CheckConstraint("amount_pence <> 0", name="amount_not_zero"),
        CheckConstraint("amount_pence > 0 OR corrects_id IS NOT NULL", name="negative_only_to_correct"),
    )
    id: uuid.UUID = id_field()
    received_on: date = Field(index=True)            # received, or recognised (a legacy once it is probable)
    amount_pence: StoredPence
    income_type: IncomeType = Field(sa_type=String(20))
    sorp_head: SorpHead = Field(sa_type=String(30))
    exchange: bool                                    # exchange income (tickets, goods sold); else non-exchange
    fund_id: uuid.UUID = Field(foreign_key="charitable_funds.id", index=True)
    restricted: bool                                  # the fund's, when posted: it names the income account
    donor_ref: str = Field(default="", sa_type=String(200))     # a donor's id, an event, shop or trust: no child
    gift_aid: bool = False                            # the donor made a Gift Aid declaration
    external_id: str | None = Field(default=None, sa_type=String(120), unique=True)   # the fundraising system's id
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="charitable_income.id", index=True)
    notes: str = Field(default="", sa_type=Text)
    source: str = Field(default="", sa_type=String(200))        # "form", "api", "import gifts.csv line 7"
    created_at: datetime = timestamp_field()
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
