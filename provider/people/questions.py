"""Questions a family sends to their child's key worker from the family view, kept and shown to staff."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlmodel import Field, Session, SQLModel, select

from provider.base import id_field, timestamp_field
from provider.errors import FieldErrors
from provider.people.models import Child
from provider.users.models import User

LONGEST = 2000


class FamilyQuestion(SQLModel, table=True):
    __tablename__ = "family_questions"
    __audited__ = True
    id: uuid.UUID = id_field()
    child_id: uuid.UUID = Field(foreign_key="children.id", index=True)
    asked_by_id: uuid.UUID = Field(foreign_key="users.id")
    key_worker_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    subject: str = Field(default="", sa_type=String(200))
    text: str = Field(sa_type=Text)
    asked_at: datetime = timestamp_field()
    answered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    answered_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")


def ask(db: Session, child: Child, user: User, data: dict) -> FamilyQuestion:
    """Keep a family user's question for the child's key worker, or refuse naming the field."""
    subject = (data.get("subject") or "").strip()
    text = (data.get("text") or "").strip()
    errors = {}
    if not text:
        errors["text"] = "is required: write your question"
    elif len(text) > LONGEST:
        errors["text"] = f"is too long: at most {LONGEST:,} characters"
    if len(subject) > 200:
        errors["subject"] = "is too long: at most 200 characters"
    if errors:
        raise FieldErrors(errors)
    question = FamilyQuestion(child_id=child.id, asked_by_id=user.id, key_worker_id=child.key_worker_id,
                              subject=subject, text=text)
    db.add(question)
    db.flush()
    return question


def questions_about(db: Session, child: Child, asked_by: User | None = None) -> list[tuple[FamilyQuestion, str]]:
    """The child's questions with who asked, newest first; only `asked_by`'s own when given."""
    query = (select(FamilyQuestion, User.name).join(User, User.id == FamilyQuestion.asked_by_id)
             .where(FamilyQuestion.child_id == child.id))
    if asked_by is not None:
        query = query.where(FamilyQuestion.asked_by_id == asked_by.id)
    return [tuple(row) for row in db.exec(query.order_by(FamilyQuestion.asked_at.desc()))]
