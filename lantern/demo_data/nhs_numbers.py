"""Valid NHS numbers in the 999 range, which is never issued to a real patient."""
from __future__ import annotations

from collections.abc import Iterator


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no check digit can make them valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_numbers(start: int) -> Iterator[str]:
    """Valid ten-digit numbers whose first nine digits count up from `start` (999000000 to 999999999)."""
    prefix = start
    while prefix <= 999_999_999:
        digits = f"{prefix:09d}"
        check = check_digit(digits)
        if check is not None and len(set(digits + str(check))) > 1:
            yield digits + str(check)
        prefix += 1
    raise ValueError("ran out of NHS numbers in the 999 test range")
