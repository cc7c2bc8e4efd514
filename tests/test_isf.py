"""Individual Service Funds (DOMAIN.md §5, §10 scenario 1): Amira's ISF closes 2026/27 at £1,415.00, of which
£935.00 is above the surplus limit; money out needs an outcome, evidence and an approval by someone allowed the
amount who did not ask; nothing is spent beyond what is available."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st
from sqlmodel import func, select

from lantern.check import run_all
from isf import contributions, schedule, service
from isf.models import IsfAgreement, IsfOutcome, IsfReceipt, IsfSpend, Supplier
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funding.models import Arrangement
from provider.users.models import User
from tests.conftest import demo_once_per_module

ON = date(2027, 4, 10)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def _amira(db) -> IsfAgreement:
    return db.exec(select(IsfAgreement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.name.startswith("Amira"))).one()


def _user(db, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def test_amiras_isf_closes_the_year_at_1415_pounds_with_935_pounds_above_the_surplus_limit(willow):
    agreement = _amira(willow)
    position = service.position(willow, agreement, ON)
    assert (position.received, position.drawn, position.fees) == (312_000, 151_000, 19_500)
    assert position.balance == 141_500 == service.ledger_balance(willow, agreement)
    arrangement = willow.get(Arrangement, agreement.arrangement_id)
    limit = schedule.surplus_limit(arrangement.yearly_pence, agreement.surplus_weeks, agreement.surplus_pence)
    assert (limit, position.balance - limit) == (48_000, 93_500)
    assert run_all(willow) == []


@given(st.sampled_from(["four_weekly", "monthly", "quarterly"]), st.integers(1, 40), st.integers(1, 10_000_000),
       st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_periods_follow_each_other_without_gap_or_overlap(frequency, count, pence, first):
    found = schedule.periods(first, frequency, count, pence)
    assert len(found) == count and found[0].starts_on == first and sum(p.pence for p in found) == count * pence
    assert all(a.ends_on.toordinal() + 1 == b.starts_on.toordinal() for a, b in zip(found, found[1:]))
    if frequency == "four_weekly":
        assert all((p.ends_on - p.starts_on).days == 27 for p in found)


def test_a_schedule_that_produces_no_instalments_is_refused(willow):
    arrangement = willow.get(Arrangement, _amira(willow).arrangement_id)
    with pytest.raises(FieldErrors) as refused:
        service.make_agreement(willow, service.AgreementIn(arrangement.id, "four_weekly", date(2027, 4, 1), 0, 24_000))
    assert "produces no instalments" in refused.value.errors["instalment_count"]


def test_a_receipt_into_a_closed_isf_is_refused(willow):
    agreement = _amira(willow)
    with unit_of_work(willow):
        agreement.closed_on, agreement.closed_reason = date(2027, 3, 31), "Agreement ended"
        willow.add(agreement)
    before = willow.exec(select(func.count()).select_from(IsfReceipt)).one()
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.record_receipt(willow, agreement, 24_000, ON, "social_care")
    assert refused.value.errors == {"agreement": "the ISF closed on 31/03/2027: it takes no more money"}
    assert willow.exec(select(func.count()).select_from(IsfReceipt)).one() == before


def _asked(db, pence: int = 2_400, outcome: bool = True, evidence: bool = True) -> IsfSpend:
    agreement = _amira(db)
    with unit_of_work(db):
        supplier = Supplier(name="Northfield Cabs")
        db.add(supplier)
        db.flush()
        proof = service.store_evidence(db, "taxi.pdf", "application/pdf", PDF) if evidence else None
        goal = db.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)).first()
        return service.ask_spend(db, agreement, pence, date(2027, 4, 3), "Taxi to the trampoline park",
                                 goal.id if outcome else None, supplier.id, proof.id if proof else None,
                                 _user(db, "coordinator@willow.example"))


def test_a_supplier_payment_is_posted_when_someone_else_approves_it(willow):
    spend = _asked(willow)
    with unit_of_work(willow):
        service.approve_spend(willow, spend, _user(willow, "finance@willow.example"), ON, ON)
    assert service.position(willow, _amira(willow), ON).balance == 141_500 - 2_400
    assert service.ledger_balance(willow, _amira(willow)) == 141_500 - 2_400
    assert run_all(willow) == []


def test_an_approval_by_the_person_who_asked_is_refused(willow):
    spend = _asked(willow)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.approve_spend(willow, spend, _user(willow, "coordinator@willow.example"), ON, ON)
    assert refused.value.errors == {"spend": "must be approved by someone other than the person who asked"}


def test_an_approval_by_someone_below_the_threshold_is_refused(willow, make_user):
    spend = _asked(willow, pence=60_000)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.approve_spend(willow, spend, make_user("coordinator"), ON, ON)
    assert refused.value.errors == {"spend": "is £600.00: a coordinator may approve up to £500.00"}


def test_spend_beyond_what_is_available_is_refused_saying_how_much_is(willow):
    spend = _asked(willow, pence=200_000)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.approve_spend(willow, spend, _user(willow, "admin@willow.example"), ON, ON)
    assert refused.value.errors == {"spend": "is £2,000.00, more than the ISF has available (£1,415.00); a "
                                             "charitable fund may advance the rest, with approval"}
    assert service.position(willow, _amira(willow), ON).balance == 141_500


def test_a_spend_with_no_outcome_is_refused(willow):
    with pytest.raises(FieldErrors) as refused:
        _asked(willow, outcome=False)
    assert refused.value.errors == {"outcome_id": "is required: name the outcome of the child's plan this spend "
                                                  "serves"}


def test_evidence_of_the_wrong_type_or_too_large_is_refused(willow):
    with pytest.raises(FieldErrors) as wrong:
        service.store_evidence(willow, "receipt.exe", "application/x-msdownload", b"MZ\x90")
    assert wrong.value.errors == {"evidence": "must be a PDF, a JPEG or a PNG"}
    with pytest.raises(FieldErrors) as pretending:
        service.store_evidence(willow, "receipt.pdf", "application/pdf", b"<html>not a pdf</html>")
    assert pretending.value.errors == {"evidence": "is not the PDF it says it is"}
    with pytest.raises(FieldErrors) as large:
        service.store_evidence(willow, "scan.png", "image/png", b"\x89PNG" + b"0" * (5 * 1024 * 1024))
    assert large.value.errors == {"evidence": "is 5.0 MB: at most 5 MB"}


def test_a_fee_is_posted_once_a_period(willow):
    agreement = _amira(willow)
    first = service.periods_of(agreement)[0]
    with unit_of_work(willow):
        assert service.post_fee(willow, agreement, first) is None
    assert service.position(willow, agreement, ON).fees == 19_500


# --- pages ----------------------------------------------------------------------------------------------------

def _text(response) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def test_a_key_worker_asks_with_evidence_and_finance_approves_from_the_page(client, willow, signed_in, make_user):
    from tests.conftest import csrf_token, sign_in

    agreement = _amira(willow)
    with unit_of_work(willow):
        supplier = Supplier(name="Northfield Cabs")
        willow.add(supplier)
    outcome = willow.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)).first()
    coordinator = signed_in("coordinator")
    listed = _text(client.get("/isf"))
    assert "Amira" in listed and "£935.00 above the surplus limit of £480.00" in listed
    form = {"csrf_token": csrf_token(client), "supplier_id": str(supplier.id), "description": "Taxi to the park",
            "spend_amount": "24.00", "spent_on": "2027-04-03", "outcome_id": str(outcome.id)}
    wrong = client.post(f"/isf/{agreement.id}/spend", data=form,
                        files={"evidence": ("receipt.txt", b"a receipt", "text/plain")})
    assert wrong.status_code == 422 and "must be a PDF, a JPEG or a PNG" in _text(wrong)
    asked = client.post(f"/isf/{agreement.id}/spend", data=form,
                        files={"evidence": ("receipt.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert asked.status_code == 303
    [spend] = willow.exec(select(IsfSpend).where(IsfSpend.kind == "supplier",
                                                 IsfSpend.agreement_id == agreement.id)).all()
    assert spend.status == "asked" and spend.asked_by_id == coordinator.id
    assert "Approve" not in client.get(f"/isf/{agreement.id}").text   # not the person who asked
    sign_in(client, make_user("finance"))
    done = client.post(f"/isf/spend/{spend.id}/decision", data={"csrf_token": csrf_token(client),
                                                                 "decision": "approve"}, follow_redirects=False)
    assert done.status_code == 303
    assert "Balance £1,391.00" in _text(client.get(f"/isf/{agreement.id}"))
    assert client.get(f"/isf/evidence/{spend.evidence_id}").content == PDF


def test_a_suppliers_new_bank_details_wait_for_a_second_person(client, willow, signed_in, make_user):
    from isf.suppliers import confirm_bank_details, propose_bank_details

    first, second = make_user("finance"), make_user("coordinator")
    with unit_of_work(willow):
        supplier = Supplier(name="Sensory Shop", sort_code="200000", account_number="11112222")
        willow.add(supplier)
        propose_bank_details(willow, supplier, "40-11-22", "99998888", first)
    assert (supplier.sort_code, supplier.pending_sort_code) == ("200000", "401122")
    with pytest.raises(FieldErrors) as same:
        confirm_bank_details(willow, supplier, first)
    assert same.value.errors == {"confirm": "must be confirmed by someone other than the person who entered the "
                                            "change"}
    with unit_of_work(willow):
        confirm_bank_details(willow, supplier, second)
    assert (supplier.sort_code, supplier.account_number, supplier.pending_sort_code) == ("401122", "99998888", None)


@pytest.mark.parametrize("role", ["trustee", "family", "admin"])
def test_others_do_not_see_isf_pages(client, willow, signed_in, role):
    signed_in(role)
    assert client.get("/isf").status_code == 403
    assert client.get(f"/isf/{_amira(willow).id}").status_code == 403


# --- returns and advances -------------------------------------------------------------------------------------

def test_the_surplus_above_the_limit_is_repaid_on_northshires_notice_and_then_the_isf_can_close(willow):
    from isf import returns

    agreement = _amira(willow)
    assert returns.above_limit(willow, agreement) == 93_500
    with pytest.raises(FieldErrors) as early:
        returns.close(willow, agreement, "Agreement ended", date(2027, 4, 10))
    assert early.value.errors == {"agreement": "still holds £1,415.00: return it to whom it is owed first"}
    with unit_of_work(willow):
        notice = returns.record_notice(willow, agreement, 93_500, "Balance above 8 weeks of funding at the year end",
                                       date(2027, 5, 31), date(2027, 4, 10))
        returns.ask_reconsideration(willow, notice)
        returns.repay(willow, notice, date(2027, 4, 20))
    assert service.position(willow, agreement, None).balance == 48_000 == service.ledger_balance(willow, agreement)
    with pytest.raises(FieldErrors):
        returns.repay(willow, notice, date(2027, 4, 21))
    assert run_all(willow) == []


def test_a_withholding_moves_no_money(willow):
    from isf import returns

    agreement = _amira(willow)
    with unit_of_work(willow):
        notice = returns.record_notice(willow, agreement, 93_500, "Surplus", date(2027, 5, 31), date(2027, 4, 10))
        returns.withhold(willow, notice, date(2027, 4, 12))
    assert notice.state == "withheld" and service.position(willow, agreement, None).balance == 141_500


def test_an_advance_from_a_charitable_fund_is_approved_by_someone_else_and_recovered_from_the_next_instalment(
        willow, make_user):
    from isf import returns
    from provider.funders.models import CharitableFund

    agreement = _amira(willow)
    fund = willow.exec(select(CharitableFund).where(CharitableFund.restricted.is_(False))).first()
    asker, approver = _user(willow, "coordinator@willow.example"), _user(willow, "finance@willow.example")
    with pytest.raises(FieldErrors) as own:
        returns.advance(willow, agreement, fund.id, 50_000, "Sensory lamp before the next instalment", asker, asker,
                        ON)
    assert own.value.errors == {"approved_by": "must be someone other than the person who asked"}
    spend = _asked(willow, pence=180_000)
    with unit_of_work(willow):
        returns.advance(willow, agreement, fund.id, 50_000, "Sensory lamp before the next instalment", asker,
                        approver, ON)
        service.approve_spend(willow, spend, _user(willow, "admin@willow.example"), ON, ON)
    assert service.position(willow, agreement, None).balance == 141_500 + 50_000 - 180_000
    with unit_of_work(willow):
        agreement.instalment_count = 14   # the next year's first instalment, for the test
        willow.add(agreement)
        service.record_receipt(willow, agreement, 24_000, date(2027, 4, 28), "social_care", instalment_number=14)
    assert returns.outstanding_advances(willow, agreement) == 50_000 - 24_000
    assert service.position(willow, agreement, None).balance == 11_500
    assert run_all(willow) == []


def test_reviews_fall_due_by_the_law_each_source_falls_under():
    from isf.reviews import next_review, review_dates

    start = date(2026, 4, 1)
    assert review_dates(start, ["children_act"], date(2028, 1, 1)) == [date(2026, 10, 1), date(2027, 10, 1)]
    assert review_dates(start, ["sen_personal_budgets", "children_act"], date(2027, 8, 1)) == [
        date(2026, 7, 1), date(2027, 7, 1)]
    assert review_dates(start, ["nhs_direct_payments"], date(2027, 4, 1)) == [date(2027, 4, 1)]
    assert next_review(start, ["children_act"], date(2027, 4, 10), done_until=date(2026, 10, 1)) == date(2027, 10, 1)


def test_an_overdue_review_needs_attention(willow):
    from isf import attention

    agreement = _amira(willow)
    assert not any("review" in alert for alert in attention.alerts(willow, agreement, ON))   # next one in September
    with unit_of_work(willow):
        agreement.next_review_on = date(2027, 3, 31)
        willow.add(agreement)
    assert "review overdue since 31/03/2027" in attention.alerts(willow, agreement, ON)


def test_the_surplus_statement_and_the_familys_letter_say_what_is_owed_back(willow, test_settings):
    import io

    import pypdf

    from isf import surplus
    from provider.mail import SentMessage

    found = surplus.surplus(willow, _amira(willow), date(2027, 3, 31))
    assert (found.balance, found.limit, found.above_limit, found.owed_to) == (141_500, 48_000, 93_500,
                                                                              "Northshire County Council")
    statement = " ".join(pypdf.PdfReader(io.BytesIO(surplus.statement_pdf(found))).pages[0].extract_text().split())
    assert "Balance held £1,415.00" in statement and "to be repaid or withheld £935.00" in statement
    letter = " ".join(pypdf.PdfReader(io.BytesIO(surplus.letter_pdf(found))).pages[0].extract_text().split())
    assert "£1,415.00 is left" in letter and "debit" not in letter.lower()
    with unit_of_work(willow):
        sent = surplus.send_family_letter(willow, test_settings, _amira(willow), date(2027, 3, 31))
    assert sent.kind == "isf_letter" and sent.recipient


def test_a_bereaved_familys_letter_waits_for_a_persons_decision(willow, test_settings):
    from isf import surplus
    from provider.mail import SentMessage
    from provider.people.holds import start_hold

    agreement = _amira(willow)
    amira = willow.get(Arrangement, agreement.arrangement_id).child_id
    from provider.people.models import Child
    with unit_of_work(willow):
        start_hold(willow, willow.get(Child, amira), "Key worker")
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        surplus.send_family_letter(willow, test_settings, agreement, date(2027, 3, 31))
    assert "under a bereavement hold" in refused.value.errors["decided_by"]
    assert willow.exec(select(func.count()).select_from(SentMessage).where(SentMessage.kind == "isf_letter")).one() == 0
    with unit_of_work(willow):
        sent = surplus.send_family_letter(willow, test_settings, agreement, date(2027, 3, 31),
                                          decided_by="Head of family support")
    assert "Sent on the decision of Head of family support" in sent.subject


def test_a_fee_the_isf_cannot_pay_is_refused_and_a_closed_isf_pays_none(willow):
    from isf import returns

    agreement = _amira(willow)
    with unit_of_work(willow):
        agreement.instalment_count = 14
        willow.add(agreement)
    fourteenth = service.periods_of(agreement)[-1]
    with unit_of_work(willow):
        notice = returns.record_notice(willow, agreement, 141_500, "Year end", ON, ON)
        returns.repay(willow, notice, ON)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        service.post_fee(willow, agreement, fourteenth)
    assert refused.value.errors == {"fees": "the fee for period 14 is £15.00 but the ISF has £0.00 not reserved for "
                                            "bookings: record the period's instalment first"}
    with unit_of_work(willow):
        returns.close(willow, agreement, "End of agreement", ON)
        assert service.post_fee(willow, agreement, fourteenth) is None
    with pytest.raises(FieldErrors) as notice_refused, unit_of_work(willow):
        returns.record_notice(willow, agreement, 100, "More", ON, ON)
    assert notice_refused.value.errors == {"agreement": "the ISF closed on 10/04/2027"}


def test_a_key_worker_who_is_not_staff_is_refused(willow):
    family = willow.exec(select(User).where(User.role == "family")).first()
    arrangement = willow.get(Arrangement, _amira(willow).arrangement_id)
    shape = service.AgreementIn(arrangement_id=arrangement.id, frequency="monthly", first_instalment_on=ON,
                                instalment_count=12, instalment_pence=100, key_worker_id=family.id)
    with pytest.raises(FieldErrors) as refused:
        service.make_agreement(willow, shape)
    assert refused.value.errors["key_worker_id"] == "must be a member of staff using Lantern"


@given(st.integers(0, 500_000), st.integers(0, 500_000), st.integers(0, 1_000_000), st.booleans())
def test_the_familys_contribution_and_the_commissioners_money_always_add_up_to_the_balance(contributed, other,
                                                                                          used, first):
    received = contributed + other
    balance = max(received - used, 0)
    found = contributions.split(contributed, received, min(used, received), balance, first)
    assert found.family + found.commissioner == balance and 0 <= found.family <= contributed
    if first:
        assert found.family == max(0, contributed - min(used, received))


def test_the_familys_contribution_is_spent_first_where_the_agreement_says_so_and_is_never_surplus(willow):
    from isf import returns

    agreement = _amira(willow)
    with unit_of_work(willow):
        service.record_receipt(willow, agreement, 20_000, ON, "family_contribution", "Family top-up")
    # Shared: of the £1,615.00 left, the family's share is what they paid in of all that came in (£200 of £3,320).
    assert contributions.of(willow, agreement) == contributions.Split(9_728, 151_772)
    assert returns.above_limit(willow, agreement) == 151_772 - 48_000
    with unit_of_work(willow):
        notice = returns.record_notice(willow, agreement, 161_500, "Everything", ON, ON)
    with pytest.raises(FieldErrors) as refused, unit_of_work(willow):
        returns.repay(willow, notice, ON)
    assert refused.value.errors == {"notice": "asks for £1,615.00 but £97.28 of the £1,615.00 held is the family's "
                                              "own contribution: the commissioner may have back at most £1,517.72"}
    with unit_of_work(willow):
        agreement.family_contribution_first = True
        willow.add(agreement)
    # Spent first: the year's £1,705.00 of care and fees used all £200.00 of it; what is left is Northshire's.
    assert contributions.of(willow, agreement) == contributions.Split(0, 161_500)
    assert returns.above_limit(willow, agreement) == 113_500
