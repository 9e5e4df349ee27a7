"""clients: the list filtered by kind and stage, recently changed first

One index answers the page, its count and the filter of what a sales manager may see without
reading the rows: kind and stage are equalities, updated_at and id give the order, and the
department and manager (DESIGN §5's security filter) are read from the index itself.

Revision ID: 79ee49031efe
Revises: 9df90fac1b37
Create Date: 2026-12-03 09:00:00
"""
from alembic import op

revision = '79ee49031efe'
down_revision = '9df90fac1b37'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index('ix_organizations_kind_stage_updated',
                              ['kind', 'stage', 'updated_at', 'id', 'department_id',
                               'manager_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_kind_stage_updated')
