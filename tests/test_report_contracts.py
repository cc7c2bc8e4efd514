"""Block contracts for trustees (issue 8 item 4; DOMAIN.md §2, §10): Northshire's 240 short-break nights of 2026/27,
used against contracted to the period's end and projected to the contract's end, as the Contract use page says."""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from provider.errors import FieldErrors
from provider.funding.models import BlockContract
from provider.funding.usage import contract_usage
from reports import contracts, income
from tests.conftest import demo_once_per_module

YEAR = income.year_period(2026)
NORTHSHIRE = "Northshire County Council, Children's Social Care"


demo_connection, connection = demo_once_per_module()


@pytest.fixture
def willow(db):
    return db


def test_northshires_240_nights_at_the_year_end(willow):
    [row] = contracts.contract_use(willow, YEAR.first, YEAR.last)
    assert (row.reference, row.funder, row.starts_on, row.ends_on, row.as_of) == (
        "NCC-SB-2627", NORTHSHIRE, date(2026, 4, 1), date(2027, 3, 31), date(2027, 3, 31))
    assert (row.value_pence, row.volume_units, row.carried_in_units) == (15_000_000, 240, 0)
    # 141 nights used (Amira's 14 among them), none above the volume; the contract has ended, so no projection.
    assert (row.used_units, row.overage_units, row.remaining_units) == (141, 0, 99)
    assert (row.expected_to_date_units, row.projected_units, row.projected_shortfall_units) == (240, 141, 99)
    assert (row.used_percent, row.projected_percent) == ("58.8%", "58.8%")


def test_after_the_first_quarter_the_rate_so_far_is_continued_to_march(willow):
    q1 = income.quarter_period(2026, 1)
    [row] = contracts.contract_use(willow, q1.first, q1.last)
    assert row.as_of == date(2026, 6, 30)
    # 45 nights in 91 days: 45 × 365 / 91 = 180.5, so 180 by March and 60 of the 240 left unused.
    assert (row.used_units, row.expected_to_date_units, row.projected_units) == (45, 60, 180)
    assert (row.remaining_units, row.projected_shortfall_units, row.used_percent) == (195, 60, "18.8%")


def test_the_figures_are_the_contract_use_pages_and_name_no_child(willow):
    contract = willow.exec(select(BlockContract)).one()
    for period in (income.quarter_period(2026, q) for q in (1, 2, 3, 4)):
        [row] = contracts.contract_use(willow, period.first, period.last)
        page = contract_usage(willow, contract, period.last)
        assert (row.as_of, row.used_units, row.overage_units, row.expected_to_date_units, row.projected_units) == (
            page.as_of, page.used_units, page.overage_units, page.expected_to_date_units, page.projected_units)
        assert (row.remaining_units, row.projected_shortfall_units, row.used_percent) == (
            page.remaining_units, page.projected_shortfall_units, page.used_percent)
    assert "Amira" not in repr(contracts.contract_use(willow, YEAR.first, YEAR.last))


def test_a_period_that_ends_before_it_starts_is_refused_and_a_year_without_contracts_is_empty(willow):
    with pytest.raises(FieldErrors) as refused:
        contracts.contract_use(willow, YEAR.last, YEAR.first)
    assert list(refused.value.errors) == ["last"]
    assert contracts.contract_use(willow, date(2025, 4, 1), date(2026, 3, 31)) == []
    assert contracts.contract_use(willow, date(2027, 4, 1), date(2028, 3, 31)) == []
