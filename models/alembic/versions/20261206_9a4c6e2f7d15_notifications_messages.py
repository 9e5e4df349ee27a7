"""notifications: stored as a message id and its parameters, rendered when read

`notifications` and `mail_outbox` get `message`/`params` (the title's message id in the
"portal" domain and its parameters, JSON) and `body_message`/`body_params`. The page, the
bell, My day and the e-mails render them in the reader's language and time zone when they are
read or sent. Rows written before keep only `title`/`body` and are shown as they were stored:
nothing is rewritten.

Revision ID: 9a4c6e2f7d15
Revises: 2612525d3650
Create Date: 2026-12-06 21:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '9a4c6e2f7d15'
down_revision = '2612525d3650'
branch_labels = ('notifications',)
# mail_outbox is made by the tasks branch's first revision.
depends_on = 'b7d4e2f1a9c3'

TABLES = ('notifications', 'mail_outbox')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column('body_message', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('body_params', sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('body_params')
            batch_op.drop_column('body_message')
            batch_op.drop_column('params')
            batch_op.drop_column('message')
