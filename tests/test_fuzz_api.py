"""Fuzzing the JSON API (issue 9, item 5). Schemathesis reads the OpenAPI document the app serves and sends generated
requests, valid and invalid, to every operation, signed in with a bearer token as each staff role (admin, finance,
coordinator, trustee), against the demo hospice. No answer may be a server error, a status code or content type the
document leaves out, or a body its schema refuses. Each request is rolled back before the next, so every one meets
the same demo. The odd inputs the fuzzer found breaking the app are kept below as plain examples."""
from __future__ import annotations

import os
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)
from sqlalchemy import create_engine
from sqlmodel import select

from provider.bank.models import BankImport, BankLine
from invoicing.models import Invoice
from invoicing.payments.models import Allocation, DebtAdjustment, Dispute, Payment, Reminder
from isf.models import IsfAgreement, IsfSpend, RepaymentNotice
from lantern import demo
from provider.bookings.models import Booking, BookingRules, BookingUnit
from provider.catalogue.models import PricePeriod, Service
from provider.charges.models import Charge
from provider.charity.models import CharitableIncome
from provider.config import Settings
from provider.db import unit_of_work
from provider.funders.models import CharitableFund, Funder, FunderDepartment
from provider.funding.models import Arrangement, BlockContract
from provider.grants.models import GrantAward
from provider.organisation.models import BankAccount, Holiday
from provider.people.models import Child, FamilyMember, Nomination, Nominee
from provider.users.models import User
from provider.web import security
from lantern.app import create_app
from tests.conftest import TEST_SECRET, _bound_session, demo_once_per_module, undone

ROLES = ["admin", "finance", "coordinator", "trustee"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples of each operation for each role: 149 operations, four roles. A deeper run: LANTERN_FUZZ_EXAMPLES=50.
EXAMPLES = int(os.environ.get("LANTERN_FUZZ_EXAMPLES", "3"))
SENT: Counter[str] = Counter()      # requests sent, by role
RAN: set[tuple[str, str]] = set()   # (operation, role) pairs fuzzed
demo_connection, connection = demo_once_per_module()


def _load_schema():
    """The document the app serves at /openapi.json. It does not depend on the database, so an app on an empty one
    serves it while the tests are collected. The coverage phase is left out: its boundary cases come to some 6,600
    requests a role, minutes of run time (run once, they found nothing the fuzzing below does not)."""
    settings = Settings(database_url="sqlite://", secret_key=TEST_SECRET, data_dir=Path(tempfile.gettempdir()))
    app = create_app(settings, create_engine("sqlite://"), check_schema=False)
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


schema = _load_schema()

# Texts that have broken parsers here: a digit int() refuses, a NUL, days and months at the calendar's ends.
ODD_TEXT = ["²", "\x00", "9" * 30, "-1", "0001-01-01", "9999-12-31", "0001-01", "9999-12", "2026-Q5", " "]
# The demo's ids and values by parameter or field name, filled in once the demo is built: random ids only meet 404s.
DEMO_VALUES: dict[str, list] = {}
DEMO_IDS = {"user_id": User, "child_id": Child, "member_id": FamilyMember, "nominee_id": Nominee,
            "nomination_id": Nomination, "service_id": Service, "funder_id": Funder,
            "department_id": FunderDepartment, "fund_id": CharitableFund, "account_id": BankAccount,
            "holiday_id": Holiday, "arrangement_id": Arrangement, "contract_id": BlockContract, "charge_id": Charge,
            "booking_id": Booking, "unit_id": BookingUnit, "invoice_id": Invoice, "document_id": Invoice,
            "award_id": GrantAward, "income_id": CharitableIncome, "payment_id": Payment,
            "allocation_id": Allocation, "dispute_id": Dispute, "adjustment_id": DebtAdjustment,
            "agreement_id": IsfAgreement, "spend_id": IsfSpend, "notice_id": RepaymentNotice, "line_id": BankLine,
            "import_id": BankImport, "reminder_id": Reminder}
SAME_IDS = {"key_worker_id": "user_id", "holder_id": "user_id", "bank_account_id": "account_id",
            **{name: "funder_id" for name in ("icb_id", "home_authority_id", "paid_by_id", "covers_area_id",
                                              "successor_id")}}
DAYS = ["2026-04-01", "2027-03-31", "2027-04-10"]
DEMO_TEXT = {"month": ["2026-04", "2027-03", "2027-04"], "year": [2026, 2027], "quarter": ["1", "4", "2026-Q3"],
             **{name: DAYS for name in ("day", "on", "as_of", "from", "to", "first", "last")}}


def _demo_or_odd(values, odd: bool):
    """Each generated value as it is, or one the demo holds under that name, or (where `odd`) an odd text."""
    if not isinstance(values, dict):
        return st.just(values)
    options = {}
    for name, value in values.items():
        choices = [st.just(value)]
        if DEMO_VALUES.get(name):
            choices.append(st.sampled_from(DEMO_VALUES[name]))
        if odd and isinstance(value, str):
            choices.append(st.sampled_from(ODD_TEXT))
        options[name] = st.one_of(choices)
    return st.fixed_dictionaries(options)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _demo_or_odd(path_parameters, odd=True)


@schema.hook
def flatmap_query(context, query):
    return _demo_or_odd(query, odd=True)


@schema.hook
def flatmap_body(context, body):
    return _demo_or_odd(body, odd=False)


@pytest.fixture(scope="module")
def demo_values(demo_connection):
    session = _bound_session(demo_connection)
    for name, model in DEMO_IDS.items():
        DEMO_VALUES[name] = [str(i) for i in session.exec(select(model.id).order_by(model.id).limit(20))]
    DEMO_VALUES.update({name: DEMO_VALUES[same] for name, same in SAME_IDS.items()})
    DEMO_VALUES["payer_ref"] = sorted(set(session.exec(select(Invoice.payer_ref))))[:20]
    DEMO_VALUES.update(DEMO_TEXT)
    session.close()
    yield DEMO_VALUES
    DEMO_VALUES.clear()


@pytest.fixture(scope="module")
def tokens(demo_connection) -> dict[str, str]:
    """A bearer token for each demo user, by role: the API takes a bearer token without a CSRF token."""
    session = _bound_session(demo_connection)
    found = {}
    with unit_of_work(session):
        for email, _name, role in demo.DEMO_USERS:
            user = session.exec(select(User).where(User.email == email)).one()
            found[role] = security.create_api_token(session, user, "fuzzer")
    session.close()
    return found


@pytest.fixture(scope="module")
def fuzz_app(test_settings, engine, demo_connection, demo_values):
    return create_app(test_settings, engine, session_factory=lambda read_only: _bound_session(demo_connection),
                      check_schema=False)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES)
def test_no_answer_breaks_the_api_document(case, role, fuzz_app, tokens, demo_connection):
    RAN.add((case.operation.label, role))
    with undone(demo_connection, "each_request"):
        SENT[role] += 1
        case.call_and_validate(app=fuzz_app, headers={"Authorization": f"Bearer {tokens[role]}"},
                               checks=CHECKS)


def test_the_fuzzer_sent_at_least_a_thousand_requests(capsys):
    operations = sum(1 for result in schema.get_all_operations() if result.ok())
    # Runs after the fuzzing above (pytest keeps a module's order; --dist loadfile keeps the module on one worker).
    assert len(RAN) == operations * len(ROLES), "run the whole module: every operation is fuzzed for every role first"
    total = sum(SENT.values())
    with capsys.disabled():
        print(f"\nschemathesis sent {total} requests to {operations} operations: {dict(SENT)}")
    assert total >= 1000, dict(SENT)


# ---------------------------------------------------------------------------------------------------------------
# What the fuzzer found: each is now refused with a 422 naming the field, where it was a server error or a 400.


@pytest.fixture
def as_role(client, tokens):
    def call(role: str, method: str, url: str, **kwargs):
        headers = {"Authorization": f"Bearer {tokens[role]}", **kwargs.pop("headers", {})}
        return client.request(method, url, headers=headers, **kwargs)

    return call


def refused(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize("role, url, field", [
    ("finance", "/api/ledger/periods?year=²", "year"),             # "²" is a digit to str.isdigit, not to int()
    ("trustee", "/api/reports/care?year=²", "year"),
    ("trustee", "/api/reports/statutory-income?quarter=²", "quarter"),
    ("finance", "/api/charges?month=9999-12", "month"),              # its month end is in the year 10000
    ("finance", "/api/invoices?month=9999-12", "month"),
    ("finance", "/api/invoice-runs/9999-12", "month"),
    ("coordinator", "/api/occupancy?month=9999-12", "month"),
    ("coordinator", "/api/children/{child_id}/usage?on=9999-12-31", "on"),
    ("coordinator", "/api/children/{child_id}/usage?on=0001-01-01", "on"),
])
def test_a_day_month_or_year_beyond_reason_is_refused_naming_it(as_role, demo_values, role, url, field):
    response = as_role(role, "GET", url.format(child_id=demo_values["child_id"][0]))
    assert field in refused(response)


@pytest.mark.parametrize("role, url, field", [
    ("coordinator", "/api/children?q=a%00b", "q"),                   # PostgreSQL refuses a NUL in any text
    ("finance", "/api/payments?payer_ref=%00", "payer_ref"),
    ("finance", "/api/debt/payers/%00/statement", "payer_ref"),
    ("admin", "/api/history/child/%00", "entity_id"),
])
def test_a_nul_character_in_a_parameter_is_refused_naming_it(as_role, role, url, field):
    assert refused(as_role(role, "GET", url)) == {field: "must not contain a NUL character"}


def test_a_nul_character_in_a_json_field_is_refused_naming_it(as_role, db):
    before = db.exec(select(Child.id)).all()
    body = {"first_name": "Ann\x00", "last_name": "Bee", "date_of_birth": "2015-01-01"}
    assert refused(as_role("coordinator", "POST", "/api/children", json=body)) == {
        "first_name": "must not contain a NUL character"}
    assert db.exec(select(Child.id)).all() == before


def test_a_nul_character_in_a_form_field_is_refused_naming_it(as_role):
    response = as_role("finance", "POST", "/api/bank-imports", data={"account": "Current\x00"},
                       files={"file": ("statement.csv", b"Date,Amount\n")})
    assert refused(response) == {"account": "must not contain a NUL character"}


def test_a_body_that_is_not_utf8_is_refused_naming_the_body(as_role):
    response = as_role("admin", "POST", "/api/tokens", content=b'{"name": "\xff"}',
                       headers={"content-type": "application/json"})
    assert refused(response) == {"body": "is not valid JSON"}


def _filled(body, demo_values):
    """`body` with each "{name}" value replaced by the demo's first value of that name."""
    if isinstance(body, dict):
        return {key: _filled(value, demo_values) for key, value in body.items()}
    if isinstance(body, list):
        return [_filled(value, demo_values) for value in body]
    if isinstance(body, str) and body.startswith("{"):
        return demo_values[body.strip("{}")][0]
    return body


def _rows(db, model) -> list:
    return sorted((tuple(row) for row in db.execute(select(model.__table__))), key=str)


def _refused_changing_nothing(as_role, db, demo_values, role, method, url, body, model) -> dict[str, str]:
    before = _rows(db, model)
    response = as_role(role, method, url.format(**{k: v[0] for k, v in demo_values.items() if v}),
                       json=_filled(body, demo_values))
    assert _rows(db, model) == before
    return refused(response)


BOOKING = {"child_id": "{child_id}", "service_id": "{service_id}"}
PAYMENT = {"payer_ref": "{payer_ref}", "bank_account_id": "{account_id}", "received_on": "2027-04-01",
           "amount_pence": 1000, "method": "bank_transfer"}


@pytest.mark.parametrize("role, method, url, body, field, model", [
    # The booking preview's window ran off the calendar (OverflowError, a server error). Found by the fuzzer.
    ("coordinator", "POST", "/api/bookings/preview", {**BOOKING, "starts_on": "0002-01-01"}, "starts_on", Booking),
    ("coordinator", "POST", "/api/bookings", {**BOOKING, "starts_on": "9999-12-31"}, "starts_on", Booking),
    ("finance", "POST", "/api/payments", {**PAYMENT, "received_on": "0001-01-01"}, "received_on", Payment),
    ("coordinator", "POST", "/api/children", {"first_name": "Ann", "last_name": "Bee", "date_of_birth": "1899-12-31"},
     "date_of_birth", Child),
])
def test_a_day_beyond_reason_in_a_json_body_is_refused_naming_it(as_role, db, demo_values, role, method, url, body,
                                                                 field, model):
    errors = _refused_changing_nothing(as_role, db, demo_values, role, method, url, body, model)
    assert errors[field] == "must be a date from 1900 to 2999"


@pytest.mark.parametrize("role, method, url, body, field, model", [
    # Formatting it in the answer failed (decimal.InvalidOperation, a server error). Found by the fuzzer.
    ("finance", "POST", "/api/payments/{payment_id}/allocations",
     {"allocations": [{"invoice_id": "{invoice_id}", "pence": 10**28}]}, "allocations.0.pence", Allocation),
    # The same kind, past what PostgreSQL's INTEGER columns hold (a server error there).
    ("finance", "POST", "/api/payments", {**PAYMENT, "amount_pence": 2_000_000_001}, "amount_pence", Payment),
    ("finance", "POST", "/api/invoices/{invoice_id}/adjustments", {"kind": "write_off", "pence": -10**20,
                                                                   "reason": "Too much"}, "pence", DebtAdjustment),
    ("finance", "POST", "/api/services/{service_id}/prices",
     {"starts_on": "2027-06-01", "price_pence": 10**12, "full_cost_pence": 1e30}, "price_pence", PricePeriod),
])
def test_an_amount_beyond_what_lantern_holds_is_refused_naming_it(as_role, db, demo_values, role, method, url, body,
                                                                  field, model):
    errors = _refused_changing_nothing(as_role, db, demo_values, role, method, url, body, model)
    assert errors[field] == "is more than Lantern can hold: at most £20,000,000.00"


@pytest.mark.parametrize("role, method, url, body, field, model", [
    # Not found by the fuzzer but by hand, looking for more of its kind: past what PostgreSQL's INTEGER columns hold
    # (on SQLite, past 2**63), a server error on storing it.
    ("finance", "POST", "/api/services", {"code": "BIG", "name": "Big", "unit": "session", "vat_treatment": "exempt",
                                          "vat_reason": "Care", "capacity": 10**20}, "capacity", Service),
    ("admin", "PUT", "/api/services/{service_id}/booking-rules", {"units_per_year": 10**12}, "units_per_year",
     BookingRules),
    ("coordinator", "POST", "/api/bookings", {**BOOKING, "starts_on": "2027-05-01", "quantity": 10**20}, "quantity",
     Booking),
])
def test_a_count_beyond_reason_is_refused_naming_it(as_role, db, demo_values, role, method, url, body, field, model):
    errors = _refused_changing_nothing(as_role, db, demo_values, role, method, url, body, model)
    assert errors[field] == "must be at most 1,000,000"


def test_timestamps_carry_their_utc_offset_on_either_engine(as_role):
    income = as_role("finance", "GET", "/api/charity/income").json()
    shut = as_role("finance", "POST", "/api/ledger/periods/close", json={"month": "2026-04"})
    assert shut.status_code == 200, shut.text
    closed = [m for m in as_role("finance", "GET", "/api/ledger/periods?year=2026").json()["months"] if m["closed"]]
    stamps = [row["created_at"] for row in income] + [month["closed_at"] for month in closed]
    assert income and closed
    assert all(datetime.fromisoformat(stamp).utcoffset() is not None for stamp in stamps)

