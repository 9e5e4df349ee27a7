"""tickets: the order of the open lists as a column of its own (urgent_at), with the indexes
the lists read through; filled for the open tickets there are.

Revision ID: 5e8b1c3d9f20
Revises: 0088c54652a7
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

OPEN_STATES = ("new", "assigned", "in_progress", "waiting_customer", "waiting_third_party")
NO_TARGET = dt.timedelta(days=3650)


revision = '5e8b1c3d9f20'
down_revision = '0088c54652a7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f('ix_tickets_assignee_state_due'))
        batch_op.drop_index(batch_op.f('ix_tickets_department_state'))
        batch_op.drop_index(batch_op.f('ix_tickets_queue_state_due'))
        batch_op.create_index('ix_tickets_assignee_urgent', ['assignee_id', 'urgent_at'], unique=False)
        batch_op.create_index('ix_tickets_created', ['created_at'], unique=False)
        batch_op.create_index('ix_tickets_department_urgent', ['department_id', 'urgent_at'], unique=False)
        batch_op.create_index('ix_tickets_queue_urgent', ['queue_id', 'urgent_at'], unique=False)
        batch_op.create_index('ix_tickets_state_urgent', ['state', 'urgent_at'], unique=False)
        batch_op.create_index('ix_tickets_urgent', ['urgent_at'], unique=False)

    with op.batch_alter_table('tickets_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True))

    _fill()


def _fill() -> None:
    """urgent_at of the open tickets: the first-response target until the first response,
    then the resolution target, else ten years after creation."""
    tickets = sa.table("tickets", sa.column("id", sa.Integer),
                       sa.column("state", sa.String),
                       sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("first_response_at", sa.DateTime(timezone=True)),
                       sa.column("first_response_due_at", sa.DateTime(timezone=True)),
                       sa.column("resolution_due_at", sa.DateTime(timezone=True)),
                       sa.column("urgent_at", sa.DateTime(timezone=True)))
    conn = op.get_bind()
    rows = conn.execute(sa.select(tickets.c.id, tickets.c.created_at, tickets.c.first_response_at,
                                  tickets.c.first_response_due_at, tickets.c.resolution_due_at)
                        .where(tickets.c.state.in_(OPEN_STATES))).all()
    for ticket_id, created, first_at, first_due, resolution_due in rows:
        if isinstance(created, str):  # SQLite without the model's type
            created = dt.datetime.fromisoformat(created)
        urgent = (first_due if first_at is None and first_due is not None
                  else resolution_due if resolution_due is not None else created + NO_TARGET)
        conn.execute(sa.update(tickets).where(tickets.c.id == ticket_id).values(urgent_at=urgent))


def downgrade() -> None:
    with op.batch_alter_table('tickets_version', schema=None) as batch_op:
        batch_op.drop_column('urgent_at')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_urgent')
        batch_op.drop_index('ix_tickets_state_urgent')
        batch_op.drop_index('ix_tickets_queue_urgent')
        batch_op.drop_index('ix_tickets_department_urgent')
        batch_op.drop_index('ix_tickets_created')
        batch_op.drop_index('ix_tickets_assignee_urgent')
        batch_op.create_index(batch_op.f('ix_tickets_queue_state_due'), ['queue_id', 'state', 'resolution_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_department_state'), ['department_id', 'state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_assignee_state_due'), ['assignee_id', 'state', 'resolution_due_at'], unique=False)
        batch_op.drop_column('urgent_at')

