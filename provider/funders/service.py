"""Funders: ICBs, councils, NHS England and others, with their invoice rules and successors.
Every check runs before anything is written."""
from __future__ import annotations

import re
import uuid
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import Session, select

from provider.errors import FieldErrors, NotFound
from provider.funders.models import FUNDER_KIND_LABELS, Funder, FunderKind
from provider.organisation.changes import validate_change, validate_new, values_of
from provider.organisation.service import PaymentTerms
from provider.fields import Email, Name, Phone, Text, between, blank_is_none


def _between(low: int, high: int):
    return Annotated[Annotated[int, between(low, high)] | None, BeforeValidator(blank_is_none)]


class FunderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: FunderKind
    name: str = Field(min_length=1, max_length=200)
    billing_address: str = Field(min_length=1, max_length=2000,
                                 description="For an ICB, with its organisation and payables codes")
    contact_name: Name = None
    phone: Phone = None
    invoice_email: Email = None
    secure_email: Email = Field(default=None, description="Only for patient-level backing data; never invoices")
    payment_terms_days: PaymentTerms = 30
    po_required: bool = Field(default=False, description="No purchase order, no invoice")
    pays_without_invoice: bool = Field(default=False, description="Pays on a schedule; Lantern expects payments")
    charges_cancellations: bool = Field(default=False, description="Pays for a late cancellation by the family or a "
                                                                   "night the child did not attend")
    invoice_number_max_length: _between(6, 100) = Field(default=None, description="e.g. 30 for NHS SBS")
    po_number_max_length: _between(1, 60) = Field(default=None, description="The longest purchase order number "
                                                                          "the payer's system takes")
    max_days_dated_ahead: _between(0, 365) = Field(default=None, description="e.g. 14 for NHS SBS")
    successor_id: uuid.UUID | None = Field(default=None, description="The funder that replaced this one")
    is_active: bool = True
    notes: Text = ""


class FunderPatch(BaseModel):
    """A change to a funder: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: FunderKind | None = None
    name: str | None = Field(default=None, max_length=200)
    billing_address: str | None = Field(default=None, max_length=2000)
    contact_name: str | None = None
    phone: str | None = None
    invoice_email: str | None = None
    secure_email: str | None = None
    payment_terms_days: int | None = None
    po_required: bool | None = None
    pays_without_invoice: bool | None = None
    charges_cancellations: bool | None = None
    invoice_number_max_length: int | None = None
    po_number_max_length: int | None = None
    max_days_dated_ahead: int | None = None
    successor_id: uuid.UUID | None = None
    is_active: bool | None = None
    notes: str | None = None


class FunderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: FunderKind
    name: str
    billing_address: str
    contact_name: str | None
    phone: str | None
    invoice_email: str | None
    secure_email: str | None
    payment_terms_days: int
    po_required: bool
    pays_without_invoice: bool
    charges_cancellations: bool
    invoice_number_max_length: int | None
    po_number_max_length: int | None
    max_days_dated_ahead: int | None
    successor_id: uuid.UUID | None
    is_active: bool
    notes: str


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.lower()) + "%"


def list_funders(db: Session, kind: FunderKind | str | None = None, q: str | None = None) -> list[Funder]:
    query = select(Funder)
    if kind:
        query = query.where(Funder.kind == kind)
    if q and q.strip():
        query = query.where(func.lower(Funder.name).like(_like(q.strip()), escape="\\"))
    return list(db.exec(query.order_by(Funder.is_active.desc(), Funder.name)))


def get_funder(db: Session, funder_id: uuid.UUID) -> Funder:
    funder = db.get(Funder, funder_id)
    if funder is None:
        raise NotFound("No such funder.")
    return funder


def successor_chain(db: Session, funder: Funder) -> list[Funder]:
    """The funders that replaced `funder`, in order; stops before any funder seen already."""
    chain, seen, current = [], {funder.id}, funder
    while current.successor_id is not None and current.successor_id not in seen:
        current = db.get(Funder, current.successor_id)
        if current is None:
            break
        chain.append(current)
        seen.add(current.id)
    return chain


def current_funder(db: Session, funder: Funder) -> Funder:
    """Who now stands in for `funder`: the last of its successors (itself when it has none)."""
    chain = successor_chain(db, funder)
    return chain[-1] if chain else funder


def _successor_problem(db: Session, funder_id: uuid.UUID | None, successor_id: uuid.UUID | None) -> str | None:
    if successor_id is None:
        return None
    if successor_id == funder_id:
        return "must be another funder, not this one"
    successor = db.get(Funder, successor_id)
    if successor is None:
        return "is not a known funder"
    if funder_id is not None and any(f.id == funder_id for f in [successor, *successor_chain(db, successor)]):
        return f"would make a loop: {successor.name} is already replaced, in turn, by this funder"
    return None


def create_funder(db: Session, data: dict | FunderIn) -> Funder:
    shape: FunderIn = validate_new(FunderIn, data)
    if problem := _successor_problem(db, None, shape.successor_id):
        raise FieldErrors({"successor_id": problem})
    funder = Funder(**shape.model_dump())
    db.add(funder)
    db.flush()
    return funder


def update_funder(db: Session, funder: Funder, data: dict | FunderPatch) -> Funder:
    shape = validate_change(FunderIn, values_of(funder, FunderIn), data)
    if problem := _successor_problem(db, funder.id, shape.successor_id):
        raise FieldErrors({"successor_id": problem})
    for name, value in shape.model_dump().items():
        if getattr(funder, name) != value:
            setattr(funder, name, value)
    db.add(funder)
    db.flush()
    return funder


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, label) for kind, label in FUNDER_KIND_LABELS.items()]
