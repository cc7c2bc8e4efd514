"""Willow's share of the NHS children's hospice funding for 2026/27 (DOMAIN.md §10 scenario 7): £310,000, paid
quarterly by Riverside ICB on NHS England's behalf against a quarterly grant invoice."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from lantern.demo_data.funders import DemoFunders
from provider.grants.service import record_award
from provider.users.models import User


def build(session: Session, f: DemoFunders, finance: User) -> None:
    record_award(session, {
        "reference": "NHS-CHF-2627", "name": "NHS children's hospice funding", "paid_by_id": f.riverside.id,
        "starts_on": date(2026, 4, 1), "ends_on": date(2027, 3, 31), "amount_pence": 31_000_000,
        "entitled_on": date(2026, 4, 1), "instalments": "quarterly", "invoice_required": True,
        "notes": "Award letter of March 2026: Willow's share for 2026/27, paid by Riverside ICB for NHS England."},
        date(2026, 4, 1), finance.id)
