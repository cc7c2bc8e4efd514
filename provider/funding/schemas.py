"""The API's and forms' shapes for funding: arrangements (spot and joint packages, personal budgets), block
contracts, and the order in which they pay.

No `from __future__ import annotations` here: two shapes keep another module's name for the API document, and
pydantic would look their annotations up in that module; evaluated as each class is made, they need no look-up."""

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from provider.base import Day
from provider.catalogue.models import TimeBand
from provider.fields import (
    Notes, OptionalDate, OptionalId, OptionalPence, OptionalText, Reference, Whole, blank_is_none, optional,
)
from provider.funding.models import (
    ArrangementKind, ArrangementStatus, BudgetLaw, BudgetSource, InstalmentFrequency, ManagementOption, Overage,
    UnderUse,
)


# --- arrangements ----------------------------------------------------------------------------------------------

class ServiceLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_id: uuid.UUID
    cap_units: Whole = Field(default=None, description="At most this many units a year; leave out for no cap")
    family_agreed: bool = Field(default=False, description="The family agreed to this budget paying for it")


class RateLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_id: uuid.UUID
    time_band: TimeBand = Field(default=TimeBand.all, description="'all', or a band for an hourly service")
    starts_on: Day
    price_pence: OptionalPence = Field(description="The contract rate, in whole pence")


class ShareLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    funder_id: uuid.UUID
    department_id: OptionalId = None
    percent: Whole = Field(description="Whole per cent of every unit; the shares add up to 100")
    po_number: Reference = None
    contract_reference: Reference = Field(default=None, description="The payer's own contract reference")


class ArrangementIn(BaseModel):
    """A spot package, a joint package or a personal budget for one child. Amounts are whole pence."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    child_id: uuid.UUID
    kind: Literal["spot", "joint", "personal_budget"]
    name: OptionalText = Field(default=None, description="Left out: made from the kind and the funder")
    status: ArrangementStatus = ArrangementStatus.active
    starts_on: Day
    ends_on: OptionalDate = None
    funder_id: OptionalId = Field(default=None, description="Who pays: a spot package or a commissioner's budget")
    department_id: OptionalId = None
    cap_units: Whole = None
    cap_pence: OptionalPence = None
    year_start_month: Whole = 4
    year_start_day: Whole = 1
    hard_limit: bool = Field(default=False, description="A booking beyond this cap needs a named override")
    po_number: Reference = None
    po_value_pence: OptionalPence = None
    po_starts_on: OptionalDate = None
    po_ends_on: OptionalDate = None
    source: Annotated[BudgetSource | None, BeforeValidator(blank_is_none)] = None
    law: Annotated[BudgetLaw | None, BeforeValidator(blank_is_none)] = None
    management: Annotated[ManagementOption | None, BeforeValidator(blank_is_none)] = None
    holder_id: OptionalId = Field(default=None, description="A direct payment's holder: this child's family member")
    nominee_id: OptionalId = None
    managed_account_name: OptionalText = None
    yearly_pence: OptionalPence = None
    fees_per_year_pence: OptionalPence = 0
    agreed: bool = Field(default=False, description="Agreed (final); otherwise an indicative allocation")
    family_agreed_by: OptionalText = None
    family_agreed_on: OptionalDate = None
    share_percent: Whole = Field(default=None, description="This option's share when one budget is split")
    notes: Notes = ""
    services: list[ServiceLine] = Field(default=[], description="The services it may pay for")
    rates: list[RateLine] = Field(default=[], description="Contract rates replacing the price list")
    shares: list[ShareLine] = Field(default=[], description="A joint package's payers and their shares")


class ArrangementPatch(BaseModel):
    """A change: only the fields sent are changed; a list sent replaces the whole list."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    status: ArrangementStatus | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    funder_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    cap_units: Any = None
    cap_pence: OptionalPence = None
    year_start_month: Any = None
    year_start_day: Any = None
    hard_limit: bool | None = None
    po_number: str | None = None
    po_value_pence: OptionalPence = None
    po_starts_on: Day | None = None
    po_ends_on: Day | None = None
    source: BudgetSource | None = None
    law: BudgetLaw | None = None
    management: ManagementOption | None = None
    holder_id: uuid.UUID | None = None
    nominee_id: uuid.UUID | None = None
    managed_account_name: str | None = None
    yearly_pence: OptionalPence = None
    fees_per_year_pence: OptionalPence = None
    agreed: bool | None = None
    family_agreed_by: str | None = None
    family_agreed_on: Day | None = None
    share_percent: Any = None
    notes: str | None = None
    services: list[dict] | None = None
    rates: list[dict] | None = None
    shares: list[dict] | None = None


class ServiceOut(BaseModel):
    # Published in the API document as provider__funding__service__ServiceOut: catalogue has a shape of the same name, and the document names
    # clashing shapes by module, so this one keeps the module it was first published from.
    __module__ = "provider.funding.service"
    service_id: uuid.UUID
    service_name: str
    cap_units: int | None
    family_agreed: bool


class RateOut(BaseModel):
    service_id: uuid.UUID
    time_band: str
    starts_on: date
    price_pence: int


class ShareOut(BaseModel):
    funder_id: uuid.UUID
    funder_name: str
    department_id: uuid.UUID | None
    percent: int
    po_number: str | None
    contract_reference: str | None = None


class ArrangementOut(BaseModel):
    id: uuid.UUID
    child_id: uuid.UUID
    child_name: str
    kind: str
    name: str
    status: str
    starts_on: date
    ends_on: date | None
    funder_id: uuid.UUID | None
    funder_name: str | None
    department_id: uuid.UUID | None
    cap_units: int | None
    cap_pence: int | None
    year_start_month: int
    year_start_day: int
    hard_limit: bool
    po_number: str | None
    po_value_pence: int | None
    po_starts_on: date | None
    po_ends_on: date | None
    po_remaining_pence: int | None = Field(description="The purchase order's value less what is charged to it")
    source: str | None
    law: str | None
    management: str | None
    holder_id: uuid.UUID | None
    nominee_id: uuid.UUID | None
    managed_account_name: str | None
    yearly_pence: int | None
    fees_per_year_pence: int
    agreed: bool
    family_agreed_by: str | None
    family_agreed_on: date | None
    share_percent: int | None
    notes: str
    services: list[ServiceOut]
    rates: list[RateOut]
    shares: list[ShareOut]
    warnings: list[str] = Field(description="Saved, but something will stop it later (e.g. no written nomination)")



# --- block contracts ---------------------------------------------------------------------------------------------

class ContractIn(BaseModel):
    """A block contract. Amounts are whole pence; it covers an area (`covers_area_id`) or named children."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reference: str = Field(min_length=1, max_length=60, description="The commissioner's contract reference")
    funder_id: uuid.UUID
    department_id: OptionalId = None
    starts_on: Day
    ends_on: Day
    service_ids: list[uuid.UUID] = Field(default=[], description="The services the volume buys")
    volume_units: Whole = Field(description="Units bought for the whole period, e.g. 240 nights")
    value_pence: OptionalPence = Field(description="What the contract is worth, in whole pence")
    instalments: InstalmentFrequency = InstalmentFrequency.quarterly
    in_advance: bool = True
    covers_area_id: OptionalId = Field(default=None, description="The council or ICB whose children it covers")
    child_ids: list[uuid.UUID] = Field(default=[], description="Or the children it covers, by name")
    overage: Overage = Field(default=Overage.charity, description="Who pays above the volume")
    overage_rate_pence: OptionalPence = None
    allowance_units: Whole = Field(default=None, description="Units a year for each child covered, e.g. 14")
    counts_late_cancellations: bool = Field(default=False, description="A late cancellation (the family's, "
                                            "or a child not brought) uses the volume as a delivered unit does")
    under_use: UnderUse = Field(default=UnderUse.kept, description="What happens at the end to volume not used")
    status: ArrangementStatus = ArrangementStatus.active
    hard_limit: bool = False
    notes: Notes = ""


class ContractPatch(BaseModel):
    """A change: only the fields sent are changed; a list sent replaces the whole list."""

    model_config = ConfigDict(extra="forbid")
    reference: str | None = None
    funder_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    service_ids: list[uuid.UUID] | None = None
    volume_units: Any = None
    value_pence: OptionalPence = None
    instalments: InstalmentFrequency | None = None
    in_advance: bool | None = None
    covers_area_id: uuid.UUID | None = None
    child_ids: list[uuid.UUID] | None = None
    overage: Overage | None = None
    overage_rate_pence: OptionalPence = None
    allowance_units: Any = None
    counts_late_cancellations: bool | None = None
    under_use: UnderUse | None = None
    status: ArrangementStatus | None = None
    hard_limit: bool | None = None
    notes: str | None = None


class InstalmentOut(BaseModel):
    # Published in the API document as provider__funding__contracts__InstalmentOut: grants have a shape of the same name, and the document names
    # clashing shapes by module, so this one keeps the module it was first published from.
    __module__ = "provider.funding.contracts"
    due_on: date
    period_starts_on: date
    period_ends_on: date
    amount_pence: int


class ContractOut(BaseModel):
    id: uuid.UUID
    reference: str
    funder_id: uuid.UUID
    funder_name: str
    department_id: uuid.UUID | None
    starts_on: date
    ends_on: date
    service_ids: list[uuid.UUID]
    volume_units: int
    value_pence: int
    instalments: str
    in_advance: bool
    covers_area_id: uuid.UUID | None
    child_ids: list[uuid.UUID]
    overage: str
    overage_rate_pence: int | None
    allowance_units: int | None
    counts_late_cancellations: bool
    under_use: str
    carried_in_units: int = Field(description="Unused units carried forward into this contract from an earlier one")
    status: str
    hard_limit: bool
    notes: str
    schedule: list[InstalmentOut]
    used_units: int = Field(description="Units charged to the contract so far")



# --- the order of priority -----------------------------------------------------------------------------------

Order = list[ArrangementKind]


class ChildOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    order: list[str] = Field(default=[], description='References tried first, in order: "arrangement:<id>", '
                                                      '"block:<id>" or "fund:<id>"; empty removes the override')
    reason: optional(2000) = None


class PrioritiesIn(BaseModel):
    """Each part sent replaces what it names; a part left out is left alone."""

    model_config = ConfigDict(extra="forbid")
    default: Order | None = Field(default=None, description="Every kind once, first to pay first")
    by_service: dict[uuid.UUID, Order | None] | None = Field(
        default=None, description="A service's own order; null or [] returns the service to the default")
    children: dict[uuid.UUID, ChildOrderIn] | None = Field(default=None, description="One child's own order")


class ChildOrderOut(BaseModel):
    order: list[str]
    reason: str


class PrioritiesOut(BaseModel):
    default: list[str]
    by_service: dict[uuid.UUID, list[str]]
    children: dict[uuid.UUID, ChildOrderOut]

