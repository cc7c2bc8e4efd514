"""The API's and form's shape for charitable income received, or a correction of it."""
from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from provider.base import Day
from provider.charity.models import IncomeType, SorpHead
from provider.fields import Notes, PenceIn, blank_is_none, optional, pence_in

NOT_MONEY = "is not an amount of money: write pounds and pence, like 1,234.50"


def _amount(value: Any, info: ValidationInfo) -> int | None:
    """Whole pence, either sign (only a correction may be negative). A form sends pounds; JSON sends pence."""
    return pence_in(value, info, example="2500 for £25.00", signed=True,
                    money_message=lambda exc: "must not be finer than a penny" if "penny" in str(exc) else NOT_MONEY)


Amount = Annotated[PenceIn | None, BeforeValidator(_amount)]


class IncomeIn(BaseModel):
    """Charitable income received, or a correction of a record (name it in `corrects_id`). Amounts in pence."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    received_on: Day = Field(description="The day it was received (or recognised, for a legacy)")
    amount_pence: Amount = Field(description="Whole pence, e.g. 2500 for £25.00; negative only in a correction")
    income_type: Annotated[IncomeType | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="donation, legacy, event, trading, trust_grant or other; a correction keeps "
                                  "the record's")
    fund_id: Annotated[uuid.UUID | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="The charitable fund (restricted or unrestricted); a correction keeps the record's")
    sorp_head: Annotated[SorpHead | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="The Charities SORP head; by default the type's")
    exchange: Annotated[bool | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="Exchange income (tickets, goods sold) or not (gifts, grants); by default the type's")
    donor_ref: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = Field(
        default="", max_length=200, description="The donor's id, or the event, shop or trust: never a child's name")
    gift_aid: Annotated[bool, BeforeValidator(lambda v: False if blank_is_none(v) is None else v)] = False
    external_id: optional(120) = Field(default=None, description="The fundraising system's id: each is recorded once")
    corrects_id: Annotated[uuid.UUID | None, BeforeValidator(blank_is_none)] = Field(
        default=None, description="The record this corrects")
    notes: Notes = ""
