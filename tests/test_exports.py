"""Finance exports the Willow demo's 2026/27 to Xero and Sage 50, and its payments, with the nominal codes it set:
each file's columns are what the package's import documentation names, and its figures are the invoices' to the
penny. Nobody else may."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

import pytest
from sqlmodel import func, select

from invoicing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from invoicing.payments.balances import outstanding
from invoicing.payments.exports import money
from invoicing.payments.models import DebtAdjustment, NominalCode, Payment
from invoicing.payments.service import PaymentIn, allocate, ask_adjustment, record_payment
from provider.catalogue.models import Service
from provider.clock import today
from provider.db import unit_of_work
from provider.money import format_gbp
from provider.funders.models import Funder
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child
from tests.conftest import api, post_form, demo_once_per_module

# Written out by hand from the documentation, so that a slip in the code cannot hide itself.
XERO = ("*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,PORegion,"
        "POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,InventoryItemCode,*Description,"
        "*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TaxAmount,TrackingName1,TrackingOption1,TrackingName2,"
        "TrackingOption2,Currency,BrandingTheme").split(",")
SAGE = ["Type", "Account Reference", "Nominal A/C Ref", "Department Code", "Date", "Reference", "Details",
        "Net Amount", "Tax Code", "Tax Amount", "Exchange Rate", "Extra Reference", "User Name", "Project Refn",
        "Cost Code Refn"]
PAYMENTS = ["Date", "Payer", "Bank account", "Bank nominal", "Debtors nominal", "Amount", "Method", "Reference",
            "Invoices", "Allocated", "Refunded", "Credit on account"]
YEAR = "from=2026-04-01&to=2027-04-10"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def one(db, model, **where):
    return db.exec(select(model).filter_by(**where)).one()


def pence(amount: str) -> int:
    """'2160.00' or '-60.00' to pence, refusing anything but two decimals."""
    assert re.fullmatch(r"-?\d+\.\d\d", amount), amount
    return int(amount.replace(".", ""))


def rows(response) -> tuple[list[str], list[dict]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    header, *body = list(csv.reader(io.StringIO(response.text)))
    return header, [dict(zip(header, row)) for row in body]


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


@pytest.fixture
def paid(willow):
    """Riverside pays what its £2,160.00 invoice still owes and £50.00 more; Leila pays £100.00, some of it for
    March's session (the demo's own payments may have paid some of these already)."""
    db = willow
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating)).one()
    riverside_invoice = one(db, Invoice, number="INV2627000014")
    leila_invoice = one(db, Invoice, number="INV2627000019")
    owed = {"riverside": outstanding(db, riverside_invoice), "leila": min(outstanding(db, leila_invoice), 6000)}
    with unit_of_work(db):
        riverside = record_payment(db, PaymentIn(riverside_invoice.payer_ref, bank.id, date(2027, 3, 12),
                                                 owed["riverside"] + 5000, "bank_transfer", "RIV REMIT 55012"),
                                   today(db))
        if owed["riverside"]:
            allocate(db, riverside, {riverside_invoice.id: owed["riverside"]}, date(2027, 3, 12))
        leila = record_payment(db, PaymentIn(leila_invoice.payer_ref, bank.id, date(2027, 3, 20), 10000, "card",
                                             "HADDAD MARCH"), today(db))
        if owed["leila"]:
            allocate(db, leila, {leila_invoice.id: owed["leila"]}, date(2027, 3, 20))
    return bank, owed


def test_each_file_has_exactly_the_columns_its_import_documentation_names(client, willow, paid, signed_in):
    signed_in("finance")
    assert rows(client.get(f"/exports/xero.csv?{YEAR}"))[0] == XERO
    assert rows(client.get(f"/exports/sage.csv?{YEAR}"))[0] == SAGE
    assert rows(client.get(f"/exports/payments.csv?{YEAR}"))[0] == PAYMENTS
    download = client.get(f"/exports/sage.csv?{YEAR}")
    assert download.headers["content-disposition"] == \
        'attachment; filename="sage-audit-trail-2026-04-01-to-2027-04-10.csv"; ' \
        "filename*=UTF-8''sage-audit-trail-2026-04-01-to-2027-04-10.csv"
    assert "\r\n" in download.text


def test_riverside_invoice_is_exported_to_the_penny_with_its_streams_nominal_code(client, willow, signed_in):
    signed_in("finance")
    assert post_form(client, "/settings/nominal-codes", {"stream:spot": "4010", "stream:grant": "4300"}) \
        .status_code == 303
    _, xero = rows(client.get(f"/exports/xero.csv?{YEAR}"))
    [line] = [r for r in xero if r["*InvoiceNumber"] == "INV2627000014"]
    assert (line["*ContactName"], line["*Quantity"], line["*UnitAmount"], line["Total"], line["*AccountCode"],
            line["*TaxType"], line["TaxAmount"], line["Currency"]) == \
        ("Riverside ICB", "3", "720.00", "2160.00", "4010", "Exempt Income", "0.00", "GBP")
    assert (line["*InvoiceDate"], line["*DueDate"], line["Reference"]) == ("02/11/2026", "02/12/2026", "RIV-PO-55012")
    assert (line["POAddressLine1"], line["POCity"], line["POPostalCode"]) == \
        ("NHS Riverside Integrated Care Board", "Wakefield", "WF3 1WE")
    grant = [r for r in xero if r["*ContactName"] == "Riverside ICB" and r["*InvoiceNumber"] != "INV2627000014"]
    assert len(grant) == 4 and {(r["*AccountCode"], r["*TaxType"], r["Total"]) for r in grant} == \
        {("4300", "No VAT", "77500.00")}

    _, sage = rows(client.get(f"/exports/sage.csv?{YEAR}"))
    [line] = [r for r in sage if r["Reference"] == "INV2627000014"]
    assert (line["Type"], line["Nominal A/C Ref"], line["Date"], line["Net Amount"], line["Tax Code"],
            line["Tax Amount"], line["Extra Reference"]) == \
        ("SI", "4010", "02/11/2026", "2160.00", "T2", "0.00", "RIV-PO-55012")
    assert re.fullmatch(r"[A-Z0-9]{8}", line["Account Reference"])
    assert {r["Account Reference"] for r in sage if r["Reference"] in {g["*InvoiceNumber"] for g in grant}} == \
        {line["Account Reference"]}


def test_a_stream_code_comes_before_the_service_code_and_4000_is_the_last_resort(client, willow, signed_in):
    signed_in("finance")
    hydrotherapy = one(willow, Service, code="HYDROTHERAPY")

    def leilas_codes() -> set[str]:
        _, xero = rows(client.get(f"/exports/xero.csv?{YEAR}"))
        return {r["*AccountCode"] for r in xero if r["*ContactName"] == "Leila Haddad"}

    assert leilas_codes() == {"4000"}
    post_form(client, "/settings/nominal-codes", {f"service:{hydrotherapy.id}": "4100"})
    assert leilas_codes() == {"4100"}
    post_form(client, "/settings/nominal-codes", {"stream:personal_budget:direct_payment": "4250"})
    assert leilas_codes() == {"4250"}


def test_the_credit_note_is_exported_as_a_credit(client, willow, signed_in):
    signed_in("finance")
    note = one(willow, CreditNote, number="CN2627000001")
    credited = willow.get(Invoice, note.invoice_id)
    _, xero = rows(client.get(f"/exports/xero.csv?{YEAR}"))
    [line] = [r for r in xero if r["*InvoiceNumber"] == "CN2627000001"]
    assert (line["*ContactName"], line["*Quantity"], line["*UnitAmount"], line["Total"], line["Reference"],
            line["*InvoiceDate"], line["*Description"]) == \
        ("Leila Haddad", "-1", "60.00", "-60.00", credited.number, "04/01/2027",
         "Hydrotherapy session for Amira: 1 session")
    _, sage = rows(client.get(f"/exports/sage.csv?{YEAR}"))
    [line] = [r for r in sage if r["Reference"] == "CN2627000001"]
    assert (line["Type"], line["Net Amount"], line["Tax Code"], line["Extra Reference"]) == \
        ("SC", "60.00", "T2", credited.number)


def test_each_export_adds_up_to_the_invoices_less_the_credit_notes_of_the_period(client, willow, signed_in):
    signed_in("finance")
    first, last = date(2026, 4, 1), date(2027, 3, 31)
    invoiced = willow.exec(select(func.sum(Invoice.total_pence)).where(
        Invoice.issued_on >= first, Invoice.issued_on <= last)).one()
    credited = willow.exec(select(func.sum(CreditNote.total_pence)).where(
        CreditNote.issued_on >= first, CreditNote.issued_on <= last)).one()
    adjusted = willow.exec(select(func.sum(DebtAdjustment.pence)).where(
        DebtAdjustment.approved_on >= first, DebtAdjustment.approved_on <= last)).one() or 0
    expected = invoiced - credited - adjusted
    assert invoiced > 0 and credited == 6000
    query = "from=01/04/2026&to=31/03/2027"
    _, xero = rows(client.get(f"/exports/xero.csv?{query}"))
    assert sum(int(r["*Quantity"]) * pence(r["*UnitAmount"]) for r in xero) == expected
    documents = {r["*InvoiceNumber"]: pence(r["Total"]) for r in xero}
    assert sum(documents.values()) == expected
    _, sage = rows(client.get(f"/exports/sage.csv?{query}"))
    signs = {"SI": 1, "SC": -1}
    assert sum(signs[r["Type"]] * pence(r["Net Amount"]) for r in sage if r["Type"] in signs) == expected
    page = text_of(client.get(f"/exports?{query}"))
    lines = willow.exec(select(func.count()).select_from(InvoiceLine).join(Invoice).where(
        Invoice.issued_on >= first, Invoice.issued_on <= last)).one()
    credit_lines = willow.exec(select(func.count()).select_from(CreditNoteLine).join(CreditNote).where(
        CreditNote.issued_on >= first, CreditNote.issued_on <= last)).one()
    assert len(xero) == lines + credit_lines
    assert f"Net sales {format_gbp(expected)}" in page


def test_a_write_off_and_a_waiver_are_credits_to_their_own_codes_without_their_reasons(client, willow, signed_in):
    finance = signed_in("finance")
    owing = [i for i in willow.exec(select(Invoice).order_by(Invoice.number)) if outstanding(willow, i) >= 200]
    invoice = owing[0]
    with unit_of_work(willow):
        ask_adjustment(willow, invoice, "write_off", 100, "Small balance left after Amira's family moved",
                       today(willow), finance)
        ask_adjustment(willow, invoice, "waiver", 100, "Bereaved family", today(willow), finance)
    post_form(client, "/settings/nominal-codes", {"bad_debts": "8150", "waived": "4950"})
    _, xero = rows(client.get(f"/exports/xero.csv?{YEAR}"))
    adjusted = [(r["*InvoiceNumber"], r["*AccountCode"], r["*Quantity"], r["*UnitAmount"], r["*TaxType"],
                 r["Reference"]) for r in xero if r["*InvoiceNumber"].startswith(f"{invoice.number}-W")]
    assert adjusted == [(f"{invoice.number}-W1", "8150", "-1", "1.00", "No VAT", invoice.number),
                        (f"{invoice.number}-W2", "4950", "-1", "1.00", "No VAT", invoice.number)]
    _, sage = rows(client.get(f"/exports/sage.csv?{YEAR}"))
    credits = [(r["Type"], r["Nominal A/C Ref"], r["Net Amount"], r["Details"]) for r in sage
               if r["Reference"].startswith(f"{invoice.number}-W")]
    assert credits == [("SC", "8150", "1.00", f"Bad debt written off: invoice {invoice.number}"),
                       ("SC", "4950", "1.00", f"Waived: invoice {invoice.number}")]
    assert "Amira's family" not in client.get(f"/exports/xero.csv?{YEAR}").text
    assert "Bereaved" not in client.get(f"/exports/sage.csv?{YEAR}").text


def test_no_line_to_an_icb_names_a_child(client, willow, signed_in):
    signed_in("finance")
    names = {n for c in willow.exec(select(Child)) for n in (c.first_name, c.last_name, c.preferred_name) if n}
    nhs = {f.name for f in willow.exec(select(Funder).where(Funder.kind.in_(["icb", "nhs_england"])))}
    _, xero = rows(client.get(f"/exports/xero.csv?{YEAR}"))
    _, sage = rows(client.get(f"/exports/sage.csv?{YEAR}"))
    to_nhs = [r for r in xero if r["*ContactName"] in nhs]
    nhs_numbers = {r["*InvoiceNumber"] for r in to_nhs}
    accounts = {r["Account Reference"] for r in sage if r["Reference"] in nhs_numbers}
    to_nhs_in_sage = [r for r in sage if r["Account Reference"] in accounts]   # receipts too
    assert len(to_nhs) >= 5 and len([r for r in to_nhs_in_sage if r["Type"] == "SI"]) == len(to_nhs)
    for row in to_nhs + to_nhs_in_sage:
        cells = " ".join(row.values())
        assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", cells)], row
    # The same check finds a child where one may be named: on the family's own invoice.
    assert any("Amira" in r["*Description"] for r in xero if r["*ContactName"] == "Leila Haddad")


def test_payments_are_exported_with_their_allocations_and_as_receipts_on_account(client, willow, paid, signed_in):
    signed_in("finance")
    bank, owed = paid
    post_form(client, "/settings/nominal-codes", {f"bank:{bank.id}": "1210", "debtors": "1105"})
    _, payments = rows(client.get(f"/exports/payments.csv?{YEAR}"))
    [riverside] = [r for r in payments if r["Reference"] == "RIV REMIT 55012"]
    assert riverside == {
        "Date": "12/03/2027", "Payer": "Riverside ICB", "Bank account": "Operating (41872205)",
        "Bank nominal": "1210", "Debtors nominal": "1105", "Amount": money(owed["riverside"] + 5000),
        "Method": "Bank transfer", "Reference": "RIV REMIT 55012",
        "Invoices": f"INV2627000014 {money(owed['riverside'])}" if owed["riverside"] else "",
        "Allocated": money(owed["riverside"]), "Refunded": "0.00", "Credit on account": "50.00"}
    [leila] = [r for r in payments if r["Reference"] == "HADDAD MARCH"]
    assert (leila["Payer"], leila["Amount"], leila["Method"], leila["Allocated"], leila["Credit on account"]) == \
        ("Leila Haddad", "100.00", "Card", money(owed["leila"]), money(10000 - owed["leila"]))
    assert leila["Invoices"] == (f"INV2627000019 {money(owed['leila'])}" if owed["leila"] else "")
    every = willow.exec(select(Payment).where(Payment.received_on <= date(2027, 4, 10),
                                              Payment.received_on >= date(2026, 4, 1))).all()
    assert len(payments) == len(every)
    assert sum(pence(r["Amount"]) for r in payments) == sum(p.amount_pence for p in every)
    assert all(pence(r["Amount"]) == pence(r["Allocated"]) + pence(r["Refunded"]) + pence(r["Credit on account"])
               for r in payments)

    _, sage = rows(client.get(f"/exports/sage.csv?{YEAR}"))
    receipts = {r["Reference"]: r for r in sage if r["Type"] == "SA"}
    assert len([r for r in sage if r["Type"] == "SA"]) == len(every)
    mine = receipts["RIV REMIT 55012"]
    assert (mine["Nominal A/C Ref"], mine["Net Amount"], mine["Date"], mine["Tax Code"]) == \
        ("1210", money(owed["riverside"] + 5000), "12/03/2027", "T9")
    invoice_row = next(r for r in sage if r["Reference"] == "INV2627000014")
    assert mine["Account Reference"] == invoice_row["Account Reference"]
    assert receipts["HADDAD MARCH"]["Net Amount"] == "100.00"
    page = text_of(client.get(f"/exports?{YEAR}"))
    assert f"Payments received {len(every)} {format_gbp(sum(p.amount_pence for p in every))}" in page


def test_the_nominal_codes_page_saves_codes_and_refuses_a_bad_one_naming_it(client, willow, signed_in):
    signed_in("finance")
    page = text_of(client.get("/settings/nominal-codes"))
    assert "Short-break night" in page and "Block contracts" in page and "Debtors control" in page
    assert "Blank: 1100" in page and "Blank: 1200" in page and "Blank: 4000" in page
    assert "Blank: the service's code, else 4000" in page
    short_breaks = one(willow, Service, code="SHORT_BREAK_NIGHT")
    saved = post_form(client, "/settings/nominal-codes", {"stream:block": "4020", "debtors": "1100 "})
    assert saved.status_code == 303 and saved.headers["location"] == "/settings/nominal-codes?saved=1"
    assert {r.key: r.code for r in willow.exec(select(NominalCode))} == {"stream:block": "4020", "debtors": "1100"}
    assert 'value="4020"' in client.get("/settings/nominal-codes?saved=1").text

    refused = post_form(client, "/settings/nominal-codes", {"stream:block": "", f"service:{short_breaks.id}": "40A",
                                                            "waived": "123456789"})
    assert refused.status_code == 422
    shown = text_of(refused)
    assert "Services: Short-break night must be digits only, 1 to 8 of them: “40A” is not" in shown
    assert "Control accounts: Income waived must be digits only, 1 to 8 of them: “123456789” is not" in shown
    assert {r.key: r.code for r in willow.exec(select(NominalCode))} == {"stream:block": "4020", "debtors": "1100"}

    cleared = post_form(client, "/settings/nominal-codes", {"stream:block": ""})
    assert cleared.status_code == 303
    assert {r.key for r in willow.exec(select(NominalCode))} == {"debtors"}


def test_a_period_that_ends_before_it_starts_or_a_malformed_date_is_refused(client, willow, signed_in):
    signed_in("finance")
    backwards = client.get("/exports?from=2027-03-31&to=2026-04-01")
    assert backwards.status_code == 422
    assert "End of the period is before the start (31/03/2027): a period cannot end before it starts" in \
        text_of(backwards)
    malformed = client.get("/exports?from=2026-02-30&to=2026-03-31")
    assert malformed.status_code == 422
    assert "Start of the period is not a date: “2026-02-30”" in text_of(malformed)
    download = client.get("/exports/xero.csv?from=2027-03-31&to=2026-04-01")
    assert download.status_code == 422 and not download.headers["content-type"].startswith("text/csv")
    assert client.get("/exports/sage.csv?to=2027-03-31").status_code == 422


def test_the_page_opens_on_the_year_just_ended_and_links_each_file(client, willow, signed_in):
    signed_in("finance")
    page = client.get("/exports")
    assert page.status_code == 200
    shown = text_of(page)
    assert "01/04/2026 to 10/04/2027" in shown and "Invoices issued 20" in shown
    for name in ("xero", "sage", "payments"):
        assert f"/exports/{name}.csv?from=2026-04-01&amp;to=2027-04-10" in page.text
    assert "RIVER" in shown and "Sage customer accounts" in shown
    assert 'href="/exports"' in client.get("/").text


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family", "admin"])
def test_only_finance_may_export_or_set_nominal_codes(client, willow, signed_in, role):
    signed_in(role)
    for url in ("/exports", f"/exports/xero.csv?{YEAR}", f"/exports/sage.csv?{YEAR}", f"/exports/payments.csv?{YEAR}",
                "/settings/nominal-codes"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, "/settings/nominal-codes", {"debtors": "1100"}).status_code == 403
    assert willow.exec(select(func.count()).select_from(NominalCode)).one() == 0


def test_no_login_is_sent_to_sign_in(anon, willow):
    for url in ("/exports", f"/exports/xero.csv?{YEAR}", "/settings/nominal-codes"):
        response = anon.get(url)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_the_api_gives_the_summary_and_the_files_and_sets_codes(app, client, willow, signed_in):
    from invoicing.payments import export_routes

    if not any(getattr(r, "path", "") == "/api/nominal-codes" for r in app.routes):
        app.include_router(export_routes.api)   # until provider/web/app.py registers it
    signed_in("finance")
    summary = api(client, "GET", "/api/exports?from=2026-04-01&to=2027-03-31").json()
    assert (summary["invoices"], summary["credits"], summary["credited_pence"]) == (20, 1, 6000)
    assert summary["net_pence"] == summary["invoiced_pence"] - 6000
    assert "Riverside ICB" in summary["sage_accounts"].values()
    assert rows(api(client, "GET", "/api/exports/sage.csv?from=2026-04-01&to=2027-03-31"))[0] == SAGE
    refused = api(client, "PUT", "/api/nominal-codes", json={"codes": {"debtors": "11-00", "nonsense": "1"}})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"debtors", "nonsense"}
    changed = api(client, "PUT", "/api/nominal-codes", json={"codes": {"debtors": "1101"}})
    assert changed.status_code == 200
    assert next(c for c in changed.json() if c["key"] == "debtors")["code"] == "1101"
    backwards = api(client, "GET", "/api/exports?from=2027-03-31&to=2026-04-01")
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to"
