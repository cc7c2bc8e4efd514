"""Money is whole pence (int, named `Pence`). One rounding function, one split function, GBP in and out.

The field types the API and the forms take for pence are in provider/fields.py (`PenceIn`, `OptionalPence`)."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from fractions import Fraction
from typing import Annotated, Any

from babel.numbers import format_currency
from sqlalchemy import BigInteger
from sqlmodel import Field

Pence = int
MAX_PENCE = 2_000_000_000  # the most one amount given to Lantern may be (£20m): a typing slip, not a real sum
MAX_STORED_PENCE = 2**63 - 1  # a BIGINT column, which every pence column is (a sum of many amounts can pass £21.4m)
StoredPence = Annotated[int, Field(sa_type=BigInteger)]
OptionalStoredPence = Annotated[int | None, Field(sa_type=BigInteger)]


class MoneyError(ValueError):
    """Text that is not an amount of money in pounds and pence."""


def round_pence(amount: Fraction | int) -> Pence:
    """Round an exact amount of pence to a whole penny, halves away from zero."""
    amount = Fraction(amount)
    whole, remainder = divmod(abs(amount.numerator), amount.denominator)
    if 2 * remainder >= amount.denominator:
        whole += 1
    return whole if amount >= 0 else -whole


def split(total: Pence, weights: list[int]) -> list[Pence]:
    """Share `total` in proportion to `weights` by the largest-remainder method.

    The parts always add up to `total`; ties for the spare pennies go to the earlier weight.
    """
    if not weights:
        raise ValueError("split needs at least one weight")
    if any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    weight_sum = sum(weights)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    spare = magnitude - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:spare]:
        floors[i] += 1
    return [sign * part for part in floors]


def percent_text(part: int, whole: int) -> str:
    """'37.5%': one decimal place, halves rounded up; '–' when there is no whole."""
    if whole <= 0:
        return "–"
    tenths = round_pence(Fraction(part * 1000, whole))
    return f"{tenths // 10}.{tenths % 10}%"


_AMOUNT = re.compile(r"^(-)?£?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d{1,2}))?$")


def parse_gbp(text: str) -> Pence:
    """'£1,234.50' or '1234.5' to pence. Refuses fractions of a penny and anything unclear."""
    cleaned = (text or "").strip().replace(" ", "")
    if cleaned.startswith("£-"):
        cleaned = "-£" + cleaned[2:]
    match = _AMOUNT.match(cleaned)
    if not cleaned or not match or (match.group(2) is None and match.group(3) is None):
        if re.match(r"^-?£?[\d,]*\.\d{3,}$", cleaned):
            raise MoneyError("must not be finer than a penny")
        raise MoneyError("must be an amount in pounds and pence, like 1,234.50")
    negative, pounds, pence = match.groups()
    value = int((pounds or "0").replace(",", "")) * 100 + int((pence or "0").ljust(2, "0"))
    return -value if negative else value


def format_gbp(pence: Pence) -> str:
    """Pence to '£1,234.56' (and '-£12.00' for a negative amount)."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise TypeError("money is whole pence")
    return _format_gbp(pence)


@lru_cache(maxsize=4096)
def _format_gbp(pence: int) -> str:
    # Babel's formatting is exact but slow; the same few prices are formatted thousands of times a month.
    return format_currency(Decimal(pence).scaleb(-2), "GBP", locale="en_GB")


def pounds_text(pence: Pence) -> str:
    """Pence to a plain form-field value: '1234.50'."""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def within_storage(pence: Pence, what: str) -> Pence:
    """The one check on sums: every amount posted passes here (`ledger.post.check_balanced`), so an invoice's total,
    a year's ISF or a contract's value that would not fit its BIGINT column is refused in words, never a crash."""
    if abs(pence) > MAX_STORED_PENCE:
        raise MoneyError(f"{what} would be {pence:,} pence, more than Lantern can hold")
    return pence


def storable(pence: Any) -> Any:
    """A number of pence beyond MAX_PENCE refused in plain words (pydantic's own bounds would say "Input should...")."""
    if isinstance(pence, (int, float)) and not isinstance(pence, bool) and abs(pence) > MAX_PENCE:
        raise ValueError(f"is more than Lantern can hold: at most {format_gbp(MAX_PENCE)}")
    return pence

