"""Sending is idempotent (issue 20, item 7): each attempt is recorded before it is handed to the mail server and its
outcome after; a refused recipient or a document that cannot be made is a failure listed on the outbox and counted
on the administrator's home page, never a 500, never stopping the others; sending again sends nothing twice."""
from __future__ import annotations

import html
import re
import socket
from dataclasses import replace
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from invoicing.credits import credit
from invoicing.runs import issue_run, month_bounds
from invoicing.sending import send_invoices
from lantern import demo
from provider import mail, references
from provider.db import unit_of_work
from provider.users.models import User
from tests.conftest import post_form, sign_in

REFUSED = "leila@family.example"


class Inbox:
    """A mail server that accepts every recipient but one, and keeps what it accepts."""

    def __init__(self):
        self.delivered = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append((envelope.rcpt_tos[0], message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_app(app, test_settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.state.settings = replace(test_settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    try:
        yield app.state.settings, inbox
    finally:
        controller.stop()


@pytest.fixture
def october(db):
    """October issued, and (as after a crash) nothing rendered yet."""
    with unit_of_work(db):
        demo.build(db, invoicing=False, grants=False)
    with unit_of_work(db):
        return issue_run(db, *month_bounds("2026-10")).issued


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_a_refused_recipient_is_listed_as_failed_the_others_are_sent_and_sending_again_repeats_nothing(
        client, october, smtp_app, signed_in, make_user):
    _, inbox = smtp_app
    signed_in("finance")
    first = post_form(client, "/invoices/send", {"month": "2026-10"})
    assert first.status_code == 303 and first.headers["location"] == "/invoices?month=2026-10&sent=2&failed=1"
    assert sorted(to for to, _ in inbox.delivered) == ["csc.invoices@northshire.example",
                                                      "riversideicb.invoice-validation@nhs.example",
                                                      "riversideicb.invoices@nhs.example"]
    listed = text_of(client.get(first.headers["location"]))
    assert "1 invoice could not be sent" in listed
    assert f"Not sent to {REFUSED}: The mail server refused the recipient ({REFUSED}: 550 5.1.1 No such mailbox " \
           "here)." in listed

    again = post_form(client, "/invoices/send", {"month": "2026-10"})
    assert again.headers["location"] == "/invoices?month=2026-10&sent=0&failed=1"   # Leila's tried, refused again
    assert len(inbox.delivered) == 3                                                  # nothing delivered twice

    sign_in(client, make_user("admin"))
    outbox = text_of(client.get("/outbox"))
    assert "Not sent" in outbox and REFUSED in outbox and "550 5.1.1 No such mailbox here" in outbox
    assert "1 message not sent" in text_of(client.get("/"))


def test_a_backing_schedule_that_cannot_be_made_fails_alone_and_the_invoices_still_go(
        client, db, october, smtp_app, signed_in, make_user):
    settings, inbox = smtp_app
    riverside = next(i for i in october if i.payer_name == "Riverside ICB")
    with unit_of_work(db):
        credit(db, riverside, "Billed to the wrong ICB")     # in full, before its schedule was ever made
    signed_in("finance")
    sent = post_form(client, "/invoices/send", {"month": "2026-10"})
    assert sent.status_code == 303 and sent.headers["location"] == "/invoices?month=2026-10&sent=2&failed=1"
    assert sorted(to for to, _ in inbox.delivered) == ["csc.invoices@northshire.example",
                                                      "riversideicb.invoices@nhs.example"]
    assert sorted(f.kind for f in mail.failures(db)) == ["backing", "invoice"]   # the schedule, and Leila refused
    [failure] = [f for f in mail.failures(db) if f.kind == "backing"]
    assert failure.recipient == "riversideicb.invoice-validation@nhs.example"
    assert failure.reason.startswith(f"The backing schedule could not be made: The backing schedule for invoice "
                                     f"{riverside.number} adds up to £0.00, not the invoice's £2,160.00")

    with unit_of_work(db):
        again = send_invoices(db, settings, october)
    assert {o.invoice.payer_name: o.route for o in again} == {
        "Leila Haddad": "failed", "Northshire County Council, Children's Social Care": "already",
        "Riverside ICB": "already"}
    assert len(inbox.delivered) == 2
    sign_in(client, make_user("admin"))
    assert "2 messages not sent" in text_of(client.get("/"))    # Leila's refusal and the schedule


def test_a_message_interrupted_while_being_handed_over_is_never_sent_again(db, october, smtp_app):
    settings, inbox = smtp_app
    northshire = next(i for i in october if i.payer_name.startswith("Northshire"))
    with unit_of_work(db):   # the attempt committed, then the process killed before the server answered
        mail.record(db, references.source_ref("invoice", northshire.id), "invoice", "smtp",
                    "csc.invoices@northshire.example", None, "Invoice", [], None)
    with unit_of_work(db):
        [outcome] = send_invoices(db, settings, [northshire])
    assert outcome.route == "already" and inbox.delivered == []
    [failure] = mail.failures(db)
    assert failure.status == mail.SENDING and failure.recipient == "csc.invoices@northshire.example"


def test_a_refused_password_reset_email_is_a_listed_failure_not_a_500(client, db, october, smtp_app):
    _, inbox = smtp_app
    leila = db.exec(select(User).where(User.email == REFUSED)).one()   # the demo's family login
    asked = post_form(client, "/password-reset", {"email": REFUSED})
    assert asked.status_code == 200 and inbox.delivered == []
    [failure] = mail.failures(db)
    assert (failure.kind, failure.source_ref) == ("password_reset", references.source_ref("user", leila.id))
    assert failure.reason.startswith("The mail server refused the recipient")


def test_a_second_password_reset_is_emailed_too_each_with_its_own_link(client, db, october, smtp_app, make_user):
    """A document goes once however often it is sent; a reset is a new message each time, with a new link."""
    _, inbox = smtp_app
    user = make_user("finance", email="fran.again@willow.example")
    for _ in range(2):
        assert post_form(client, "/password-reset", {"email": user.email}).status_code == 200
    links = [re.search(r"https?://\S+", message.get_body(("plain",)).get_content()).group(0)
             for to, message in inbox.delivered if to == user.email]
    assert len(links) == 2 and links[0] != links[1]
