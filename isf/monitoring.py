"""The monitoring return for the commissioner: for a date range, each ISF's money in by source, money out by
category (short breaks, sibling support, other care, other suppliers, fees, money returned) and the balance banked
at the end, with the totals; as a PDF and as CSV. Built from the family's statements, so the two always agree."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from isf import service, statements
from isf.models import IsfAgreement
from isf.statements import CATEGORIES, Statement
from provider.funders.models import Funder
from provider.funding.models import Arrangement
from provider.csv_out import amount, csv_text
from provider.organisation.models import ProviderSettings


@dataclass(frozen=True)
class MonitoringReturn:
    first: date
    last: date
    funder: str                       # whose ISFs: one commissioner, or every one
    hospice: str
    rows: tuple[Statement, ...]

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(label for s in self.rows for label, _ in s.in_by_source))

    def _sum(self, value) -> int:
        return sum(value(s) for s in self.rows)

    @property
    def opening(self) -> int:
        return self._sum(lambda s: s.opening)

    @property
    def total_in(self) -> int:
        return self._sum(lambda s: s.total_in)

    @property
    def total_out(self) -> int:
        return self._sum(lambda s: s.total_out)

    @property
    def banked(self) -> int:
        """What the hospice holds for these ISFs at the end of the dates: the balance banked."""
        return self._sum(lambda s: s.closing)

    @property
    def above_limit(self) -> int:
        return self._sum(lambda s: s.above_limit)

    @property
    def by_source(self) -> list[tuple[str, int]]:
        return [(label, self._sum(lambda s: dict(s.in_by_source).get(label, 0))) for label in self.sources]

    @property
    def by_category(self) -> list[tuple[str, int]]:
        return [(label, self._sum(lambda s: s.by_category[label])) for label in CATEGORIES]


def monitoring_return(db: Session, first: date, last: date, today: date,
                      funder_id: uuid.UUID | None = None) -> MonitoringReturn:
    """Every ISF (of one commissioner, when given) whose schedule meets the dates or that held money in them."""
    query = select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
    if funder_id is not None:
        query = query.where(Arrangement.funder_id == funder_id)
    rows = []
    for agreement in db.exec(query):
        periods = service.periods_of(agreement)
        found = statements.statement(db, agreement, first, last, today)
        meets = periods[0].starts_on <= last and periods[-1].ends_on >= first
        if meets or found.opening or found.closing or found.money_in or found.total_out:
            rows.append(found)
    rows.sort(key=lambda s: (s.child.split()[-1:], s.child, str(s.agreement_id)))
    funder = db.get(Funder, funder_id) if funder_id else None
    settings = db.get(ProviderSettings, 1)
    return MonitoringReturn(first, last, funder.name if funder else "every commissioner",
                            settings.name if settings else "", tuple(rows))


def monitoring_csv(report: MonitoringReturn) -> str:
    """One row for each ISF and one for the totals; amounts in pounds (1234.50)."""
    sources = report.sources
    header = ["from", "to", "child", "client_reference", "opening_balance", *(f"received: {label}" for label in sources),
              "received_in_all", *(label.lower() for label in CATEGORIES), "balance_banked", "above_surplus_limit"]

    def row(child: str, reference: str, opening: int, by_source: dict, received: int, by_category: dict,
            banked: int, above: int) -> list:
        return [report.first.isoformat(), report.last.isoformat(), child, reference, amount(opening),
                *(amount(by_source.get(label, 0)) for label in sources), amount(received),
                *(amount(by_category.get(label, 0)) for label in CATEGORIES), amount(banked), amount(above)]

    rows = [row(s.child, s.child_reference, s.opening, dict(s.in_by_source), s.total_in, s.by_category, s.closing,
                s.above_limit) for s in report.rows]
    rows.append(row("Total", "", report.opening, dict(report.by_source), report.total_in, dict(report.by_category),
                    report.banked, report.above_limit))
    return csv_text(header, rows)


def monitoring_pdf(report: MonitoringReturn) -> bytes:
    return statements.html_to_pdf(statements.pdf_templates.get_template("isf/monitoring_pdf.html").render(r=report))


def filename(report: MonitoringReturn, extension: str) -> str:
    return f"isf-monitoring-return-{report.first:%Y-%m-%d}-to-{report.last:%Y-%m-%d}.{extension}"
