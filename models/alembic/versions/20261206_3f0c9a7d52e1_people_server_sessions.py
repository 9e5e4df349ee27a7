"""people: server-side sessions, log-in attempts refused by the throttle, failures per address

The cookie now carries only a random session id; the session (who, flash messages, the CSRF
token) lives in `sessions`, where log-out, a password change or deactivation ends it.
`login_attempts.refused` marks attempts the throttle refused without checking the password, and
an index on (remote_addr, at) counts an address's failures.

Revision ID: 3f0c9a7d52e1
Revises: 2612525d3650
Create Date: 2026-12-06 17:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3f0c9a7d52e1'
down_revision = '2612525d3650'
branch_labels = ('people',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('remote_addr', sa.String(length=50), nullable=False),
        sa.Column('user_agent', sa.String(length=300), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
        sa.UniqueConstraint('id_hash', name=op.f('uq_sessions_id_hash')),
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index('ix_sessions_user_id_ended_at', ['user_id', 'ended_at'], unique=False)
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.create_index('ix_login_attempts_remote_addr_at', ['remote_addr', 'at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_remote_addr_at')
        batch_op.drop_column('refused')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_user_id_ended_at')
        batch_op.drop_index(batch_op.f('ix_sessions_last_seen_at'))
    op.drop_table('sessions')
