"""kb: review rules of a folder and changes of published articles waiting for review

A folder may require a second person to publish (`publish_needs_other`) and may send changes of
published articles through review (`edits_reviewed`); an article points to its change waiting for
review (`pending_version`); a version says how it went live (`review`: "", "in_review",
"rejected", "replaced", "unreviewed"). The folders' and articles' recorded states
(`*_version`) carry the new columns too, so the audit log shows who changed the rules.

Revision ID: 8b2e5d7a3c19
Revises: 951ba8b3d41b
Create Date: 2026-12-07 03:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8b2e5d7a3c19'
down_revision = '951ba8b3d41b'
branch_labels = None
depends_on = None

COLUMNS = [
    ('kb_folders', 'publish_needs_other', sa.Boolean, sa.false()),
    ('kb_folders', 'edits_reviewed', sa.Boolean, sa.false()),
    ('kb_articles', 'pending_version', sa.Integer, None),
    ('kb_article_versions', 'review', lambda: sa.String(length=20), ''),
]


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite adds a column with a constant default in place.
    for table, name, type_, default in COLUMNS:
        if default is None:
            op.add_column(table, sa.Column(name, type_(), nullable=True))
        else:
            op.add_column(table, sa.Column(name, type_(), nullable=False, server_default=default))
        op.add_column(f'{table}_version', sa.Column(name, type_(), autoincrement=False, nullable=True))


def downgrade() -> None:
    for table, name, _type, _default in reversed(COLUMNS):
        for target in (f'{table}_version', table):
            with op.batch_alter_table(target, schema=None) as batch_op:
                batch_op.drop_column(name)
