"""The trustees' report tables kept as entries are posted and charges change (connected by lantern.wiring)."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlmodel import Session

from reports import income_children, income_months


def entries_posted(db: Session, posted: Sequence[tuple[str, date, uuid.UUID, list[tuple[str, int, int]]]]) -> None:
    income: dict = defaultdict(int)
    for kind, posted_on, _group_id, codes in posted:
        for key, pence in income_months.amounts(kind, posted_on, codes).items():
            income[key] += pence
    income_months.add(db, income)
    income_children.add(db, income_children.for_entries(db, posted))


def charges_counted(db: Session, charges: Iterable[tuple[uuid.UUID, date, Iterable[str]]], sign: int) -> None:
    income_children.add(db, income_children.of_charges(charges, sign=sign))
