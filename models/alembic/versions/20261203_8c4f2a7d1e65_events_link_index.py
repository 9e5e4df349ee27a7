"""Events: an index on what an event is about (a client, a contact, a ticket, a job).

The client card lists the events about the client; without it that read walks every event.

Revision ID: 8c4f2a7d1e65
Revises: 5b8d1f3e7a90
"""
from alembic import op

revision = "8c4f2a7d1e65"
down_revision = "5b8d1f3e7a90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_link", "events", ["link_type", "link_id", "start_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_link", table_name="events")
