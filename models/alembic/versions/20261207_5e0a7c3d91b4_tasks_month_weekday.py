"""Series of tasks repeating on a weekday of the month ("the 2nd Tuesday", "the last Friday"):
which one of the month and which weekday, on the series and its audit versions. Yearly series
need no column (the first day's month and day).

Revision ID: 5e0a7c3d91b4
Revises: fc2901b5fb2d
Create Date: 2026-12-07 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5e0a7c3d91b4"
down_revision = "fc2901b5fb2d"
branch_labels = None
depends_on = None

TABLES = ("task_recurrences", "task_recurrences_version")
COLUMNS = ("month_week", "month_weekday")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.add_column(sa.Column(column, sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.drop_column(column)
