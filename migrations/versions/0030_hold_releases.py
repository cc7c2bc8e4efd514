"""A named decision that releases one document to a family under a bereavement hold; each share of a joint package
quotes its own payer's contract reference.

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hold_releases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('hold_id', sa.Uuid(), nullable=False),
    sa.Column('document_kind', sa.String(length=30), nullable=False),
    sa.Column('document_key', sa.String(length=200), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['hold_id'], ['bereavement_holds.id'],
                            name=op.f('fk_hold_releases_hold_id_bereavement_holds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hold_releases')),
    sa.UniqueConstraint('hold_id', 'document_kind', 'document_key', name='uq_hold_releases_document')
    )
    with op.batch_alter_table('hold_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_releases_hold_id'), ['hold_id'], unique=False)
    with op.batch_alter_table('arrangement_shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_reference', sa.String(length=60), nullable=True))


def downgrade() -> None:
    op.drop_column('arrangement_shares', 'contract_reference')   # plain DROP COLUMN: no table rebuilt
    with op.batch_alter_table('hold_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hold_releases_hold_id'))
    op.drop_table('hold_releases')
