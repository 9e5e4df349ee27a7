"""Events in the shared search index (the header search finds them by title, place, description).

Indexes the events that exist (kind "event", code 10 in models/search.py); new and changed
events follow on flush. The index table comes with the clients branch.

Revision ID: e4b7a2c19f08
Revises: a15a07cf35ee
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "e4b7a2c19f08"
down_revision = "a15a07cf35ee"
branch_labels = None
depends_on = "7c1e5a0d2b41"

KIND, CODE, ID_SPAN = "event", 10, 10_000_000_000
BATCH = 2000

events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("location", sa.String),
    sa.column("description", sa.Text),
)
documents = sa.table(
    "search_documents",
    sa.column("id", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("body", sa.Text),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _fold(text: str | None) -> str:
    # As models.people.fold: case-folded, ё as е (what the index and the queries use).
    return (text or "").casefold().replace("ё", "е")


def upgrade() -> None:
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for event_id, title, location, description in conn.execute(
            sa.select(events.c.id, events.c.title, events.c.location, events.c.description)):
        body = " ".join(_fold(p) for p in (location, description) if p)
        rows.append({"id": CODE * ID_SPAN + event_id, "kind": KIND, "object_id": event_id,
                     "title": _fold(title), "body": body, "updated_at": now})
        if len(rows) >= BATCH:
            conn.execute(documents.insert(), rows)
            rows = []
    if rows:
        conn.execute(documents.insert(), rows)


def downgrade() -> None:
    op.get_bind().execute(documents.delete().where(documents.c.kind == KIND))
