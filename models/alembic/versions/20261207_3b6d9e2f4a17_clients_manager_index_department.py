"""clients: the manager's index also holds the department

The client list's count of what a sales manager may see (the organizations of their
departments, and those of other departments they manage) is counted in two parts, each from an
index alone; the second part tests the department of the manager's organizations, which the
index now holds.

Revision ID: 3b6d9e2f4a17
Revises: 8e41c7b2d9f5
Create Date: 2026-12-07 19:30:00
"""
from alembic import op

revision = '3b6d9e2f4a17'
down_revision = '8e41c7b2d9f5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_manager_name')
        batch_op.create_index('ix_organizations_manager_name',
                              ['manager_id', 'name_key', 'department_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_manager_name')
        batch_op.create_index('ix_organizations_manager_name', ['manager_id', 'name_key'],
                              unique=False)
