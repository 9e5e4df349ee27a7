"""Task checklists, comments, watchers and attachments in the audit log.

Their changes are recorded (SQLAlchemy-Continuum version tables) so that a task's page and the
admin audit log tell them in words. Comments and watchers get a single-column task index, which
their version tables copy.

Revision ID: c3e91f6a2d57
Revises: b7d4e2f1a9c3
"""
import sqlalchemy as sa
from alembic import op

revision = "c3e91f6a2d57"
down_revision = "b7d4e2f1a9c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_attachments_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('task_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('uploader_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('filename', sa.String(length=255), autoincrement=False, nullable=True),
    sa.Column('content_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('size', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('sha256', sa.String(length=64), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_task_attachments_version'))
    )
    op.create_index(op.f('ix_task_attachments_version_end_transaction_id'), 'task_attachments_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_attachments_version_operation_type'), 'task_attachments_version', ['operation_type'], unique=False)
    op.create_index('ix_task_attachments_version_pk_transaction_id', 'task_attachments_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_task_attachments_version_pk_validity', 'task_attachments_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_attachments_version_task_id'), 'task_attachments_version', ['task_id'], unique=False)
    op.create_index(op.f('ix_task_attachments_version_transaction_id'), 'task_attachments_version', ['transaction_id'], unique=False)
    op.create_table('task_checklist_items_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('task_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('text', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('done', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('done_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_task_checklist_items_version'))
    )
    op.create_index(op.f('ix_task_checklist_items_version_end_transaction_id'), 'task_checklist_items_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_checklist_items_version_operation_type'), 'task_checklist_items_version', ['operation_type'], unique=False)
    op.create_index('ix_task_checklist_items_version_pk_transaction_id', 'task_checklist_items_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_task_checklist_items_version_pk_validity', 'task_checklist_items_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_checklist_items_version_task_id'), 'task_checklist_items_version', ['task_id'], unique=False)
    op.create_index(op.f('ix_task_checklist_items_version_transaction_id'), 'task_checklist_items_version', ['transaction_id'], unique=False)
    op.create_table('task_comments_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('task_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('body', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_task_comments_version'))
    )
    op.create_index(op.f('ix_task_comments_version_author_id'), 'task_comments_version', ['author_id'], unique=False)
    op.create_index(op.f('ix_task_comments_version_end_transaction_id'), 'task_comments_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_comments_version_operation_type'), 'task_comments_version', ['operation_type'], unique=False)
    op.create_index('ix_task_comments_version_pk_transaction_id', 'task_comments_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_task_comments_version_pk_validity', 'task_comments_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_comments_version_task_id'), 'task_comments_version', ['task_id'], unique=False)
    op.create_index(op.f('ix_task_comments_version_transaction_id'), 'task_comments_version', ['transaction_id'], unique=False)
    op.create_table('task_watchers_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('task_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_task_watchers_version'))
    )
    op.create_index(op.f('ix_task_watchers_version_end_transaction_id'), 'task_watchers_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_watchers_version_operation_type'), 'task_watchers_version', ['operation_type'], unique=False)
    op.create_index('ix_task_watchers_version_pk_transaction_id', 'task_watchers_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_task_watchers_version_pk_validity', 'task_watchers_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_watchers_version_task_id'), 'task_watchers_version', ['task_id'], unique=False)
    op.create_index(op.f('ix_task_watchers_version_transaction_id'), 'task_watchers_version', ['transaction_id'], unique=False)
    op.create_index(op.f('ix_task_watchers_version_user_id'), 'task_watchers_version', ['user_id'], unique=False)
    op.drop_index(op.f('ix_task_comments_task'), table_name='task_comments')
    op.create_index(op.f('ix_task_comments_task_id'), 'task_comments', ['task_id'], unique=False)
    op.create_index(op.f('ix_task_watchers_task_id'), 'task_watchers', ['task_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_task_watchers_task_id'), table_name='task_watchers')
    op.drop_index(op.f('ix_task_comments_task_id'), table_name='task_comments')
    op.create_index(op.f('ix_task_comments_task'), 'task_comments', ['task_id', 'created_at'], unique=False)
    op.drop_index(op.f('ix_task_watchers_version_user_id'), table_name='task_watchers_version')
    op.drop_index(op.f('ix_task_watchers_version_transaction_id'), table_name='task_watchers_version')
    op.drop_index(op.f('ix_task_watchers_version_task_id'), table_name='task_watchers_version')
    op.drop_index('ix_task_watchers_version_pk_validity', table_name='task_watchers_version')
    op.drop_index('ix_task_watchers_version_pk_transaction_id', table_name='task_watchers_version')
    op.drop_index(op.f('ix_task_watchers_version_operation_type'), table_name='task_watchers_version')
    op.drop_index(op.f('ix_task_watchers_version_end_transaction_id'), table_name='task_watchers_version')
    op.drop_table('task_watchers_version')
    op.drop_index(op.f('ix_task_comments_version_transaction_id'), table_name='task_comments_version')
    op.drop_index(op.f('ix_task_comments_version_task_id'), table_name='task_comments_version')
    op.drop_index('ix_task_comments_version_pk_validity', table_name='task_comments_version')
    op.drop_index('ix_task_comments_version_pk_transaction_id', table_name='task_comments_version')
    op.drop_index(op.f('ix_task_comments_version_operation_type'), table_name='task_comments_version')
    op.drop_index(op.f('ix_task_comments_version_end_transaction_id'), table_name='task_comments_version')
    op.drop_index(op.f('ix_task_comments_version_author_id'), table_name='task_comments_version')
    op.drop_table('task_comments_version')
    op.drop_index(op.f('ix_task_checklist_items_version_transaction_id'), table_name='task_checklist_items_version')
    op.drop_index(op.f('ix_task_checklist_items_version_task_id'), table_name='task_checklist_items_version')
    op.drop_index('ix_task_checklist_items_version_pk_validity', table_name='task_checklist_items_version')
    op.drop_index('ix_task_checklist_items_version_pk_transaction_id', table_name='task_checklist_items_version')
    op.drop_index(op.f('ix_task_checklist_items_version_operation_type'), table_name='task_checklist_items_version')
    op.drop_index(op.f('ix_task_checklist_items_version_end_transaction_id'), table_name='task_checklist_items_version')
    op.drop_table('task_checklist_items_version')
    op.drop_index(op.f('ix_task_attachments_version_transaction_id'), table_name='task_attachments_version')
    op.drop_index(op.f('ix_task_attachments_version_task_id'), table_name='task_attachments_version')
    op.drop_index('ix_task_attachments_version_pk_validity', table_name='task_attachments_version')
    op.drop_index('ix_task_attachments_version_pk_transaction_id', table_name='task_attachments_version')
    op.drop_index(op.f('ix_task_attachments_version_operation_type'), table_name='task_attachments_version')
    op.drop_index(op.f('ix_task_attachments_version_end_transaction_id'), table_name='task_attachments_version')
    op.drop_table('task_attachments_version')
