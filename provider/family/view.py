"""What a family member sees of each child granted to them (issue 9 item 1), as plain data for the pages.

Only what the grant's scope covers is read at all: an ISF's balance and statements, the invoices addressed to this
person (never another's: a separated parent never sees the other's invoices), the bookings. Staff notes, other
family members' contact details and anything about another child are never part of it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from invoicing.models import Invoice
from invoicing.payments.balances import outstanding
from isf import service as isf_service
from isf.models import IsfAgreement
from provider import references
from provider.bookings.models import Booking, BookingStatus
from provider.catalogue.models import Service
from provider.funding.models import Arrangement
from provider.people.family_access import FamilyAccess, grants_of, member_of
from provider.people.models import Child, FamilyMember
from provider.users.models import User

STATUS_WORDS = {BookingStatus.requested: "asked for, not yet confirmed", BookingStatus.confirmed: "confirmed",
                BookingStatus.delivered: "took place", BookingStatus.cancelled: "cancelled",
                BookingStatus.did_not_attend: "did not take place"}
SHOWN = 6   # bookings of each kind on the family's home page; the bookings page has them all


@dataclass(frozen=True)
class IsfSummary:
    agreement_id: uuid.UUID
    name: str
    balance: int
    reserved: int
    available: int


@dataclass(frozen=True)
class BookingRow:
    service: str
    starts_on: date
    ends_on: date
    status: str
    for_whom: str            # the child, or the brother or sister taking part


@dataclass(frozen=True)
class InvoiceRow:
    id: uuid.UUID
    number: str
    issued_on: date
    due_on: date
    total: int
    owed: int


@dataclass
class ChildView:
    child: Child
    grant: FamilyAccess
    isfs: list[IsfSummary] = field(default_factory=list)
    upcoming: list[BookingRow] = field(default_factory=list)
    past: list[BookingRow] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.child.preferred_name or self.child.first_name


@dataclass
class FamilyView:
    member: FamilyMember | None
    children: list[ChildView]
    invoices: list[InvoiceRow]

    @property
    def owed(self) -> int:
        return sum(i.owed for i in self.invoices)

    @property
    def sees_invoices(self) -> bool:
        return any(c.grant.invoices for c in self.children)


def isfs_of(db: Session, child: Child, today: date) -> list[IsfSummary]:
    rows = db.exec(select(IsfAgreement, Arrangement).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .where(Arrangement.child_id == child.id)).all()
    found = []
    for agreement, arrangement in rows:
        p = isf_service.position(db, agreement, today)
        found.append(IsfSummary(agreement.id, arrangement.name, p.balance, p.reserved, p.available_with_contingency))
    return found


def bookings_of(db: Session, child: Child, today: date) -> tuple[list[BookingRow], list[BookingRow]]:
    """The child's bookings (and their brothers' and sisters' sessions for them): upcoming soonest first, past
    latest first."""
    rows = db.exec(select(Booking, Service, FamilyMember).join(Service, Service.id == Booking.service_id)
                   .outerjoin(FamilyMember, FamilyMember.id == Booking.participant_id)
                   .where(Booking.child_id == child.id).order_by(Booking.starts_on)).all()
    name = child.preferred_name or child.first_name
    upcoming, past = [], []
    for booking, service, participant in rows:
        row = BookingRow(service.name, booking.starts_on, booking.ends_on,
                         STATUS_WORDS.get(booking.status, str(booking.status)),
                         participant.name.split()[0] if participant else name)
        ahead = booking.ends_on >= today and booking.status in (BookingStatus.requested, BookingStatus.confirmed)
        (upcoming if ahead else past).append(row)
    return upcoming, list(reversed(past))


def invoices_to(db: Session, member: FamilyMember) -> list[InvoiceRow]:
    """The invoices addressed to this family member, newest first, with what is still owed on each."""
    rows = db.exec(select(Invoice).where(Invoice.payer_ref == references.payer_ref(references.FAMILY, member.id),
                                         Invoice.kind == "invoice")
                   .order_by(Invoice.issued_on.desc(), Invoice.number.desc())).all()
    return [InvoiceRow(i.id, i.number, i.issued_on, i.due_on, i.total_pence, outstanding(db, i)) for i in rows]


def family_view(db: Session, user: User, today: date, every_booking: bool = False) -> FamilyView:
    member = member_of(db, user)
    children = []
    for child, grant in grants_of(db, user):
        view = ChildView(child, grant)
        if grant.statements:
            view.isfs = isfs_of(db, child, today)
        if grant.bookings:
            upcoming, past = bookings_of(db, child, today)
            view.upcoming, view.past = (upcoming, past) if every_booking else (upcoming[:SHOWN], past[:SHOWN])
        children.append(view)
    invoices = invoices_to(db, member) if member and any(g.invoices for _, g in grants_of(db, user)) else []
    return FamilyView(member, children, invoices)


def invoice_for(db: Session, user: User, invoice_id: uuid.UUID) -> Invoice | None:
    """The invoice, if it is addressed to this family user and their grant covers invoices."""
    member = member_of(db, user)
    invoice = db.get(Invoice, invoice_id)
    if member is None or invoice is None or invoice.payer_ref != references.payer_ref(references.FAMILY, member.id):
        return None
    return invoice if any(g.invoices for _, g in grants_of(db, user)) else None
