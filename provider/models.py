"""Imports every table so that SQLModel.metadata (and so Alembic) knows them all."""
from provider.audit.models import AuditEvent  # noqa: F401
from provider.base import SystemState  # noqa: F401
from provider.users.models import ApiToken, LoginSession, User  # noqa: F401
