"""Children, the people in their families, and nominees who hold direct payments in writing."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from provider.base import id_field, timestamp_field


class ChildStatus(StrEnum):
    active = "active"
    adult_services = "adult_services"
    died = "died"


CHILD_STATUS_LABELS = {
    ChildStatus.active: "Active",
    ChildStatus.adult_services: "Moved to adult services",
    ChildStatus.died: "Died",
}


class Child(SQLModel, table=True):
    __tablename__ = "children"
    __table_args__ = (CheckConstraint("status_date IS NULL OR status_date >= date_of_birth", name="status_after_birth"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    first_name: str = Field(sa_type=String(100))
    last_name: str = Field(sa_type=String(100), index=True)
    preferred_name: str | None = Field(default=None, sa_type=String(100))
    date_of_birth: date
    nhs_number: str | None = Field(default=None, sa_type=String(10), unique=True)
    council_reference: str | None = Field(default=None, sa_type=String(40), index=True)
    home_authority_id: uuid.UUID | None = Field(default=None, foreign_key="funders.id")
    icb_id: uuid.UUID | None = Field(default=None, foreign_key="funders.id")
    key_worker_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    status: ChildStatus = Field(default=ChildStatus.active, sa_type=String(20))
    status_date: date | None = None
    notes: str = Field(default="", sa_type=Text)
    created_at: datetime = timestamp_field()

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"


class FamilyMember(SQLModel, table=True):
    """A parent, carer, sibling or other relative. `user_id` is their login, when they have one."""

    __tablename__ = "family_members"
    __audited__ = True
    id: uuid.UUID = id_field()
    name: str = Field(sa_type=String(200), index=True)
    date_of_birth: date | None = None
    address: str = Field(default="", sa_type=Text)
    email: str | None = Field(default=None, sa_type=String(254))
    phone: str | None = Field(default=None, sa_type=String(40))
    notes: str = Field(default="", sa_type=Text)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", unique=True)
    created_at: datetime = timestamp_field()


class Relationship(StrEnum):
    mother = "mother"
    father = "father"
    parent = "parent"
    step_parent = "step_parent"
    guardian = "guardian"
    foster_carer = "foster_carer"
    grandparent = "grandparent"
    sibling = "sibling"
    other = "other"


RELATIONSHIP_LABELS = {
    Relationship.mother: "Mother",
    Relationship.father: "Father",
    Relationship.parent: "Parent",
    Relationship.step_parent: "Step-parent",
    Relationship.guardian: "Guardian",
    Relationship.foster_carer: "Foster carer",
    Relationship.grandparent: "Grandparent",
    Relationship.sibling: "Sibling",
    Relationship.other: "Other",
}


class ChildRelationship(SQLModel, table=True):
    """How a family member is related to a child. A sibling may take part in services."""

    __tablename__ = "child_relationships"
    __table_args__ = (UniqueConstraint("child_id", "family_member_id", name="uq_child_relationships_pair"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    family_member_id: uuid.UUID = Field(foreign_key="family_members.id", index=True)
    relationship: Relationship = Field(sa_type=String(20))
    parental_responsibility: bool = False

    @property
    def is_sibling(self) -> bool:
        return self.relationship == Relationship.sibling


class NomineeKind(StrEnum):
    person = "person"
    organisation = "organisation"


class Nominee(SQLModel, table=True):
    __tablename__ = "nominees"
    __audited__ = True
    id: uuid.UUID = id_field()
    kind: NomineeKind = Field(sa_type=String(20))
    name: str = Field(sa_type=String(200), index=True)
    contact_name: str | None = Field(default=None, sa_type=String(200))
    address: str = Field(sa_type=Text)
    email: str | None = Field(default=None, sa_type=String(254))
    phone: str | None = Field(default=None, sa_type=String(40))
    notes: str = Field(default="", sa_type=Text)


class Nomination(SQLModel, table=True):
    """A written nomination: who nominated, for which child and budget, received and withdrawn when."""

    __tablename__ = "nominations"
    __table_args__ = (CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= received_on", name="withdrawn_after_received"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    nominee_id: uuid.UUID = Field(foreign_key="nominees.id", index=True)
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    budget: str = Field(sa_type=String(200))
    nominated_by: str = Field(sa_type=String(200))
    received_on: date
    withdrawn_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        return self.received_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


class BereavementHold(SQLModel, table=True):
    """While open, nothing routine goes to the child's family (parents and siblings alike) without a person
    deciding to: no invoice run, reminder or statement batch. Who started it and who lifted it, and when, is kept."""

    __tablename__ = "bereavement_holds"
    __audited__ = True
    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    started_on: date
    started_by: str = Field(sa_type=String(200))        # a person's name, or "Lantern, when the death was recorded"
    reason: str = Field(default="", sa_type=Text)
    lifted_on: date | None = None
    lifted_by: str | None = Field(default=None, sa_type=String(200))
    lift_reason: str | None = Field(default=None, sa_type=Text)


class HoldRelease(SQLModel, table=True):
    """A named person's decision that one document goes to a family under a bereavement hold: who decided, why."""

    __tablename__ = "hold_releases"
    __table_args__ = (UniqueConstraint("hold_id", "document_kind", "document_key", name="uq_hold_releases_document"),)
    __audited__ = True
    id: uuid.UUID = id_field()
    hold_id: uuid.UUID = Field(foreign_key="bereavement_holds.id", index=True)
    document_kind: str = Field(sa_type=String(30))     # isf_statement, invoice
    document_key: str = Field(sa_type=String(200))     # which one: an ISF's period, a payer's month
    decided_by: str = Field(sa_type=String(200))
    reason: str = Field(sa_type=Text)
    decided_on: date
    recorded_by: str = Field(sa_type=String(200))
