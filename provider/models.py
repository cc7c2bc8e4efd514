"""Imports every table so that SQLModel.metadata (and so Alembic) knows them all."""
from provider.audit.models import AuditEvent  # noqa: F401
from provider.base import SystemState  # noqa: F401
from provider.catalogue.models import PricePeriod, Service  # noqa: F401
from provider.funders.models import CharitableFund, Funder, FunderCode, FunderDepartment, FundService  # noqa: F401
from provider.organisation.models import BankAccount, Holiday, ProviderSettings  # noqa: F401
from provider.people.models import Child, ChildRelationship, FamilyMember, Nomination, Nominee  # noqa: F401
from provider.users.models import ApiToken, LoginSession, User  # noqa: F401
