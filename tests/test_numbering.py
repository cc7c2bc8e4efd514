"""Document numbers: sequential per series and year, no gap after a rollback, no duplicate across processes."""
from __future__ import annotations

import multiprocessing
from datetime import date

import pytest
from hypothesis import given, strategies as st

from provider import numbering
from provider.db import make_engine, open_session, unit_of_work


def test_numbers_run_in_sequence_per_series_and_financial_year(db):
    with unit_of_work(db):
        taken = [numbering.take(db, "INV", date(2026, 10, 5)) for _ in range(3)]
        credit = numbering.take(db, "CN", date(2026, 10, 5))
        next_year = numbering.take(db, "INV", date(2027, 4, 1))
        last_march = numbering.take(db, "INV", date(2027, 3, 31))
    assert taken == ["INV2627000001", "INV2627000002", "INV2627000003"]
    assert credit == "CN2627000001"
    assert (next_year, last_march) == ("INV2728000001", "INV2627000004")


def test_a_rolled_back_number_is_taken_again(db):
    with pytest.raises(RuntimeError):
        with unit_of_work(db):
            numbering.take(db, "INV", date(2026, 10, 5))
            raise RuntimeError("the invoice could not be issued")
    with unit_of_work(db):
        assert numbering.take(db, "INV", date(2026, 10, 5)) == "INV2627000001"


@pytest.mark.parametrize("prefix", ["inv", "INVOICE", "I1", ""])
def test_a_series_prefix_is_two_to_four_capitals(db, prefix):
    with pytest.raises(ValueError, match="2 to 4 capital letters"):
        numbering.take(db, prefix, date(2026, 10, 5))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)), st.sampled_from(["INV", "CN", "GRNT"]))
def test_every_number_fits_a_bank_reference(day, prefix):
    number = f"{prefix}{numbering.year_code(day)}{999999:06d}"
    assert len(number) <= 18 and number.isalnum() and number == number.upper()


def _take_many(url: str, barrier, count: int, queue) -> None:
    engine = make_engine(url)
    taken = []
    barrier.wait()
    for _ in range(count):
        session = open_session(engine)
        with unit_of_work(session):
            taken.append(numbering.take(session, "INV", date(2026, 10, 5)))
        session.close()
    engine.dispose()
    queue.put(taken)


def test_two_processes_issuing_at_once_never_share_or_skip_a_number(fresh_database_url):
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_take_many, args=(fresh_database_url, barrier, 40, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    everything = sorted(results[0] + results[1])
    assert everything == [f"INV2627{n:06d}" for n in range(1, 81)]
