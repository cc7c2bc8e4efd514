"""Issue 18, item 6: a bereavement hold stops everything that goes to a family. Amira is very unwell and Cora
Coordinator starts a hold: the month's ISF statement batch (the `lantern statements` command, the page and the API)
writes none of Amira's statements and lists them as held, naming Cora as the person who may lift the hold; the
invoice run holds Leila's invoice and the send leaves an invoice issued before the hold unsent. A named decision
(who, why) releases one statement, or one month's invoice, and nothing else."""
from __future__ import annotations

import html

import pytest
from sqlmodel import select

from invoicing import gather, sending
from invoicing.payments.debt import hold_refusal
from invoicing.runs import draft_run, issue_run, month_bounds
from isf.models import IsfAgreement
from lantern import demo
from lantern.check import run_all
from provider.db import make_engine, open_session, unit_of_work
from provider.funding.models import Arrangement
from provider.mail import SentMessage
from provider.people import holds
from provider import references
from provider.people.models import Child, FamilyMember, HoldRelease
from tests.conftest import api, demo_once_per_module, post_form, sign_in
from tests.test_cli import run  # noqa: F401  (the fixture)

demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)

HELD_BECAUSE = ("Amira's family is under a bereavement hold since 10 April 2027 (Amira); Cora Coordinator may lift "
                "it, or a named decision may release this one document")
SEPTEMBER = month_bounds("2026-09")


def amira(db) -> Child:
    return db.exec(select(Child).where(Child.first_name == "Amira")).one()


def amiras_isf(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.child_id == amira(db).id)).one()


@pytest.fixture
def on_hold(db):
    with unit_of_work(db):
        holds.start_hold(db, amira(db), "Cora Coordinator", {"reason": "Amira is very unwell."})
    return db


@pytest.fixture
def finance(client, make_user):
    return sign_in(client, make_user("finance", name="Fran Finance"))


def march_batch(client) -> list[dict]:
    answer = api(client, "GET", "/api/isf-statements/2027-03")
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_amiras_march_statements_are_held_naming_who_may_lift_the_hold(on_hold, finance):
    amiras = [i for i in march_batch(finance) if i["child"] == "Amira Haddad"]
    assert [(i["period"], i["held"], i["held_because"]) for i in amiras] == [
        (12, True, HELD_BECAUSE), (13, True, HELD_BECAUSE)]
    page = html.unescape(finance.get("/isf-statements?month=2027-03").text)
    assert "Amira Haddad, period 13 to 30/03/2027" in page and HELD_BECAUSE in page
    others = [i for i in march_batch(finance) if i["child"] != "Amira Haddad"]
    assert others and not any(i["held"] for i in others)


def test_a_named_decision_releases_one_statement_and_nothing_else(on_hold, finance):
    agreement = amiras_isf(on_hold)
    refused = post_form(finance, f"/isf/{agreement.id}/statements/13/release", {"decided_by": "", "reason": ""})
    assert refused.status_code == 422
    assert "Decided by is required: name the person who decided this document should go" in html.unescape(refused.text)
    assert on_hold.exec(select(HoldRelease)).all() == []
    released = post_form(finance, f"/isf/{agreement.id}/statements/13/release",
                         {"decided_by": "Dr Asha Patel", "reason": "Leila asked for March's statement."})
    assert released.status_code == 303
    amiras = {i["period"]: i for i in march_batch(finance) if i["child"] == "Amira Haddad"}
    assert (amiras[13]["held"], amiras[13]["released_by"], amiras[13]["release_reason"]) == (
        False, "Dr Asha Patel", "Leila asked for March's statement.")
    assert amiras[12]["held"] is True
    again = api(finance, "POST", f"/api/isfs/{agreement.id}/statements/13/release",
                json={"decided_by": "Dr Asha Patel", "reason": "Again."})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "document"
    assert run_all(on_hold) == []


def test_leilas_invoice_is_held_until_a_named_decision_releases_that_one_month(on_hold, finance):
    held = next(d for d in draft_run(on_hold, *SEPTEMBER) if d.payer.name == "Leila Haddad")
    assert held.exceptions == ("Leila Haddad's family is under a bereavement hold since 10/04/2027: nothing is sent "
                               "to them without a person deciding to; Cora Coordinator may lift the hold, or a named "
                               "decision may release this one invoice",)
    nameless = api(finance, "POST", "/api/invoice-runs/2026-09/release",
                   json={"payer_ref": held.payer.ref, "decided_by": " ", "reason": "Leila asked."})
    assert nameless.status_code == 422 and nameless.json()["errors"][0]["field"] == "decided_by"
    released = api(finance, "POST", "/api/invoice-runs/2026-09/release",
                   json={"payer_ref": held.payer.ref, "decided_by": "Fran Finance",
                         "reason": "Leila asked for her September invoice."})
    assert released.status_code == 201, released.text
    run = {d["payer_name"]: d for d in api(finance, "GET", "/api/invoice-runs/2026-09").json()["drafts"]}
    assert run["Leila Haddad"]["exceptions"] == []
    issued = api(finance, "POST", "/api/invoice-runs/2026-09/issue", json={"payer_refs": [held.payer.ref]}).json()
    assert [(i["payer_name"], i["total_pence"]) for i in issued["invoices"]] == [("Leila Haddad", held.total_pence)]
    october = {d["payer_name"]: d for d in api(finance, "GET", "/api/invoice-runs/2026-10").json()["drafts"]}
    assert all(d["exceptions"] for name, d in october.items() if name == "Leila Haddad")
    assert run_all(on_hold) == []


def test_an_invoice_issued_before_the_hold_is_not_sent_while_it_lasts(db, client):
    leila = next(d for d in draft_run(db, *SEPTEMBER) if d.payer.name == "Leila Haddad")
    with unit_of_work(db):
        [leilas] = issue_run(db, *SEPTEMBER, payer_refs={leila.payer.ref}).issued
    assert sending.already_sent(db, leilas) is None
    with unit_of_work(db):
        holds.start_hold(db, amira(db), "Cora Coordinator", {"reason": "Amira is very unwell."})
    with unit_of_work(db):
        outcome = sending.send_invoice(db, client.app.state.settings, leilas)
    assert outcome.route == "held" and "Cora Coordinator may lift the hold" in outcome.recipient
    assert db.exec(select(SentMessage).where(SentMessage.recipient.contains("Leila"))).all() == []


def test_lantern_statements_skips_a_family_under_a_hold_and_lists_it_as_held(run, fresh_database_url,  # noqa: F811
                                                                            tmp_path):
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    engine = make_engine(fresh_database_url)
    try:
        with open_session(engine) as session, unit_of_work(session):
            demo.build(session)
            holds.start_hold(session, amira(session), "Cora Coordinator", {"reason": "Amira is very unwell."})
        result = run(fresh_database_url, "statements", "--period", "2027-03")
        assert result.returncode == 0, result.stderr
        written = {p.name for p in (tmp_path / "statements" / "2027-03").iterdir()}
        assert not any("amira" in name for name in written) and written
        assert f"held: Amira's statement for period 12: {HELD_BECAUSE}" in result.stdout.splitlines()
        assert f"held: Amira's statement for period 13: {HELD_BECAUSE}" in result.stdout.splitlines()

        with open_session(engine) as session, unit_of_work(session):
            hold = holds.open_hold(session, amira(session).id)
            agreement = amiras_isf(session)
            holds.release(session, hold, "isf_statement", f"{agreement.id}/13", "Fran Finance",
                          {"decided_by": "Dr Asha Patel", "reason": "Leila asked for March's statement."})
        again = run(fresh_database_url, "statements", "--period", "2027-03", "--out", str(tmp_path / "again"))
        assert again.returncode == 0, again.stderr
        names = {p.name for p in (tmp_path / "again").iterdir()}
        assert "isf-statement-amira-haddad-period-13-2027-03-30.pdf" in names
        assert not any("amira" in n and "period-12" in n for n in names)
        assert ("released: Amira's statement for period 13, on the decision of Dr Asha Patel: Leila asked for "
                "March's statement.") in again.stdout.splitlines()
    finally:
        engine.dispose()


def test_the_overdue_list_says_who_may_lift_ellies_familys_hold(db):
    claire = db.exec(select(FamilyMember).where(FamilyMember.name == "Claire Thompson")).one()
    ref = references.payer_ref(references.FAMILY, claire.id)
    refusal = hold_refusal(gather.payers(db, {ref})[ref])
    assert refusal == ("Claire Thompson's family is under a bereavement hold since 16 November 2026: no reminder goes "
                       "to them while it lasts, and nothing is sent to them without a person deciding to; Cora "
                       "Coordinator may lift the hold")
