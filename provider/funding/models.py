"""Funding arrangements: block contracts, spot and joint packages, personal budgets, and the priority order.

Charitable funds are arrangements too, but they live in `provider.funders` and apply to every child.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field
from provider.money import OptionalStoredPence, StoredPence


class ArrangementKind(StrEnum):
    spot = "spot"
    joint = "joint"
    block = "block"
    personal_budget = "personal_budget"
    restricted_fund = "restricted_fund"
    unrestricted_fund = "unrestricted_fund"


ARRANGEMENT_KIND_LABELS = {
    ArrangementKind.spot: "Spot package",
    ArrangementKind.joint: "Joint package",
    ArrangementKind.block: "Block-contract allowance",
    ArrangementKind.personal_budget: "Personal budget",
    ArrangementKind.restricted_fund: "Restricted charitable fund",
    ArrangementKind.unrestricted_fund: "Unrestricted charitable funds",
}

# The provider's order when it has set none (DOMAIN.md §3.2).
DEFAULT_PRIORITY = (
    ArrangementKind.spot,
    ArrangementKind.joint,
    ArrangementKind.block,
    ArrangementKind.personal_budget,
    ArrangementKind.restricted_fund,
    ArrangementKind.unrestricted_fund,
)


class ArrangementStatus(StrEnum):
    draft = "draft"
    active = "active"
    ended = "ended"


class BudgetSource(StrEnum):
    social_care = "social_care"
    health = "health"
    education = "education"


class BudgetLaw(StrEnum):
    children_act = "children_act"
    nhs_direct_payments = "nhs_direct_payments"
    sen_personal_budgets = "sen_personal_budgets"
    care_act = "care_act"


BUDGET_LAW_LABELS = {
    BudgetLaw.children_act: "Children Act 1989 s17A; direct payment regulations 2009",
    BudgetLaw.nhs_direct_payments: "NHS (Direct Payments) Regulations 2013",
    BudgetLaw.sen_personal_budgets: "SEN (Personal Budgets) Regulations 2014",
    BudgetLaw.care_act: "Care Act 2014",
}


class ManagementOption(StrEnum):
    direct_payment = "direct_payment"
    nominee = "nominee"
    managed_account = "managed_account"
    isf = "isf"
    commissioner_managed = "commissioner_managed"


MANAGEMENT_OPTION_LABELS = {
    ManagementOption.direct_payment: "Direct payment to the holder",
    ManagementOption.nominee: "Direct payment to a nominee",
    ManagementOption.managed_account: "Direct payment held in a managed account",
    ManagementOption.isf: "Individual Service Fund held by the hospice",
    ManagementOption.commissioner_managed: "Managed by the commissioner",
}

# Budgets the family holds or controls: they fund only services the family agreed to, never free ones.
FAMILY_HELD = frozenset({ManagementOption.direct_payment, ManagementOption.nominee,
                         ManagementOption.managed_account, ManagementOption.isf})


class InstalmentFrequency(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"


class Overage(StrEnum):
    rate = "rate"            # each unit above the volume charged at the overage rate, in the month's run
    charity = "charity"      # units above the volume left to charity


class UnderUse(StrEnum):
    """What the contract says happens at its end to volume not used."""
    kept = "kept"                        # the block is paid in full whatever is used
    clawback = "clawback"                # the unused share of the value is repaid to the commissioner
    credited = "credited"                # the unused share is credited against the commissioner's next invoices
    carried_forward = "carried_forward"  # the unused units are added to the next contract's volume




class BlockContract(SQLModel, table=True):
    """A commissioner buys a volume of care for the children of its area, paid by instalments."""

    __tablename__ = "block_contracts"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("volume_units > 0", name="volume_positive"),
        CheckConstraint("value_pence >= 0", name="value_not_negative"),
        CheckConstraint("allowance_units IS NULL OR allowance_units > 0", name="allowance_positive"),
        CheckConstraint("overage_rate_pence IS NULL OR overage_rate_pence >= 0", name="overage_not_negative"),
        CheckConstraint("carried_in_units >= 0", name="carried_in_not_negative"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    reference: str = Field(sa_type=String(60), unique=True)
    funder_id: uuid.UUID = Field(foreign_key="funders.id", index=True)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="funder_departments.id")
    starts_on: date
    ends_on: date
    volume_units: int
    value_pence: StoredPence
    instalments: InstalmentFrequency = Field(sa_type=String(20))
    in_advance: bool = True
    covers_area_id: uuid.UUID | None = Field(default=None, foreign_key="funders.id")
    overage: Overage = Field(default=Overage.charity, sa_type=String(20))
    overage_rate_pence: OptionalStoredPence = None
    allowance_units: int | None = None
    counts_late_cancellations: bool = False   # a chargeable cancellation uses volume, as a delivered unit does
    under_use: UnderUse = Field(default=UnderUse.kept, sa_type=String(20))
    carried_in_units: int = 0                 # unused units carried forward from an earlier contract
    status: ArrangementStatus = Field(default=ArrangementStatus.active, sa_type=String(20))
    hard_limit: bool = False
    notes: str = Field(default="", sa_type=Text)

    @property
    def total_volume(self) -> int:
        return self.volume_units + self.carried_in_units


class BlockContractService(SQLModel, table=True):
    __tablename__ = "block_contract_services"
    __audited__ = True
    contract_id: uuid.UUID = Field(foreign_key="block_contracts.id", primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="services.id", primary_key=True)


class BlockContractChild(SQLModel, table=True):
    """A child named on a contract that covers a list rather than an area."""

    __tablename__ = "block_contract_children"
    __audited__ = True
    contract_id: uuid.UUID = Field(foreign_key="block_contracts.id", primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="children.id", primary_key=True)


class Arrangement(SQLModel, table=True):
    """One child's spot package, joint package or personal budget."""

    __tablename__ = "arrangements"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("cap_units IS NULL OR cap_units > 0", name="cap_units_positive"),
        CheckConstraint("cap_pence IS NULL OR cap_pence >= 0", name="cap_pence_not_negative"),
        CheckConstraint("share_percent IS NULL OR (share_percent > 0 AND share_percent <= 100)",
                        name="share_percent_range"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    kind: ArrangementKind = Field(sa_type=String(20))
    name: str = Field(sa_type=String(200))
    status: ArrangementStatus = Field(default=ArrangementStatus.active, sa_type=String(20))
    starts_on: date
    ends_on: date | None = None
    # Who pays (spot packages and commissioner-managed budgets; joint packages use ArrangementShare).
    funder_id: uuid.UUID | None = Field(default=None, foreign_key="funders.id", index=True)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="funder_departments.id")
    # Caps over the arrangement's year, which starts on `year_starts` (month, day) each year.
    cap_units: int | None = None
    cap_pence: OptionalStoredPence = None
    year_start_month: int = 4
    year_start_day: int = 1
    hard_limit: bool = False
    # Purchase order.
    po_number: str | None = Field(default=None, sa_type=String(60))
    po_value_pence: OptionalStoredPence = None
    po_starts_on: date | None = None
    po_ends_on: date | None = None
    # Personal budgets.
    source: BudgetSource | None = Field(default=None, sa_type=String(20))
    law: BudgetLaw | None = Field(default=None, sa_type=String(30))
    management: ManagementOption | None = Field(default=None, sa_type=String(30))
    holder_id: uuid.UUID | None = Field(default=None, foreign_key="family_members.id")
    nominee_id: uuid.UUID | None = Field(default=None, foreign_key="nominees.id")
    managed_account_name: str | None = Field(default=None, sa_type=String(200))
    yearly_pence: OptionalStoredPence = None
    fees_pence_per_year: StoredPence = 0
    agreed: bool = False
    family_agreed_by: str | None = Field(default=None, sa_type=String(200))
    family_agreed_on: date | None = None
    share_percent: int | None = None
    notes: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()


class ArrangementService(SQLModel, table=True):
    """A service an arrangement may pay for, with its own yearly unit cap if any.

    A budget the family holds or controls pays only for services with `family_agreed` set, and the
    arrangement then says who agreed and when.
    """

    __tablename__ = "arrangement_services"
    __table_args__ = (CheckConstraint("cap_units IS NULL OR cap_units > 0", name="cap_units_positive"),)
    __audited__ = True
    arrangement_id: uuid.UUID = Field(foreign_key="arrangements.id", primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="services.id", primary_key=True)
    cap_units: int | None = None
    family_agreed: bool = False


class ArrangementRate(SQLModel, table=True):
    """A contract rate that replaces the price list for this arrangement, by time band, from a date."""

    __tablename__ = "arrangement_rates"
    __table_args__ = (
        UniqueConstraint("arrangement_id", "service_id", "time_band", "starts_on", name="uq_arrangement_rates_key"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
    )
    __audited__ = True
    id: uuid.UUID = id_field()
    arrangement_id: uuid.UUID = Field(foreign_key="arrangements.id", index=True)
    service_id: uuid.UUID = Field(foreign_key="services.id")
    time_band: str = Field(default="all", sa_type=String(20))
    starts_on: date
    price_pence: StoredPence


class ArrangementShare(SQLModel, table=True):
    """A joint package's share of each unit, paid by its own funder (and department)."""

    __tablename__ = "arrangement_shares"
    __table_args__ = (CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    arrangement_id: uuid.UUID = Field(foreign_key="arrangements.id", index=True)
    funder_id: uuid.UUID = Field(foreign_key="funders.id")
    department_id: uuid.UUID | None = Field(default=None, foreign_key="funder_departments.id")
    percent: int
    po_number: str | None = Field(default=None, sa_type=String(60))
    contract_reference: str | None = Field(default=None, sa_type=String(60))   # the payer's own, for its invoice


class PriorityRule(SQLModel, table=True):
    """The provider's order of kinds, for every service (service_id empty) or for one service."""

    __tablename__ = "priority_rules"
    __table_args__ = (UniqueConstraint("service_id", "kind", name="uq_priority_rules_service_kind"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    service_id: uuid.UUID | None = Field(default=None, foreign_key="services.id")
    kind: ArrangementKind = Field(sa_type=String(20))
    rank: int


class ChildPriority(SQLModel, table=True):
    """One child's own order: these arrangements first, in this order, before the provider's."""

    __tablename__ = "child_priorities"
    __audited__ = True
    child_id: uuid.UUID = Field(foreign_key="children.id", primary_key=True)
    arrangement_ref: str = Field(sa_type=String(80), primary_key=True)
    rank: int
    reason: str = Field(default="", sa_type=Text)
