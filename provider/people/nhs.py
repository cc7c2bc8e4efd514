"""NHS numbers: ten digits, a modulus-11 check digit, never one digit repeated; shown 3-3-4."""
from __future__ import annotations

import re


def nhs_number_problem(text: str) -> str | None:
    """None when `text` is a valid NHS number (spaces and hyphens allowed), else what is wrong."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not re.fullmatch(r"\d{10}", digits):
        return "must be 10 digits"
    if len(set(digits)) == 1:
        return "cannot be one digit repeated"
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        return "is not a valid NHS number (the check digit does not match)"
    return None


def normalise_nhs_number(text: str) -> str:
    """Digits only. Raises ValueError with the problem when the number is not valid."""
    problem = nhs_number_problem(text)
    if problem:
        raise ValueError(problem)
    return re.sub(r"[\s-]", "", text)


def format_nhs_number(digits: str | None) -> str:
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
