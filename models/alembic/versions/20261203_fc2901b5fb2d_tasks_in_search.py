"""Tasks in the shared search index: found by the words of their title (header search, lists).

Indexes the tasks that exist (kind "task", code 4 in models/search.py); new tasks and changed
titles follow on flush. Searching the folded title with LIKE read every task of the table for
each query. The index table comes with the clients branch.

Revision ID: fc2901b5fb2d
Revises: c3e91f6a2d57
Create Date: 2026-12-03 10:00:00
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "fc2901b5fb2d"
down_revision = "c3e91f6a2d57"
branch_labels = None
depends_on = "7c1e5a0d2b41"

KIND, CODE, ID_SPAN = "task", 4, 10_000_000_000
BATCH = 5000

tasks = sa.table("tasks", sa.column("id", sa.Integer), sa.column("title", sa.String))
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
    for task_id, title in conn.execute(sa.select(tasks.c.id, tasks.c.title)).all():
        rows.append({"id": CODE * ID_SPAN + task_id, "kind": KIND, "object_id": task_id,
                     "title": _fold(title), "body": "", "updated_at": now})
        if len(rows) >= BATCH:
            conn.execute(documents.insert(), rows)
            rows = []
    if rows:
        conn.execute(documents.insert(), rows)


def downgrade() -> None:
    op.get_bind().execute(documents.delete().where(documents.c.kind == KIND))
