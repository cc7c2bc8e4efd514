"""Small numbers in reports that trustees see (DOMAIN.md §7): no count or amount about fewer than five children."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from provider.money import Pence

THRESHOLD = 5
FEWER = f"fewer than {THRESHOLD}"


@dataclass(frozen=True)
class Line:
    """One money line of a report. `children` is None for money that comes from no child (a donation, the NHS grant).

    Lines of one kind are assumed to count different children, so their counts can be added.
    """
    label: str
    kind: str
    children: int | None
    pence: Pence


@dataclass(frozen=True)
class Shown:
    """A line as trustees see it: `pence` is None when the amount is held back."""
    label: str
    kind: str
    children: str
    pence: Pence | None


@dataclass(frozen=True)
class Disclosed:
    lines: list[Shown]
    kind_totals: dict[str, Pence | None]
    total: Pence | None


def format_count(n: int) -> str:
    """A count of children or families: 'fewer than 5' below five, else the number ('1,234')."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("a count is a whole number, not negative")
    return FEWER if n < THRESHOLD else f"{n:,}"


def disclose(lines: Iterable[Line]) -> Disclosed:
    """Every line from fewer than five children is merged into "Other <kind>"; while that line still comes from
    fewer than five, the kind's next-smallest line joins it (secondary suppression). If the whole kind is too
    small, its Other amount is held back, and so are the kind's total and the grand total, so no sum reveals it.
    """
    by_kind: dict[str, list[Line]] = {}
    for line in lines:
        if line.children is not None and (isinstance(line.children, bool) or line.children < 0):
            raise ValueError(f"{line.label}: a count of children is a whole number, not negative")
        if isinstance(line.pence, bool) or not isinstance(line.pence, int):
            raise TypeError("money is whole pence")
        by_kind.setdefault(line.kind, []).append(line)

    shown: list[Shown] = []
    kind_totals: dict[str, Pence | None] = {}
    for kind, kind_lines in by_kind.items():
        merged = [x for x in kind_lines if x.children is not None and x.children < THRESHOLD]
        kept = [x for x in kind_lines if x not in merged]
        while merged and sum(x.children for x in merged) < THRESHOLD:
            counted = [x for x in kept if x.children is not None]
            if not counted:
                break
            smallest = min(counted, key=lambda x: x.children)  # the first of equals, in input order
            kept.remove(smallest)
            merged.append(smallest)
        shown += [Shown(x.label, kind, "" if x.children is None else format_count(x.children), x.pence) for x in kept]
        held_back = bool(merged) and sum(x.children for x in merged) < THRESHOLD
        if merged:
            children = sum(x.children for x in merged)
            shown.append(Shown(f"Other {kind}", kind, format_count(children),
                               None if held_back else sum(x.pence for x in merged)))
        kind_totals[kind] = None if held_back else sum(x.pence for x in kind_lines)

    total = None if None in kind_totals.values() else sum(kind_totals.values())
    return Disclosed(shown, kind_totals, total)
