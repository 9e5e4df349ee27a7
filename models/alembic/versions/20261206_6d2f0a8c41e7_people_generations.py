"""people: generations of the role matrix and department tree, KB folders and client lists

A row per kind of widely read, rarely changed data with a random token that every change to
that data replaces in its transaction, so that processes may keep the data in memory and read
only the token with each request (models/generations.py).

Revision ID: 6d2f0a8c41e7
Revises: 3f0c9a7d52e1
Create Date: 2026-12-06 19:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '6d2f0a8c41e7'
down_revision = '3f0c9a7d52e1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'generations',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_generations')),
    )
    op.bulk_insert(table, [{"name": name, "token": secrets.token_hex(16)}
                           for name in ("security", "kb_tree", "classifiers")])


def downgrade() -> None:
    op.drop_table('generations')
