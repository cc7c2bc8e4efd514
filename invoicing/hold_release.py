"""Releasing one family's invoice for a month from a bereavement hold, on a named person's decision (who, why)."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from invoicing import gather
from provider import references
from provider.errors import FieldErrors
from provider.people import holds
from provider.people.models import HoldRelease


def release_invoice(db: Session, payer_ref: str, first: date, recorded_by: str, data: dict) -> HoldRelease:
    payer = references.try_payer(payer_ref or "")
    if payer is None or payer.kind != references.FAMILY:
        raise FieldErrors({"payer_ref": "is not a family member Lantern invoices"})
    hold = holds.families_on_hold(db, [payer.id]).get(payer.id)
    if hold is None:
        raise FieldErrors({"hold": "is not in place for this family: its invoice goes with the run"})
    return holds.release(db, hold, gather.INVOICE, gather.invoice_key(payer_ref, first), recorded_by, data)
