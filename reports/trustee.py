"""The statutory income report as trustees see it (DOMAIN.md §7): no money line from fewer than five children.

A line's children are those its income and cash came from (reports.income with `children=True`). Lines from fewer
than five are combined with others of their kind (statutory income, or other income); while the combined line still
comes from fewer than five, the kind's next-smallest line joins it, and if the whole kind is too small its amount
is held back, with every total that would reveal it. Lines from no child (the NHS grant, charitable income) are
shown as they are. The pack, the trustee's page, CSV and JSON all read this view; staff see the lines themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlmodel import Session

from reports import income
from reports.disclosure import FEWER, Line as CountedLine, disclose, format_count

STATUTORY, OTHER = "statutory", "not statutory"
COMBINED = {STATUTORY: "Statutory income combined", OTHER: "Other income combined"}
COMBINED_SOURCE = f"Lines from {FEWER} children each"
HELD_BACK = "held back: it would show the money of fewer than 5 children"


@dataclass(frozen=True)
class Shown:
    section: str
    source: str
    stream: str
    reference: str
    pence: int | None              # None: held back
    cash: int | None               # None: held back, or not tied to this line (the note says which)
    note: str
    children: str                  # "" for money from no child, "fewer than 5", or a count
    statutory: bool
    held_back: bool = False


@dataclass(frozen=True)
class TrusteeReport:
    first: date
    last: date
    lines: list[Shown]
    total: int | None
    statutory_pence: int | None
    cash_total: int | None
    ledger_pence: int | None
    combined: frozenset = frozenset()   # (section, source, stream) of the lines combined or held back

    @property
    def label(self) -> str:
        return income.period_label(self.first, self.last)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def share(self) -> Fraction | None:
        if self.total is None or self.statutory_pence is None or self.total <= 0:
            return None
        return Fraction(self.statutory_pence, self.total)

    @property
    def ties(self) -> bool:
        return self.total is not None and self.total == self.ledger_pence

    def section_totals(self) -> list[tuple[str, int | None]]:
        sections = list(dict.fromkeys(x.section for x in self.lines))
        return [(s, None if any(x.held_back for x in self.lines if x.section == s)
                 else sum(x.pence for x in self.lines if x.section == s)) for s in sections]


def _kind(line: income.Line) -> str:
    return STATUTORY if line.statutory else OTHER


def _label(line: income.Line) -> str:
    return "|".join((line.section, line.source, line.stream, line.reference))


def for_trustees(report: income.Report) -> TrusteeReport:
    """`report` (read with children counted) with its small lines combined and what would reveal them held back."""
    if not report.children_counted:
        raise ValueError("the report was read without its children counted")
    shown = disclose(CountedLine(_label(x), _kind(x), x.children, x.pence) for x in report.lines)
    kept = {s.label for s in shown.lines}
    lines: list[Shown] = []
    for x in report.lines:
        if _label(x) in kept:
            lines.append(Shown(x.section, x.source, x.stream, x.reference, x.pence, x.cash, x.note,
                               "" if x.children is None else format_count(x.children), x.statutory))
    held = False
    for s in shown.lines:
        if not s.label.startswith("Other "):
            continue
        kind = s.kind
        merged = [x for x in report.lines if _kind(x) == kind and _label(x) not in kept]
        held_back = s.pence is None
        held = held or held_back
        sections = ", ".join(dict.fromkeys(x.section for x in merged))
        cash = [x.cash for x in merged if x.cash is not None]
        lines.append(Shown(COMBINED[kind], COMBINED_SOURCE, f"{len(merged)} lines combined: {sections}", "",
                           s.pence, None if held_back or not cash else sum(cash),
                           HELD_BACK if held_back else "", s.children, kind == STATUTORY, held_back))
    statutory = shown.kind_totals.get(STATUTORY, 0)
    combined = frozenset((x.section, x.source, x.stream) for x in report.lines if _label(x) not in kept)
    return TrusteeReport(report.first, report.last, lines, shown.total, statutory,
                         None if held else report.cash_total, None if shown.total is None else report.ledger_pence,
                         combined)


def trustee_income(db: Session, first: date, last: date) -> TrusteeReport:
    return for_trustees(income.statutory_income(db, first, last, children=True))


@dataclass(frozen=True)
class Compared:
    section: str
    source: str
    stream: str
    this_year: int | None          # None: in that year's combined line, or held back
    last_year: int | None

    @property
    def change(self) -> int | None:
        return None if self.this_year is None or self.last_year is None else self.this_year - self.last_year


@dataclass(frozen=True)
class YearOnYear:
    this: TrusteeReport
    last: TrusteeReport
    lines: list[Compared]


def compare(db: Session, year: int, start_month: int = 4) -> YearOnYear:
    """income.compare as trustees see it: each year's lines as shown to them, side by side."""
    this, last = (trustee_income(db, p.first, p.last) for p in (income.year_period(year, start_month),
                                                                 income.year_period(year - 1, start_month)))
    sums: dict[tuple, list] = {}
    for i, report in enumerate((this, last)):
        for x in report.lines:
            pair = sums.setdefault((x.section, x.source, x.stream), [0, 0])
            pair[i] = None if x.pence is None or pair[i] is None else pair[i] + x.pence
    for key, pair in sums.items():
        for i, report in enumerate((this, last)):
            if key in report.combined:
                pair[i] = None
    keys = [k for k, v in sums.items() if any(v) or None in v]
    return YearOnYear(this, last, [Compared(*k, *sums[k]) for k in keys])
