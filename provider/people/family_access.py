"""What a family member may see of a child, as staff granted it (DOMAIN.md §1, §9; issue 9 item 1).

Being related to a child gives no access by itself: separated parents, court orders and safeguarding cases need a
decision. Staff record, for each family member and child, the basis (parental responsibility, or a young person of
16 or more who has consented, the consent's date recorded) and the scope: statements (the ISF's balance and
statements), invoices addressed to that person, bookings; any of them, or none. "Address withheld" keeps the
person's address from every other family member. Every grant and change is audited like any other record.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from provider.base import id_field, timestamp_field
from provider.errors import FieldErrors, NotFound
from provider.people.models import Child, ChildRelationship, FamilyMember
from provider.users.models import User

SCOPES = {"statements": "Statements: the ISF's balance and statements",
          "invoices": "Invoices addressed to them, and what they owe",
          "bookings": "Bookings, upcoming and past"}


class AccessBasis(StrEnum):
    parental_responsibility = "parental_responsibility"
    young_person = "young_person"


BASIS_LABELS = {AccessBasis.parental_responsibility: "Parental responsibility",
                AccessBasis.young_person: "The young person themselves, aged 16 or more, with their consent"}


class FamilyAccess(SQLModel, table=True):
    __tablename__ = "family_access"
    __table_args__ = (UniqueConstraint("child_id", "family_member_id", name="uq_family_access_pair"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    family_member_id: uuid.UUID = Field(foreign_key="family_members.id", index=True)
    basis: AccessBasis = Field(sa_type=String(30))
    consent_on: date | None = None                 # the young person's consent, for that basis
    statements: bool = False
    invoices: bool = False
    bookings: bool = False
    address_withheld: bool = False
    note: str = Field(default="", sa_type=Text)    # why, e.g. "court order of 3 March 2026: no bookings"
    granted_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    granted_at: datetime = timestamp_field()

    @property
    def sees_anything(self) -> bool:
        return self.statements or self.invoices or self.bookings


def member_of(db: Session, user: User) -> FamilyMember | None:
    return db.exec(select(FamilyMember).where(FamilyMember.user_id == user.id)).first()


def grants_of(db: Session, user: User) -> list[tuple[Child, FamilyAccess]]:
    """The children this family user may see something of, with what, by first name."""
    rows = db.exec(select(Child, FamilyAccess).join(FamilyAccess, FamilyAccess.child_id == Child.id)
                   .join(FamilyMember, FamilyMember.id == FamilyAccess.family_member_id)
                   .where(FamilyMember.user_id == user.id).order_by(Child.first_name)).all()
    return [(child, grant) for child, grant in rows if grant.sees_anything]


def grant_for(db: Session, user: User, child_id: uuid.UUID, scope: str | None = None) -> FamilyAccess:
    """This family user's grant for the child, covering `scope` if named; otherwise the child is simply not found."""
    for child, grant in grants_of(db, user):
        if child.id == child_id and (scope is None or getattr(grant, scope)):
            return grant
    raise NotFound("No such child.")


def grants_for_child(db: Session, child: Child) -> dict[uuid.UUID, FamilyAccess]:
    """Each family member's grant for the child, by family member."""
    return {g.family_member_id: g for g in db.exec(select(FamilyAccess).where(FamilyAccess.child_id == child.id))}


def _ticked(value) -> bool:
    """A checkbox as the forms send it ("true", or the hidden "false"), or a JSON boolean."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "on", "1", "yes"))


def save_grant(db: Session, child: Child, member: FamilyMember, data: dict, actor: User, today: date) -> FamilyAccess:
    """Grant or change a family member's access to the child, or refuse naming the field before writing anything."""
    errors: dict[str, str] = {}
    link = db.exec(select(ChildRelationship).where(ChildRelationship.child_id == child.id,
                                                   ChildRelationship.family_member_id == member.id)).first()
    if link is None:
        raise NotFound("No such family member for this child.")
    basis = (data.get("basis") or "").strip()
    consent_on = data.get("consent_on")
    scopes = {name: _ticked(data.get(name)) for name in SCOPES}
    if basis not in {b.value for b in AccessBasis}:
        errors["basis"] = "must be parental responsibility, or a young person of 16 or more with their consent"
    elif basis == AccessBasis.parental_responsibility and not link.parental_responsibility:
        errors["basis"] = (f"is parental responsibility, but {member.name} is not recorded as having it for "
                           f"{child.first_name}: record it on the relationship first")
    elif basis == AccessBasis.young_person:
        sixteen = member.date_of_birth and member.date_of_birth + relativedelta(years=16) <= today
        if not sixteen:
            errors["basis"] = ("is a young person's own access: their date of birth must be recorded and show them "
                               "to be 16 or more")
        if consent_on is None:
            errors["consent_on"] = "is required for a young person: the day they consented"
        elif consent_on > today:
            errors["consent_on"] = "cannot be in the future"
    if errors:
        raise FieldErrors(errors)
    grant = grants_for_child(db, child).get(member.id) or FamilyAccess(child_id=child.id, family_member_id=member.id,
                                                                       basis=basis)
    grant.basis = AccessBasis(basis)
    grant.consent_on = consent_on if basis == AccessBasis.young_person else None
    for name, value in scopes.items():
        setattr(grant, name, value)
    grant.address_withheld = _ticked(data.get("address_withheld"))
    grant.note = (data.get("note") or "").strip()
    grant.granted_by_id = actor.id
    db.add(grant)
    db.flush()
    return grant
