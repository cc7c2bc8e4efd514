"""Allocations indexed by the day they count from: the income report reads a period's payments by it.

Revision ID: 0025
Revises: 0024
"""
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_allocated_on'), ['allocated_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_allocated_on'))
