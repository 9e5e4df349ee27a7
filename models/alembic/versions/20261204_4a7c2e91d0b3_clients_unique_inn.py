"""clients: one organization per INN, held by the database

The application refused a second organization with the same INN, but two saves at the same
moment could both pass its check. A unique index over the known INNs (an unknown one, "", may
repeat) makes the later one fail; the forms and the import then say which organization has it.

An existing database with such duplicates cannot take the index: the upgrade stops and lists
them, to be merged (Clients → the card → Merge) or corrected first.

Revision ID: 4a7c2e91d0b3
Revises: 79ee49031efe
Create Date: 2026-12-04 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '4a7c2e91d0b3'
down_revision = '79ee49031efe'
branch_labels = None
depends_on = None

SHOWN = 20


def upgrade() -> None:
    duplicates = op.get_bind().execute(sa.text(
        "SELECT inn, COUNT(*) AS n, MIN(id) AS first_id, MAX(id) AS last_id "
        "FROM organizations WHERE inn != '' GROUP BY inn HAVING COUNT(*) > 1 ORDER BY inn"
    )).all()
    if duplicates:
        listed = "; ".join(f"INN {row.inn}: {row.n} organizations (ids {row.first_id}…"
                           f"{row.last_id})" for row in duplicates[:SHOWN])
        more = f"; and {len(duplicates) - SHOWN} more INNs" if len(duplicates) > SHOWN else ""
        raise RuntimeError(
            f"Cannot make the INN unique: {len(duplicates)} INNs belong to more than one "
            f"organization ({listed}{more}). Merge those organizations or correct their INN, "
            "then upgrade again.")
    op.create_index('uq_organizations_inn', 'organizations', ['inn'], unique=True,
                    sqlite_where=sa.text("inn != ''"), postgresql_where=sa.text("inn != ''"))


def downgrade() -> None:
    op.drop_index('uq_organizations_inn', table_name='organizations')
