"""Bookings of a resource over time, refused by the database when they overlap.

A resource (a meeting room, a piece of equipment, later a technician on the dispatch board) is
booked by a holder (an event, later a job) for time ranges [starts_at, ends_at). Each stored
range is a row of `resource_bookings`; the database itself refuses a row that overlaps another
row of the same resource held by someone else, so two people booking at the same instant cannot
both win, whatever the Python checks before it saw:

- PostgreSQL: an exclusion constraint (btree_gist) over the resource and `tstzrange`;
- SQLite: triggers that abort an insert or update meeting an overlap. SQLite has one writer at a
  time and the trigger runs inside the write, so the check and the write are one step.

`book()` replaces a holder's ranges and turns the database's refusal into `OverlapRefused`
(naming the resource), which the area turns into its own clear message. The area keeps its
friendly pre-check naming the clashing booking; this is what holds when two checks race.
Ranges of one holder may touch or overlap each other (a series and its moved occurrence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import Base, UTCDateTime

TABLE = "resource_bookings"
EXCLUSION = "ex_resource_bookings_no_overlap"
# The messages the SQLite triggers abort with; recognised in `book`.
SQLITE_REFUSAL = "resource_bookings: overlap"


class ResourceBooking(Base):
    """One stored range during which `resource` (e.g. "room:3") is taken by `holder` (e.g.
    "event:17"); one row per occurrence."""

    __tablename__ = TABLE
    __table_args__ = (
        sa.Index("ix_resource_bookings_resource", "resource", "starts_at"),
        sa.Index("ix_resource_bookings_holder", "holder"),
        sa.CheckConstraint("ends_at > starts_at", name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(40))
    holder: Mapped[str] = mapped_column(sa.String(40))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def key(kind: str, id_: int) -> str:
    """The name of a resource or a holder in the table: "room:3", "event:17"."""
    return f"{kind}:{id_}"


# The database-side guard, the same DDL as the revision that adds the table (so a database made
# from the models, e.g. by create_all, refuses overlaps too).
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
for _statement in POSTGRESQL_GUARD:
    sa.event.listen(ResourceBooking.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_GUARD:
    sa.event.listen(ResourceBooking.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="sqlite"))


class OverlapRefused(Exception):
    """The database refused a booking: `resource` is taken by someone else then."""

    def __init__(self, resource: str):
        super().__init__(resource)
        self.resource = resource


def is_overlap(error: sa.exc.DBAPIError) -> bool:
    """Whether a database error is the guard refusing an overlap (and not another fault)."""
    text = str(getattr(error, "orig", error))
    return EXCLUSION in text or SQLITE_REFUSAL in text


def unbook(dbsession, holders: Iterable[str]) -> None:
    """Free everything these holders have booked."""
    holders = sorted(set(holders))
    if holders:
        dbsession.execute(sa.delete(ResourceBooking).where(ResourceBooking.holder.in_(holders)))


def book(dbsession, holder: str, ranges: dict[str, list[tuple[dt.datetime, dt.datetime]]]) -> None:
    """Make the holder's bookings exactly `ranges` ({resource: [(start, end)]}, UTC); raises
    OverlapRefused when another holder has one of them, leaving the holder's bookings as they
    were and the transaction usable."""
    table = ResourceBooking.__table__
    old = dbsession.scalar(sa.select(sa.func.max(table.c.id)).where(table.c.holder == holder))
    postgresql = dbsession.bind.dialect.name == "postgresql"
    # PostgreSQL: a refused insert spoils the whole transaction, and the refusal is then shown
    # on a page that still reads the database: a savepoint keeps it usable. SQLite aborts only
    # the refused statement (and a savepoint opening the transaction would commit on release).
    savepoint = dbsession.begin_nested() if postgresql else None
    try:
        # New rows first, then the old ones go: a holder never clashes with itself, and a
        # refusal leaves the old rows as they were.
        for resource in sorted(ranges):
            rows = [{"resource": resource, "holder": holder, "starts_at": s, "ends_at": e}
                    for s, e in sorted(set(ranges[resource])) if e > s]
            if not rows:
                continue
            try:
                dbsession.execute(sa.insert(table), rows)
            except sa.exc.DBAPIError as error:
                if is_overlap(error):
                    raise OverlapRefused(resource) from error
                raise
        if old is not None:
            dbsession.execute(sa.delete(table).where(table.c.holder == holder, table.c.id <= old))
    except BaseException:
        if savepoint is not None:
            savepoint.rollback()
        else:
            dbsession.execute(sa.delete(table).where(
                table.c.holder == holder, table.c.id > (old if old is not None else 0)))
        raise
    if savepoint is not None:
        savepoint.commit()
