"""Audit entity ids long enough for two-part keys (a fund and one of its services).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.String(40), type_=sa.String(80), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.String(80), type_=sa.String(40), existing_nullable=False)
