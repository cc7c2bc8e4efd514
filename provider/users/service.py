"""Creating users, changing them, signing them in. Validation first; nothing is written on refusal."""
from __future__ import annotations

import uuid

from sqlmodel import Session, select

from provider.base import utcnow
from provider.errors import FieldErrors, NotFound, validate
from provider.users import sign_ins
from provider.users.models import User
from provider.users.passwords import hash_password, password_problem, verify_password
from provider.users.schemas import UserCreate, UserUpdate

_DUMMY_HASH = hash_password("not-a-real-password-just-timing")


def find_by_email(db: Session, email: str) -> User | None:
    return db.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(db: Session, data: dict, *, password_hash: str | None = None) -> User:
    """A new user; `password_hash` is the password's hash when the caller has made it already (the demo's users
    share one published password)."""
    shape: UserCreate = validate(UserCreate, data)
    email = shape.email.lower()
    if find_by_email(db, email) is not None:
        raise FieldErrors({"email": "is already used by another user"})
    user = User(email=email, name=shape.name, role=shape.role,
                password_hash=password_hash or hash_password(shape.password))
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, user: User, data: dict, *, actor: User) -> User:
    shape: UserUpdate = validate(UserUpdate, data)
    changes = shape.model_dump(exclude_unset=True)
    if user.id == actor.id and (changes.get("role", user.role) != user.role or changes.get("is_active") is False):
        raise FieldErrors({"role": "you cannot change your own role or switch off your own account"})
    switched_off = user.is_active and changes.get("is_active") is False
    for key, value in changes.items():
        if value is not None:
            setattr(user, key, value)
    db.add(user)
    db.flush()
    if switched_off:
        sign_ins.end_every_sign_in(db, user, sign_ins.SWITCHED_OFF, utcnow())
    return user


def set_password(db: Session, user: User, password: str) -> None:
    """A new password; every session and token of the user ends with the old one."""
    problem = password_problem(password or "")
    if problem:
        raise FieldErrors({"password": problem})
    user.password_hash = hash_password(password)
    db.add(user)
    sign_ins.end_every_sign_in(db, user, sign_ins.PASSWORD_CHANGED, utcnow())


def authenticate(db: Session, email: str, password: str) -> User | None:
    user = find_by_email(db, email) if email else None
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)  # same work either way: no hint that the address exists
        return None
    return user if verify_password(user.password_hash, password) else None


def get_user(db: Session, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users(db: Session) -> list[User]:
    return list(db.exec(select(User).order_by(User.role, User.name)))
