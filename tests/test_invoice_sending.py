"""Sending: each invoice by itself to the payer's invoice address (SMTP, or the outbox an administrator reads),
an ICB's backing schedule only to its secure address, paper for payers with no email; when, to whom and how kept."""
from __future__ import annotations

import html
import re
import socket
from dataclasses import replace
from email import message_from_bytes, policy
from io import BytesIO

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlmodel import select

from invoicing.models import Invoice
from provider.mail import SentMessage
from invoicing.runs import issue_run, month_bounds
from invoicing.sending import after_issue, paper_pack, send_invoices
from lantern import demo
from provider.db import unit_of_work
from provider.people.models import Child, FamilyMember
from tests.conftest import post_form


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def october(db):
    with unit_of_work(db):
        demo.build(db, invoicing=False, grants=False)
    with unit_of_work(db):
        result = issue_run(db, *month_bounds("2026-10"))
    with unit_of_work(db):
        after_issue(db, result.issued)
    return db, result.issued


def ben_identifiers(db) -> list[str]:
    ben = db.exec(select(Child).where(Child.first_name == "Benjamin")).one()
    return ["Benjamin", "Ben ", "Carter", ben.nhs_number, f"{ben.date_of_birth:%d/%m/%Y}", ben.date_of_birth.isoformat()]


def test_an_icbs_invoice_email_carries_one_attachment_and_no_child(october, smtp, test_settings):
    db, issued = october
    port, inbox = smtp
    settings = replace(test_settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    riverside = next(i for i in issued if i.payer_name == "Riverside ICB")
    with unit_of_work(db):
        [outcome] = send_invoices(db, settings, [riverside])
    assert (outcome.route, outcome.recipient) == ("smtp", "riversideicb.invoices@nhs.example")
    (to_invoices, invoice_mail), (to_secure, backing_mail) = inbox.messages
    assert to_invoices == ["riversideicb.invoices@nhs.example"]
    attachments = list(invoice_mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"{riverside.number}.pdf"]
    pdf_text = " ".join(p.extract_text() for p in PdfReader(BytesIO(attachments[0].get_content())).pages)
    whole = invoice_mail.as_string() + pdf_text
    assert not [word for word in ben_identifiers(db) if word in whole]
    assert "£2,160.00" in invoice_mail.get_body().get_content()
    # The backing schedule goes only to the secure address, as its own email.
    assert to_secure == ["riversideicb.invoice-validation@nhs.example"]
    assert [a.get_filename() for a in backing_mail.iter_attachments()] == [f"BS{riverside.number[3:]}.pdf",
                                                                           f"BS{riverside.number[3:]}.csv"]
    kept = db.exec(select(SentMessage).order_by(SentMessage.kind.desc())).all()
    assert [(m.kind, m.route, m.recipient) for m in kept] == [
        ("invoice", "smtp", "riversideicb.invoices@nhs.example"),
        ("backing", "smtp", "riversideicb.invoice-validation@nhs.example")]


def test_without_a_mail_server_invoices_wait_in_the_outbox_and_are_never_sent_twice(october, test_settings):
    db, issued = october
    with unit_of_work(db):
        first = send_invoices(db, test_settings, issued)
        again = send_invoices(db, test_settings, issued)
    assert {o.route for o in first} == {"outbox"} and {o.route for o in again} == {"already"}
    leila = db.exec(select(SentMessage).where(SentMessage.recipient == "leila@family.example")).one()
    mail = message_from_bytes(leila.eml, policy=policy.default)
    assert mail["Subject"].startswith("Invoice INV") and len(list(mail.iter_attachments())) == 1


def test_a_payer_without_an_email_address_gets_paper(october, test_settings):
    db, issued = october
    leila_invoice = next(i for i in issued if i.payer_name == "Leila Haddad")
    with unit_of_work(db):
        leila = db.exec(select(FamilyMember).where(FamilyMember.name == "Leila Haddad")).one()
        leila.email = None
        db.add(leila)
    with unit_of_work(db):
        [outcome] = send_invoices(db, test_settings, [leila_invoice])
        pack = paper_pack(db, issued)
    assert outcome.route == "post"
    reader = PdfReader(BytesIO(pack))
    assert len(reader.pages) == 1 and leila_invoice.number in reader.pages[0].extract_text()


def test_finance_sends_from_the_page_and_the_administrator_reads_the_outbox(client, october, signed_in, make_user):
    db, issued = october
    signed_in("finance")
    response = post_form(client, "/invoices/send", {"month": "2026-10"})
    assert response.status_code == 303 and response.headers["location"] == "/invoices?month=2026-10&sent=3"
    listed = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", client.get(response.headers["location"]).text)).split())
    assert "In the outbox for riversideicb.invoices@nhs.example" in listed
    assert client.get("/outbox").status_code == 403
    from tests.conftest import sign_in

    sign_in(client, make_user("admin"))
    outbox = client.get("/outbox")
    assert outbox.status_code == 200 and "Invoice INV" in outbox.text
    message_id = re.search(r'href="/outbox/([\w-]+)"', outbox.text).group(1)
    assert "Download the email" in client.get(f"/outbox/{message_id}").text
    assert client.get(f"/outbox/{message_id}/eml").headers["content-type"].startswith("message/rfc822")
