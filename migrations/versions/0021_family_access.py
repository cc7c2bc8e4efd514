"""Family access: what each family member may see of each child, on what basis; their questions to the key worker;
single-use emailed links (invitations and password resets).

A family member with a login and parental responsibility already saw their child's records: they keep that, as a
grant on the basis of parental responsibility with every scope, which staff can then narrow.

Revision ID: 0021
Revises: 0020
"""
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('emailed_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family_member_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_emailed_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['family_member_id'], ['family_members.id'], name=op.f('fk_emailed_links_family_member_id_family_members')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_emailed_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emailed_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_emailed_links_token_hash'))
    )
    with op.batch_alter_table('emailed_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emailed_links_family_member_id'), ['family_member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emailed_links_user_id'), ['user_id'], unique=False)

    op.create_table('family_access',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('family_member_id', sa.Uuid(), nullable=False),
    sa.Column('basis', sa.String(length=30), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=True),
    sa.Column('statements', sa.Boolean(), nullable=False),
    sa.Column('invoices', sa.Boolean(), nullable=False),
    sa.Column('bookings', sa.Boolean(), nullable=False),
    sa.Column('address_withheld', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('granted_by_id', sa.Uuid(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_family_access_child_id_children')),
    sa.ForeignKeyConstraint(['family_member_id'], ['family_members.id'], name=op.f('fk_family_access_family_member_id_family_members')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_family_access_granted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_access')),
    sa.UniqueConstraint('child_id', 'family_member_id', name='uq_family_access_pair')
    )
    with op.batch_alter_table('family_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_access_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_access_family_member_id'), ['family_member_id'], unique=False)

    op.create_table('family_questions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('asked_by_id', sa.Uuid(), nullable=False),
    sa.Column('key_worker_id', sa.Uuid(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_family_questions_answered_by_id_users')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_family_questions_asked_by_id_users')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_family_questions_child_id_children')),
    sa.ForeignKeyConstraint(['key_worker_id'], ['users.id'], name=op.f('fk_family_questions_key_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_questions'))
    )
    with op.batch_alter_table('family_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_questions_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_questions_key_worker_id'), ['key_worker_id'], unique=False)

    connection = op.get_bind()
    pairs = connection.execute(sa.text(
        "SELECT r.child_id, r.family_member_id FROM child_relationships r "
        "JOIN family_members m ON m.id = r.family_member_id "
        "WHERE m.user_id IS NOT NULL AND r.parental_responsibility")).all()
    access = sa.table('family_access', sa.column('id', sa.Uuid()), sa.column('child_id', sa.Uuid()),
                      sa.column('family_member_id', sa.Uuid()), sa.column('basis', sa.String()),
                      sa.column('statements', sa.Boolean()), sa.column('invoices', sa.Boolean()),
                      sa.column('bookings', sa.Boolean()), sa.column('address_withheld', sa.Boolean()),
                      sa.column('note', sa.Text()), sa.column('granted_at', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    op.bulk_insert(access, [{"id": uuid.uuid4(), "child_id": child_id, "family_member_id": member_id,
                             "basis": "parental_responsibility", "statements": True, "invoices": True,
                             "bookings": True, "address_withheld": False,
                             "note": "Granted when family access was introduced: parental responsibility",
                             "granted_at": now} for child_id, member_id in
                             ((uuid.UUID(str(c)), uuid.UUID(str(m))) for c, m in pairs)])


def downgrade() -> None:
    with op.batch_alter_table('family_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_questions_key_worker_id'))
        batch_op.drop_index(batch_op.f('ix_family_questions_child_id'))

    op.drop_table('family_questions')
    with op.batch_alter_table('family_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_access_family_member_id'))
        batch_op.drop_index(batch_op.f('ix_family_access_child_id'))

    op.drop_table('family_access')
    with op.batch_alter_table('emailed_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emailed_links_user_id'))
        batch_op.drop_index(batch_op.f('ix_emailed_links_family_member_id'))

    op.drop_table('emailed_links')
