"""Bank lines keep the document numbers their reference and description name, read once at import instead of at
every look at the lines; the lines held already are read here.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

from provider.numbering import named_numbers

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

BATCH = 1000


def _fill(bind) -> None:
    table = sa.table('bank_lines', sa.column('id', sa.Uuid()), sa.column('reference', sa.String()),
                     sa.column('description', sa.Text()), sa.column('reference_numbers', sa.Text()),
                     sa.column('description_numbers', sa.Text()))
    lines = bind.execute(sa.select(table.c.id, table.c.reference, table.c.description))
    updates = [{"line_id": line_id, "in_reference": named_numbers(reference),
                "in_description": named_numbers(description)} for line_id, reference, description in lines]
    updates = [u for u in updates if u["in_reference"] or u["in_description"]]
    statement = (table.update().where(table.c.id == sa.bindparam('line_id'))
                 .values(reference_numbers=sa.bindparam('in_reference'),
                         description_numbers=sa.bindparam('in_description')))
    for start in range(0, len(updates), BATCH):
        bind.execute(statement, updates[start:start + BATCH])


def upgrade() -> None:
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_numbers', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('description_numbers', sa.Text(), nullable=False, server_default=''))
    _fill(op.get_bind())


def downgrade() -> None:
    # Plain DROP COLUMN on both engines (SQLite 3.35+): a batch rebuild would drop a table others refer to.
    op.drop_column('bank_lines', 'description_numbers')
    op.drop_column('bank_lines', 'reference_numbers')
