"""Who may reach which child: staff by role, a family user only the children they are related to."""
from __future__ import annotations

import uuid

from sqlmodel import Session, select

from provider.errors import Forbidden, NotFound
from provider.people.models import Child, ChildRelationship, FamilyMember
from provider.users.models import Role, User

STAFF_WHO_SEE_CHILDREN = (Role.admin, Role.finance, Role.coordinator)


def children_of_family_user(db: Session, user: User) -> list[Child]:
    query = (select(Child).join(ChildRelationship, ChildRelationship.child_id == Child.id)
             .join(FamilyMember, FamilyMember.id == ChildRelationship.family_member_id)
             .where(FamilyMember.user_id == user.id).order_by(Child.first_name))
    return list(db.exec(query))


def child_for(db: Session, user: User, child_id: uuid.UUID) -> Child:
    """The child, if this user may see them. Another family's child is simply not found."""
    child = db.get(Child, child_id)
    if user.role == Role.family:
        if child is None or child.id not in {c.id for c in children_of_family_user(db, user)}:
            raise NotFound("No such child.")
        return child
    if user.role not in STAFF_WHO_SEE_CHILDREN:
        raise Forbidden("Your role does not give you access to children's records.")
    if child is None:
        raise NotFound("No such child.")
    return child
