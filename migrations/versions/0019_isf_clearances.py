"""ISF clearances: lines of money out on the ISF client account's statement, matched to what they paid; and the
hospice's own service whose draw-downs serve an outcome of the child's plan.

Clearances are posted money: never changed or deleted.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

from provider import db_triggers

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

MESSAGE = "posted money is never changed or deleted: record a correction that names it"


def upgrade() -> None:
    op.create_table('isf_clearances',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('bank_line_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('spend_id', sa.Uuid(), nullable=True),
    sa.Column('pence', sa.Integer(), nullable=False),
    sa.Column('cleared_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('pence > 0', name=op.f('ck_isf_clearances_pence_positive')),
    sa.ForeignKeyConstraint(['bank_line_id'], ['bank_lines.id'], name=op.f('fk_isf_clearances_bank_line_id_bank_lines')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_isf_clearances_created_by_id_users')),
    sa.ForeignKeyConstraint(['spend_id'], ['isf_spend.id'], name=op.f('fk_isf_clearances_spend_id_isf_spend')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_isf_clearances')),
    sa.UniqueConstraint('bank_line_id', name=op.f('uq_isf_clearances_bank_line_id')),
    sa.UniqueConstraint('spend_id', name=op.f('uq_isf_clearances_spend_id'))
    )
    with op.batch_alter_table('isf_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_isf_outcomes_service_id_services'), 'services', ['service_id'],
                                    ['id'])
    db_triggers.guard(op, "isf_clearances", message=MESSAGE, function="money_immutable")


def downgrade() -> None:
    db_triggers.unguard(op, "isf_clearances")
    op.drop_table('isf_clearances')
    with op.batch_alter_table('isf_outcomes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_isf_outcomes_service_id_services'), type_='foreignkey')
        batch_op.drop_column('service_id')
