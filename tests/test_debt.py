"""Debt: aged debt tied to the ledger, the overdue list, reminder letters (never to a family under a bereavement hold,
never for a disputed invoice), statutory interest for commissioners only, statements of account; finance only."""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from io import BytesIO

import pytest
from hypothesis import given, strategies as st
from pypdf import PdfReader
from sqlmodel import func, select

from invoicing.freeze import frozen
from invoicing.models import Document, Invoice
from provider.mail import SentMessage
from invoicing.payments import debt, reminders, service, statements
from invoicing.payments.models import Reminder
from lantern import demo
from provider.db import make_engine, open_session, unit_of_work
from provider.errors import FieldErrors
from provider.ledger.models import AccountType, EntryKind
from provider.ledger.accounts import account
from provider.ledger.post import Line, balances, post
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import FamilyMember
from tests.conftest import api, post_form, demo_once_per_module
from tests.test_cli import run  # noqa: F401  (the fixture)
from tests.test_invoice_sending import smtp  # noqa: F401  (the fixture)

TODAY = date(2027, 4, 10)


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def invoice(db, number: str) -> Invoice:
    return db.exec(select(Invoice).where(Invoice.number == number)).one()


def pay(db, amounts: dict[str, int], on: date, pence: int | None = None):
    """A payment from the first invoice's payer, set against the invoices by number."""
    invoices = {number: invoice(db, number) for number in amounts}
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating)).one()
    payer_ref = next(iter(invoices.values())).payer_ref
    with unit_of_work(db):
        payment = service.record_payment(db, service.PaymentIn(payer_ref, bank.id, on, pence or sum(amounts.values()),
                                                               "bank_transfer", "REMITTANCE"), TODAY)
        service.allocate(db, payment, {invoices[n].id: p for n, p in amounts.items()}, on)
    return payment


def debtors_in_ledger(db) -> int:
    return sum(value for code, value in balances(db).items() if code.startswith("debtor:"))


def figures(report: debt.AgedDebt) -> dict[str, tuple]:
    """Each payer type and payer: (its five bands as £, disputed as £)."""
    from provider.money import format_gbp

    rows = {}
    for kind, payers in report.kinds:
        for row in [kind, *payers]:
            rows[row.label] = (tuple(format_gbp(p) for p in row.bands), format_gbp(row.disputed))
    rows["Total"] = (tuple(format_gbp(p) for p in report.total.bands), format_gbp(report.total.disputed))
    return rows


NOTHING = "£0.00"
NORTHSHIRE = "Northshire County Council, Children's Social Care"
EASTVALE = "Eastvale Council, Children's Social Care Team"


def test_aged_debt_on_the_demo_to_the_penny_with_the_disputed_night_apart(willow):
    report = debt.aged_debt(willow, TODAY)
    assert figures(report) == {
        "Integrated Care Boards": ((NOTHING, NOTHING, NOTHING, "£77,500.00", NOTHING), "£720.00"),
        "Riverside ICB": ((NOTHING, NOTHING, NOTHING, "£77,500.00", NOTHING), "£720.00"),
        "Councils": ((NOTHING, NOTHING, NOTHING, "£37,500.00", "£300.00"), NOTHING),
        EASTVALE: ((NOTHING, NOTHING, NOTHING, NOTHING, "£300.00"), NOTHING),
        NORTHSHIRE: ((NOTHING, NOTHING, NOTHING, "£37,500.00", NOTHING), NOTHING),
        "Families": ((NOTHING, "£60.00", NOTHING, NOTHING, NOTHING), NOTHING),
        "Leila Haddad": ((NOTHING, "£60.00", NOTHING, NOTHING, NOTHING), NOTHING),
        "Total": ((NOTHING, "£60.00", NOTHING, "£115,000.00", "£300.00"), "£720.00"),
    }
    assert [(d.invoice.number, d.outstanding, d.dispute.opened_on) for d in report.disputed] == [
        ("INV2627000014", 72_000, date(2027, 1, 15))]
    assert report.total.total == 11_608_000 == debtors_in_ledger(willow) == report.ledger_pence
    assert report.agrees
    # The day before Riverside queried the night, the whole of Ben's invoice was in the bands, and younger.
    before = debt.aged_debt(willow, date(2027, 1, 14))
    assert figures(before)["Riverside ICB"] == (("£77,500.00", NOTHING, "£2,160.00", NOTHING, NOTHING), NOTHING)
    assert figures(before)["Total"] == (("£115,060.00", NOTHING, "£2,160.00", "£300.00", NOTHING), NOTHING)
    assert before.disputed == [] and before.agrees


def test_payments_make_the_bands_fall_and_the_total_still_ties_to_the_ledger(willow):
    pay(willow, {"INV2627000017": 3_750_000}, date(2027, 4, 6))                       # Northshire's January quarter
    pay(willow, {"INV2627000018": 5_000_000}, date(2027, 4, 7))                       # Riverside, in part
    pay(willow, {"INV2627000019": 6_000}, date(2027, 4, 8), pence=10_000)             # Leila: £40 left on account
    report = debt.aged_debt(willow, TODAY)
    rows = figures(report)
    assert NORTHSHIRE not in rows and "Families" not in rows and "Leila Haddad" not in rows
    assert rows["Riverside ICB"] == ((NOTHING, NOTHING, NOTHING, "£27,500.00", NOTHING), "£720.00")
    assert rows["Total"] == ((NOTHING, NOTHING, NOTHING, "£27,500.00", "£300.00"), "£720.00")
    assert report.total.total == 11_608_000 - 3_750_000 - 5_000_000 - 6_000 == debtors_in_ledger(willow)
    assert report.agrees
    # As of the day before the first of them, nothing has moved.
    assert figures(debt.aged_debt(willow, date(2027, 4, 5)))["Total"] == (
        (NOTHING, "£60.00", NOTHING, "£115,000.00", "£300.00"), "£720.00")
    assert debt.aged_debt(willow, date(2027, 4, 7)).agrees


def test_no_reminder_for_a_disputed_invoice(willow, test_settings):
    riverside = invoice(willow, "INV2627000014").payer_ref
    overdue = debt.overdue(willow, TODAY)
    assert [d.invoice.number for d in overdue.disputed] == ["INV2627000014"]
    listed = {p.payer.name: [d.invoice.number for d in p.debts] for p in overdue.payers}
    assert listed["Riverside ICB"] == ["INV2627000018"]

    with pytest.raises(FieldErrors) as refused:
        reminders.send_reminder(willow, test_settings, riverside, TODAY,
                                invoice_ids=[invoice(willow, "INV2627000014").id])
    assert refused.value.errors["invoice_ids"].startswith("invoice INV2627000014 is disputed (since 15 January 2027")
    with unit_of_work(willow):
        service.open_dispute(willow, invoice(willow, "INV2627000009"), "Eastvale says the £300 was agreed off",
                             date(2027, 4, 1))
    with pytest.raises(FieldErrors) as refused:
        reminders.send_reminder(willow, test_settings, invoice(willow, "INV2627000009").payer_ref, TODAY)
    assert refused.value.errors == {"payer_ref": f"{EASTVALE}'s overdue invoices are all disputed: no reminder while "
                                                 f"an invoice is disputed"}
    assert willow.exec(select(func.count()).select_from(Reminder)).one() == 0

    with unit_of_work(willow):
        sent = reminders.send_reminder(willow, test_settings, riverside, TODAY)
    assert [i["number"] for i in frozen_data(sent.reminder)["invoices"]] == ["INV2627000018"]
    assert sent.reminder.total_pence == 7_750_000


def frozen_data(reminder: Reminder) -> dict:
    import json

    assert hashlib.sha256(reminder.data.encode()).hexdigest() == reminder.data_sha256
    return json.loads(reminder.data)


def owed_by_ellies_mother(db) -> Invoice:
    """The demo owes nothing from Ellie's family; here her mother has an overdue £60 invoice for her sister's
    hydrotherapy in September, issued before end-of-life care began."""
    claire = db.exec(select(FamilyMember).where(FamilyMember.name == "Claire Thompson")).one()
    ref = f"family:{claire.id}"
    data, digest = frozen({"title": "Invoice", "number": "INV2627900001", "total_pence": 6_000})
    with unit_of_work(db):
        made = Invoice(number="INV2627900001", payer_ref=ref, payer_name=claire.name, period_start=date(2026, 9, 1),
                       period_end=date(2026, 9, 30), issued_on=date(2026, 10, 1), due_on=date(2026, 10, 31),
                       total_pence=6_000, data=data, data_sha256=digest)
        db.add(made)
        db.flush()
        post(db, EntryKind.invoice, [Line(account(db, f"debtor:{ref}", f"Debtor: {claire.name}", AccountType.asset),
                                          debit=6_000),
                                     Line(account(db, f"accrued:{ref}", f"Accrued income: {claire.name}",
                                                  AccountType.asset), credit=6_000)],
             service_date=date(2026, 9, 30), description="Invoice INV2627900001", source_ref=f"invoice:{made.id}",
             group_id=made.id, on=date(2026, 10, 1))
    return made


HOLD = "Claire Thompson's family is under a bereavement hold since 16 November 2026"


def test_no_reminder_goes_to_ellies_family_under_the_bereavement_hold(willow, test_settings, client, signed_in):
    owed = owed_by_ellies_mother(willow)
    report = debt.aged_debt(willow, TODAY)
    assert figures(report)["Claire Thompson"] == ((NOTHING, NOTHING, NOTHING, NOTHING, "£60.00"), NOTHING)
    assert report.agrees
    [claire] = [p for p in debt.overdue(willow, TODAY).payers if p.payer.name == "Claire Thompson"]
    assert claire.refusal.startswith(HOLD + ": no reminder goes to them")

    with pytest.raises(FieldErrors) as refused:
        reminders.send_reminder(willow, test_settings, owed.payer_ref, TODAY)
    assert refused.value.errors["payer_ref"].startswith(HOLD)

    signed_in("finance")
    page = client.get("/debt/overdue")
    card = text_of(page).split("Claire Thompson: £60.00 overdue")[1].split("Leila Haddad:")[0]
    assert "No reminder: " + HOLD in card and "Send reminder" not in card
    answer = post_form(client, "/debt/reminders", {"payer_ref": owed.payer_ref})
    assert answer.status_code == 422 and HOLD in text_of(answer)
    answer = api(client, "POST", "/api/debt/reminders", json={"payer_ref": owed.payer_ref})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "payer_ref" and HOLD in answer.json()["errors"][0]["message"]
    assert willow.exec(select(func.count()).select_from(Reminder)).one() == 0
    assert willow.exec(select(func.count()).select_from(SentMessage)
                       .where(SentMessage.kind == "reminder")).one() == 0


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_reminder_to_a_family_is_frozen_stored_and_waits_in_the_outbox(willow, test_settings):
    leila = invoice(willow, "INV2627000019").payer_ref
    with unit_of_work(willow):
        sent = reminders.send_reminder(willow, test_settings, leila, TODAY)
    assert (sent.route, sent.recipient) == ("outbox", "leila@family.example")
    data = frozen_data(sent.reminder)
    assert [(i["number"], i["days_overdue"], i["outstanding_pence"]) for i in data["invoices"]] == [
        ("INV2627000019", 10, 6_000)]
    assert (sent.reminder.total_pence, sent.reminder.interest_pence, data["interest"]) == (6_000, 0, None)
    stored = willow.exec(select(Document).where(Document.source_ref == f"reminder:{sent.reminder.id}")).one()
    assert hashlib.sha256(stored.pdf).hexdigest() == stored.sha256
    text = pdf_text(stored.pdf)
    assert "Payment reminder" in text and "Dear Leila Haddad" in text and "INV2627000019" in text
    assert "Still owed £60.00" in text and "Page 1 of" in text and "interest" not in text.lower()
    message = willow.exec(select(SentMessage).where(SentMessage.source_ref == f"reminder:{sent.reminder.id}")).one()
    assert (message.kind, message.route, message.attachments) == ("reminder", "outbox", stored.filename)
    with pytest.raises(FieldErrors, match="was sent a reminder today already"):
        reminders.send_reminder(willow, test_settings, leila, TODAY)


def test_statutory_interest_is_never_claimed_from_a_family_or_a_nominee(willow, test_settings):
    for number in ("INV2627000019", "INV2627000008"):       # Leila; Brightway, on Chloe's behalf
        with pytest.raises(FieldErrors) as refused:
            reminders.send_reminder(willow, test_settings, invoice(willow, number).payer_ref, TODAY,
                                    claim_interest=True)
        assert refused.value.errors["claim_interest"] == ("is only for commissioners: Lantern never claims "
                                                          "late-payment interest or compensation from a family or a "
                                                          "nominee")
    assert willow.exec(select(func.count()).select_from(Reminder)).one() == 0


def test_statutory_interest_for_a_commissioner_to_the_penny():
    # Northshire's £37,500 instalment, due 1 May 2026: interest runs from 2 May at 8% over the base rate on
    # 31 December 2025 (3.75%): 11.75% a year; on 10 April 2027 it is 344 days late.
    found = reminders.claim(3_750_000, date(2026, 5, 1), TODAY)
    assert (found.days, found.rate, found.interest, found.compensation) == (344, Decimal("11.75"), 415_274, 10_000)
    assert reminders.claim(54_000, date(2025, 10, 1), date(2025, 10, 31)).interest == 544   # 12.25%, 30 days
    assert reminders.claim(54_000, date(2025, 10, 1), date(2025, 10, 1)).interest == 0
    assert [reminders.compensation_pence(p) for p in (1, 99_999, 100_000, 999_999, 1_000_000, 50_000_000)] == [
        4_000, 4_000, 7_000, 7_000, 10_000, 10_000]
    with pytest.raises(reminders.RateUnknown, match="base rate on 31 December 2039 is not yet in"):
        reminders.statutory_rate(date(2040, 1, 2))


def test_a_commissioners_reminder_claims_interest_and_compensation(willow, test_settings):
    # Eastvale paid £1,000 of Dev's £1,300 invoice, due 31 October 2026; £300 is 161 days late on 10 April 2027.
    eastvale = invoice(willow, "INV2627000009").payer_ref
    with unit_of_work(willow):
        sent = reminders.send_reminder(willow, test_settings, eastvale, TODAY, claim_interest=True)
    data = frozen_data(sent.reminder)
    assert [i["number"] for i in data["invoices"]] == ["INV2627000009"]
    assert data["invoices"][0]["claim"] == {"days": 161, "reference_day": "2026-06-30", "base_rate": "3.75",
                                            "rate": "11.75", "interest_pence": 1_555, "compensation_pence": 4_000}
    assert (sent.reminder.total_pence, sent.reminder.interest_pence) == (30_000, 5_555)
    stored = willow.exec(select(Document).where(Document.source_ref == f"reminder:{sent.reminder.id}")).one()
    text = pdf_text(stored.pdf)
    assert "Late Payment of Commercial Debts (Interest) Act 1998" in text and "Dev" not in text
    assert "Interest £15.55" in text and "Compensation £40.00" in text and "£355.55" in text


def test_interest_is_refused_while_the_reference_rate_is_not_in_the_table(willow, test_settings, monkeypatch):
    monkeypatch.delitem(reminders.REFERENCE_RATES, date(2026, 7, 1))
    with pytest.raises(FieldErrors) as refused:
        reminders.send_reminder(willow, test_settings, invoice(willow, "INV2627000009").payer_ref, TODAY,
                                claim_interest=True)
    assert refused.value.errors == {"claim_interest": "cannot be worked out: the Bank of England base rate on "
                                                      "30 June 2026 is not yet in Lantern's table of reference rates"}
    assert willow.exec(select(func.count()).select_from(Reminder)).one() == 0


def test_an_icbs_reminder_by_email_names_no_child(willow, test_settings, smtp):  # noqa: F811
    port, inbox = smtp
    settings = replace(test_settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    with unit_of_work(willow):
        sent = reminders.send_reminder(willow, settings, invoice(willow, "INV2627000014").payer_ref, TODAY)
    assert sent.route == "smtp"
    [(to, message)] = inbox.messages
    [attachment] = list(message.iter_attachments())
    text = message.get_body(("plain",)).get_content() + pdf_text(attachment.get_payload(decode=True))
    assert "INV2627000018" in text and "£77,500.00" in text
    assert not any(name in text for name in ("Ben", "Carter", "999 000 0018", "9990000018"))


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_a_statement_of_account_shows_invoices_credits_payments_and_the_running_balance(willow, client, signed_in):
    pay(willow, {"INV2627000019": 6_000}, date(2027, 4, 8), pence=10_000)
    leila = invoice(willow, "INV2627000019").payer_ref
    document = statements.statement(willow, leila, TODAY)
    assert (document["outstanding_pence"], document["credit_pence"], document["balance_pence"]) == (0, 4_000, -4_000)
    assert [line["balance_pence"] for line in document["lines"]][-3:] == [6_000, -4_000, -4_000]
    signed_in("finance")
    answer = client.get(f"/debt/payers/{leila}/statement.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(answer.content).split())
    assert "Statement of account" in text and "Leila Haddad" in text and "Page 1 of" in text
    assert "Invoice INV2627000003, due 01/07/2026 £60.00 £60.00" in text
    assert "Payment received by bank transfer, reference HADDAD HYDRO MAY JUN £120.00" in text
    assert "£60.00 of the payment of 20/07/2026 set against INV2627000003" in text
    assert "Credit note CN2627000001 against INV2627000015" in text
    assert "Credit held on account £40.00" in text and "Balance in your favour £40.00" in text
    assert "None: every invoice is paid or credited." in text
    assert client.get("/debt/payers/family:nobody/statement.pdf").status_code == 404


def test_a_statement_follows_a_councils_remittance_a_waiver_and_a_refund(willow, make_user):
    department = invoice(willow, "INV2627000017").payer_ref
    council = ":".join(department.split(":")[:2])                     # Northshire itself, not its department
    bank = willow.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating)).one()
    finance = make_user("finance")
    with unit_of_work(willow):
        payment = service.record_payment(willow, service.PaymentIn(council, bank.id, date(2027, 4, 6), 4_000_000,
                                                                   "bank_transfer", "NCC REMITTANCE"), TODAY)
        service.allocate(willow, payment, {invoice(willow, "INV2627000017").id: 3_750_000}, date(2027, 4, 6))
        service.refund(willow, payment, 250_000, "payer", "Northshire CC 20-00-00 12345678", "Paid twice",
                       date(2027, 4, 8))
    leila = invoice(willow, "INV2627000019").payer_ref
    with unit_of_work(willow):
        service.ask_adjustment(willow, invoice(willow, "INV2627000019"), "waiver", 2_000, "A small balance, kindly "
                               "let go", date(2027, 4, 9), finance)

    for_council = statements.statement(willow, council, TODAY)
    assert [(line["details"], line["amount_pence"], line["balance_pence"]) for line in for_council["lines"]] == [
        ("Payment received by bank transfer, reference NCC REMITTANCE", -4_000_000, -4_000_000),
        (f"£37,500.00 of the payment of 06/04/2027 set against INV2627000017 ({NORTHSHIRE})", 3_750_000, -250_000),
        ("Refund of credit held, to Northshire CC 20-00-00 12345678", 250_000, 0)]
    assert (for_council["outstanding_pence"], for_council["credit_pence"]) == (0, 0)
    for_department = statements.statement(willow, department, TODAY)
    assert for_department["lines"][-1] == {
        "day": "2027-04-06", "amount_pence": -3_750_000, "balance_pence": 0,
        "details": "£37,500.00 of the payment of 06/04/2027 set against INV2627000017, from Northshire County Council"}
    for_leila = statements.statement(willow, leila, TODAY)
    assert for_leila["lines"][-1]["details"] == "INV2627000019: £20.00 waived (A small balance, kindly let go)"
    assert (for_leila["outstanding_pence"], for_leila["balance_pence"]) == (4_000, 4_000)
    assert debt.aged_debt(willow, TODAY).agrees


def test_finance_reads_aged_debt_and_sends_a_reminder_from_the_pages(willow, client, signed_in):
    signed_in("finance")
    assert 'href="/debt"' in client.get("/").text
    page = text_of(client.get("/debt?as_of=2027-04-10"))
    assert "Aged debt at 10 April 2027" in page
    assert f"{NORTHSHIRE} £0.00 £0.00 £0.00 £37,500.00 £0.00 £37,500.00 Statement" in page
    assert "Total £0.00 £60.00 £0.00 £115,000.00 £300.00 £115,360.00" in page
    assert "INV2627000014 Riverside ICB 02/12/2026 15/01/2027" in page and "Total disputed £720.00" in page
    assert "Owed in all: £116,080.00. Debtors in the ledger: £116,080.00 — they agree." in page
    assert client.get("/debt?as_of=10/04/2027").status_code == 422

    overdue = client.get("/debt/overdue")
    shown = text_of(overdue)
    assert "Overdue invoices at 10 April 2027" in shown
    assert overdue.text.count("Claim statutory interest<span") == 3      # Riverside, Eastvale and Northshire
    assert overdue.text.count("Send reminder<span") == 4
    disputed = shown.split("Disputed, no reminders")[1]
    assert "INV2627000014 Riverside ICB 02/12/2026 129 £2,160.00 £720.00 Disputed since 15/01/2027" in disputed
    leila = invoice(willow, "INV2627000019").payer_ref
    answer = post_form(client, "/debt/reminders", {"payer_ref": leila})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/debt/overdue?sent=")
    notice = text_of(client.get(answer.headers["location"]))
    assert "Reminder sent to Leila Haddad: in the outbox for leila@family.example. The letter (PDF)" in notice
    assert "Last reminded 10 April 2027" in notice
    reminder_id = answer.headers["location"].split("=")[1]
    letter = client.get(f"/debt/reminders/{reminder_id}.pdf")
    assert letter.status_code == 200 and "Payment reminder" in pdf_text(letter.content)
    again = post_form(client, "/debt/reminders", {"payer_ref": leila})
    assert again.status_code == 422 and "Leila Haddad was sent a reminder today already" in text_of(again)
    eastvale = invoice(willow, "INV2627000009").payer_ref
    claimed = post_form(client, "/debt/reminders", {"payer_ref": eastvale, "claim_interest": "true"})
    assert claimed.status_code == 303
    assert willow.exec(select(Reminder.interest_pence).where(Reminder.payer_ref == eastvale)).one() == 5_555


def test_the_api_gives_aged_debt_and_sends_reminders(willow, client, signed_in):
    signed_in("finance")
    aged = api(client, "GET", "/api/debt/aged?as_of=2027-04-10").json()
    assert aged["total"]["bands_pence"] == [0, 6_000, 0, 11_500_000, 30_000]
    assert (aged["total"]["disputed_pence"], aged["ledger_pence"], aged["agrees"]) == (72_000, 11_608_000, True)
    assert [k["label"] for k in aged["kinds"]] == ["Integrated Care Boards", "Councils", "Families"]
    assert [d["number"] for d in aged["disputed"]] == ["INV2627000014"]
    assert api(client, "GET", "/api/debt/aged?as_of=yesterday").status_code == 422
    overdue = api(client, "GET", "/api/debt/overdue").json()
    assert {p["payer_name"]: p["may_claim_interest"] for p in overdue["payers"]} == {
        "Riverside ICB": True, EASTVALE: True, NORTHSHIRE: True, "Leila Haddad": False}
    leila = invoice(willow, "INV2627000019").payer_ref
    refused = api(client, "POST", "/api/debt/reminders", json={"payer_ref": leila, "claim_interest": True})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "claim_interest"
    eastvale = invoice(willow, "INV2627000009").payer_ref
    made = api(client, "POST", "/api/debt/reminders", json={"payer_ref": eastvale})
    assert made.status_code == 201, made.text
    assert (made.json()["total_pence"], made.json()["route"]) == (30_000, "outbox")
    assert api(client, "GET", f"/api/debt/reminders/{made.json()['id']}").json()["document"]["invoices"][0][
        "number"] == "INV2627000009"
    statement = api(client, "GET", f"/api/debt/payers/{eastvale}/statement").json()
    assert statement["balance_pence"] == 30_000
    assert [line["details"][:21] for line in statement["lines"]] == ["Invoice INV2627000009", "Payment received by b",
                                                                     "£1,000.00 of the paym"]


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family"])
def test_only_finance_sees_debt(willow, client, signed_in, role):
    leila = invoice(willow, "INV2627000003").payer_ref
    signed_in(role)
    for url in ("/debt", "/debt/overdue", f"/debt/payers/{leila}/statement.pdf", "/api/debt/aged",
                "/api/debt/overdue", f"/api/debt/payers/{leila}/statement"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, "/debt/reminders", {"payer_ref": leila}).status_code == 403
    assert api(client, "POST", "/api/debt/reminders", json={"payer_ref": leila}).status_code == 403
    assert willow.exec(select(func.count()).select_from(Reminder)).one() == 0


def test_without_signing_in_debt_is_refused(willow, anon):
    assert anon.get("/debt").status_code == 303 and anon.get("/debt").headers["location"].startswith("/login")
    assert anon.get("/api/debt/aged").status_code == 401


def test_lantern_aged_debt_prints_each_band_and_ties_to_the_ledger(run, fresh_database_url):  # noqa: F811
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session)
    finally:
        engine.dispose()
    result = run(fresh_database_url, "aged-debt", "--as-of", "2027-04-10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line.split() for line in lines]
    assert lines[0] == "Aged debt at 10 April 2027 (days past the due date)"
    assert rows[2] == ["Payer", "Current", "1-30", "days", "31-60", "days", "61-90", "days", "Over", "90", "days",
                       "Total"]
    assert ["Integrated", "Care", "Boards", "£0.00", "£0.00", "£0.00", "£77,500.00", "£0.00",
            "£77,500.00"] in rows
    assert ["Eastvale", "Council,", "Children's", "Social", "Care", "Team", "£0.00", "£0.00", "£0.00", "£0.00",
            "£300.00", "£300.00"] in rows
    assert ["Total", "£0.00", "£60.00", "£0.00", "£115,000.00", "£300.00", "£115,360.00"] in rows
    assert "Disputed, not in the bands: £720.00" in lines
    assert lines[-1] == "Owed in all: £116,080.00; debtors in the ledger: £116,080.00 (agrees)"
    today = run(fresh_database_url, "aged-debt")
    assert today.returncode == 0 and today.stdout.splitlines()[0].startswith("Aged debt at 10 April 2027")
    bad = run(fresh_database_url, "aged-debt", "--as-of", "10/04/2027")
    assert bad.returncode != 0 and bad.stderr.strip().startswith("lantern: --as-of must be a date")


pence = st.integers(min_value=0, max_value=10**9)
days = st.integers(min_value=-400, max_value=4_000)
rates = st.sampled_from(sorted({Decimal(r) + reminders.MARGIN for r in reminders.REFERENCE_RATES.values()}))


@given(pence, rates, days)
def test_interest_is_the_exact_simple_interest_to_the_nearest_penny(amount, rate, late):
    exact = Fraction(amount) * Fraction(rate) * max(late, 0) / 36_500
    assert abs(reminders.interest_pence(amount, rate, late) - exact) <= Fraction(1, 2)


@given(pence, pence, rates, days, days)
def test_interest_grows_with_the_debt_and_with_the_days(a, b, rate, d1, d2):
    low, high = sorted((a, b))
    short, long = sorted((d1, d2))
    assert 0 <= reminders.interest_pence(low, rate, short) <= reminders.interest_pence(high, rate, long)
    assert reminders.interest_pence(high, rate, min(short, 0)) == 0


@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30)))
def test_one_rate_holds_for_the_whole_half_year_interest_begins_in(day):
    first = date(day.year, 1 if day.month <= 6 else 7, 1)
    assert reminders.statutory_rate(day) == reminders.statutory_rate(first) == \
        Decimal(reminders.REFERENCE_RATES[first]) + 8
    assert reminders.reference_day(day) == first - timedelta(days=1)


@given(pence, pence)
def test_compensation_is_a_fixed_step_that_never_falls_as_the_debt_grows(a, b):
    low, high = sorted((a, b))
    assert reminders.compensation_pence(low) <= reminders.compensation_pence(high)
    assert reminders.compensation_pence(low) in (4_000, 7_000, 10_000)
