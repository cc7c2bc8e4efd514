"""DOMAIN.md §10 scenario 1 run through the pages, as finance and Amira's key worker would: the agreement made
from the form, the key worker's outcomes, Northshire's thirteen instalments imported from the ISF client account's
statement and matched, the fees posted, and the year end — £1,415.00 left, £935.00 above the limit, repaid on
Northshire's notice — with the statement the family reads and the account reconciled."""
from __future__ import annotations

import html
import re

import pytest
from sqlmodel import select

from lantern.check import run_all
from isf import banking
from isf.models import IsfAgreement, IsfReceipt, IsfSpend
from lantern import demo
from provider.catalogue.models import Service
from provider.db import unit_of_work
from provider.funding.models import Arrangement
from tests.conftest import post_form, sign_in

PERIOD_STARTS = ["01/04/2026", "29/04/2026", "27/05/2026", "24/06/2026", "22/07/2026", "19/08/2026", "16/09/2026",
                 "14/10/2026", "11/11/2026", "09/12/2026", "06/01/2027", "03/02/2027", "03/03/2027"]


@pytest.fixture
def willow(db):
    with unit_of_work(db):
        demo.build(db, isf=False)     # the year's care delivered; Amira's ISF not yet set up
    return db


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def _statement() -> bytes:
    rows = "".join(f"{day},240.00,NCC ISF AMIRA P{n},NORTHSHIRE COUNTY COUNCIL\n"
                   for n, day in enumerate(PERIOD_STARTS, start=1))
    return ("Date,Amount (GBP),Reference,Counter Party\n" + rows).encode()


def test_finance_and_the_key_worker_run_amiras_year_through_the_pages(client, willow, make_user):
    amira = willow.exec(select(Arrangement).where(Arrangement.name.startswith("Amira"))).one()
    finance, key_worker = make_user("finance", "Fay Finance"), make_user("coordinator", "Kit Keyworker")

    # Finance sets up the agreement.
    sign_in(client, finance)
    assert "Amira's ISF" in _text(client.get("/isf-agreements/new"))
    made = post_form(client, "/isf-agreements/new", {
        "arrangement_id": str(amira.id), "frequency": "four_weekly", "first_instalment_on": "2026-04-01",
        "instalment_count": "13", "instalment_amount": "240.00", "fee_kind": "fixed", "fee_amount": "15.00",
        "fee_vat": "exempt", "surplus_weeks": "8", "contingency": "0.00", "owed_to": "commissioner",
        "key_worker_id": str(key_worker.id), "next_review_on": "2027-03-31",
        "source-social_care-yearly": "3120.00", "source-social_care-law": "children_act",
        "source-social_care-permitted": "Short breaks, activity breaks, and up to 6 sibling support sessions a year"},
        follow_redirects=False)
    assert made.status_code == 303, _text(made)
    agreement = willow.exec(select(IsfAgreement).where(IsfAgreement.arrangement_id == amira.id)).one()
    page = _text(client.get(f"/isf/{agreement.id}"))
    assert "13 four-weekly instalments of £240.00 from 1 April 2026" in page
    assert "£1,510.00 for Willow's care" in page          # her nights and Sam's sessions, drawn down as delivered

    # The key worker writes the plan's outcomes.
    client.cookies.clear()
    sign_in(client, key_worker)
    services = {s.code: s.id for s in willow.exec(select(Service))}
    wrong = post_form(client, f"/isf/{agreement.id}/outcomes", {"outcome_text": "Hydrotherapy each week",
                                                                "outcome_service_id": str(services["HYDROTHERAPY"])})
    assert wrong.status_code == 422 and "Served by must be one of the services this ISF pays for" in _text(wrong)
    for text, code in (("Amira has regular short breaks away from home, and her family has a rest",
                        "SHORT_BREAK_NIGHT"),
                       ("Sam has time of his own with other young carers", "SIBLING_SUPPORT")):
        added = post_form(client, f"/isf/{agreement.id}/outcomes", {
            "outcome_text": text, "outcome_source": "social_care", "outcome_service_id": str(services[code]),
            "review_on": "2026-09-30"}, follow_redirects=False)
        assert added.status_code == 303

    # Finance imports the ISF client account's statement and matches Northshire's instalments from it.
    client.cookies.clear()
    sign_in(client, finance)
    account = banking.client_account(willow)
    imported = client.post("/bank/imports", data={"csrf_token": _csrf(client), "account_id": str(account.id)},
                           files={"file": ("isf-client-2026-27.csv", _statement(), "text/csv")},
                           follow_redirects=False)
    assert imported.status_code == 303, _text(imported)
    lines = client.get("/isf-client-account").text
    suggestions = re.findall(r'/isf-client-account/lines/([0-9a-f-]{36})/accept">\s*<input type="hidden" '
                             r'name="csrf_token" value="[^"]*"><input type="hidden" name="suggestion" value="([^"]+)"',
                             lines)
    assert sorted(key for _, key in suggestions) == sorted(f"receipt:{agreement.id}:{n}" for n in range(1, 14))
    for line_id, key in suggestions:
        accepted = post_form(client, f"/isf-client-account/lines/{line_id}/accept", {"suggestion": key},
                             follow_redirects=False)
        assert accepted.status_code == 303
    assert willow.exec(select(IsfReceipt).where(IsfReceipt.agreement_id == agreement.id)).all().__len__() == 13
    assert post_form(client, f"/isf/{agreement.id}/fees", follow_redirects=False).status_code == 303

    # The year end, as DOMAIN.md §10 gives it.
    page = _text(client.get(f"/isf/{agreement.id}"))
    assert "Balance £1,415.00" in page and "£935.00 above the surplus limit of £480.00" in page
    assert "£3,120.00 received; £1,510.00 for Willow's care; £0.00 paid to other suppliers; £195.00 in fees" in page
    reconciled = _text(client.get("/isf-client-account"))
    assert "Not explained Nothing" in reconciled

    # The key worker reads the family's statement for the last period.
    client.cookies.clear()
    sign_in(client, key_worker)
    statement = _text(client.get(f"/isf/{agreement.id}/statements/13"))
    assert "Money in + £240.00" in statement and "Money at the end, 30 March 2027 £1,415.00" in statement
    assert "Short break at Willow: 1 night × £650.00 Amira has regular short breaks away from home" in statement

    # Northshire's notice for the surplus, recorded and repaid by finance.
    client.cookies.clear()
    sign_in(client, finance)
    noticed = post_form(client, f"/isf/{agreement.id}/returns/notices", {
        "notice_amount": "935.00", "reasons": "Balance above 8 weeks of funding at the year end",
        "issued_on": "2027-04-10", "deadline": "2027-05-31", "repaid_by": "hospice"}, follow_redirects=False)
    assert noticed.status_code == 303
    notice_id = re.search(r'/returns/notices/([0-9a-f-]{36})"', client.get(f"/isf/{agreement.id}/returns").text)[1]
    repaid = post_form(client, f"/isf/{agreement.id}/returns/notices/{notice_id}",
                       {"action": "repay", "repaid_on": "2027-04-10"}, follow_redirects=False)
    assert repaid.status_code == 303
    assert "Balance £480.00" in _text(client.get(f"/isf/{agreement.id}"))
    returned = willow.exec(select(IsfSpend).where(IsfSpend.agreement_id == agreement.id, IsfSpend.kind == "return")).one()
    assert returned.pence == 93_500
    reconciled = _text(client.get("/isf-client-account"))
    assert "Payments approved from ISFs not yet seen leaving the bank" in reconciled and "Not explained Nothing" in \
        reconciled
    # Nia's ISF drew £220.00 for her day care, but nobody has set up its agreement yet: the check says so.
    assert run_all(willow) == ["ISF held for others: Nia's ISF: the ledger holds -£220.00 for it, but it has no ISF "
                               "agreement."]


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client)
