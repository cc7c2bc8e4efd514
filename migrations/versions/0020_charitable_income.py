"""Charitable income: donations, legacies, events, trading and trust grants, by fund.

Charitable income is posted money: never changed or deleted (a correction is a new record naming it).

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

from provider import db_triggers

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

MESSAGE = "posted money is never changed or deleted: record a correction that names it"


def upgrade() -> None:
    op.create_table('charitable_income',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('income_type', sa.String(length=20), nullable=False),
    sa.Column('sorp_head', sa.String(length=30), nullable=False),
    sa.Column('exchange', sa.Boolean(), nullable=False),
    sa.Column('fund_id', sa.Uuid(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('donor_ref', sa.String(length=200), nullable=False),
    sa.Column('gift_aid', sa.Boolean(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('corrects_id', sa.Uuid(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('amount_pence <> 0', name=op.f('ck_charitable_income_amount_not_zero')),
    sa.CheckConstraint('amount_pence > 0 OR corrects_id IS NOT NULL',
                       name=op.f('ck_charitable_income_negative_only_to_correct')),
    sa.ForeignKeyConstraint(['corrects_id'], ['charitable_income.id'],
                            name=op.f('fk_charitable_income_corrects_id_charitable_income')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_charitable_income_created_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['charitable_funds.id'],
                            name=op.f('fk_charitable_income_fund_id_charitable_funds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charitable_income')),
    sa.UniqueConstraint('external_id', name=op.f('uq_charitable_income_external_id'))
    )
    with op.batch_alter_table('charitable_income', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charitable_income_corrects_id'), ['corrects_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charitable_income_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charitable_income_received_on'), ['received_on'], unique=False)

    db_triggers.guard(op, "charitable_income", message=MESSAGE, function="money_immutable")


def downgrade() -> None:
    db_triggers.unguard(op, "charitable_income")
    with op.batch_alter_table('charitable_income', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charitable_income_received_on'))
        batch_op.drop_index(batch_op.f('ix_charitable_income_fund_id'))
        batch_op.drop_index(batch_op.f('ix_charitable_income_corrects_id'))

    op.drop_table('charitable_income')
