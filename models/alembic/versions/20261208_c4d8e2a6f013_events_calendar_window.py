"""calendar: the window's ranges within one calendar

A month of one's own calendar, the company's and one's departments' was found by reading every
event of the whole company's window (tens of thousands in a month) and testing each against the
chosen calendars. The company's and a department's events of a window are now two index ranges
of their own.

Revision ID: c4d8e2a6f013
Revises: a7c3e5d9f201
Create Date: 2026-12-08 00:00:00
"""
from alembic import op

revision = 'c4d8e2a6f013'
down_revision = 'a7c3e5d9f201'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_department_window', 'events',
                    ['department_id', 'wide', 'start_at', 'end_at'], unique=False)
    op.create_index('ix_events_calendar_window', 'events',
                    ['calendar', 'wide', 'start_at', 'end_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_events_calendar_window', table_name='events')
    op.drop_index('ix_events_department_window', table_name='events')
