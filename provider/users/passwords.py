"""Password hashing with argon2."""
from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# Tests set LANTERN_PASSWORD_HASHING=fast; real deployments keep argon2's recommended profile.
_profile = profiles.CHEAPEST if os.environ.get("LANTERN_PASSWORD_HASHING") == "fast" else profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(_profile)
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    return None
