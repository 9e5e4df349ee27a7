"""calendar: a person's window indexes of invitations hold the answer

A team's week (who of thirty people attends what) is read from the people's own invitations,
not from the whole company's window; the two window indexes of invitations now hold the answer
too, so a declined invitation is left out without reading its row.

Revision ID: d5e9f3b7a024
Revises: c4d8e2a6f013
Create Date: 2026-12-08 00:30:00
"""
from alembic import op

revision = 'd5e9f3b7a024'
down_revision = 'c4d8e2a6f013'
branch_labels = None
depends_on = None

INDEXES = (("ix_event_attendees_user_short", "short_start"),
           ("ix_event_attendees_user_wide", "wide_until"))


def upgrade() -> None:
    for name, column in INDEXES:
        op.drop_index(name, table_name='event_attendees')
        op.create_index(name, 'event_attendees', ['user_id', column, 'event_id', 'answer'],
                        unique=False)


def downgrade() -> None:
    for name, column in INDEXES:
        op.drop_index(name, table_name='event_attendees')
        op.create_index(name, 'event_attendees', ['user_id', column, 'event_id'], unique=False)
