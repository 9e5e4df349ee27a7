"""clients: interaction indexes for My day, the client timeline and the lists at scale

Revision ID: efb7d6aa720b
Revises: 7c1e5a0d2b41
Create Date: 2026-11-25 09:00:00
"""
from alembic import op

revision = 'efb7d6aa720b'
down_revision = '7c1e5a0d2b41'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_responsible_day')
        batch_op.drop_index('ix_interactions_organization_time')
        batch_op.drop_index('ix_interactions_contact_time')
        batch_op.drop_index('ix_interactions_author_time')
        batch_op.create_index('ix_interactions_responsible_day',
                              ['responsible_id', 'done_at', 'planned_at', 'kind'], unique=False)
        batch_op.create_index('ix_interactions_organization_day',
                              ['organization_id', 'done_at', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_contact_day',
                              ['contact_id', 'done_at', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_author_day',
                              ['author_id', 'done_at', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_state_time', ['done_at', 'planned_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_state_time')
        batch_op.drop_index('ix_interactions_author_day')
        batch_op.drop_index('ix_interactions_contact_day')
        batch_op.drop_index('ix_interactions_organization_day')
        batch_op.drop_index('ix_interactions_responsible_day')
        batch_op.create_index('ix_interactions_author_time', ['author_id', 'planned_at'],
                              unique=False)
        batch_op.create_index('ix_interactions_contact_time', ['contact_id', 'planned_at'],
                              unique=False)
        batch_op.create_index('ix_interactions_organization_time',
                              ['organization_id', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_responsible_day',
                              ['responsible_id', 'done_at', 'planned_at'], unique=False)
