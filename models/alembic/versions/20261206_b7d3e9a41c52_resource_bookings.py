"""Resource bookings: every booked occurrence of a room stored, and overlaps refused by the
database (PostgreSQL: an exclusion constraint with btree_gist; SQLite: triggers that abort).

Existing bookings are filled in: each event that books rooms and is not cancelled, every
occurrence of a series (without its cancelled and changed ones). Should old data hold a double
booking (made before this guard), the earlier event keeps the room in the table and the later
one is left out of it, so the guard can be created; the calendar still shows both.

Revision ID: b7d3e9a41c52
Revises: 8c4f2a7d1e65
"""
import contextlib
import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from dateutil import rrule as du

revision = "b7d3e9a41c52"
down_revision = "8c4f2a7d1e65"
branch_labels = None
depends_on = None

TABLE = "resource_bookings"
EXCLUSION = "ex_resource_bookings_no_overlap"
SQLITE_REFUSAL = "resource_bookings: overlap"
POSTGRESQL_GUARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"ALTER TABLE {TABLE} ADD CONSTRAINT {EXCLUSION} EXCLUDE USING gist "
    "(resource WITH =, holder WITH <>, tstzrange(starts_at, ends_at, '[)') WITH &&)",
]
_SQLITE_OVERLAP = (
    f"SELECT RAISE(ABORT, '{SQLITE_REFUSAL}') WHERE EXISTS (SELECT 1 FROM {TABLE} b "
    "WHERE b.resource = NEW.resource AND b.holder <> NEW.holder "
    "AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at)"
)
SQLITE_GUARD = [
    f"CREATE TRIGGER tr_resource_bookings_insert BEFORE INSERT ON {TABLE} "
    f"BEGIN {_SQLITE_OVERLAP}; END",
    f"CREATE TRIGGER tr_resource_bookings_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN {_SQLITE_OVERLAP}; END",
]
UTC = dt.UTC


class UTCDateTime(sa.types.TypeDecorator):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("start_at", UTCDateTime),
    sa.column("end_at", UTCDateTime),
    sa.column("timezone", sa.String),
    sa.column("rrule", sa.Text),
    sa.column("exdates", sa.JSON),
    sa.column("status", sa.String),
    sa.column("series_id", sa.Integer),
    sa.column("recurrence_id", UTCDateTime),
)
event_rooms = sa.table("event_rooms", sa.column("event_id", sa.Integer), sa.column("room_id", sa.Integer))
bookings = sa.table(
    TABLE,
    sa.column("resource", sa.String),
    sa.column("holder", sa.String),
    sa.column("starts_at", UTCDateTime),
    sa.column("ends_at", UTCDateTime),
)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Europe/Moscow")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Moscow")


def _spans(row, skip) -> list:
    """The occurrences of an event as the calendar computes them (wall time of its zone)."""
    length = row.end_at - row.start_at
    if not row.rrule:
        return [(row.start_at, row.end_at)]
    tz = _zone(row.timezone)
    rule = du.rrulestr("RRULE:" + row.rrule, dtstart=row.start_at.astimezone(tz), cache=False)
    cancelled = set()
    for text in row.exdates or []:
        with contextlib.suppress(TypeError, ValueError):
            cancelled.add(dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
    out = []
    for local in rule:
        start = local.replace(tzinfo=tz).astimezone(UTC)
        if start not in cancelled and start not in skip:
            out.append((start, start + length))
    return out


def _fill() -> None:
    conn = op.get_bind()
    overridden = defaultdict(set)
    for series_id, recurrence_id in conn.execute(
        sa.select(events.c.series_id, events.c.recurrence_id).where(events.c.series_id.is_not(None))
    ):
        overridden[series_id].add(recurrence_id)
    rooms = defaultdict(list)
    for event_id, room_id in conn.execute(sa.select(event_rooms.c.event_id, event_rooms.c.room_id)):
        rooms[event_id].append(room_id)
    taken = defaultdict(list)
    rows = []
    for row in conn.execute(
        sa.select(events).where(events.c.id.in_(sorted(rooms)), events.c.status != "cancelled")
        .order_by(events.c.id)
    ):
        spans = _spans(row, overridden.get(row.id, set()))
        for room_id in sorted(set(rooms[row.id])):
            resource = f"room:{room_id}"
            if any(s < e2 and e > s2 for s, e in spans for s2, e2 in taken[resource]):
                continue  # an old double booking: the earlier event keeps the room
            taken[resource].extend(spans)
            rows += [{"resource": resource, "holder": f"event:{row.id}", "starts_at": s, "ends_at": e}
                     for s, e in spans if e > s]
    for i in range(0, len(rows), 2000):
        conn.execute(sa.insert(bookings), rows[i : i + 2000])


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_resource_bookings_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_bookings")),
    )
    op.create_index("ix_resource_bookings_holder", TABLE, ["holder"], unique=False)
    op.create_index("ix_resource_bookings_resource", TABLE, ["resource", "starts_at"], unique=False)
    _fill()
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_GUARD if dialect == "postgresql" else SQLITE_GUARD:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_resource_bookings_insert")
        op.execute("DROP TRIGGER IF EXISTS tr_resource_bookings_update")
    op.drop_index("ix_resource_bookings_resource", table_name=TABLE)
    op.drop_index("ix_resource_bookings_holder", table_name=TABLE)
    op.drop_table(TABLE)
