"""Issue 9 item 3, proof of access control: every route of tests/access_matrix.py, as every role and with no login,
for Amira's record and for another family's, answers as the matrix says.

Each demo family carries a marker of its own, written into its children's names, its relatives' names and its
children's funding arrangements; no answer to Leila names another family's marker (or an invoice addressed to anyone
else, whose frozen text predates the markers), no answer to a trustee or to a visitor without a login names any. Another family's record answers Leila exactly as a missing one. Every request
is undone when it has been answered."""
from __future__ import annotations

import html
import io
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlmodel import Session, select

from invoicing import sending
from provider.bank import importing
from provider.bank.models import BankLine
from invoicing.models import Invoice
from invoicing.payments import reminders
from invoicing.payments import service as payments
from invoicing.payments.models import Allocation, Payment
from isf import returns
from isf.models import Evidence, IsfAgreement, IsfSpend, Supplier
from lantern import demo
from provider.bookings.models import Booking, BookingUnit
from provider.catalogue.models import Service
from provider.charges.models import Charge
from provider.charity.models import CharitableIncome
from provider.db import unit_of_work
from provider.funders.models import CharitableFund, Funder, FunderDepartment
from provider.funding.models import Arrangement, BlockContract
from provider.grants.models import GrantAward
from provider.organisation.models import BankAccount, Holiday
from provider.people.models import Child, ChildRelationship, FamilyMember, Nomination, Nominee
from provider.users.models import ApiToken, User
from provider.web import security
from provider.web.deps import route_rules
from tests.access_matrix import LOGIN, MATRIX, NO, OK, OWN, PUBLIC, ROLES, TELLS
from tests.conftest import api, demo_once_per_module, post_form, rolled_back

demo_connection, connection = demo_once_per_module()

EMAILS = {"admin": "admin@willow.example", "finance": "finance@willow.example",
          "coordinator": "coordinator@willow.example", "trustee": "trustee@willow.example",
          "family": "leila@family.example"}
MARKER = "QZK{:03d}K"
STATEMENT = Path(demo.__file__).parent / "demo_data" / "statements" / "willow-operating-2027-03.csv"


@dataclass
class World:
    ids: dict[str, tuple[str, str]]     # each path parameter: (Amira's family's record, another family's)
    markers: set[str]                   # every family's marker
    own: str                            # Leila's family's
    not_leilas: set[str]                # the numbers of the invoices addressed to anyone else: frozen, so unmarked


@pytest.fixture(scope="module")
def world(demo_connection, test_settings) -> World:
    session = Session(bind=demo_connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    with unit_of_work(session):
        markers = mark_families(session)
        ids = record_ids(session, test_settings)
    leilas = session.get(Invoice, uuid.UUID(ids["invoice_id"][0])).payer_ref
    not_leilas = {i.number for i in session.exec(select(Invoice).where(Invoice.payer_ref != leilas))}
    session.close()
    return World(ids, set(markers.values()), markers[uuid.UUID(ids["child_id"][0])], not_leilas)


def mark_families(db) -> dict[uuid.UUID, str]:
    """A marker for each family (the children sharing a relative are one), by child."""
    relatives = defaultdict(set)
    for link in db.exec(select(ChildRelationship)):
        relatives[link.child_id].add(link.family_member_id)
    of_member: dict[uuid.UUID, str] = {}
    of_child: dict[uuid.UUID, str] = {}
    for child in db.exec(select(Child).order_by(Child.nhs_number)):
        marker = next((of_member[m] for m in relatives[child.id] if m in of_member), None)
        marker = marker or MARKER.format(len(set(of_child.values())) + 1)
        of_child[child.id] = marker
        of_member |= dict.fromkeys(relatives[child.id], marker)
        child.first_name, child.last_name = f"{child.first_name} {marker}", f"{child.last_name} {marker}"
        child.preferred_name = f"{child.preferred_name} {marker}" if child.preferred_name else None
        db.add(child)
    for member in db.exec(select(FamilyMember)):
        if member.id in of_member:
            member.name = f"{member.name} {of_member[member.id]}"
            db.add(member)
    for arrangement in db.exec(select(Arrangement)):
        arrangement.name = f"{arrangement.name} {of_child[arrangement.child_id]}"
        db.add(arrangement)
    db.flush()
    return of_child


def _one(db, query):
    return db.exec(query).first()


def record_ids(db, settings) -> dict[str, tuple[str, str]]:
    """Each path parameter the app uses, as (Amira's or Leila's record, another family's); one record for both where
    the parameter has no family (a funder, a service, a user) or the demo has one only. The demo has no reminder,
    sent email, dispute on a family's invoice, pending write-off, repayment notice or operating-account statement
    line: they are made here, for Leila or Amira and for another payer; and an API token each for Leila and the
    administrator."""
    users = {u.email: u for u in db.exec(select(User))}
    finance = users[EMAILS["finance"]]
    amira = _one(db, select(Child).where(Child.first_name.startswith("Amira ")))
    ben = _one(db, select(Child).where(Child.first_name.startswith("Benjamin ")))
    leila = _one(db, select(FamilyMember).where(FamilyMember.user_id == users[EMAILS["family"]].id))
    joanne = _one(db, select(FamilyMember).where(FamilyMember.name.startswith("Joanne Carter")))
    invoices = {i.number: i for i in db.exec(select(Invoice))}
    leilas, brightways, eastvales = invoices["INV2627000019"], invoices["INV2627000008"], invoices["INV2627000009"]
    agreements = {db.get(Arrangement, a.arrangement_id).child_id: a for a in db.exec(select(IsfAgreement))}
    amiras_isf = agreements[amira.id]
    other_isf = next(a for child, a in agreements.items() if child != amira.id)
    payments_of = {p.payer_ref: p for p in db.exec(select(Payment).order_by(Payment.received_on))}
    leilas_payment, brightways_payment = payments_of[leilas.payer_ref], payments_of[brightways.payer_ref]
    today = demo.AS_OF

    letters = [reminders.send_reminder(db, settings, invoice.payer_ref, today, actor_id=finance.id).reminder
               for invoice in (leilas, eastvales)]
    disputes = [payments.open_dispute(db, invoice, "Queried by the payer.", today, finance.id)
                for invoice in (leilas, brightways)]
    adjustments = [payments.ask_adjustment(db, leilas, "write_off", 5_000, "Hardship", today, finance),
                   payments.ask_adjustment(db, eastvales, "write_off", 10_000, "Short paid", today, finance)]
    sent = [sending.send_invoice(db, settings, invoice, finance.id) for invoice in (leilas, brightways)]
    messages = [sending.already_sent(db, outcome.invoice) for outcome in sent]
    notices = [returns.record_notice(db, agreement, 1_000, "Unspent", today + timedelta(days=28), today,
                                     actor_id=finance.id) for agreement in (amiras_isf, other_isf)]
    operating = _one(db, select(BankAccount).where(BankAccount.purpose == "operating"))
    statement = importing.import_file(db, operating, STATEMENT.name, STATEMENT.read_bytes(), finance.id)
    operating_lines = statement_lines(db, operating.id)
    isf_lines = statement_lines(db, _one(db, select(BankAccount).where(BankAccount.purpose == "isf_client")).id)
    supplier_spend = {s.agreement_id: s for s in db.exec(select(IsfSpend).where(IsfSpend.kind == "supplier"))}
    spends = list(supplier_spend.values())
    booking = {c: _one(db, select(Booking).where(Booking.child_id == c).order_by(Booking.starts_on))
               for c in (amira.id, ben.id)}
    unit = {c: _one(db, select(BookingUnit).where(BookingUnit.booking_id == b.id)) for c, b in booking.items()}
    charge = {c: _one(db, select(Charge).where(Charge.child_id == c)) for c in (amira.id, ben.id)}
    arrangement = {c: _one(db, select(Arrangement).where(Arrangement.child_id == c).order_by(Arrangement.name))
                   for c in (amira.id, ben.id)}
    nominees = db.exec(select(Nominee).order_by(Nominee.name)).all()
    nominations = db.exec(select(Nomination).order_by(Nomination.received_on)).all()
    northshire = _one(db, select(Funder).where(Funder.name.startswith("Northshire")))
    tokens = {}
    for role in ("family", "admin"):
        security.create_api_token(db, users[EMAILS[role]], "matrix")
        tokens[role] = _one(db, select(ApiToken).where(ApiToken.user_id == users[EMAILS[role]].id)).id
    pair = lambda own, other: (str(own), str(other))  # noqa: E731
    both = lambda one: (str(one), str(one))  # noqa: E731
    return {
        "child_id": pair(amira.id, ben.id),
        "member_id": pair(leila.id, joanne.id),
        "user_id": both(users[EMAILS["coordinator"]].id),
        "nominee_id": pair(nominees[0].id, nominees[1].id),
        "nomination_id": pair(nominations[0].id, nominations[1].id),
        "service_id": both(_one(db, select(Service).where(Service.name == "Short-break night")).id),
        "fund_id": both(_one(db, select(CharitableFund).order_by(CharitableFund.name)).id),
        "funder_id": both(northshire.id),
        "department_id": both(_one(db, select(FunderDepartment).where(FunderDepartment.funder_id == northshire.id)).id),
        "holiday_id": both(_one(db, select(Holiday).order_by(Holiday.starts_on)).id),
        "account_id": both(operating.id),
        "arrangement_id": pair(arrangement[amira.id].id, arrangement[ben.id].id),
        "contract_id": both(_one(db, select(BlockContract)).id),
        "charge_id": pair(charge[amira.id].id, charge[ben.id].id),
        "booking_id": pair(booking[amira.id].id, booking[ben.id].id),
        "unit_id": pair(unit[amira.id].id, unit[ben.id].id),
        "job_id": both("no-such-job"),
        "document_id": pair(leilas.id, brightways.id),
        "invoice_id": pair(leilas.id, brightways.id),
        "message_id": pair(messages[0].id, messages[1].id),
        "income_id": both(_one(db, select(CharitableIncome).order_by(CharitableIncome.received_on)).id),
        "award_id": both(_one(db, select(GrantAward)).id),
        "payment_id": pair(leilas_payment.id, brightways_payment.id),
        "allocation_id": pair(*(_one(db, select(Allocation).where(Allocation.payment_id == p.id)).id
                                for p in (leilas_payment, brightways_payment))),
        "dispute_id": pair(disputes[0].id, disputes[1].id),
        "adjustment_id": pair(adjustments[0].id, adjustments[1].id),
        "agreement_id": pair(amiras_isf.id, other_isf.id),
        "spend_id": pair(spends[0].id, spends[-1].id),
        "evidence_id": both(_one(db, select(Evidence)).id),
        "supplier_id": both(_one(db, select(Supplier).order_by(Supplier.name)).id),
        "number": both(13),
        "notice_id": pair(notices[0].id, notices[1].id),
        "import_id": both(statement.id),
        "line_id": pair(operating_lines[0], operating_lines[-1]),
        "isf_line_id": pair(isf_lines[0], isf_lines[-1]),
        "reminder_id": pair(letters[0].id, letters[1].id),
        "payer_ref": pair(leilas.payer_ref, brightways.payer_ref),
        "entity": both("children"),
        "entity_id": pair(amira.id, ben.id),
        "name": both("cost-of-care"),
        "month": both("2027-03"),
        "token": both("no-such-link"),
        "token_id": pair(tokens["family"], tokens["admin"]),
    }


def statement_lines(db, account_id) -> list[str]:
    return [str(line.id) for line in db.exec(select(BankLine).where(BankLine.bank_account_id == account_id)
                                             .order_by(BankLine.booked_on, BankLine.identity))]


def url_for(path: str, query: str, ids: dict[str, tuple[str, str]], record: int) -> str:
    """The route's address for the own record (0) or another family's (1)."""
    def value(match) -> str:
        name = match.group(1)
        if name == "line_id" and "isf-client-account" in path:
            name = "isf_line_id"
        return ids[name][record]
    return re.sub(r"\{(\w+)\}", value, path + (f"?{query}" if query else ""))


def send(browser: TestClient, method: str, url: str) -> httpx.Response:
    if method == "GET":
        return browser.get(url)
    if url.startswith("/api/"):
        return api(browser, method, url, json={})
    return post_form(browser, url)


def body_text(response: httpx.Response) -> str:
    """The body as a reader sees it: a PDF's text (its raw bytes too, should it not parse), a page's unescaped."""
    if response.headers.get("content-type", "").startswith("application/pdf"):
        try:
            return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        except PdfReadError:
            return response.content.decode("latin-1")
    return html.unescape(response.text)


def problem(expected, method: str, url: str, response: httpx.Response) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    if expected == OK:
        if method == "GET" and status != 200 or status in (401, 403, 404) or status >= 500:
            return f"expected {'200' if method == 'GET' else 'to get past the check'}, got {status}"
        return None
    if expected == LOGIN:
        if status != 303 or response.headers.get("location") != f"/login?next={quote(url)}":
            return f"expected 303 to /login?next=..., got {status} {response.headers.get('location', '')}"
        return None
    if status != expected:
        return f"expected {expected}, got {status}"
    if expected == NO and "role" not in response.text:   # refused for the role, not for a stale form
        return f"refused, but not for the role: {_gist(response.text)!r}"
    return None


def answer(browser: TestClient, connection, method: str, url: str) -> httpx.Response:
    """The answer to one request, all it changed undone: signing out too."""
    cookies = list(browser.cookies.jar)
    with rolled_back(connection):
        response = send(browser, method, url)
    browser.cookies.jar.clear()
    for cookie in cookies:
        browser.cookies.jar.set_cookie(cookie)
    return response


def browser_for(app, role: str) -> TestClient:
    browser = TestClient(app, follow_redirects=False)
    if role != "nobody":
        signed = post_form(browser, "/login", {"email": EMAILS[role], "password": demo.DEMO_PASSWORD})
        assert signed.status_code == 303, role
    return browser


def missing(url: str, ids: dict[str, tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The address with another family's ids swapped for ids nothing has, and the swaps to undo in its body."""
    swaps = {}
    for own, other in ids.values():
        if other != own and other in url:
            swaps[other] = str(uuid.uuid4())
            url = url.replace(other, swaps[other])
    return url, swaps


@pytest.mark.parametrize("role", [*ROLES, "nobody"])
def test_every_route_answers_each_role_as_the_matrix_says(role, app, connection, world):
    column = (*ROLES, "nobody").index(role)
    forbidden = (world.markers - {world.own}) | world.not_leilas if role == "family" \
        else world.markers if role in ("trustee", "nobody") else set()
    browser = browser_for(app, role)
    failures, cells = [], 0
    for method, path, query, *answers in MATRIX:
        expected = answers[column]
        for record in (0, 1):
            url = url_for(path, query, world.ids, record)
            if record == 1 and url == url_for(path, query, world.ids, 0):
                continue
            cell = (404 if record else OK) if expected in (OWN, TELLS) else expected
            response = answer(browser, connection, method, url)
            if expected in (OWN, TELLS) and record == 1:
                failures += as_if_missing(browser, connection, method, url, response, world.ids, expected == TELLS)
            cells += 1
            found = problem(cell, method, url, response)
            if found:
                failures.append(f"{role} {method} {url}: {found}")
            if forbidden:
                text = body_text(response)
                leaked = sorted(m for m in forbidden if m in text)
                if leaked:
                    failures.append(f"{role} {method} {url}: names another family: {leaked}")
    assert failures == [], "\n".join(failures)
    assert cells > 350


def as_if_missing(browser, connection, method: str, url: str, response, ids, tells: bool) -> list[str]:
    """Another family's record answers exactly as a record that does not exist (or, where the matrix says the app
    tells them apart, does not)."""
    absent_url, swaps = missing(url, ids)
    absent = answer(browser, connection, method, absent_url)
    text = absent.text
    for other, made_up in swaps.items():
        text = text.replace(made_up, other)
    if ((absent.status_code, text) == (response.status_code, response.text)) != tells:
        return []
    return [f"family {method} {url}: another family's record answers {response.status_code} {_gist(response.text)!r}, "
            f"a missing one {absent.status_code} {_gist(text)!r}" + (" (the matrix says they differ)" if tells else "")]


def _gist(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[-160:]


def test_the_markers_are_where_the_pages_and_pdfs_name_a_family(app, connection, world):
    leila, coordinator = browser_for(app, "family"), browser_for(app, "coordinator")
    assert world.own in leila.get("/").text
    assert world.own in body_text(leila.get(f"/isf/{world.ids['agreement_id'][0]}/statements/13.pdf"))
    amira, ben = world.ids["child_id"]
    assert world.own in coordinator.get(f"/children/{amira}").text
    assert world.own not in coordinator.get(f"/children/{ben}").text
    assert len(world.markers) > 30 and "INV2627000008" in world.not_leilas and "INV2627000019" not in world.not_leilas


def test_the_matrix_has_one_line_for_every_route_of_the_app(app):
    lines = [(method, path) for method, path, *_ in MATRIX]
    assert len(lines) == len(set(lines)), "a route is written twice"
    served = {(method, path) for methods, path, _rule in route_rules(app) for method in methods.split(",")
              if method != "HEAD"}
    assert set(lines) - served == set(), "lines for routes the app does not serve"
    assert served - set(lines) == set(), "routes without a line in tests/access_matrix.py"
    public = {(method, path) for methods, path, rule in route_rules(app) if rule == "public"
              for method in methods.split(",") if method != "HEAD"}
    assert {(method, path) for method, path, *_ in PUBLIC} == public
    assert all(len(answers) == 7 and all(a in (OK, NO, OWN, TELLS, LOGIN) or isinstance(a, int) for a in answers[1:])
               for _method, _path, *answers in MATRIX)
