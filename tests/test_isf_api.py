"""The ISF JSON API (DOMAIN.md §5, §10 scenario 1): Amira's ISF reads £1,415.00 to the penny; money out needs an
outcome, evidence and an approval by someone allowed the amount who did not ask, never beyond what is available;
a closed ISF takes no money; a family reads only their own child's ISF; every refusal names its field and changes
nothing."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import func, select

from lantern.check import run_all
from isf import service
from isf.models import IsfAgreement, IsfOutcome, IsfReceipt, IsfSpend, Supplier
from lantern import demo
from provider.db import unit_of_work
from provider.funders.models import CharitableFund, Funder
from provider.funding.models import Arrangement, ArrangementKind, ManagementOption
from provider.people.access import children_of_family_user
from provider.people.models import Child, ChildStatus
from provider.users.models import User
from tests.conftest import api, post_form, demo_once_per_module

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FINANCE, COORDINATOR, ADMIN = "finance@willow.example", "coordinator@willow.example", "admin@willow.example"
LEILA, TRUSTEE = "leila@family.example", "trustee@willow.example"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.name.startswith("Amira"))).one()


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def _as(client, email: str):
    client.cookies.clear()
    signed = post_form(client, "/login", {"email": email, "password": demo.DEMO_PASSWORD})
    assert signed.status_code == 303, signed.text
    return client


def _errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _spend_form(db, pence: int) -> dict:
    agreement = _amira(db)
    with unit_of_work(db):
        supplier = db.exec(select(Supplier).where(Supplier.name == "Northfield Cabs")).first() or Supplier(
            name="Northfield Cabs")
        db.add(supplier)
    outcome = db.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)
                      .order_by(IsfOutcome.text)).first()
    return {"pence": pence, "spent_on": "2027-04-03", "description": "Taxi to the trampoline park",
            "outcome_id": str(outcome.id), "supplier_id": str(supplier.id)}


def _ask(client, db, pence: int) -> dict:
    """Upload the receipt, then ask to pay it, as whoever is signed in."""
    evidence = api(client, "POST", "/api/isf-evidence", files={"evidence": ("taxi.pdf", PDF, "application/pdf")})
    assert evidence.status_code == 201, evidence.text
    asked = api(client, "POST", f"/api/isfs/{_amira(db).id}/spend",
                json={**_spend_form(db, pence), "evidence_id": evidence.json()["id"]})
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "asked"
    return asked.json()


def _position(client, agreement_id) -> dict:
    found = api(client, "GET", f"/api/isfs/{agreement_id}")
    assert found.status_code == 200, found.text
    return found.json()["position"]


# --- reading ----------------------------------------------------------------------------------------------------

def test_amiras_isf_reads_1415_pounds_to_the_penny_with_935_pounds_above_the_surplus_limit(client, willow):
    agreement = _amira(willow)
    _as(client, FINANCE)
    listed = {row["id"]: row for row in api(client, "GET", "/api/isfs").json()}
    row = listed[str(agreement.id)]
    assert (row["child_name"], row["arrangement_name"]) == ("Amira Haddad", "Amira's ISF (Northshire social care)")
    assert (row["balance_pence"], row["reserved_pence"], row["available_pence"]) == (141_500, 0, 141_500)
    assert "£935.00 above the surplus limit of £480.00" in row["alerts"]
    assert len(listed) == 3   # Amira's and the two Eastvale children's

    found = api(client, "GET", f"/api/isfs/{agreement.id}").json()
    assert found["position"] == {"received_pence": 312_000, "advanced_pence": 0, "drawn_pence": 151_000,
                                 "spent_pence": 0, "fees_pence": 19_500, "returned_pence": 0, "recovered_pence": 0,
                                 "balance_pence": 141_500, "reserved_pence": 0, "contingency_pence": 0,
                                 "available_pence": 141_500}
    assert (found["frequency"], found["instalment_count"], found["instalment_pence"], found["fee_pence"],
            found["surplus_weeks"], found["owed_to"]) == ("four_weekly", 13, 24_000, 1_500, 8, "commissioner")
    assert found["sources"] == [{"source": "social_care", "law": "children_act", "yearly_pence": 312_000,
                                 "permitted": "Short breaks, activity breaks, and up to 6 sibling support sessions "
                                              "a year"}]
    assert [o["text"] for o in found["outcomes"]] == [
        "Amira has regular short breaks away from home, and her family has a rest",
        "Sam has time of his own with other young carers"]
    assert len(found["instalments"]) == 13 and {i["state"] for i in found["instalments"]} == {"received"}
    assert found["instalments"][12] == {"number": 13, "starts_on": "2027-03-03", "ends_on": "2027-03-30",
                                        "due_pence": 24_000, "received_pence": 24_000, "state": "received"}
    assert sum(s["pence"] for s in found["spend"] if s["kind"] == "fee") == 19_500
    for email in (COORDINATOR, ADMIN):
        assert api(_as(client, email), "GET", "/api/isfs").status_code == 200, email


# --- supplier spend ---------------------------------------------------------------------------------------------

def test_a_key_worker_asks_with_evidence_and_finance_approves_it_but_the_asker_may_not(client, willow):
    agreement = _amira(willow)
    _as(client, COORDINATOR)
    wrong = api(client, "POST", "/api/isf-evidence", files={"evidence": ("receipt.txt", b"a receipt", "text/plain")})
    assert _errors(wrong) == {"evidence": "must be a PDF, a JPEG or a PNG"}
    pretending = api(client, "POST", "/api/isf-evidence",
                     files={"evidence": ("receipt.pdf", b"<html></html>", "application/pdf")})
    assert _errors(pretending) == {"evidence": "is not the PDF it says it is"}
    spend = _ask(client, willow, 2_400)
    assert _position(client, agreement.id)["balance_pence"] == 141_500   # nothing paid until approved

    own = api(client, "POST", f"/api/isf-spend/{spend['id']}/decision", json={"approve": True})
    assert _errors(own) == {"spend": "must be approved by someone other than the person who asked"}
    assert willow.get(IsfSpend, uuid.UUID(spend["id"])).status == "asked"

    _as(client, FINANCE)
    done = api(client, "POST", f"/api/isf-spend/{spend['id']}/decision", json={"approve": True})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["decided_by_id"]) == ("approved", str(_user(willow, FINANCE).id))
    position = _position(client, agreement.id)
    assert (position["spent_pence"], position["balance_pence"], position["available_pence"]) == (
        2_400, 139_100, 139_100)
    assert service.ledger_balance(willow, agreement) == 139_100
    again = api(client, "POST", f"/api/isf-spend/{spend['id']}/decision", json={"approve": False})
    assert _errors(again) == {"spend": "has been decided already"}
    assert run_all(willow) == []


def test_spend_beyond_what_is_available_is_refused_saying_how_much_is(client, willow):
    spend = _ask(_as(client, COORDINATOR), willow, 200_000)
    refused = api(_as(client, ADMIN), "POST", f"/api/isf-spend/{spend['id']}/decision", json={"approve": True})
    assert _errors(refused) == {"spend": "is £2,000.00, more than the ISF has available (£1,415.00); a charitable "
                                         "fund may advance the rest, with approval"}
    assert willow.get(IsfSpend, uuid.UUID(spend["id"])).status == "asked"
    assert _position(client, _amira(willow).id)["balance_pence"] == 141_500


def test_a_coordinator_may_not_approve_above_500_pounds_and_a_refusal_pays_nothing(client, willow, make_user):
    from tests.conftest import sign_in

    spend = _ask(_as(client, FINANCE), willow, 60_000)
    client.cookies.clear()
    sign_in(client, make_user("coordinator"))
    refused = api(client, "POST", f"/api/isf-spend/{spend['id']}/decision", json={"approve": True})
    assert _errors(refused) == {"spend": "is £600.00: a coordinator may approve up to £500.00"}
    assert willow.get(IsfSpend, uuid.UUID(spend["id"])).status == "asked"
    declined = api(client, "POST", f"/api/isf-spend/{spend['id']}/decision", json={"approve": False})
    assert declined.status_code == 200 and declined.json()["status"] == "refused"
    assert _position(client, _amira(willow).id)["balance_pence"] == 141_500


def test_a_spend_with_no_outcome_or_evidence_is_refused_naming_each_field_and_nothing_is_asked(client, willow):
    _as(client, COORDINATOR)
    form = _spend_form(willow, 2_400)
    before = _count(willow, IsfSpend)
    refused = api(client, "POST", f"/api/isfs/{_amira(willow).id}/spend",
                  json={**form, "outcome_id": None, "description": " "})
    assert _errors(refused) == {
        "description": "is required: say what was bought, in words the family will read",
        "outcome_id": "is required: name the outcome of the child's plan this spend serves",
        "evidence_id": "is required: attach the receipt or invoice (PDF or image)"}
    assert _errors(api(client, "POST", f"/api/isfs/{_amira(willow).id}/spend", json={**form, "pence": 0})) \
        ["pence"] == "must be more than nothing"
    assert _count(willow, IsfSpend) == before


# --- money in, bad input ----------------------------------------------------------------------------------------

def test_a_receipt_is_recorded_and_bad_input_names_the_field_and_changes_nothing(client, willow):
    agreement = _amira(willow)
    _as(client, FINANCE)
    url = f"/api/isfs/{agreement.id}/receipts"
    before = _count(willow, IsfReceipt)
    good = {"pence": 2_500, "received_on": "2027-04-08", "source": "family_contribution", "reference": "HADDAD"}
    for bad, field, message in [({"pence": 0}, "pence", "must be more than nothing"),
                                ({"pence": "ten"}, "pence", "must be a whole number"),
                                ({"pence": 2_100_000_000}, "pence",
                                 "is more than Lantern can hold: at most £20,000,000.00"),
                                ({"received_on": "2027-02-30"}, "received_on", "must be a real date"),
                                ({"source": "lottery"}, "source", "is not one of the allowed choices"),
                                ({"instalment_number": 14}, "instalment_number",
                                 "must be one of the schedule's instalments, 1 to 13"),
                                ({"colour": "blue"}, "colour", "is not a field this accepts")]:
        assert _errors(api(client, "POST", url, json={**good, **bad}))[field] == message, bad
    assert _count(willow, IsfReceipt) == before
    made = api(client, "POST", url, json=good)
    assert made.status_code == 201, made.text
    assert (made.json()["pence"], made.json()["source"]) == (2_500, "family_contribution")
    assert _position(client, agreement.id)["balance_pence"] == 144_000
    assert service.ledger_balance(willow, agreement) == 144_000
    assert api(client, "POST", f"/api/isfs/{uuid.uuid4()}/receipts", json=good).status_code == 404
    assert run_all(willow) == []


def test_the_surplus_is_repaid_on_a_notice_then_the_isf_closes_and_refuses_a_receipt(client, willow):
    agreement = _amira(willow)
    _as(client, FINANCE)
    early = api(client, "POST", f"/api/isfs/{agreement.id}/close", json={"reason": "Agreement ended"})
    assert _errors(early) == {"agreement": "still holds £1,415.00: return it to whom it is owed first"}
    late = api(client, "POST", f"/api/isfs/{agreement.id}/notices",
               json={"pence": 141_500, "reasons": "Unspent at the year end", "deadline": "2027-04-01"})
    assert _errors(late) == {"deadline": "must not be before the notice was issued"}
    notice = api(client, "POST", f"/api/isfs/{agreement.id}/notices",
                 json={"pence": 141_500, "reasons": "Unspent at the year end", "deadline": "2027-05-31"})
    assert notice.status_code == 201, notice.text
    assert (notice.json()["state"], notice.json()["issued_on"]) == ("open", "2027-04-10")
    repaid = api(client, "POST", f"/api/isf-notices/{notice.json()['id']}/repay")
    assert repaid.status_code == 200 and repaid.json()["state"] == "repaid"
    position = _position(client, agreement.id)
    assert (position["returned_pence"], position["balance_pence"]) == (141_500, 0)
    assert _errors(api(client, "POST", f"/api/isf-notices/{notice.json()['id']}/repay")) == {
        "notice": "is repaid already"}

    closed = api(client, "POST", f"/api/isfs/{agreement.id}/close", json={"reason": "Agreement ended"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["closed_on"], closed.json()["closed_reason"]) == ("2027-04-10", "Agreement ended")
    before = _count(willow, IsfReceipt)
    refused = api(client, "POST", f"/api/isfs/{agreement.id}/receipts",
                  json={"pence": 24_000, "received_on": "2027-04-10", "instalment_number": 1})
    assert _errors(refused) == {"agreement": "the ISF closed on 10/04/2027: it takes no more money"}
    assert _count(willow, IsfReceipt) == before
    assert _position(client, agreement.id)["balance_pence"] == 0
    assert run_all(willow) == []


def test_a_notice_put_to_reconsideration_and_then_withheld_moves_no_money(client, willow):
    agreement = _amira(willow)
    _as(client, FINANCE)
    notice = api(client, "POST", f"/api/isfs/{agreement.id}/notices",
                 json={"pence": 93_500, "reasons": "Above 8 weeks of funding", "deadline": "2027-05-31",
                       "issued_on": "2027-04-06"}).json()
    url = f"/api/isf-notices/{notice['id']}"
    assert api(client, "POST", f"{url}/reconsideration").json()["state"] == "reconsideration"
    assert _errors(api(client, "POST", f"{url}/reconsideration")) == {
        "notice": "only an open notice can be put to reconsideration"}
    withheld = api(client, "POST", f"{url}/withhold").json()
    assert (withheld["state"], withheld["settled_on"]) == ("withheld", "2027-04-10")
    assert _position(client, agreement.id)["balance_pence"] == 141_500
    assert api(client, "POST", f"/api/isf-notices/{uuid.uuid4()}/withhold").status_code == 404


def test_an_advance_is_approved_by_someone_other_than_the_asker(client, willow):
    agreement = _amira(willow)
    fund = willow.exec(select(CharitableFund).where(CharitableFund.name == "General Fund")).one()
    body = {"fund_id": str(fund.id), "pence": 50_000, "reason": "Sensory lamp before the next instalment",
            "asked_by_id": str(_user(willow, COORDINATOR).id)}
    _as(client, COORDINATOR)
    assert api(client, "POST", f"/api/isfs/{agreement.id}/advances", json=body).status_code == 403
    _as(client, FINANCE)
    own = api(client, "POST", f"/api/isfs/{agreement.id}/advances",
              json={**body, "asked_by_id": str(_user(willow, FINANCE).id)})
    assert _errors(own) == {"approved_by": "must be someone other than the person who asked"}
    assert _errors(api(client, "POST", f"/api/isfs/{agreement.id}/advances",
                       json={**body, "asked_by_id": str(uuid.uuid4())})) == {"asked_by_id": "is not a known user"}
    made = api(client, "POST", f"/api/isfs/{agreement.id}/advances", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["approved_by_id"] == str(_user(willow, FINANCE).id)
    position = _position(client, agreement.id)
    assert (position["advanced_pence"], position["balance_pence"]) == (50_000, 191_500)
    assert run_all(willow) == []


# --- making an agreement, outcomes and fees ---------------------------------------------------------------------

def _new_isf_arrangement(db) -> Arrangement:
    child = db.exec(select(Child).where(Child.status == ChildStatus.active, Child.last_name != "Haddad")
                    .order_by(Child.last_name, Child.first_name)).first()
    northshire = db.exec(select(Funder).where(Funder.name == "Northshire County Council")).one()
    with unit_of_work(db):
        arrangement = Arrangement(child_id=child.id, kind=ArrangementKind.personal_budget,
                                  name=f"{child.first_name}'s ISF (test)", starts_on=date(2027, 3, 1),
                                  ends_on=date(2028, 2, 29), funder_id=northshire.id, source="social_care",
                                  law="children_act", management=ManagementOption.isf, yearly_pence=120_000,
                                  agreed=True)
        db.add(arrangement)
    return arrangement


def test_finance_makes_an_agreement_adds_an_outcome_records_money_and_posts_the_fees_due(client, willow):
    arrangement = _new_isf_arrangement(willow)
    body = {"arrangement_id": str(arrangement.id), "frequency": "monthly", "first_instalment_on": "2027-03-01",
            "instalment_count": 12, "instalment_pence": 10_000, "fee_pence": 800, "surplus_pence": 30_000}
    _as(client, COORDINATOR)
    assert api(client, "POST", "/api/isfs", json=body).status_code == 403
    _as(client, FINANCE)
    before = _count(willow, IsfAgreement)
    for bad, field, message in [({"frequency": "weekly"}, "frequency", "is not one of the allowed choices"),
                                ({"instalment_count": 0}, "instalment_count",
                                 "produces no instalments: the schedule must have at least one instalment"),
                                ({"surplus_weeks": 8}, "surplus_pence",
                                 "or weeks of funding: give the surplus limit one way, not both"),
                                ({"fee_pence": -1}, "fee_pence", "must not be negative"),
                                ({"arrangement_id": str(_amira(willow).arrangement_id)}, "arrangement_id",
                                 "has an ISF agreement already"),
                                ({"key_worker_id": str(uuid.uuid4())}, "key_worker_id", "is not a known user")]:
        assert _errors(api(client, "POST", "/api/isfs", json={**body, **bad}))[field] == message, bad
    assert _count(willow, IsfAgreement) == before

    made = api(client, "POST", "/api/isfs", json=body)
    assert made.status_code == 201, made.text
    isf = made.json()
    assert (isf["arrangement_name"], isf["fee_pence"], isf["surplus_pence"]) == (arrangement.name, 800, 30_000)
    assert [(i["number"], i["starts_on"], i["state"]) for i in isf["instalments"][:3]] == [
        (1, "2027-03-01", "missed"), (2, "2027-04-01", "missed"), (3, "2027-05-01", "to come")]
    url = f"/api/isfs/{isf['id']}"
    for number, day in ((1, "2027-03-02"), (2, "2027-04-02")):
        assert api(client, "POST", f"{url}/receipts", json={"pence": 10_000, "received_on": day,
                                                           "instalment_number": number}).status_code == 201
    assert _errors(api(client, "POST", f"{url}/outcomes", json={"text": "  "})) == {"text": "is required"}
    outcome = api(client, "POST", f"{url}/outcomes", json={"text": "Has a day out each month", "source": "social_care",
                                                           "review_on": "2027-09-01"})
    assert outcome.status_code == 201, outcome.text
    fees = api(client, "POST", f"{url}/fees")
    assert [(f["kind"], f["spent_on"], f["pence"]) for f in fees.json()] == [("fee", "2027-03-01", 800),
                                                                             ("fee", "2027-04-01", 800)]
    assert api(client, "POST", f"{url}/fees").json() == []   # once a period
    found = api(client, "GET", url).json()
    assert [o["text"] for o in found["outcomes"]] == ["Has a day out each month"]
    assert [i["state"] for i in found["instalments"][:2]] == ["received", "received"]
    assert (found["position"]["received_pence"], found["position"]["fees_pence"],
            found["position"]["balance_pence"]) == (20_000, 1_600, 18_400)
    _as(client, COORDINATOR)
    assert api(client, "POST", f"{url}/fees").status_code == 403    # fees are finance's, as on the pages
    assert run_all(willow) == []


# --- who may ----------------------------------------------------------------------------------------------------

def _other_familys_isf(db) -> IsfAgreement:
    leilas = {c.id for c in children_of_family_user(db, _user(db, LEILA))}
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.child_id.not_in(leilas))).first()


def test_amiras_mother_reads_amiras_isf_and_no_other(client, willow):
    amira, other = _amira(willow), _other_familys_isf(willow)
    _as(client, LEILA)
    mine = api(client, "GET", f"/api/isfs/{amira.id}")
    assert mine.status_code == 200 and mine.json()["position"]["balance_pence"] == 141_500
    theirs = api(client, "GET", f"/api/isfs/{other.id}")
    nowhere = api(client, "GET", f"/api/isfs/{uuid.uuid4()}")
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.json() == nowhere.json() == {"detail": "No such ISF"}   # not even whether it exists
    assert api(client, "GET", "/api/isfs").status_code == 403
    assert api(client, "POST", f"/api/isfs/{amira.id}/receipts",
               json={"pence": 100, "received_on": "2027-04-10"}).status_code == 403
    _as(client, FINANCE)
    assert api(client, "GET", f"/api/isfs/{other.id}").status_code == 200


def test_a_trustee_is_refused_and_a_visitor_must_sign_in(client, anon, willow):
    amira, before = _amira(willow), _count(willow, IsfReceipt)
    _as(client, TRUSTEE)
    for method, url in [("GET", "/api/isfs"), ("GET", f"/api/isfs/{amira.id}"),
                        ("POST", f"/api/isfs/{amira.id}/receipts")]:
        refused = api(client, method, url, json={"pence": 100, "received_on": "2027-04-10"})
        assert refused.status_code == 403 and "role" in refused.json()["detail"], url
        visitor = anon.request(method, url)
        assert visitor.status_code == 401 and visitor.json()["detail"].startswith("Sign in"), url
    assert _count(willow, IsfReceipt) == before
