"""The API's and forms' shapes for people: children, their families, nominees and their nominations, and
bereavement holds and the releases made despite them, with the field types they check."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from provider.base import Day
from provider.fields import Email, Name, Phone, ShortText, Text, optional
from provider.people.models import ChildStatus, NomineeKind, Relationship
from provider.people.nhs import normalise_nhs_number

NhsNumber = optional(20, AfterValidator(normalise_nhs_number))
PersonName = Annotated[str, Field(min_length=1, max_length=100)]
PreferredName = optional(100)
FullName = Annotated[str, Field(min_length=1, max_length=200)]
Address = Annotated[str, Field(min_length=1, max_length=2000)]


# --- children ----------------------------------------------------------------------------------------------------

class ChildUpdate(BaseModel):
    """A change to a child: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    preferred_name: PreferredName = None
    date_of_birth: Day | None = None
    nhs_number: NhsNumber = None
    council_reference: ShortText = None
    home_authority_id: uuid.UUID | None = None
    icb_id: uuid.UUID | None = None
    key_worker_id: uuid.UUID | None = None
    status: ChildStatus | None = None
    status_date: Day | None = None
    notes: Text | None = None


class ChildCreate(ChildUpdate):
    first_name: PersonName
    last_name: PersonName
    date_of_birth: Day
    status: ChildStatus = ChildStatus.active
    notes: Text = ""


class ChildOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    preferred_name: str | None
    display_name: str
    date_of_birth: date
    nhs_number: str | None = Field(description="Shown 3-3-4, e.g. 943 476 5919")
    council_reference: str | None
    home_authority_id: uuid.UUID | None
    icb_id: uuid.UUID | None
    key_worker_id: uuid.UUID | None
    status: ChildStatus
    status_date: date | None
    notes: str | None = Field(description="Staff notes; not shown to families")


# --- families ----------------------------------------------------------------------------------------------------

class FamilyMemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: FullName | None = None
    date_of_birth: Day | None = None
    address: Text | None = None
    email: Email = None
    phone: Phone = None
    notes: Text | None = None


class FamilyMemberCreate(FamilyMemberUpdate):
    name: FullName
    address: Text = ""
    notes: Text = ""


class RelationshipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relationship: Relationship
    parental_responsibility: bool = False


class NewRelative(FamilyMemberCreate):
    """A new family member and how they are related to the child."""

    relationship: Relationship
    parental_responsibility: bool = False


class FamilyMemberOut(BaseModel):
    id: uuid.UUID
    name: str
    date_of_birth: date | None
    address: str
    email: str | None
    phone: str | None
    notes: str


class RelativeOut(FamilyMemberOut):
    relationship: Relationship
    relationship_label: str
    parental_responsibility: bool
    is_sibling: bool = Field(description="A sibling can take part in services such as sibling support")


# --- nominees and nominations ------------------------------------------------------------------------------------

class NomineeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: NomineeKind | None = None
    name: FullName | None = None
    contact_name: Name = None
    address: Address | None = None
    email: Email = None
    phone: Phone = None
    notes: Text | None = None


class NomineeCreate(NomineeUpdate):
    kind: NomineeKind
    name: FullName
    address: Address
    notes: Text = ""


class NominationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    child_id: uuid.UUID
    budget: FullName = Field(description='Which budget, e.g. "Personal health budget — Riverside ICB"')
    nominated_by: FullName = Field(description="Who nominated in writing, e.g. the child's father")
    received_on: Day
    withdrawn_on: Day | None = None


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    withdrawn_on: Day


class NomineeOut(BaseModel):
    id: uuid.UUID
    kind: NomineeKind
    name: str
    contact_name: str | None
    address: str
    email: str | None
    phone: str | None
    notes: str


class NominationOut(BaseModel):
    id: uuid.UUID
    nominee_id: uuid.UUID
    nominee_name: str
    child_id: uuid.UUID
    child_name: str
    budget: str
    nominated_by: str
    received_on: date
    withdrawn_on: date | None
    in_force: bool = Field(description="In force today: received, and not withdrawn")


class NomineeDetailOut(NomineeOut):
    nominations: list[NominationOut]


# --- bereavement holds -------------------------------------------------------------------------------------------

class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = ""


class ReleaseIn(BaseModel):
    """A named person's decision that one document goes to the family despite the hold."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decided_by: str = Field(default="", max_length=200, description="Who decided the document should go")
    reason: str = Field(default="", max_length=2000, description="Why it should go now")
