"""clients: the activity report read from indexes alone

The activity report groups a period's interactions by responsible person, organization or
kind: what was planned in the period (with whether done or overdue) and what was done in it.
Both are now read from an index that holds those columns, not from the rows themselves (a
month of a big company is tens of thousands of rows scattered over the table):
`ix_interactions_planned_time` (new) and `ix_interactions_done_time`, which the list of done
interactions walks as before and now carries the same columns.

Revision ID: ebd4cce602d6
Revises: 4a7c2e91d0b3
Create Date: 2026-12-05 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'ebd4cce602d6'
down_revision = '4a7c2e91d0b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_planned_time',
                              ['planned_at', 'organization_id', 'responsible_id', 'kind',
                               'done_at'], unique=False)
        batch_op.drop_index('ix_interactions_done_time')
        batch_op.create_index('ix_interactions_done_time',
                              ['done_at', 'organization_id', 'responsible_id', 'kind'],
                              unique=False, sqlite_where=sa.text('done_at IS NOT NULL'),
                              postgresql_where=sa.text('done_at IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_done_time')
        batch_op.create_index('ix_interactions_done_time', ['done_at'], unique=False,
                              sqlite_where=sa.text('done_at IS NOT NULL'),
                              postgresql_where=sa.text('done_at IS NOT NULL'))
        batch_op.drop_index('ix_interactions_planned_time')
