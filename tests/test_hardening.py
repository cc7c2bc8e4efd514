"""Hardening (issue 9 item 4): sign-in throttling and lockout kept in the audit, Secure cookies behind a trusted TLS
proxy, upload size limits, and an audit of who viewed a child's record."""
from __future__ import annotations

import dataclasses
import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from provider.bank.models import BankImport
from isf.models import Evidence, IsfAgreement, IsfSpend
from lantern import demo
from provider.audit.models import AuditEvent
from provider.charity.models import CharitableIncome
from provider.funding.models import Arrangement
from provider.people.models import Child
from provider.users import throttle
from provider.users.models import LoginSession
from provider.web import security
from tests.conftest import PASSWORD, TEST_SECRET, api, csrf_token, demo_once_per_module, post_form

demo_connection, connection = demo_once_per_module()

T0 = datetime(2027, 4, 10, 9, 0, tzinfo=UTC)
REFUSED = "Email address or password is not right, or there have been too many attempts: try again later"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def _count(db, model, *where) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _events(db, entity: str, entity_id: str, action: str | None = None) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.exec(query.order_by(AuditEvent.at)))


@pytest.fixture
def clock(app):
    """The moment the app signs people in at: `clock.now = ...` moves it."""

    class Clock:
        now = T0

    app.state.clock = lambda: Clock.now
    return Clock


def _try(browser: TestClient, email: str, password: str):
    return post_form(browser, "/login", {"email": email, "password": password})


def _refused(response) -> None:
    assert response.status_code == 401, response.text
    assert REFUSED in _text(response)


# --- sign-in throttling ------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_email_even_against_the_right_one_until_15_minutes_pass(
        client, db, make_user, clock):
    user = make_user("finance", email="Fiona.Finance@example.org")
    sessions = _count(db, LoginSession)
    for minute in range(5):
        clock.now = T0 + timedelta(minutes=minute)
        _refused(_try(client, "  FIONA.finance@example.org ", "not the password"))
    clock.now = T0 + timedelta(minutes=5)
    locked = _try(client, user.email, PASSWORD)
    _refused(locked)
    assert _count(db, LoginSession) == sessions
    assert client.get("/").status_code == 303  # not signed in
    clock.now = T0 + timedelta(minutes=18, seconds=59)  # the lockout began at the 5th failure, 9:04
    _refused(_try(client, user.email, PASSWORD))
    clock.now = T0 + timedelta(minutes=19, seconds=1)
    assert _try(client, user.email, PASSWORD).status_code == 303
    assert client.get("/").status_code == 200

    failures = _events(db, "login", "fiona.finance@example.org", "login_failed")
    assert len(failures) == 7  # 5 wrong passwords, then the right one twice while locked
    assert {e.changes["email"][1] for e in failures} == {"fiona.finance@example.org"}  # as typed, lower-cased
    assert {e.changes["address"][1] for e in failures} == {"testclient"}
    assert [e.changes["refused"][1] for e in failures] == ["not recognised"] * 5 + ["locked"] * 2
    assert all(e.actor_id is None for e in failures)
    assert [throttle._utc(e.at) for e in failures[:5]] == [T0 + timedelta(minutes=m) for m in range(5)]
    [lockout] = _events(db, "login", "fiona.finance@example.org", "login_locked")
    assert throttle._utc(lockout.at) == T0 + timedelta(minutes=4)
    assert lockout.changes["failures"] == [None, 5]
    assert lockout.changes["address"] == [None, "testclient"]
    [signed_in] = _events(db, "login", "fiona.finance@example.org", "signed_in")
    assert signed_in.actor_id == user.id


def test_every_refusal_reads_the_same_whether_the_account_exists_is_locked_or_not(client, anon, db, make_user,
                                                                                     clock):
    user = make_user("coordinator")
    wrong = _try(client, user.email, "not the password")
    unknown = _try(anon, "nobody@example.org", "whatever it is")
    for _ in range(4):
        _try(client, user.email, "not the password")
    locked = _try(client, user.email, PASSWORD)
    for _ in range(5):
        _try(anon, "nobody@example.org", "whatever it is")
    locked_unknown = _try(anon, "nobody@example.org", "whatever it is")
    answers = {(r.status_code, re.search(r'<div class="error-summary".*?</div>', r.text, re.S).group(0))
               for r in (wrong, unknown, locked, locked_unknown)}
    assert len(answers) == 1
    assert _events(db, "login", "nobody@example.org", "login_locked")  # an unknown email is locked all the same


def test_failures_older_than_15_minutes_do_not_count(client, make_user, clock):
    user = make_user("admin")
    for _ in range(4):
        _try(client, user.email, "not the password")
    clock.now = T0 + timedelta(minutes=15, seconds=1)
    _try(client, user.email, "not the password")  # 1 in the window, not 5
    assert _try(client, user.email, PASSWORD).status_code == 303


def test_a_successful_sign_in_restarts_the_emails_count(client, make_user, clock):
    user = make_user("trustee")
    for _ in range(4):
        _refused(_try(client, user.email, "not the password"))
    assert _try(client, user.email, PASSWORD).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        _refused(_try(client, user.email, "not the password"))
    assert _try(client, user.email, PASSWORD).status_code == 303  # 4 since the sign-in: not locked


def test_twenty_failures_from_one_address_lock_that_address_for_unknown_emails(app, db, make_user, clock):
    attacker = TestClient(app, follow_redirects=False, client=("203.0.113.9", 40000))
    user = make_user("finance")
    for n in range(20):
        _refused(_try(attacker, f"guess{n}@example.org", "not the password"))  # 1 each: no email is locked
    _refused(_try(attacker, "guess0@example.org", "not the password"))
    refusals = [e.changes["refused"][1] for e in _events(db, "login", "guess0@example.org", "login_failed")]
    assert refusals == ["not recognised", "locked"]  # an unknown email is held back unchecked
    [lockout] = _events(db, "login_address", "203.0.113.9", "login_locked")
    assert lockout.changes["failures"] == [None, 20]
    clock.now = T0 + timedelta(minutes=15, seconds=1)
    assert _try(attacker, user.email, PASSWORD).status_code == 303


def test_21_failures_from_one_address_do_not_stop_a_colleague_there_signing_in_with_the_right_password(
        app, db, make_user, clock):
    guesser = TestClient(app, follow_redirects=False, client=("203.0.113.9", 40000))
    colleague = TestClient(app, follow_redirects=False, client=("203.0.113.9", 40001))  # the same NAT address
    user = make_user("coordinator")
    for n in range(21):
        _refused(_try(guesser, f"guess{n}@example.org", "not the password"))
    assert _events(db, "login_address", "203.0.113.9", "login_locked")
    assert _try(colleague, user.email, PASSWORD).status_code == 303
    assert colleague.get("/").status_code == 200


def test_while_an_address_is_locked_an_account_that_failed_there_is_held_back_even_with_the_right_password(
        app, db, make_user, clock):
    guesser = TestClient(app, follow_redirects=False, client=("203.0.113.9", 40000))
    user = make_user("finance")
    for n in range(20):
        _refused(_try(guesser, f"guess{n}@example.org", "not the password"))
    _refused(_try(guesser, user.email, "a guess at the password"))  # checked: the account was in good standing
    _refused(_try(guesser, user.email, PASSWORD))                  # now it has failed: held back unchecked
    refusals = [e.changes["refused"][1] for e in _events(db, "login", user.email, "login_failed")]
    assert refusals == ["not recognised", "locked"]
    elsewhere = TestClient(app, follow_redirects=False, client=("198.51.100.7", 40000))
    assert _try(elsewhere, user.email, PASSWORD).status_code == 303  # the account itself is not locked


def test_signing_in_to_ones_own_account_does_not_restart_an_addresss_count(db, make_user):
    mine = make_user("coordinator")
    for n in range(19):
        throttle.record_failure(db, f"guess{n}@example.org", "203.0.113.9", T0, while_locked=False)
    throttle.record_success(db, mine, mine.email, "203.0.113.9", T0 + timedelta(seconds=1))
    throttle.record_failure(db, "guess20@example.org", "203.0.113.9", T0 + timedelta(seconds=2),
                            while_locked=False)
    assert throttle.is_locked(db, "someone.else@example.org", "203.0.113.9", T0 + timedelta(seconds=3))
    assert not throttle.is_locked(db, "someone.else@example.org", "198.51.100.7", T0 + timedelta(seconds=3))
    later = T0 + timedelta(minutes=15, seconds=3)
    assert not throttle.is_locked(db, "someone.else@example.org", "203.0.113.9", later)


def test_an_email_too_long_for_the_audits_id_column_is_kept_whole_in_the_changes(client, db, clock):
    email = "x" * 200 + "@example.org"
    _refused(_try(client, email, "not the password"))
    [event] = _events(db, "login", throttle.email_key(email), "login_failed")
    assert event.entity_id.startswith("sha256:") and event.changes["email"] == [None, email]


def test_an_administrator_reads_an_emails_sign_in_history(client, anon, make_user, signed_in, clock):
    _try(anon, "nobody@example.org", "not the password")
    signed_in("admin")
    page = _text(client.get("/history/login/nobody@example.org"))
    assert "Sign-in refused on" in page and "not signed in" not in page and "testclient" in page


# --- Secure cookies behind a TLS proxy ---------------------------------------------------------------------------


def _cookie(response) -> str:
    return response.headers["set-cookie"].lower()


@pytest.fixture
def behind_proxy(app, test_settings):
    app.state.settings = dataclasses.replace(test_settings, trusted_proxy="10.0.0.2")
    return app


def test_cookies_are_secure_when_the_request_came_over_https(app, make_user):
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert "secure" in _cookie(browser.get("/login"))
    user = make_user("admin")
    signed = post_form(browser, "/login", {"email": user.email, "password": PASSWORD})
    assert signed.status_code == 303 and "secure" in _cookie(signed)


def test_cookies_are_not_secure_over_plain_http(anon):
    assert "secure" not in _cookie(anon.get("/login"))


def test_the_trusted_proxys_forwarded_proto_makes_cookies_secure(behind_proxy, make_user):
    browser = TestClient(behind_proxy, follow_redirects=False, client=("10.0.0.2", 40000),
                         headers={"X-Forwarded-Proto": "https"})
    assert "secure" in _cookie(browser.get("/login"))
    # The browser sees HTTPS and sends its Secure cookie back; the test client, speaking plain HTTP, must be told to.
    cookie = browser.cookies.get(security.COOKIE)
    token = security.csrf_token_for(TEST_SECRET, security.unsign(TEST_SECRET, cookie))
    user = make_user("finance")
    signed = browser.post("/login", headers={"Cookie": f"{security.COOKIE}={cookie}"},
                          data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 303 and "secure" in _cookie(signed)
    assert "secure" not in _cookie(TestClient(behind_proxy, client=("10.0.0.2", 40000)).get("/login"))


@pytest.mark.parametrize("proxy", [None, "10.0.0.2"])
def test_forwarded_proto_from_any_other_address_is_ignored(app, test_settings, proxy):
    app.state.settings = dataclasses.replace(test_settings, trusted_proxy=proxy)
    browser = TestClient(app, client=("10.0.0.66", 40000), headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in _cookie(browser.get("/login"))


def test_throttling_counts_the_address_the_trusted_proxy_forwards(behind_proxy, db, clock):
    browser = TestClient(behind_proxy, follow_redirects=False, client=("10.0.0.2", 40000),
                         headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.50"})
    _refused(_try(browser, "someone@example.org", "not the password"))
    spoofer = TestClient(behind_proxy, follow_redirects=False, client=("198.51.100.3", 40000),
                         headers={"X-Forwarded-For": "203.0.113.50"})
    _refused(_try(spoofer, "someone@example.org", "not the password"))
    addresses = [e.changes["address"][1] for e in _events(db, "login", "someone@example.org", "login_failed")]
    assert sorted(addresses) == ["198.51.100.3", "203.0.113.50"]  # the proxy's word, and the spoofer's own


def test_the_trusted_proxy_is_read_from_the_environment_and_must_be_an_address(monkeypatch, tmp_path):
    from provider.config import get_settings

    monkeypatch.setenv("LANTERN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LANTERN_SECRET_KEY", "k")
    try:
        get_settings.cache_clear()
        monkeypatch.delenv("LANTERN_TRUSTED_PROXY", raising=False)
        assert get_settings().trusted_proxy is None
        get_settings.cache_clear()
        monkeypatch.setenv("LANTERN_TRUSTED_PROXY", " 10.0.0.2 ")
        assert get_settings().trusted_proxy == "10.0.0.2"
        get_settings.cache_clear()
        monkeypatch.setenv("LANTERN_TRUSTED_PROXY", "proxy.internal")
        with pytest.raises(ValueError, match="LANTERN_TRUSTED_PROXY"):
            get_settings()
    finally:
        get_settings.cache_clear()


# --- upload limits -----------------------------------------------------------------------------------------------


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.name.startswith("Amira"))).one()


def _as(browser: TestClient, email: str) -> TestClient:
    signed = post_form(browser, "/login", {"email": email, "password": demo.DEMO_PASSWORD})
    assert signed.status_code == 303, signed.text
    return browser


def test_oversized_isf_evidence_is_refused_by_name_on_the_page_and_in_the_api(client, db):
    _as(client, "coordinator@willow.example")
    agreement = _amira(db)
    evidence, spends = _count(db, Evidence), _count(db, IsfSpend)
    big = PDF + b"0" * (5 * 1024 * 1024)
    form = {"csrf_token": csrf_token(client), "description": "Taxi to the park", "spend_amount": "24.00",
            "spent_on": "2027-04-03"}
    page = client.post(f"/isf/{agreement.id}/spend", data=form,
                       files={"evidence": ("scan.pdf", big, "application/pdf")})
    assert page.status_code == 422
    assert "Evidence is larger than 5 MB: choose a smaller file" in _text(page)
    assert 'value="Taxi to the park"' in page.text  # the form is shown again with what was typed
    answer = api(client, "POST", "/api/isf-evidence", files={"evidence": ("scan.pdf", big, "application/pdf")})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "evidence", "message": "is larger than 5 MB: choose a smaller file"}]
    assert (_count(db, Evidence), _count(db, IsfSpend)) == (evidence, spends)


def test_an_oversized_bank_statement_is_refused_by_name_on_the_page_and_in_the_api(client, db):
    _as(client, "finance@willow.example")
    imports = _count(db, BankImport)
    big = b"Date,Description,Amount\n" + b"0" * (20 * 1024 * 1024)
    page = client.post("/bank/imports", data={"csrf_token": csrf_token(client), "account_id": str(uuid.uuid4())},
                       files={"file": ("march.csv", big, "text/csv")})
    assert page.status_code == 422
    assert "The statement file was refused: The file is larger than 20 MB" in _text(page)
    answer = api(client, "POST", "/api/bank-imports", data={"account": "operating"},
                 files={"file": ("march.csv", big, "text/csv")})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "file"
    assert "larger than 20 MB" in answer.json()["errors"][0]["message"]
    assert _count(db, BankImport) == imports


def test_an_oversized_fundraising_export_is_refused_by_name(client, db):
    _as(client, "finance@willow.example")
    income = _count(db, CharitableIncome)
    big = b"x" * (5 * 1024 * 1024 + 1)
    page = client.post("/charity/import", data={"csrf_token": csrf_token(client)},
                       files={"file": ("gifts.csv", big, "text/csv")})
    assert page.status_code == 422
    assert "larger than 5 MB: export a month or a quarter at a time" in _text(page)
    assert _count(db, CharitableIncome) == income


def test_the_upload_helper_refuses_a_file_one_byte_past_the_limit():
    import io

    from starlette.datastructures import UploadFile

    from provider.errors import FieldErrors
    from provider.web.forms import read_upload

    exact = UploadFile(io.BytesIO(b"a" * 10), filename="a.txt")
    assert read_upload(exact, "attachment", 10) == b"a" * 10
    with pytest.raises(FieldErrors) as refused:
        read_upload(UploadFile(io.BytesIO(b"a" * 11), filename="a.txt"), "attachment", 10)
    assert list(refused.value.errors) == ["attachment"]


# --- who viewed a child's record ---------------------------------------------------------------------------------


def _views(db, child_id) -> list[AuditEvent]:
    return _events(db, "children", str(child_id), "viewed")


def test_opening_a_childs_page_records_who_viewed_it_and_the_history_shows_it(client, db):
    amira = db.get(Child, db.get(Arrangement, _amira(db).arrangement_id).child_id)
    _as(client, "coordinator@willow.example")
    before = len(_views(db, amira.id))
    assert client.get(f"/children/{amira.id}").status_code == 200
    views = _views(db, amira.id)
    assert len(views) == before + 1
    view = views[-1]
    assert view.actor_name == "Cora Coordinator" and view.actor_id is not None
    assert view.changes == {"page": [None, "Child's page"], "url": [None, f"/children/{amira.id}"]}
    history = _text(client.get(f"/history/children/{amira.id}"))
    assert "Viewed by Cora Coordinator on" in history and "Child's page" in history


def test_finance_opening_an_isf_and_a_family_opening_a_statement_are_recorded(app, db):
    agreement = _amira(db)
    child_id = db.get(Arrangement, agreement.arrangement_id).child_id
    finance = _as(TestClient(app, follow_redirects=False), "finance@willow.example")
    assert finance.get(f"/isf/{agreement.id}").status_code == 200
    leila = _as(TestClient(app, follow_redirects=False), "leila@family.example")
    assert leila.get(f"/isf/{agreement.id}/statements/13").status_code == 200
    assert leila.get(f"/isf/{agreement.id}/statements/13.pdf").status_code == 200
    pages = [(v.actor_name, v.changes["page"][1]) for v in _views(db, child_id)][-3:]
    assert pages == [("Fran Finance", "ISF"), ("Leila Haddad", "ISF statement, period 13"),
                     ("Leila Haddad", "ISF statement PDF, period 13")]


def test_a_refused_view_records_nothing(app, db):
    agreement = _amira(db)
    child_id = db.get(Arrangement, agreement.arrangement_id).child_id
    before = len(_views(db, child_id))
    trustee = _as(TestClient(app, follow_redirects=False), "trustee@willow.example")
    assert trustee.get(f"/children/{child_id}").status_code == 403
    leila = _as(TestClient(app, follow_redirects=False), "leila@family.example")
    assert leila.get(f"/isf/{agreement.id}/statements/14").status_code == 404  # not started yet
    assert len(_views(db, child_id)) == before


def test_a_view_is_committed_through_the_apps_own_read_only_sessions(fresh_database_url, tmp_path):
    from provider.config import Settings
    from provider.db import make_engine, open_session, unit_of_work
    from lantern.app import create_app

    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session, care=False, invoicing=False, grants=False, payments=False, isf=False, charity=False)
        with open_session(engine, read_only=True) as session:
            child = session.exec(select(Child).order_by(Child.last_name)).first()
        app = create_app(Settings(database_url=fresh_database_url, secret_key=TEST_SECRET, data_dir=tmp_path), engine)
        browser = _as(TestClient(app, follow_redirects=False), "coordinator@willow.example")
        assert browser.get(f"/children/{child.id}").status_code == 200
        assert browser.get(f"/children/{child.id}").status_code == 200
        with open_session(engine, read_only=True) as session:
            assert len(_views(session, child.id)) == 2
        assert post_form(browser, "/logout").status_code == 303  # nothing left holding the database
    finally:
        engine.dispose()
