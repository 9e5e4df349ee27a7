"""clients: the interactions list's "all I may see" tab at scale

To do and done get partial indexes instead of one on (done_at, planned_at), whose statistics
(rows per done_at value) made SQLite believe that few interactions are still to do; and so are
a department's to do and done, for those who see their department's interactions.

Revision ID: 9df90fac1b37
Revises: 6945dde1ee15
Create Date: 2026-11-28 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '9df90fac1b37'
down_revision = '6945dde1ee15'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_state_time')
        batch_op.create_index('ix_interactions_open_time', ['planned_at'], unique=False,
                              sqlite_where=sa.text('done_at IS NULL'),
                              postgresql_where=sa.text('done_at IS NULL'))
        batch_op.create_index('ix_interactions_done_time', ['done_at'], unique=False,
                              sqlite_where=sa.text('done_at IS NOT NULL'),
                              postgresql_where=sa.text('done_at IS NOT NULL'))
        batch_op.create_index('ix_interactions_department_open', ['department_id', 'planned_at'],
                              unique=False, sqlite_where=sa.text('done_at IS NULL'),
                              postgresql_where=sa.text('done_at IS NULL'))
        batch_op.create_index('ix_interactions_department_done', ['department_id', 'done_at'],
                              unique=False, sqlite_where=sa.text('done_at IS NOT NULL'),
                              postgresql_where=sa.text('done_at IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_department_done')
        batch_op.drop_index('ix_interactions_department_open')
        batch_op.drop_index('ix_interactions_done_time')
        batch_op.drop_index('ix_interactions_open_time')
        batch_op.create_index('ix_interactions_state_time', ['done_at', 'planned_at'],
                              unique=False)
