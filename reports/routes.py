"""Trustee reports in the app (issue 8, items 2, 6, 7 and 8): the statutory income report for a financial year, a
quarter, a month or chosen dates, with year against year and two charts; its table as CSV; the trustee pack as a PDF;
the same figures as JSON. Trustees, finance and admin read them.

Every figure is an aggregate from reports.income, whose lines name funders, funds and budget types, never a child:
the ISF draw-downs, the direct payments and the nominees' payments are one line each for all children together.

Cost of care (reports/cost.py), contract use (reports/contracts.py) and activity (reports/activity.py) join at the
places marked PLUG IN: here, in templates/reports/income.html and in templates/reports/pack_pdf.html.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from invoicing.documents import html_to_pdf, pdf_templates
from provider.clock import financial_year_label, financial_year_start, today
from provider.errors import FieldErrors
from provider.ledger.periods import parse_month, parse_year, start_month, year_of
from provider.money import format_gbp
from provider.organisation.models import ProviderSettings
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.downloads import download
from provider.web.templating import render
from reports import care as care_report, income, trustee
from reports.charts import Chart, Series, Table, bar_chart, data_table, format_percent, line_chart
from reports.cli import STATUTORY_NOTE, csv_text, percent, table_csv

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/reports", responses=API_ERRORS, tags=["reports"])
READERS = allow(Role.trustee, Role.finance)
SHARE_YEARS = 5
DATE_FORMAT = "must be a date written YYYY-MM-DD, like 2026-04-01"


# ---------------------------------------------------------------------------------------------------------------
# The period asked for


@dataclass(frozen=True)
class Chosen:
    """The dates asked for, and the financial year they fall in (for year against year and the charts)."""
    year: int
    start: int                  # the month the hospice's financial years start in
    period: income.Period
    quarter: int | None = None
    month: str | None = None    # YYYY-MM
    dates: bool = False         # chosen by first and last day

    @property
    def year_label(self) -> str:
        return financial_year_label(date(self.year, self.start, 1), self.start)

    @property
    def query(self) -> str:
        """The choice as a query string, for the links to its CSV and PDF."""
        if self.dates:
            return urlencode({"first": self.period.first.isoformat(), "last": self.period.last.isoformat()})
        if self.month:
            return urlencode({"month": self.month})
        return urlencode({"year": self.year, **({"quarter": self.quarter} if self.quarter else {})})

    @property
    def slug(self) -> str:
        return f"{self.period.first.isoformat()}-to-{self.period.last.isoformat()}"


def _day(text: str, field: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = DATE_FORMAT
        return None


def _latest_year(db: Session, start: int) -> int:
    """The current financial year, or the one before while nothing is yet recognised in the current one (the first
    days of April): trustees opening the reports want the year they can read."""
    current = year_of(db, today(db))
    period = income.year_period(current, start)
    return current if income.has_income(db, period.first, period.last) else current - 1


def choose(db: Session, year: str | None = None, quarter: str | None = None, month: str | None = None,
           first: str | None = None, last: str | None = None) -> Chosen:
    """A financial year (by default the current one, or the last while the current has no income yet), a quarter
    of it, a month, or a first and last day; anything else is refused naming the field."""
    year, quarter, month, first, last = ((v or "").strip() or None for v in (year, quarter, month, first, last))
    start = start_month(db)
    if first or last:
        if quarter or month:
            raise FieldErrors({"first": "give a first and last day, or a quarter or month, not both"})
        errors = {name: "is required with the other day: a date written YYYY-MM-DD"
                  for name, value in (("first", first), ("last", last)) if not value}
        begin = _day(first, "first", errors) if first else None
        end = _day(last, "last", errors) if last else None
        if errors:
            raise FieldErrors(errors)
        income.check_period(begin, end)
        return Chosen(financial_year_start(begin, start).year, start,
                      income.Period(begin, end, income.period_label(begin, end)), dates=True)
    if month:
        if quarter:
            raise FieldErrors({"month": "choose a quarter or a month, not both"})
        day = parse_month(month)
        fy = financial_year_start(day, start).year
        if year and parse_year(year) != fy:
            asked = financial_year_label(date(parse_year(year), start, 1), start)
            raise FieldErrors({"month": f"{day:%B %Y} is not in {asked}: choose a month of that year"})
        return Chosen(fy, start, income.month_period(day.year, day.month), month=f"{day:%Y-%m}")
    fy = parse_year(year) if year else _latest_year(db, start)
    if quarter:
        if not (quarter.isascii() and quarter.isdigit()):
            raise FieldErrors({"quarter": "must be 1, 2, 3 or 4"})
        return Chosen(fy, start, income.quarter_period(fy, int(quarter), start), quarter=int(quarter))
    return Chosen(fy, start, income.year_period(fy, start))


# ---------------------------------------------------------------------------------------------------------------
# The figures, the charts and their tables


@dataclass(frozen=True)
class Figures:
    chosen: Chosen
    report: income.Report | trustee.TrusteeReport
    compared: income.YearOnYear | trustee.YearOnYear
    charts: list[Chart]
    hospice: str
    prepared_on: date
    care: care_report.Care
    for_trustees: bool                  # small lines combined (reports/trustee.py), as trustees and the pack see it
    statutory = income.STATUTORY        # the sections DOMAIN.md §7 counts as statutory
    statutory_note = STATUTORY_NOTE

    @property
    def share(self) -> str:
        """'99.87%', or '' with no income."""
        return f"{percent(self.report.share)}%" if self.report.share is not None else ""

    @property
    def tie(self) -> str:
        if self.report.total is None:
            return "is held back, so as not to show the money of fewer than 5 children"
        return "agrees with the ledger" if self.report.ties else "DOES NOT AGREE with the ledger"

    @property
    def care_tables(self) -> dict[str, Table]:
        return care_report.tables(self.care)

    @property
    def closing_note(self) -> str:
        r = self.report
        if r.is_empty:
            return f"No income is recorded for {self.chosen.period.label}."
        if r.total is None:
            return (f"Some of the income of {self.chosen.period.label} comes from fewer than 5 children, so its "
                    "total is held back; staff can read the full lines.")
        share = f" ({self.share} of it)" if self.share else ""
        return (f"For {self.chosen.period.label} the hospice recognised {format_gbp(r.total)} of income, of which "
                f"{format_gbp(r.statutory_pence)} was statutory{share}, and received {format_gbp(r.cash_total)} "
                f"in the same dates. The total {self.tie}: its income accounts hold {format_gbp(r.ledger_pence)} "
                f"for these dates.")


def _reader(for_trustees: bool):
    """The income report as trustees see it, or as staff do."""
    return trustee.trustee_income if for_trustees else income.statutory_income


def _quarter_chart(db: Session, chosen: Chosen, for_trustees: bool) -> Chart:
    """Income by source in each quarter of the year: a bar for each section, the quarters as categories."""
    periods = [income.quarter_period(chosen.year, q, chosen.start) for q in (1, 2, 3, 4)]
    totals = [dict(_reader(for_trustees)(db, p.first, p.last).section_totals()) for p in periods]
    sections = list(dict.fromkeys([s for s in income.SECTIONS if any(s in t for t in totals)] +
                                  [s for t in totals for s in t]))
    categories = [f"Q{q} {p.first:%b}–{p.last:%b}" for q, p in enumerate(periods, 1)]
    series = [Series(s, [t.get(s, 0) for t in totals]) for s in sections]
    title = f"Income by source in each quarter of {chosen.year_label}"
    desc = (f"Bars for the four quarters of {chosen.year_label}, one for each source of income: "
            f"{', '.join(sections)}. The table after the chart holds the same figures." if sections else
            f"No income is recorded for {chosen.year_label}.")
    return Chart(title, bar_chart(title, desc, categories, series, chart_id="income-by-quarter"),
                 data_table(categories, series, category_label="Quarter", total=True))


def _share_chart(db: Session, chosen: Chosen, compared, for_trustees: bool) -> Chart:
    """The statutory share of each of up to five years to this one, from the first of them with any income."""
    earlier = [income.year_period(chosen.year - k, chosen.start) for k in range(SHARE_YEARS - 1, 1, -1)]
    reports = [_reader(for_trustees)(db, p.first, p.last) for p in earlier] + [compared.last, compared.this]
    while reports and reports[0].share is None:
        reports.pop(0)
    labels = [r.label for r in reports]
    series = [Series("Statutory share", [r.share for r in reports])] if reports else []
    title = f"Statutory share of income, {labels[0]} to {labels[-1]}" if len(labels) > 1 else \
        f"Statutory share of income, {chosen.year_label}"
    latest = next((r for r in reversed(reports) if r.share is not None), None)
    desc = (f"The share of each year's income that came from {STATUTORY_NOTE}: {format_percent(latest.share)} in "
            f"{latest.label}. The table after the chart holds the same figures." if latest else
            "No income is recorded in these years.")
    rows = [[r.label, _gbp(r.statutory_pence), _gbp(r.total),
             format_percent(r.share) if r.share is not None else "not shown" if r.total is None else "no income"]
            for r in reports]
    return Chart(title, line_chart(title, desc, labels, series, chart_id="statutory-share"),
                 Table(["Year", "Statutory income", "All income", "Statutory share"], rows))


def _gbp(pence: int | None) -> str:
    return "not shown" if pence is None else format_gbp(pence)


def figures(db: Session, chosen: Chosen, for_trustees: bool) -> Figures:
    """Everything the page and the pack show; `for_trustees`, with small numbers combined or held back."""
    compared = (trustee.compare if for_trustees else income.compare)(db, chosen.year, chosen.start)
    whole = (compared.this.first, compared.this.last) == (chosen.period.first, chosen.period.last)
    report = compared.this if whole else _reader(for_trustees)(db, chosen.period.first, chosen.period.last)
    found = care_report.care(db, chosen.period.first, chosen.period.last)
    charts = [_quarter_chart(db, chosen, for_trustees), _share_chart(db, chosen, compared, for_trustees), found.chart]
    settings = db.get(ProviderSettings, 1)
    return Figures(chosen, report, compared, charts, settings.name if settings else "The hospice", today(db), found,
                   for_trustees)


# ---------------------------------------------------------------------------------------------------------------
# Pages, files


def _periods(chosen: Chosen) -> list[tuple[str, str, bool]]:
    """Links to the whole year, its quarters and its months: (label, query, is it the one shown)."""
    links = [(f"The whole of {chosen.year_label}", urlencode({"year": chosen.year}),
              not (chosen.quarter or chosen.month or chosen.dates))]
    links += [(f"Q{q}", urlencode({"year": chosen.year, "quarter": q}), chosen.quarter == q) for q in (1, 2, 3, 4)]
    first = date(chosen.year, chosen.start, 1)
    for n in range(12):
        month = date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)
        links.append((f"{month:%b %Y}", urlencode({"month": f"{month:%Y-%m}"}), chosen.month == f"{month:%Y-%m}"))
    return links


@router.get("/reports")
def income_page(request: Request, db: DB, year: str | None = None, quarter: str | None = None,
                month: str | None = None, first: str | None = None, last: str | None = None, user: User = READERS):
    chosen = choose(db, year, quarter, month, first, last)
    return render(request, "reports/income.html", {
        "f": figures(db, chosen, user.role == Role.trustee), "periods": _periods(chosen),
        "years": [(f"{when} year, {financial_year_label(date(y, chosen.start, 1), chosen.start)}", y)
                  for when, y in (("The previous", chosen.year - 1), ("The next", chosen.year + 1))]})


@router.get("/reports/income.csv")
def income_csv(db: DB, year: str | None = None, quarter: str | None = None, month: str | None = None,
               first: str | None = None, last: str | None = None, user: User = READERS):
    chosen = choose(db, year, quarter, month, first, last)
    report = _reader(user.role == Role.trustee)(db, chosen.period.first, chosen.period.last)
    return _csv(csv_text(report), f"statutory-income-{chosen.slug}")


CARE_TABLES = {"cost-of-care": "cost", "paid-by": "payers", "contracts": "contracts", "activity": "activity"}


@router.get("/reports/{name}.csv")
def care_csv(name: str, db: DB, year: str | None = None, quarter: str | None = None, month: str | None = None,
             first: str | None = None, last: str | None = None, _: User = READERS):
    """The cost of care, who paid, the block contracts and activity, each as trustees see it."""
    if name not in CARE_TABLES:
        raise HTTPException(404, "No such table")
    chosen = choose(db, year, quarter, month, first, last)
    table = care_report.tables(care_report.care(db, chosen.period.first, chosen.period.last), plain=True)
    return _csv(table_csv(table[CARE_TABLES[name]]), f"{name}-{chosen.slug}")


def _csv(text: str, name: str) -> Response:
    return download(text, "text/csv; charset=utf-8", f"{name}.csv")


def pack_html(found: Figures) -> str:
    return pdf_templates.get_template("reports/pack_pdf.html").render(f=found)


@router.get("/reports/pack.pdf")
def trustee_pack(db: DB, year: str | None = None, quarter: str | None = None, month: str | None = None,
                 first: str | None = None, last: str | None = None, _: User = READERS):
    found = figures(db, choose(db, year, quarter, month, first, last), for_trustees=True)
    return download(html_to_pdf(pack_html(found)), "application/pdf", f"trustee-pack-{found.chosen.slug}.pdf",
                    inline=True)


# ---------------------------------------------------------------------------------------------------------------
# JSON


class LineOut(BaseModel):
    section: str
    source: str
    stream: str
    reference: str
    statutory: bool
    income_pence: int | None    # None: held back from trustees (fewer than 5 children)
    cash_pence: int | None      # None where the cash cannot be tied to this line or is held back (the note says)
    note: str
    children: str | None        # trustees only: "fewer than 5", a count, or "" for money from no child


class SectionOut(BaseModel):
    section: str
    statutory: bool
    income_pence: int | None


class ComparedOut(BaseModel):
    section: str
    source: str
    stream: str
    this_year_pence: int | None     # None: combined or held back that year (trustees)
    last_year_pence: int | None
    change_pence: int | None


class YearOnYearOut(BaseModel):
    this_year: str
    last_year: str
    this_year_pence: int | None
    last_year_pence: int | None
    lines: list[ComparedOut]


class StatutoryIncomeOut(BaseModel):
    period: str
    first: date
    last: date
    empty: bool
    lines: list[LineOut]
    sections: list[SectionOut]
    total_pence: int | None                 # None: held back from trustees
    statutory_pence: int | None
    statutory_share_percent: str | None     # "99.87", to two decimals; None with no income or held back
    cash_pence: int | None
    ledger_pence: int | None
    agrees_with_ledger: bool
    for_trustees: bool                      # lines from fewer than 5 children combined, as a trustee reads it
    year_against_year: YearOnYearOut


@api.get("/statutory-income", response_model=StatutoryIncomeOut)
def statutory_income_json(db: DB, year: str | None = None, quarter: str | None = None, month: str | None = None,
                          first: str | None = None, last: str | None = None, user: User = READERS):
    chosen = choose(db, year, quarter, month, first, last)
    for_trustees = user.role == Role.trustee
    r = _reader(for_trustees)(db, chosen.period.first, chosen.period.last)
    both = (trustee.compare if for_trustees else income.compare)(db, chosen.year, chosen.start)
    return StatutoryIncomeOut(
        period=chosen.period.label, first=r.first, last=r.last, empty=r.is_empty,
        lines=[LineOut(section=x.section, source=x.source, stream=x.stream, reference=x.reference,
                       statutory=x.statutory, income_pence=x.pence, cash_pence=x.cash, note=x.note,
                       children=x.children if for_trustees else None) for x in r.lines],
        sections=[SectionOut(section=s, statutory=any(x.statutory for x in r.lines if x.section == s),
                             income_pence=pence) for s, pence in r.section_totals()],
        total_pence=r.total, statutory_pence=r.statutory_pence, statutory_share_percent=percent(r.share) or None,
        cash_pence=r.cash_total, ledger_pence=r.ledger_pence, agrees_with_ledger=r.ties, for_trustees=for_trustees,
        year_against_year=YearOnYearOut(
            this_year=both.this.label, last_year=both.last.label, this_year_pence=both.this.total,
            last_year_pence=both.last.total,
            lines=[ComparedOut(section=x.section, source=x.source, stream=x.stream, this_year_pence=x.this_year,
                               last_year_pence=x.last_year, change_pence=x.change) for x in both.lines]))


class TableOut(BaseModel):
    headers: list[str]
    rows: list[list[str]]


class CareOut(BaseModel):
    period: str
    first: date
    last: date
    full_cost_pence: int | None
    statutory_pence: int | None
    charity_pence: int | None
    children: str
    relatives: str
    families: str
    tables: dict[str, TableOut]     # cost, payers, contracts, activity: as the page shows them


@api.get("/care", response_model=CareOut)
def care_json(db: DB, year: str | None = None, quarter: str | None = None, month: str | None = None,
              first: str | None = None, last: str | None = None, _: User = READERS):
    """The cost of care, who paid, block contract use and activity, with small numbers combined or held back."""
    chosen = choose(db, year, quarter, month, first, last)
    c = care_report.care(db, chosen.period.first, chosen.period.last)
    return CareOut(period=chosen.period.label, first=chosen.period.first, last=chosen.period.last,
                   full_cost_pence=c.shown["full_cost_pence"].total, statutory_pence=c.shown["statutory_pence"].total,
                   charity_pence=c.shown["charity_pence"].total, children=c.activity.children_text,
                   relatives=c.activity.relatives_text, families=c.activity.families_text,
                   tables={name: TableOut(headers=t.headers, rows=t.rows) for name, t in care_report.tables(c).items()})
