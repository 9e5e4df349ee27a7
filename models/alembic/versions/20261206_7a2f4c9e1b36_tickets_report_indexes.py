"""tickets: indexes of the reports' periods (resolved, rated)

Revision ID: 7a2f4c9e1b36
Revises: 5e8b1c3d9f20
"""
from alembic import op

revision = '7a2f4c9e1b36'
down_revision = '5e8b1c3d9f20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_rated', ['rated_at'], unique=False)
        batch_op.create_index('ix_tickets_resolved', ['resolved_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_resolved')
        batch_op.drop_index('ix_tickets_rated')

