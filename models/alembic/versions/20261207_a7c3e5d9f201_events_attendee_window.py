"""Event attendees: copies of their event's window columns, indexed by person.

`short_start` is the event's `start_at` while it is short, `wide_until` its `series_end_at`
while it is wide (repeating or long); the other is NULL. A person's events of a day or a week
are then two ranges of their own invitations (ix_event_attendees_user_short,
ix_event_attendees_user_wide) instead of a walk over every event of the window and every
running series of the company: My day and the week of "my" calendar cost what the person has,
whatever the size of the company. The calendar keeps the copies in step (models/calendar.py).

Revision ID: a7c3e5d9f201
Revises: b7d3e9a41c52
"""
import sqlalchemy as sa
from alembic import op

revision = "a7c3e5d9f201"
down_revision = "b7d3e9a41c52"
branch_labels = None
depends_on = None

events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("wide", sa.Boolean),
    sa.column("start_at", sa.DateTime(timezone=True)),
    sa.column("series_end_at", sa.DateTime(timezone=True)),
)
attendees = sa.table(
    "event_attendees",
    sa.column("event_id", sa.Integer),
    sa.column("short_start", sa.DateTime(timezone=True)),
    sa.column("wide_until", sa.DateTime(timezone=True)),
)


def _of_event(column):
    return sa.select(column).where(events.c.id == attendees.c.event_id).scalar_subquery()


def upgrade() -> None:
    op.add_column("event_attendees", sa.Column("short_start", sa.DateTime(timezone=True), nullable=True))
    op.add_column("event_attendees", sa.Column("wide_until", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    short = sa.select(events.c.id).where(events.c.wide.is_(False))
    wide = sa.select(events.c.id).where(events.c.wide.is_(True))
    conn.execute(attendees.update().where(attendees.c.event_id.in_(short))
                 .values(short_start=_of_event(events.c.start_at)))
    conn.execute(attendees.update().where(attendees.c.event_id.in_(wide))
                 .values(wide_until=_of_event(events.c.series_end_at)))
    op.create_index("ix_event_attendees_user_short", "event_attendees",
                    ["user_id", "short_start", "event_id"], unique=False)
    op.create_index("ix_event_attendees_user_wide", "event_attendees",
                    ["user_id", "wide_until", "event_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_event_attendees_user_wide", table_name="event_attendees")
    op.drop_index("ix_event_attendees_user_short", table_name="event_attendees")
    with op.batch_alter_table("event_attendees") as batch:
        batch.drop_column("wide_until")
        batch.drop_column("short_start")
