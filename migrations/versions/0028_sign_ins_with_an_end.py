"""Tokens and sessions with an end: each user's sign-in epoch and two-factor enrolment time; each session's and
token's epoch; each token's expiry, last use and why it was ended. Tokens made before get 90 days from their making.
A user whose two-factor sign-in is already on counts as enrolled from now: their tokens made before cannot be shown to
have passed the second step, so they stop working, and new ones work.

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_in_epoch', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('two_factor_since', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('epoch', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('epoch', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=100), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE api_tokens SET expires_at = created_at + interval '90 days'")
        op.execute("UPDATE users SET two_factor_since = now() WHERE totp_secret IS NOT NULL")
    else:
        op.execute("UPDATE api_tokens SET expires_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '+90 days')")
        op.execute("UPDATE users SET two_factor_since = strftime('%Y-%m-%d %H:%M:%f', 'now') "
                   "WHERE totp_secret IS NOT NULL")
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    # Plain DROP COLUMN on both engines (SQLite 3.35+): a batch rebuild of `users` would drop a table others refer to.
    for table, column in [('api_tokens', 'revoked_reason'), ('api_tokens', 'epoch'), ('api_tokens', 'last_used_at'),
                          ('api_tokens', 'expires_at'), ('login_sessions', 'epoch'), ('users', 'two_factor_since'),
                          ('users', 'sign_in_epoch')]:
        op.drop_column(table, column)
