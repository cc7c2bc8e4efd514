"""References between records (provider/references.py): formatting gives the stored text, parsing gives it back,
and anything malformed is refused."""
from __future__ import annotations

import re
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from provider import references as refs

ROOT = Path(__file__).resolve().parent.parent
ids = st.uuids()
numbers = st.integers(1, 9999)


@given(st.sampled_from(refs.PAYER_KINDS), ids, ids, st.booleans())
def test_a_payer_round_trips(kind, key, department, with_department):
    department = department if with_department and kind == refs.FUNDER else None
    text = refs.payer_ref(kind, key, department)
    assert text == (f"{kind}:{key}:{department}" if department else f"{kind}:{key}")
    assert refs.parse_payer(text) == refs.PayerRef(kind, key, department)
    assert str(refs.parse_payer(text)) == text
    assert refs.kind_of(text) == kind and refs.is_kind(text, kind)


@given(ids, ids)
def test_a_funders_departments_are_one_payer(funder, department):
    assert refs.payer_group(refs.funder_payer(funder, department)) == f"funder:{funder}"
    assert refs.payer_group(refs.funder_payer(funder)) == f"funder:{funder}"
    family = refs.payer_ref(refs.FAMILY, funder)
    assert refs.payer_group(family) == family
    assert refs.funder_payer(funder, department).startswith(refs.departments_prefix(f"funder:{funder}"))


@given(st.sampled_from(refs.ARRANGEMENT_KINDS), ids)
def test_an_arrangement_round_trips(kind, key):
    text = refs.arrangement_ref(kind, key)
    assert text == f"{kind}:{key}"
    assert refs.parse_arrangement(text) == refs.ArrangementRef(kind, key)
    if kind == refs.BLOCK:
        assert refs.block_ref(key) == text and refs.contract_of(text) == key


def test_the_unrestricted_funds_have_no_id():
    assert refs.UNRESTRICTED_FUND == "fund:unrestricted"
    assert refs.parse_payer("fund:unrestricted") == refs.PayerRef(refs.FUND, None)
    assert str(refs.parse_arrangement("fund:unrestricted")) == "fund:unrestricted"
    with pytest.raises(ValueError):
        refs.PayerRef(refs.FUNDER, None)


@given(st.sampled_from(refs.SOURCE_KINDS), ids)
def test_a_source_round_trips(kind, key):
    text = refs.source_ref(kind, key)
    assert text == f"{kind}:{key}"
    assert refs.parse_source(text) == refs.SourceRef(kind, key)


@given(ids, numbers, st.booleans())
def test_a_block_instalment_round_trips(contract, number, in_advance):
    text = refs.instalment_ref(contract, number, in_advance)
    assert text == f"instalment:{contract}:{number}:{int(in_advance)}"
    assert refs.parse_billed(text) == refs.InstalmentRef(contract, number, in_advance)


@given(ids, numbers)
def test_a_grant_instalment_round_trips(award, number):
    text = refs.grant_instalment_ref(award, number)
    assert text == f"grant:{award}:{number}"
    assert refs.parse_billed(text) == refs.GrantInstalmentRef(award, number)


@given(ids)
def test_a_charge_part_is_its_id(part):
    assert refs.parse_billed(str(part)) == part


@given(ids, numbers, st.dates(date(1000, 1, 1), date(9999, 12, 31)))
def test_a_release_round_trips(contract, number, day):
    text = refs.release_ref(contract, number, day)
    assert text == f"release:{contract}:{number}:{day:%Y-%m}"
    assert text.startswith(refs.release_prefix(contract, number))
    assert refs.parse_release(text) == refs.ReleaseRef(contract, number, day.replace(day=1))


@given(ids, st.dates())
def test_a_letter_round_trips(agreement, day):
    text = refs.letter_ref(agreement, day)
    assert text == f"isf-letter:{agreement}:{day.isoformat()}"
    assert refs.parse_letter(text) == refs.LetterRef(agreement, day)


KEY = "0b1e7c0e-5a8d-4a53-9d3c-1f7f2d6f8a10"
MALFORMED_PAYERS = ["", "funder", "funder:", f"funder:{KEY}:", f"funder:{KEY}:{KEY}:{KEY}", f"family:{KEY}:{KEY}",
                    f"isf:{KEY}:{KEY}", "funder:la", f"council:{KEY}", f" funder:{KEY}", f"funder:{KEY}\n",
                    f"FUNDER:{KEY}", f"funder:{{{KEY}}}", f"funder:{KEY.replace('-', '')}", f"funder:{KEY}x",
                    f"funder::{KEY}", "fund:restricted", "x" * 1000]


@pytest.mark.parametrize("text", MALFORMED_PAYERS)
def test_malformed_payers_are_refused(text):
    with pytest.raises(ValueError):
        refs.parse_payer(text)
    assert refs.try_payer(text) is None


@pytest.mark.parametrize("text", ["", f"block:{KEY}:1", "block:ns", f"funder:{KEY}", f"arrangement:{KEY} ",
                                  f"block:{KEY}\n", "arrangement:" + "-" * 36])
def test_malformed_arrangements_are_refused(text):
    with pytest.raises(ValueError):
        refs.parse_arrangement(text)


@pytest.mark.parametrize("text", ["", "p1", f"instalment:{KEY}:1", f"instalment:{KEY}:0:1", f"instalment:{KEY}:1:2",
                                  f"instalment:{KEY}:01:1", f"grant:{KEY}", f"grant:{KEY}:1:1", f"grant:{KEY}:x",
                                  f"{KEY}:1", f"instalment:c:1:0"])
def test_malformed_billed_refs_are_refused(text):
    with pytest.raises(ValueError):
        refs.parse_billed(text)


@pytest.mark.parametrize("text", ["", f"charge:{KEY}:1", f"payment {KEY}", f"cheque:{KEY}", "charge:"])
def test_malformed_sources_are_refused(text):
    with pytest.raises(ValueError):
        refs.parse_source(text)


@pytest.mark.parametrize("text", [f"release:{KEY}:1:2026-13", f"release:{KEY}:1:2026-1", f"release:{KEY}:0:2026-01",
                                  f"release:{KEY}:1:0000-01", f"isf-letter:{KEY}:2026-02-30"])
def test_malformed_releases_and_letters_are_refused(text):
    with pytest.raises(ValueError):
        (refs.parse_release if text.startswith("release") else refs.parse_letter)(text)


def test_formatting_refuses_what_it_could_not_parse_back():
    with pytest.raises(ValueError):
        refs.payer_ref("council", uuid.uuid4())
    with pytest.raises(ValueError):
        refs.payer_ref(refs.FAMILY, uuid.uuid4(), uuid.uuid4())
    with pytest.raises(ValueError):
        refs.payer_ref(refs.FUNDER, "la")
    with pytest.raises(ValueError):
        refs.instalment_ref(uuid.uuid4(), 0, True)
    with pytest.raises(ValueError):
        refs.source_ref("nothing", uuid.uuid4())


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_with_a_value_error(text):
    for parse in (refs.parse_payer, refs.parse_arrangement, refs.parse_source, refs.parse_billed, refs.parse_release,
                  refs.parse_letter):
        try:
            parse(text)
        except ValueError:
            pass


def test_parsing_is_bounded_and_quick_on_long_text():
    for text in ("funder:" + "0" * 10_000_000, "funder:" + ("a" * 8 + "-") * 1_000_000, ":" * 10_000_000):
        started = time.perf_counter()
        with pytest.raises(ValueError, match="longer than"):
            refs.parse_payer(text)
        assert time.perf_counter() - started < 0.5


# The keys a bank line's suggestions send back are what a person chose on the page (kind and invoice numbers, or an
# ISF's instalment), read as form input where they arrive, not references stored between records.
KNOWN_OTHER_SPLITS = [   # the bank pages' suggestion keys, sent back by the form: not references between records
    'invoicing/bank_lines/matching.py: kind, _, numbers = (key or "").partition(":")',
    'isf/banking.py: kind, _, rest = (key or "").partition(":")',
    'isf/banking.py: agreement_id, _, number = rest.partition(":")',
]


def test_nothing_else_takes_references_apart_or_glues_them():
    """Every split on ":" and every f-string building "<kind>:<id>" of a known kind lives in provider/references.py
    (account codes in provider/ledger/accounts.py)."""
    kinds = "|".join(re.escape(k) for k in (*refs.PAYER_KINDS, *refs.ARRANGEMENT_KINDS, *refs.SOURCE_KINDS,
                                            "instalment", "release", "isf-letter"))
    glued = re.compile(rf'f"({kinds}):\{{')
    split = re.compile(r"""\.(r?split|partition|rpartition)\(\s*["']:["']""")
    found = []
    for package in ("provider", "invoicing", "isf", "reports", "lantern"):
        for path in (ROOT / package).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if name in ("provider/references.py", "provider/ledger/accounts.py"):
                continue
            for line in path.read_text().splitlines():
                if glued.search(line) or split.search(line):
                    found.append(f"{name}: {line.strip()}")
    assert sorted(found) == sorted(KNOWN_OTHER_SPLITS)
