"""The care half of the trustees' report (issue 8 items 3 to 6): the cost of care against what paid for it, the block
contracts' use, and activity, as tables and a chart for the page, the pack, CSV and JSON.

Everything here is what trustees may see (DOMAIN.md §7): a service or payer from fewer than five children is
combined with others of its kind (reports.cost.disclosed), counts below five read "fewer than 5", and a service's
units are combined the same way, so no line is one child's care. Amounts are pence until a table formats them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from sqlmodel import Session

from provider.dates import short_date
from provider.csv_out import amount
from provider.money import format_gbp
from reports import activity as activity_report, contracts as contract_report, cost as cost_report
from reports.charts import Chart, Series, Table, paired_bar_chart, paired_table
from reports.disclosure import Disclosed, Line, disclose

COST_HEADERS = ["Service", "Children", "Full cost of care", "Paid by statutory funders", "Borne by charity",
                "Gap (full cost less statutory)"]
PAYER_HEADERS = ["Who paid", "Statutory", "Children", "Paid (charity: full cost borne)"]
CONTRACT_HEADERS = ["Contract", "Funder", "Dates", "Value", "Contracted units", "Carried in", "Used to date",
                    "Used above the volume", "Expected by now", "Projected to the end", "Projected unused"]
ACTIVITY_HEADERS = ["Service", "Units delivered", "Children"]


@dataclass(frozen=True)
class Care:
    cost: cost_report.CostReport
    shown: dict[str, Disclosed]          # reports.cost.disclosed: each money column, and the payers
    contracts: list[contract_report.ContractUse]
    activity: activity_report.Activity
    units: Disclosed                     # units by service, small services combined

    @property
    def chart(self) -> Chart:
        services = [x.label for x in self.shown["full_cost_pence"].lines]
        full = Series("Full cost of care", [x.pence for x in self.shown["full_cost_pence"].lines])
        paid = Series("Paid by statutory funders", [x.pence for x in self.shown["statutory_pence"].lines])
        title = f"Cost of care against statutory income by service, {self.cost.label}"
        desc = (f"Two bars for each service: the full cost of the care delivered, and what statutory funders paid "
                f"for it ({', '.join(services)}). The table after the chart holds the same figures." if services
                else f"No care was delivered in {self.cost.label}.")
        return Chart(title, paired_bar_chart(title, desc, services, full, paid, chart_id="cost-against-income"),
                     paired_table(services, full, paid, category_label="Service", difference="Statutory less cost"))


def care(db: Session, first: date, last: date) -> Care:
    cost = cost_report.cost_of_care(db, first, last)
    found = activity_report.activity(db, first, last)
    units = disclose(Line(s.service, "service", s.children + s.relatives, s.units) for s in found.services)
    return Care(cost, cost_report.disclosed(cost), contract_report.contract_use(db, first, last), found, units)


def _money(fmt: Callable) -> Callable:
    return lambda pence: "not shown" if pence is None else fmt(pence)


def cost_table(c: Care, fmt: Callable = format_gbp) -> Table:
    money = _money(fmt)
    columns = [c.shown[name] for name in cost_report.MONEY_COLUMNS]
    rows = [[line.label, line.children] + [money(col.lines[i].pence) for col in columns]
            for i, line in enumerate(columns[0].lines)]
    if rows:
        rows.append(["All services", ""] + [money(col.total) for col in columns])
    return Table(COST_HEADERS, rows)


def payer_table(c: Care, fmt: Callable = format_gbp) -> Table:
    money = _money(fmt)
    rows = [[x.label, "yes" if x.kind == "statutory" else "no", x.children, money(x.pence)]
            for x in c.shown["paid_by"].lines]
    return Table(PAYER_HEADERS, rows)


def contract_table(c: Care, fmt: Callable = format_gbp) -> Table:
    rows = [[x.reference, x.funder, f"{short_date(x.starts_on)} to {short_date(x.ends_on)}", fmt(x.value_pence),
             str(x.volume_units), str(x.carried_in_units), f"{x.used_units} ({x.used_percent})",
             str(x.overage_units), str(x.expected_to_date_units), f"{x.projected_units} ({x.projected_percent})",
             str(max(0, x.projected_shortfall_units))] for x in c.contracts]
    return Table(CONTRACT_HEADERS, rows)


def activity_table(c: Care, plain: bool = False) -> Table:
    rows = [[x.label, "not shown" if x.pence is None else (str(x.pence) if plain else f"{x.pence:,}"), x.children]
            for x in c.units.lines]
    return Table(ACTIVITY_HEADERS, rows)


def tables(c: Care, plain: bool = False) -> dict[str, Table]:
    """Each table by the name of its CSV; `plain` writes amounts as 1234.50, figures the CSVs keep as numbers."""
    fmt = amount if plain else format_gbp
    return {"cost": cost_table(c, fmt), "payers": payer_table(c, fmt), "contracts": contract_table(c, fmt),
            "activity": activity_table(c, plain)}
