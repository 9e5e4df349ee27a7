"""mail_outbox: headers of mail to people outside the portal (a ticket's requester)

Revision ID: c41d7e9a2b68
Revises: 9a4c6e2f7d15
"""
import sqlalchemy as sa
from alembic import op

revision = "c41d7e9a2b68"
down_revision = "9a4c6e2f7d15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("headers")
