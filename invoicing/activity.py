"""A block contract's quarterly activity return to its commissioner: the units the contract paid for in the
quarter, against its volume. A council sees each child by its own client reference; an ICB or NHS England
sees counts only, never a child.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import Session, select

from provider import references
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.csv_out import csv_text
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funders.models import Funder, FunderKind
from provider.funding.models import BlockContract
from provider.people.models import Child

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
COUNTS_ONLY = (FunderKind.icb, FunderKind.nhs_england)


@dataclass(frozen=True)
class ActivityLine:
    label: str          # the council's client reference, or the service for counts only
    service: str
    units: int
    above_volume: int


@dataclass(frozen=True)
class ActivityReturn:
    reference: str
    funder: str
    first: date
    last: date
    counts_only: bool
    lines: list[ActivityLine]
    children: int
    used_to_date: int
    volume: int

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def left(self) -> int:
        return max(self.volume - self.used_to_date, 0)


def quarter_bounds(quarter: str, start_month: int = 4) -> tuple[date, date]:
    """'2026-Q1' is the first quarter of the financial year 2026/27: April to June 2026."""
    match = QUARTER.match(quarter or "")
    if match is None:
        raise FieldErrors({"quarter": "must be a financial-year quarter written like 2026-Q3"})
    first = date(int(match.group(1)), start_month, 1) + relativedelta(months=3 * (int(match.group(2)) - 1))
    return first, first + relativedelta(months=3) - timedelta(days=1)


def activity_return(db: Session, contract: BlockContract, first: date, last: date) -> ActivityReturn:
    """Summed in the database: a block invoice's volume page asks for this from the contract's start."""
    funder = db.get(Funder, contract.funder_id)
    counts_only = funder.kind in COUNTS_ONLY
    on_contract = (Charge.state == ChargeState.current, ChargePart.arrangement_ref == references.block_ref(contract.id))
    used_to_date = db.exec(select(func.coalesce(func.sum(ChargePart.units), 0))
                           .join(Charge, Charge.id == ChargePart.charge_id)
                           .where(*on_contract, ChargePart.rule != "block-overage",
                                  Charge.day >= contract.starts_on, Charge.day <= last)).one()
    in_quarter = db.exec(select(Charge.child_id, Service.name, ChargePart.rule, func.sum(ChargePart.units))
                         .join(ChargePart, ChargePart.charge_id == Charge.id)
                         .join(Service, Service.id == Charge.service_id)
                         .where(*on_contract, Charge.day >= max(first, contract.starts_on), Charge.day <= last)
                         .group_by(Charge.child_id, Service.name, ChargePart.rule)).all()
    client_references = {c.id: c.council_reference or "no client reference recorded" for c in db.exec(
        select(Child).where(Child.id.in_({row[0] for row in in_quarter})))} if in_quarter and not counts_only else {}
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for child_id, service, rule, units in in_quarter:
        key = (service if counts_only else client_references[child_id], service)
        totals[key][1 if rule == "block-overage" else 0] += int(units)
    lines = [ActivityLine(label, service, units + above, above) for (label, service), (units, above)
             in sorted(totals.items())]
    return ActivityReturn(contract.reference, funder.name, first, last, counts_only, lines,
                          len({row[0] for row in in_quarter}), int(used_to_date), contract.volume_units)


def activity_csv(report: ActivityReturn) -> str:
    header = ["contract", "quarter_from", "quarter_to", "client_reference" if not report.counts_only else "service",
              "service", "units", "above_volume"]
    return csv_text(header, ([report.reference, report.first.isoformat(), report.last.isoformat(), line.label,
                              line.service, line.units, line.above_volume] for line in report.lines))


def activity_text(report: ActivityReturn) -> str:
    head = (f"Activity return for {report.reference} ({report.funder}), {short_date(report.first)} to "
            f"{short_date(report.last)}")
    width = max([len(line.label) for line in report.lines] + [20])
    body = [f"  {line.label:<{width}} {line.service:<24} {line.units:>5}"
            + (f"  ({line.above_volume} above the volume)" if line.above_volume else "") for line in report.lines]
    return "\n".join([head, *(body or ["  No units in this quarter."]),
                      f"Units this quarter: {report.units}, for {report.children} children",
                      f"Used to date: {report.used_to_date} of {report.volume}; {report.left} left"])
