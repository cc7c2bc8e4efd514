"""The ISF's agreement and its end, from the browser (DOMAIN.md §5, §10 scenario 1): finance makes an agreement with
its sources; Amira's £935.00 above the surplus limit is recorded as Northshire's repayment notice and repaid, leaving
£480.00; once nothing is left the ISF closes and takes no more money."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlmodel import func, select

from lantern.check import run_all
from isf import projection, schedule, service
from isf.models import Advance, IsfAgreement, IsfReceipt, IsfSource, RepaymentNotice
from provider.db import unit_of_work
from provider.funders.models import CharitableFund
from provider.funding.models import Arrangement, ArrangementKind, BudgetLaw, BudgetSource, ManagementOption
from provider.people.models import Child
from provider.users.models import User
from tests.conftest import post_form, sign_in, demo_once_per_module

NEW = "/isf-agreements/new"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.name.startswith("Amira"))).one()


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def _count(db, table) -> int:
    return db.exec(select(func.count()).select_from(table)).one()


def _budget(db) -> Arrangement:
    """Dev's SEN budget, held by Willow as an ISF and with no agreement yet."""
    dev = db.exec(select(Child).where(Child.first_name == "Dev")).one()
    with unit_of_work(db):
        budget = Arrangement(child_id=dev.id, kind=ArrangementKind.personal_budget, name="Dev's ISF (education)",
                             starts_on=date(2027, 4, 1), source=BudgetSource.education,
                             law=BudgetLaw.sen_personal_budgets, management=ManagementOption.isf,
                             yearly_pence=156_000, agreed=True)
        db.add(budget)
    return budget


def _form(db, budget: Arrangement, **changes) -> dict:
    return {"arrangement_id": str(budget.id), "frequency": "monthly", "first_instalment_on": "2027-04-01",
            "instalment_count": "12", "instalment_amount": "130.00", "fee_kind": "fixed", "fee_amount": "15.00",
            "fee_vat": "exempt", "surplus_weeks": "6", "contingency": "100.00", "owed_to": "commissioner",
            "family_contribution_first": "true",
            "key_worker_id": str(_user(db, "coordinator@willow.example").id), "next_review_on": "2027-07-01",
            "source-education-yearly": "1560.00", "source-education-law": "sen_personal_budgets",
            "source-education-permitted": "Hydrotherapy and activity-break days", **changes}


# --- a new agreement --------------------------------------------------------------------------------------------

def test_finance_makes_an_agreement_through_the_form_and_sees_it(client, willow, signed_in):
    budget = _budget(willow)
    signed_in("finance")
    offered = _text(client.get(NEW))
    assert "Dev's ISF (education)" in offered and "Amira's ISF" not in offered   # Amira's has its agreement
    made = post_form(client, NEW, _form(willow, budget))
    assert made.status_code == 303
    agreement = willow.exec(select(IsfAgreement).where(IsfAgreement.arrangement_id == budget.id)).one()
    assert made.headers["location"] == f"/isf/{agreement.id}"
    page = _text(client.get(made.headers["location"]))
    assert "12 monthly instalments of £130.00 from 1 April 2027" in page and "£15.00 each period (exempt)" in page
    assert (agreement.surplus_weeks, agreement.contingency_pence, agreement.family_contribution_first) == (6, 10_000,
                                                                                                          True)
    [source] = willow.exec(select(IsfSource).where(IsfSource.agreement_id == agreement.id)).all()
    assert (source.source, source.law, source.yearly_pence) == ("education", "sen_personal_budgets", 156_000)
    assert "Dev's ISF (education)" not in _text(client.get(NEW))      # one agreement to a budget


def test_finance_makes_a_share_of_spend_agreement_and_an_administrator_may_not(client, willow, signed_in):
    budget = _budget(willow)
    signed_in("admin")
    assert client.get(NEW).status_code == 403
    assert post_form(client, NEW, _form(willow, budget)).status_code == 403
    assert willow.exec(select(IsfAgreement).where(IsfAgreement.arrangement_id == budget.id)).first() is None
    signed_in("finance")
    made = post_form(client, NEW, _form(willow, budget, fee_kind="percent", fee_amount="", fee_percent="2.5"))
    agreement = willow.exec(select(IsfAgreement).where(IsfAgreement.arrangement_id == budget.id)).one()
    assert made.headers["location"] == f"/isf/{agreement.id}"
    assert (agreement.fee_kind, agreement.fee_basis_points) == ("percent", 250)


@pytest.mark.parametrize("changes, message", [
    ({"instalment_count": "0"},
     "Number of instalments produces no instalments: the schedule must have at least one instalment"),
    ({"surplus_amount": "500.00"},
     "Surplus limit as an amount or weeks of funding: give the surplus limit one way, not both"),
    ({"source-education-yearly": "", "source-education-permitted": ""},
     "Sources of money are required: give the yearly amount of at least one source"),
    ({"first_instalment_on": "1 April"}, "First instalment must be a date written YYYY-MM-DD"),
    ({"contingency": "-5.00"}, "Contingency must not be negative"),
    ({"instalment_amount": "0.00"}, "Each instalment must be more than nothing"),
    ({"fee_kind": "percent", "fee_amount": "", "fee_percent": "100.5"},
     "Share of spend must be a percentage from 0 to 100, like 5 or 2.5"),
])
def test_a_bad_agreement_is_refused_naming_the_field_and_nothing_is_stored(client, willow, signed_in, changes,
                                                                            message):
    budget = _budget(willow)
    before = (_count(willow, IsfAgreement), _count(willow, IsfSource))
    signed_in("finance")
    refused = post_form(client, NEW, _form(willow, budget, **changes))
    assert refused.status_code == 422 and message in _text(refused)
    assert (_count(willow, IsfAgreement), _count(willow, IsfSource)) == before
    assert 'value="1560.00"' in refused.text or "source-education-yearly" in changes   # the form keeps what was typed


def test_a_coordinator_may_not_make_an_agreement_or_touch_the_returns(client, willow, signed_in):
    budget, agreement = _budget(willow), _amira(willow)
    before = (_count(willow, IsfAgreement), _count(willow, RepaymentNotice), _count(willow, Advance))
    signed_in("coordinator")
    assert client.get(NEW).status_code == 403
    assert post_form(client, NEW, _form(willow, budget)).status_code == 403
    assert client.get(f"/isf/{agreement.id}/returns").status_code == 403
    for path, form in [("notices", {"notice_amount": "935.00", "reasons": "Surplus", "issued_on": "2027-04-10",
                                    "deadline": "2027-05-31", "repaid_by": "hospice"}),
                       ("advances", {"advance_amount": "50.00"}),
                       ("close", {"close_reason": "year_end", "closed_on": "2027-04-10"})]:
        assert post_form(client, f"/isf/{agreement.id}/returns/{path}", form).status_code == 403
    assert (_count(willow, IsfAgreement), _count(willow, RepaymentNotice), _count(willow, Advance)) == before
    assert willow.get(IsfAgreement, agreement.id).closed_on is None


# --- the ISF's end ----------------------------------------------------------------------------------------------

def _notice(client, agreement, pence_text: str, reasons: str):
    return post_form(client, f"/isf/{agreement.id}/returns/notices",
                     {"notice_amount": pence_text, "reasons": reasons, "issued_on": "2027-04-10",
                      "deadline": "2027-05-31", "repaid_by": "hospice"})


def _act(client, agreement, notice_id, action: str, on: str = "2027-04-20"):
    return post_form(client, f"/isf/{agreement.id}/returns/notices/{notice_id}", {"action": action, "repaid_on": on})


def test_northshires_notice_for_amiras_surplus_is_recorded_and_repaid_leaving_480_pounds(client, willow, signed_in):
    agreement = _amira(willow)
    signed_in("finance")
    page = _text(client.get(f"/isf/{agreement.id}/returns"))
    assert "Balance £1,415.00" in page and "Surplus limit £480.00 (8 weeks of funding)" in page
    assert "Above the surplus limit £935.00, owed to Northshire County Council" in page
    assert "would hold about £1,415.00 on 30 March 2027" in page           # every period begun, all received
    assert 'value="935.00"' in client.get(f"/isf/{agreement.id}/returns").text   # the notice's amount suggested
    refused = post_form(client, f"/isf/{agreement.id}/returns/notices", {"notice_amount": "", "reasons": "",
                                                                        "issued_on": "2027-04-10", "deadline": ""})
    assert refused.status_code == 422
    assert all(m in _text(refused) for m in ("Amount must be more than nothing", "Reasons are required",
                                              "Deadline is required"))
    assert _count(willow, RepaymentNotice) == 0
    assert _notice(client, agreement, "935.00", "Balance above 8 weeks of funding at the year end").status_code == 303
    notice = willow.exec(select(RepaymentNotice).where(RepaymentNotice.agreement_id == agreement.id)).one()
    assert _act(client, agreement, notice.id, "reconsider").status_code == 303
    assert "Reconsideration asked for" in _text(client.get(f"/isf/{agreement.id}/returns"))
    assert _act(client, agreement, notice.id, "repay").status_code == 303
    willow.refresh(notice)
    assert (notice.state, notice.settled_on) == ("repaid", date(2027, 4, 20))
    assert service.position(willow, agreement, None).balance == 48_000 == service.ledger_balance(willow, agreement)
    page = _text(client.get(f"/isf/{agreement.id}/returns"))
    assert "Balance £480.00" in page and "Above the surplus limit £0.00" in page and "Repaid on 20 April 2027" in page
    again = _act(client, agreement, notice.id, "repay", "2027-04-21")
    assert again.status_code == 422 and "The notice is repaid already" in _text(again)
    assert service.position(willow, agreement, None).balance == 48_000
    assert run_all(willow) == []


def test_a_withheld_notice_moves_no_money(client, willow, signed_in):
    agreement = _amira(willow)
    signed_in("finance")
    _notice(client, agreement, "935.00", "Surplus at the year end")
    notice = willow.exec(select(RepaymentNotice).where(RepaymentNotice.agreement_id == agreement.id)).one()
    assert _act(client, agreement, notice.id, "withhold").status_code == 303
    assert "Withheld from future instalments" in _text(client.get(f"/isf/{agreement.id}/returns"))
    assert service.position(willow, agreement, None).balance == 141_500


def test_the_isf_closes_only_once_empty_and_then_refuses_a_receipt(client, willow, signed_in):
    agreement = _amira(willow)
    signed_in("finance")
    early = post_form(client, f"/isf/{agreement.id}/returns/close", {"close_reason": "end_of_agreement",
                                                                     "closed_on": "2027-04-20"})
    assert early.status_code == 422
    assert "still holds £1,415.00: return it to whom it is owed first" in _text(early)
    assert willow.get(IsfAgreement, agreement.id).closed_on is None
    _notice(client, agreement, "1,415.00", "The agreement has ended: all unspent money")
    notice = willow.exec(select(RepaymentNotice).where(RepaymentNotice.agreement_id == agreement.id)).one()
    _act(client, agreement, notice.id, "repay")
    assert post_form(client, f"/isf/{agreement.id}/returns/close", {"close_reason": "end_of_agreement",
                                                                    "closed_on": "2027-04-20"}).status_code == 303
    assert "Closed on 20 April 2027: The end of the agreement." in _text(client.get(f"/isf/{agreement.id}"))
    receipts = _count(willow, IsfReceipt)
    refused = post_form(client, f"/isf/{agreement.id}/receipts", {"receipt_amount": "240.00",
                                                                  "received_on": "2027-04-28"})
    assert refused.status_code == 422 and "the ISF closed on 20/04/2027: it takes no more money" in _text(refused)
    assert _count(willow, IsfReceipt) == receipts
    assert run_all(willow) == []


def test_an_advance_is_asked_by_one_person_and_approved_by_another(client, willow, signed_in, make_user):
    agreement = _amira(willow)
    fund = willow.exec(select(CharitableFund).where(CharitableFund.restricted.is_(False))).first()
    me = signed_in("finance")
    form = {"fund_id": str(fund.id), "advance_amount": "500.00", "advance_reason": "Sensory lamp before the next "
            "instalment", "approved_by": str(me.id)}
    own = post_form(client, f"/isf/{agreement.id}/returns/advances", form)
    assert own.status_code == 422 and "Approved by must be someone other than the person who asked" in _text(own)
    coordinator = _user(willow, "coordinator@willow.example")
    not_finance = post_form(client, f"/isf/{agreement.id}/returns/advances", {**form, "approved_by": str(coordinator.id)})
    assert not_finance.status_code == 422 and "must be finance or an administrator" in _text(not_finance)
    assert _count(willow, Advance) == 0
    approver = make_user("finance", name="Priya Shah")
    done = post_form(client, f"/isf/{agreement.id}/returns/advances", {**form, "approved_by": str(approver.id)})
    assert done.status_code == 303
    page = _text(client.get(f"/isf/{agreement.id}/returns"))
    assert "Advances outstanding £500.00" in page and "Balance £1,915.00" in page and "Priya Shah" in page


# --- the projection ---------------------------------------------------------------------------------------------

PERIODS = schedule.periods(date(2026, 4, 1), "four_weekly", 13, 24_000)


def test_the_projection_continues_the_spending_so_far_and_adds_the_instalments_to_come():
    received = {n: 24_000 for n in range(1, 8)}        # seven periods begun by 20 September, each paid
    found = projection.project(PERIODS, received, 168_000 - 70_000, 70_000, date(2026, 9, 20))
    assert (found.periods_begun, found.periods_left, found.to_come) == (7, 6, 6 * 24_000)
    assert (found.spend_to_come, found.at_end, found.ends_on) == (60_000, 182_000, date(2027, 3, 30))


def test_a_missed_instalment_is_still_to_come_and_the_rate_is_rounded_once():
    found = projection.project(PERIODS, {1: 24_000, 2: 10_000}, 34_000 - 100, 100, date(2026, 5, 26))
    assert (found.periods_begun, found.to_come) == (2, 14_000 + 11 * 24_000)
    assert found.spend_to_come == 550          # £1.00 over 2 periods, continued over 11
    early = projection.project(PERIODS, {}, 0, 0, date(2026, 3, 1))
    assert (early.spend_to_come, early.at_end) == (0, 13 * 24_000)


def test_amiras_projection_at_the_year_end_is_her_balance(willow):
    found = projection.for_agreement(willow, _amira(willow), date(2027, 4, 10))
    assert (found.to_come, found.periods_left, found.at_end) == (0, 0, 141_500)
