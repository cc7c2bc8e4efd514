"""What became of each attempt handed to the mail server: sent, or failed with the reason; kept, never changed.

An attempt (a row of sent_messages) is committed before it is handed over, so one with no outcome was interrupted.

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op

from provider import db_triggers

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

MESSAGE = "a record of what was sent is never changed or deleted"   # as migration 0011 guards sent_messages


def upgrade() -> None:
    op.create_table('message_outcomes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['sent_messages.id'],
                            name=op.f('fk_message_outcomes_message_id_sent_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_outcomes')),
    sa.UniqueConstraint('message_id', name=op.f('uq_message_outcomes_message_id'))
    )
    db_triggers.guard(op, "message_outcomes", message=MESSAGE, function="document_immutable")


def downgrade() -> None:
    db_triggers.unguard(op, "message_outcomes")
    op.drop_table('message_outcomes')
