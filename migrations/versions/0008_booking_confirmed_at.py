"""When a booking was confirmed: only a confirmed booking's cancellation can be charged.

Bookings already past the request stage are taken as confirmed when they were made.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE bookings SET confirmed_at = created_at WHERE status <> 'requested'")


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("confirmed_at")
