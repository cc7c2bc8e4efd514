"""A block contract's quarterly activity return: units paid for by the contract in the quarter, against its volume;
a council sees its client references, an ICB counts only."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from invoicing.activity import activity_csv, activity_return, quarter_bounds
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.funders.models import Funder, FunderKind
from provider.funding.models import BlockContract
from tests.conftest import api, demo_once_per_module
from tests.test_cli import run  # noqa: F401  (the fixture)


demo_connection, connection = demo_once_per_module(invoicing=False, grants=False)


@pytest.fixture
def willow(db):
    return db


def block_units(db, contract, first, last) -> int:
    return sum(db.exec(select(ChargePart.units).join(Charge, Charge.id == ChargePart.charge_id).where(
        Charge.state == ChargeState.current, ChargePart.arrangement_ref == f"block:{contract.id}",
        Charge.day >= first, Charge.day <= last)).all())


def test_northshires_first_quarter_names_amira_by_her_client_reference_and_adds_up(willow):
    contract = willow.exec(select(BlockContract)).one()
    first, last = quarter_bounds("2026-Q1")
    assert (first, last) == (date(2026, 4, 1), date(2026, 6, 30))
    report = activity_return(willow, contract, first, last)
    assert not report.counts_only
    amira = [line for line in report.lines if line.label == "NS-208341"]
    assert [(line.service, line.units) for line in amira] == [("Short-break night", 7)]  # 20-24 April, 15-18 June
    assert report.units == block_units(willow, contract, first, last) > 7
    assert report.used_to_date == report.units and report.volume == 240
    assert "Amira" not in activity_csv(report) and "NS-208341" in activity_csv(report)


def test_an_icb_sees_counts_only(willow):
    contract = willow.exec(select(BlockContract)).one()
    with unit_of_work(willow):
        funder = willow.get(Funder, contract.funder_id)
        funder.kind = FunderKind.icb
        willow.add(funder)
    report = activity_return(willow, contract, *quarter_bounds("2026-Q1"))
    assert report.counts_only and [line.label for line in report.lines] == ["Short-break night"]
    assert "NS-" not in activity_csv(report)


def test_a_quarter_that_is_not_one_is_refused_naming_the_field():
    with pytest.raises(FieldErrors) as refused:
        quarter_bounds("2026-Q5")
    assert refused.value.errors == {"quarter": "must be a financial-year quarter written like 2026-Q3"}


def test_finance_reads_the_return_and_downloads_it(client, willow, signed_in):
    signed_in("finance")
    contract = willow.exec(select(BlockContract)).one()
    page = client.get(f"/contracts/{contract.id}/activity?quarter=2026-Q1")
    assert page.status_code == 200 and "NS-208341" in page.text
    download = client.get(f"/contracts/{contract.id}/activity?quarter=2026-Q1&format=csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.splitlines()[0] == "contract,quarter_from,quarter_to,client_reference,service,units,above_volume"
    assert client.get(f"/contracts/{contract.id}/activity?quarter=spring").status_code == 422


@pytest.mark.parametrize("role", ["coordinator", "trustee", "family"])
def test_others_may_not_read_the_return(client, willow, signed_in, role):
    signed_in(role)
    contract = willow.exec(select(BlockContract)).one()
    assert client.get(f"/contracts/{contract.id}/activity?quarter=2026-Q1").status_code == 403


def test_the_cli_prints_the_return(run, fresh_database_url):  # noqa: F811
    assert run(fresh_database_url, "db", "upgrade").returncode == 0
    assert run(fresh_database_url, "demo").returncode == 0
    result = run(fresh_database_url, "activity-return", "--contract", "NCC-SB-2627", "--quarter", "2026-Q1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ("Activity return for NCC-SB-2627 (Northshire County Council), "
                                             "01/04/2026 to 30/06/2026")
    assert any(line.split() == ["NS-208341", "Short-break", "night", "7"] for line in result.stdout.splitlines())
    unknown = run(fresh_database_url, "activity-return", "--contract", "NOPE", "--quarter", "2026-Q1")
    assert unknown.returncode == 1 and "no block contract has the reference 'NOPE'" in unknown.stderr
