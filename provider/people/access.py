"""Who may reach which child: staff by role, a family user only the children staff granted them access to."""
from __future__ import annotations

import uuid

from sqlmodel import Session

from provider.errors import Forbidden, NotFound
from provider.people.family_access import grant_for, grants_of
from provider.people.models import Child
from provider.users.models import Role, User

STAFF_WHO_SEE_CHILDREN = (Role.finance, Role.coordinator)


def children_of_family_user(db: Session, user: User) -> list[Child]:
    """The children staff have granted this family user access to (being related is not enough)."""
    return [child for child, _ in grants_of(db, user)]


def child_for(db: Session, user: User, child_id: uuid.UUID, scope: str | None = None) -> Child:
    """The child, if this user may see them: a family user needs a grant, covering `scope` when one is named
    ("statements", "invoices", "bookings"). Another family's child is simply not found."""
    child = db.get(Child, child_id)
    if user.role == Role.family:
        grant_for(db, user, child_id, scope)
        return child
    if user.role not in STAFF_WHO_SEE_CHILDREN:
        raise Forbidden("Your role does not give you access to children's records.")
    if child is None:
        raise NotFound("No such child.")
    return child
