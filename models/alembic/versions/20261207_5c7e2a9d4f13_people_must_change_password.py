"""people: a person must choose a new password at their next log-in

Set when an admin gives a one-time password or ticks "require a new password at next log-in";
until it is cleared, every page sends the person to the password change page. Versioned with
the rest of the person (users_version), so the audit log shows who required it.

Revision ID: 5c7e2a9d4f13
Revises: 6d2f0a8c41e7
Create Date: 2026-12-07 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5c7e2a9d4f13'
down_revision = '6d2f0a8c41e7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table: other tables' triggers and foreign keys
    # name `users`, and SQLite adds a column with a constant default in place).
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column('users_version', sa.Column('must_change_password', sa.Boolean(),
                                             autoincrement=False, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users_version', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
