"""Trustee pages for the statutory income report (issue 8, items 2, 6, 7 and 8): a trustee reads Willow's 2026/27 to
the penny as reports.income gives it, downloads the table as CSV and the trustee pack as a PDF, sees two charts each
with its title, description and table; an empty year and a bad period are answered plainly; coordinators, families
and strangers are refused; and no page, file or API answer names a child."""
from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from isf.models import IsfAgreement
from lantern import demo
from provider.money import format_gbp
from provider.organisation.models import ProviderSettings
from provider.people.models import Child
from provider.users.models import Role
from provider.web.deps import access_rule, route_rules
from reports import cli, income, routes, trustee as trustee_view
from tests.conftest import post_form, demo_once_per_module
from tests.test_report_income import ledger_income

YEAR = income.year_period(2026)
TRUSTEE, FINANCE, ADMIN = "trustee@willow.example", "finance@willow.example", "admin@willow.example"
COORDINATOR, FAMILY = "coordinator@willow.example", "leila@family.example"
URLS = ["/reports?year=2026", "/reports/income.csv?year=2026", "/reports/pack.pdf?year=2026",
        "/api/reports/statutory-income?year=2026", "/api/reports/care?year=2026"]
CARE_CSVS = [f"/reports/{name}.csv?year=2026" for name in ("cost-of-care", "paid-by", "contracts", "activity")]
SVG = "{http://www.w3.org/2000/svg}"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


@pytest.fixture
def pages(app):
    return app


def browser(app, email: str | None) -> TestClient:
    found = TestClient(app, follow_redirects=False)
    if email:
        signed = post_form(found, "/login", {"email": email, "password": demo.DEMO_PASSWORD})
        assert signed.status_code == 303, signed.text
    return found


@pytest.fixture
def trustee(pages, willow) -> TestClient:
    return browser(pages, TRUSTEE)


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def pdf_text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())


def report_2026(db) -> income.Report:
    return income.statutory_income(db, YEAR.first, YEAR.last)


def row_text(line: income.Line) -> str:
    cash = "" if line.cash is None else f" {format_gbp(line.cash)}"
    return " ".join(f"{line.source} {line.stream} {line.reference} {format_gbp(line.pence)}{cash} {line.note}".split())


# ---------------------------------------------------------------------------------------------------------------
# What a trustee reads


def shown_text(line: trustee_view.Shown) -> str:
    cash = "" if line.cash is None else f" {format_gbp(line.cash)}"
    amount = "not shown" if line.pence is None else format_gbp(line.pence)
    children = f"children: {line.children}" if line.children else ""
    note = "; ".join(x for x in (line.note, children) if x)
    return " ".join(f"{line.source} {line.stream} {line.reference} {amount}{cash} {note}".split())


def test_a_trustee_reads_2026_27_to_the_penny_with_the_share_the_cash_and_the_tie_to_the_ledger(trustee, willow):
    page = trustee.get("/reports?year=2026")
    assert page.status_code == 200, page.text
    text = text_of(page)
    report = report_2026(willow)
    assert "Statutory income, 2026/27" in text
    assert "Riverside ICB grant award NHS-CHF-2627 £310,000.00 £232,500.00" in text   # the NHS grant
    assert "Northshire County Council block contract NCC-SB-2627 £150,000.00 £112,500.00 children: 18" in text
    assert "NHS children's hospice funding (statutory)" in text and "Councils (statutory)" in text
    # The personal budgets, Ben's spot package, Dev's and the education budget's lines each come from fewer than
    # five children: the trustee reads them as one line, their sum, of 13 children.
    assert ("Statutory income combined Lines from fewer than 5 children each 7 lines combined: ICBs, Councils, "
            "Personal budgets £7,335.00 £12,260.00 children: 13") in text
    assert "Riverside ICB spot packages" not in text and "Direct payments to nominees" not in text
    shown = trustee_view.for_trustees(income.statutory_income(willow, YEAR.first, YEAR.last, children=True))
    assert all(shown_text(line) in text for line in shown.lines)
    assert sum(line.pence for line in shown.lines) == report.total
    total = format_gbp(ledger_income(willow, YEAR.first, YEAR.last))
    assert report.total == report.ledger_pence == ledger_income(willow, YEAR.first, YEAR.last)
    assert f"Total income {total} {format_gbp(report.cash_total)}" in text
    assert f"Statutory income £467,335.00 {cli.percent(report.share)}% of income" in text
    assert f"Income in the ledger {total} agrees with the ledger" in text
    assert f"Cash received {format_gbp(report.cash_total)} in the same dates" in text
    assert "2026/27 against 2025/26" in text
    assert "Riverside ICB (NHS children's hospice funding) grant award £310,000.00 £0.00 £310,000.00" in text
    assert f"For 2026/27 the hospice recognised {total} of income, of which £467,335.00 was statutory" in text


def test_finance_reads_every_line_and_the_personal_budgets_by_management_option(pages, willow):
    text = text_of(browser(pages, FINANCE).get("/reports?year=2026"))
    report = report_2026(willow)
    assert all(row_text(line) in text for line in report.lines)
    for line in ("Direct payments from families care delivered £480.00 £420.00",
                 "Direct payments to nominees care delivered £540.00 £540.00",
                 "ISF draw-downs care delivered £1,730.00 £8,320.00",
                 "ISF management fees taken from the ISFs £585.00"):
        assert line in text
    assert "Personal budgets (statutory)" in text and "Lines from fewer than 5 children" not in text


def test_a_quarter_and_a_month(trustee, willow, pages):
    text = text_of(trustee.get("/reports?year=2026&quarter=1"))
    assert "Statutory income, 2026/27 Q1 (April to June 2026)" in text
    assert "Riverside ICB grant award NHS-CHF-2627 £310,000.00 £77,500.00" in text
    october = income.month_period(2026, 10)
    report = income.statutory_income(willow, october.first, october.last)
    text = text_of(browser(pages, FINANCE).get("/reports?month=2026-10"))
    assert "Statutory income, October 2026" in text and "Riverside ICB spot packages £2,160.00" in text
    assert f"Income in the ledger {format_gbp(ledger_income(willow, october.first, october.last))} agrees" in text
    assert all(row_text(line) in text for line in report.lines)
    chosen = text_of(trustee.get("/reports?first=2026-04-01&last=2026-06-30"))
    assert "Riverside ICB grant award NHS-CHF-2627 £310,000.00 £77,500.00" in chosen


def test_the_last_year_is_shown_until_the_current_one_has_income_and_a_year_with_none_says_so(trustee, willow):
    page = trustee.get("/reports")            # the demo's clock says 10 April 2027: 2027/28 has nothing yet
    assert page.status_code == 200
    assert "Statutory income, 2026/27" in text_of(page)
    page = trustee.get("/reports?year=2027")
    text = text_of(page)
    assert "Statutory income, 2027/28" in text and "No income is recorded for 2027/28." in text
    assert 'href="/reports?year=2026"' in page.text              # the way to last year's figures
    before = trustee.get("/reports?year=2025")
    assert before.status_code == 200
    assert "No income is recorded for 2025/26." in text_of(before)
    assert "No income is recorded for 2025/26 or 2024/25." in text_of(before)
    assert "no income is recorded for 2025/26" in trustee.get("/reports/income.csv?year=2025").text
    assert "No income is recorded for 2025/26." in pdf_text(trustee.get("/reports/pack.pdf?year=2025"))
    empty = trustee.get("/api/reports/statutory-income?year=2025").json()
    assert (empty["empty"], empty["lines"], empty["total_pence"], empty["statutory_share_percent"]) == \
        (True, [], 0, None)


@pytest.mark.parametrize("query, field, message", [
    ("year=2026&quarter=5", "quarter", "must be 1, 2, 3 or 4"),
    ("month=2026-13", "month", "must be a month written YYYY-MM"),
    ("year=26", "year", "must be the year a financial year starts in"),
    ("first=2026-04-01&last=2026-03-31", "last", "before the period starts (01/04/2026)"),
    ("first=2026-04-01", "last", "is required"),
    ("first=2026-04-31&last=2026-05-01", "first", "must be a date written YYYY-MM-DD"),
    ("year=2025&month=2026-10", "month", "October 2026 is not in 2025/26"),
    ("quarter=1&month=2026-10", "month", "not both"),
])
def test_a_bad_period_is_refused_naming_the_field(trustee, query, field, message):
    page = trustee.get(f"/reports?{query}")
    assert page.status_code == 422
    assert f"{field.capitalize()} " in text_of(page) and message in text_of(page)
    for url in (f"/reports/income.csv?{query}", f"/reports/pack.pdf?{query}"):
        assert trustee.get(url).status_code == 422, url
    answer = trustee.get(f"/api/reports/statutory-income?{query}")
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == field and message in error["message"]


# ---------------------------------------------------------------------------------------------------------------
# Charts


def test_each_chart_has_a_title_a_description_and_its_figures_in_a_table_beside_it(trustee, willow):
    page = trustee.get("/reports?year=2026").text
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(svgs) == 3 and "<script" not in page.lower()
    titles = []
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert title.text and desc.text and not [e for e in root.iter() if "href" in " ".join(e.attrib)]
        after = page[page.index(svg) + len(svg):]
        caption = re.search(r"<table[^>]*>\s*<caption>(.*?)</caption>", after, flags=re.S).group(1)
        assert html.unescape(caption) == f"The figures of the chart: {title.text}"
        titles.append(title.text)
    assert titles == ["Income by source in each quarter of 2026/27", "Statutory share of income, 2026/27",
                      "Cost of care against statutory income by service, 2026/27"]
    assert "NHS children's hospice funding, Councils, Charitable income, Statutory income combined." in \
        html.unescape(ET.fromstring(svgs[0]).find(f"{SVG}desc").text)
    text = text_of(trustee.get("/reports?year=2026"))
    report = report_2026(willow)
    q1 = income.quarter_period(2026, 1)
    first = income.statutory_income(willow, q1.first, q1.last)
    charity = sum(line.pence for line in first.lines if line.section == "Charitable income")
    assert charity > 0
    # The trustee's chart: Q1's small statutory lines (Amira's and Chloe's care and fees) are one bar.
    assert f"Q1 Apr–Jun £310,000.00 £37,500.00 {format_gbp(charity)} £405.00 {format_gbp(first.total)}" in text
    assert f"2026/27 £467,335.00 {format_gbp(report.total)} 23.3%" in text
    # The cost of care against what statutory funders paid, service by service, small services combined.
    assert "Short-break night £326,600.00 £154,760.00 -£171,840.00" in text
    assert "Other service £11,215.00 £1,770.00 -£9,445.00" in text


# ---------------------------------------------------------------------------------------------------------------
# Files and JSON


def test_the_table_downloads_as_csv(trustee, willow):
    download = trustee.get("/reports/income.csv?year=2026")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == \
        'attachment; filename="statutory-income-2026-04-01-to-2027-03-31.csv"; ' \
        "filename*=UTF-8''statutory-income-2026-04-01-to-2027-03-31.csv"
    assert download.text == cli.csv_text(trustee_view.trustee_income(willow, YEAR.first, YEAR.last))
    assert browser(trustee.app, FINANCE).get("/reports/income.csv?year=2026").text == \
        cli.report_text(willow, 2026, csv=True)         # finance downloads every line
    found = list(csv.reader(io.StringIO(download.text)))
    assert found[1] == ["NHS children's hospice funding", "Riverside ICB", "grant award", "NHS-CHF-2627",
                        "310000.00", "232500.00", ""]
    assert {row[0]: row for row in found}["Income in the ledger"][6] == "agrees with the ledger"
    quarter = trustee.get("/reports/income.csv?year=2026&quarter=3")
    assert 'filename="statutory-income-2026-10-01-to-2026-12-31.csv"' in quarter.headers["content-disposition"]


def test_the_trustee_pack_is_a_pdf_with_a_cover_the_table_the_charts_the_share_and_how_income_is_recognised(
        trustee, willow):
    pack = trustee.get("/reports/pack.pdf?year=2026")
    assert pack.headers["content-disposition"] == 'inline; filename="trustee-pack-2026-04-01-to-2027-03-31.pdf"; ' \
        "filename*=UTF-8''trustee-pack-2026-04-01-to-2027-03-31.pdf"
    reader = PdfReader(io.BytesIO(pack.content))
    cover = reader.pages[0].extract_text()
    assert "Trustee pack" in cover and "Willow Children's Hospice" in cover
    assert "Statutory income, 2026/27: 1 April 2026 to 31 March 2027" in " ".join(cover.split())
    text = pdf_text(pack)
    report = report_2026(willow)
    total = format_gbp(ledger_income(willow, YEAR.first, YEAR.last))
    for figure in ("£310,000.00", "£232,500.00", "£150,000.00", "NHS-CHF-2627", "£467,335.00", total,
                   f"{cli.percent(report.share)}% of income", "agrees with the ledger",
                   "Lines from fewer than 5 children each 7 lines combined: ICBs, Councils, Personal budgets"):
        assert figure in text, figure
    assert "ISF draw-downs care delivered" not in text  # the pack is the trustees': small lines combined
    # The cost of care, the block contract's use and activity, each with small numbers combined.
    assert "4. The cost of care, 2026/27" in text and "All services £347,115.00 £156,750.00 £174,250.00" in text
    assert "5. Block contracts" in text and "£150,000.00 240 0 141 (58.8%) 0 240 141 (58.8%) 99" in text
    assert "Children supported 39" in text and "Families supported 36" in text
    assert "Income by source in each quarter of 2026/27" in text and "Statutory share of income, 2026/27" in text
    assert "The figures of the chart" in text and "Q1 Apr–Jun" in text          # each chart's table
    assert "Personal budgets" in text and "23.3%" in text                       # the legend and the line's label
    assert "How income is recognised" in text and "when the hospice becomes entitled to it" in text
    assert f"For 2026/27 the hospice recognised {total} of income, of which £467,335.00 was statutory" in text
    assert len(reader.pages) >= 4


def test_the_api_gives_the_same_figures_in_pence(trustee, willow):
    answer = trustee.get("/api/reports/statutory-income?year=2026")
    assert answer.status_code == 200
    found = answer.json()
    report = report_2026(willow)
    assert found["lines"][0] == {"section": "NHS children's hospice funding", "source": "Riverside ICB",
                                 "stream": "grant award", "reference": "NHS-CHF-2627", "statutory": True,
                                 "income_pence": 31_000_000, "cash_pence": 23_250_000, "note": "", "children": ""}
    shown = trustee_view.trustee_income(willow, YEAR.first, YEAR.last)
    assert [(x["source"], x["stream"], x["income_pence"], x["cash_pence"], x["children"]) for x in found["lines"]] \
        == [(x.source, x.stream, x.pence, x.cash, x.children) for x in shown.lines]
    assert found["for_trustees"] is True
    staff = browser(trustee.app, FINANCE).get("/api/reports/statutory-income?year=2026").json()
    assert [(x["source"], x["stream"], x["income_pence"], x["cash_pence"]) for x in staff["lines"]] == \
        [(x.source, x.stream, x.pence, x.cash) for x in report.lines]
    assert staff["for_trustees"] is False and staff["lines"][0]["children"] is None
    assert (found["period"], found["first"], found["last"]) == ("2026/27", "2026-04-01", "2027-03-31")
    assert found["total_pence"] == found["ledger_pence"] == ledger_income(willow, YEAR.first, YEAR.last)
    assert (found["statutory_pence"], found["statutory_share_percent"]) == (46_733_500, cli.percent(report.share))
    assert (found["cash_pence"], found["agrees_with_ledger"], found["empty"]) == (report.cash_total, True, False)
    assert found["sections"][0] == {"section": "NHS children's hospice funding", "statutory": True,
                                    "income_pence": 31_000_000}
    years = found["year_against_year"]
    assert (years["this_year"], years["last_year"], years["this_year_pence"], years["last_year_pence"]) == \
        ("2026/27", "2025/26", report.total, 0)
    quarter = trustee.get("/api/reports/statutory-income?year=2026&quarter=1").json()
    assert quarter["period"] == "2026/27 Q1 (April to June 2026)"


# ---------------------------------------------------------------------------------------------------------------
# Who may read them, and that nothing names a child


def test_every_report_route_is_for_trustees_and_finance():
    for route in routes.router.routes + routes.api.routes:
        assert set(access_rule(route)) == {Role.trustee, Role.finance}, route.path


def test_finance_reads_them_too(pages, willow):
    reader = browser(pages, FINANCE)
    assert all(reader.get(url).status_code == 200 for url in URLS)


@pytest.mark.parametrize("email", [ADMIN, COORDINATOR, FAMILY])
def test_an_administrator_a_coordinator_and_a_family_are_refused(pages, willow, email):
    refused = browser(pages, email)
    for url in URLS:
        answer = refused.get(url)
        assert answer.status_code == 403, url
        assert "£310,000.00" not in answer.text and "310000" not in answer.text


def test_no_one_signed_out_reads_them(pages, willow):
    stranger = browser(pages, None)
    for url in URLS[:3]:
        answer = stranger.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    assert stranger.get(URLS[3]).status_code == 401


def test_no_page_file_or_api_answer_names_a_child(trustee, willow):
    children = willow.exec(select(Child)).all()
    names = {n for c in children for n in (c.first_name, c.preferred_name, f"{c.first_name} {c.last_name}") if n}
    assert {"Amira", "Ben", "Leo", "Willow"} <= names
    hospice = willow.get(ProviderSettings, 1).name          # Willow Children's Hospice, named like a child
    months = [f"/reports?month={m}" for m in ("2026-04", "2026-07", "2026-10", "2027-01", "2027-03")]
    quarters = [f"/reports?year=2026&quarter={q}" for q in (1, 2, 3, 4)]
    answers = {url: trustee.get(url) for url in URLS + CARE_CSVS + months + quarters + ["/reports"]}
    assert {path for _, path, _ in route_rules(trustee.app) if path.startswith(("/reports", "/api/reports"))} == \
        {url.split("?")[0] for url in URLS} | {"/reports/{name}.csv"}     # every report route is read here
    for url, answer in answers.items():
        assert answer.status_code == 200, url
        text = pdf_text(answer) if url.startswith("/reports/pack.pdf") else html.unescape(answer.text)
        text = text.replace(hospice, "the hospice")
        named = sorted(n for n in names if re.search(rf"\b{re.escape(n)}\b", text))
        assert named == [], f"{url} names {named}"
    # The ISF draw-downs are one line for all the ISFs together, whoever's they are (and, from fewer than five
    # children in the demo, combined for trustees with the other small statutory lines).
    assert len(willow.exec(select(IsfAgreement)).all()) >= 2
    report = income.statutory_income(willow, YEAR.first, YEAR.last, children=True)
    assert [(x.stream, x.children) for x in report.lines if x.source == "ISF draw-downs"] == [("care delivered", 3)]
    lines = answers["/api/reports/statutory-income?year=2026"].json()["lines"]
    assert not [x for x in lines if x["source"] == "ISF draw-downs"]
    assert all(x["children"] in ("", "fewer than 5") or int(x["children"]) >= 5 for x in lines)
    assert not [x for x in lines if x["children"] == "fewer than 5" and x["income_pence"] is not None]
