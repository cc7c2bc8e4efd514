"""Block contracts for trustees (issue 8 item 4; DOMAIN.md §7): each contract in force in a period, its volume used
against contracted to the period's end, and projected to the contract's end at the rate so far.

The figures are the "Contract use" page's (`provider.funding.usage.contract_usage`, as of the period's last day),
as plain rows without the per-child allowances, which trustees must not see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from provider.funding.models import ArrangementStatus, BlockContract
from provider.funding.usage import contract_usage
from provider.money import Pence, percent_text
from reports.income import check_period


@dataclass(frozen=True)
class ContractUse:
    reference: str
    funder: str
    starts_on: date
    ends_on: date
    as_of: date                    # used to this day: the period's last day, within the contract's dates
    value_pence: Pence
    volume_units: int              # contracted
    carried_in_units: int          # unused units carried forward from an earlier contract
    used_units: int                # within the volume, to `as_of`
    overage_units: int             # above the volume, to `as_of`
    expected_to_date_units: int    # the volume spread evenly over the contract's days, to `as_of`
    projected_units: int           # used and overage to `as_of`, continued at the same rate to the contract's end

    @property
    def remaining_units(self) -> int:
        return max(0, self.volume_units - self.used_units)

    @property
    def used_percent(self) -> str:
        return percent_text(self.used_units, self.volume_units)

    @property
    def projected_percent(self) -> str:
        return percent_text(self.projected_units, self.volume_units)

    @property
    def projected_shortfall_units(self) -> int:
        """Contracted units the rate so far would leave unused (negative: the volume would be passed)."""
        return self.volume_units - self.projected_units


def contract_use(db: Session, first: date, last: date) -> list[ContractUse]:
    """Every block contract (not a draft) in force at some time from `first` to `last`, earliest first."""
    check_period(first, last)
    contracts = db.execute(select(BlockContract)
                           .where(BlockContract.status != ArrangementStatus.draft, BlockContract.starts_on <= last,
                                  BlockContract.ends_on >= first)
                           .order_by(BlockContract.starts_on, BlockContract.reference)).scalars().all()
    rows = []
    for contract in contracts:
        use = contract_usage(db, contract, last)
        rows.append(ContractUse(contract.reference, use.funder_name, contract.starts_on, contract.ends_on, use.as_of,
                                contract.value_pence, contract.volume_units, contract.carried_in_units,
                                use.used_units, use.overage_units, use.expected_to_date_units, use.projected_units))
    return rows
