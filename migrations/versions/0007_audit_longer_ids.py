"""Audit entity ids long enough for a child's own priority (a child id and an arrangement reference).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.String(80), type_=sa.String(120), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("entity_id", existing_type=sa.String(120), type_=sa.String(80), existing_nullable=False)
