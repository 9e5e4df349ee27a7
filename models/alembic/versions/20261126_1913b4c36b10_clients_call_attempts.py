"""clients: every call attempt as a row (today's counters, the whole history)

The counters "no answer", "could not talk", "talked" were columns of the interaction that never
went back to zero. Each attempt is now a row of interaction_attempts (who, when, what); the
counts shown are today's. Existing counts become attempts at the time the interaction was done
(else last changed), by the person responsible for it.

Revision ID: 1913b4c36b10
Revises: efb7d6aa720b
Create Date: 2026-11-26 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '1913b4c36b10'
down_revision = 'efb7d6aa720b'
branch_labels = None
depends_on = None

OUTCOMES = ('no_answer', 'could_not_talk', 'talked')


def upgrade() -> None:
    conn = op.get_bind()
    # The counts are kept aside while the interactions table loses its columns (SQLite
    # rebuilds the table, and a foreign key to it must not exist meanwhile).
    op.create_table('_attempts_copy',
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    )
    for outcome in OUTCOMES:
        most = conn.scalar(sa.text(f'SELECT max({outcome}) FROM interactions')) or 0
        for n in range(1, most + 1):
            conn.execute(sa.text(
                'INSERT INTO _attempts_copy (interaction_id, at, outcome, user_id) '
                f'SELECT id, coalesce(done_at, updated_at), :outcome, responsible_id '
                f'FROM interactions WHERE {outcome} >= :n'), {'outcome': outcome, 'n': n})
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        for outcome in OUTCOMES:
            batch_op.drop_column(outcome)
    with op.batch_alter_table('interactions_version', schema=None) as batch_op:
        for outcome in OUTCOMES:
            batch_op.drop_column(outcome)

    op.create_table('interaction_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_interaction_attempts_interaction_id_interactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interaction_attempts_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interaction_attempts'))
    )
    conn.execute(sa.text(
        'INSERT INTO interaction_attempts (interaction_id, at, outcome, user_id) '
        'SELECT interaction_id, at, outcome, user_id FROM _attempts_copy '
        'ORDER BY interaction_id, at'))
    op.drop_table('_attempts_copy')
    with op.batch_alter_table('interaction_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_interaction_attempts_interaction_at',
                              ['interaction_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('interactions_version', schema=None) as batch_op:
        for outcome in OUTCOMES:
            batch_op.add_column(sa.Column(outcome, sa.Integer(), autoincrement=False,
                                          nullable=True))
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        for outcome in OUTCOMES:
            batch_op.add_column(sa.Column(outcome, sa.Integer(), nullable=False,
                                          server_default='0'))
    conn = op.get_bind()
    for outcome in OUTCOMES:
        conn.execute(sa.text(
            f'UPDATE interactions SET {outcome} = (SELECT count(*) FROM interaction_attempts a '
            f'WHERE a.interaction_id = interactions.id AND a.outcome = :outcome)'),
            {'outcome': outcome})
    with op.batch_alter_table('interaction_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_attempts_interaction_at')
    op.drop_table('interaction_attempts')
