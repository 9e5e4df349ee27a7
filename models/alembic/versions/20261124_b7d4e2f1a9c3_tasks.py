"""Tasks across departments; notification preferences, e-mail outbox (issue 4).

Revision ID: b7d4e2f1a9c3
Revises: 2612525d3650
"""
import sqlalchemy as sa
from alembic import op

revision = "b7d4e2f1a9c3"
down_revision = "2612525d3650"
branch_labels = ("tasks",)
depends_on = None


def upgrade() -> None:
    op.create_table('task_recurrences_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('description', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('priority', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('assignee_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('frequency', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('interval', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('weekdays', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('month_day', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('due_time', sa.Time(), autoincrement=False, nullable=True),
    sa.Column('timezone', sa.String(length=64), autoincrement=False, nullable=True),
    sa.Column('remind_before', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('starts_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('until', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('next_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_task_recurrences_version'))
    )
    op.create_index(op.f('ix_task_recurrences_version_assignee_id'), 'task_recurrences_version', ['assignee_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_version_author_id'), 'task_recurrences_version', ['author_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_version_department_id'), 'task_recurrences_version', ['department_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_version_end_transaction_id'), 'task_recurrences_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_version_next_on'), 'task_recurrences_version', ['next_on'], unique=False)
    op.create_index(op.f('ix_task_recurrences_version_operation_type'), 'task_recurrences_version', ['operation_type'], unique=False)
    op.create_index('ix_task_recurrences_version_pk_transaction_id', 'task_recurrences_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_task_recurrences_version_pk_validity', 'task_recurrences_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_version_transaction_id'), 'task_recurrences_version', ['transaction_id'], unique=False)
    op.create_table('tasks_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('description', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('state', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('priority', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('assignee_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('due_has_time', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('due_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('remind_before', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('remind_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('notice_stage', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('daily', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('link_type', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('link_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('recurrence_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('occurrence_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('search_text', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_tasks_version'))
    )
    op.create_index(op.f('ix_tasks_version_due_at'), 'tasks_version', ['due_at'], unique=False)
    op.create_index(op.f('ix_tasks_version_end_transaction_id'), 'tasks_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_tasks_version_operation_type'), 'tasks_version', ['operation_type'], unique=False)
    op.create_index('ix_tasks_version_pk_transaction_id', 'tasks_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_tasks_version_pk_validity', 'tasks_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_tasks_version_recurrence_id'), 'tasks_version', ['recurrence_id'], unique=False)
    op.create_index(op.f('ix_tasks_version_remind_at'), 'tasks_version', ['remind_at'], unique=False)
    op.create_index(op.f('ix_tasks_version_transaction_id'), 'tasks_version', ['transaction_id'], unique=False)
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['mail_outbox.id'], name=op.f('fk_mail_outbox_digest_id_mail_outbox')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    op.create_index('ix_mail_outbox_status_next', 'mail_outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_mail_outbox_user_id'), 'mail_outbox', ['user_id'], unique=False)
    op.create_table('notification_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_notification_keys_user_id'))
    )
    op.create_table('notification_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('default_channel', sa.String(length=10), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('digest_hour', sa.SmallInteger(), nullable=False),
    sa.Column('last_digest_on', sa.Date(), nullable=True),
    sa.Column('birthdays_ahead', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_settings')),
    sa.UniqueConstraint('user_id', name=op.f('uq_notification_settings_user_id'))
    )
    op.create_table('task_recurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('interval', sa.SmallInteger(), nullable=False),
    sa.Column('weekdays', sa.SmallInteger(), nullable=False),
    sa.Column('month_day', sa.SmallInteger(), nullable=True),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('remind_before', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('next_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_task_recurrences_assignee_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_task_recurrences_author_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_task_recurrences_department_id_departments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_recurrences'))
    )
    op.create_index(op.f('ix_task_recurrences_assignee_id'), 'task_recurrences', ['assignee_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_author_id'), 'task_recurrences', ['author_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_department_id'), 'task_recurrences', ['department_id'], unique=False)
    op.create_index(op.f('ix_task_recurrences_next_on'), 'task_recurrences', ['next_on'], unique=False)
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_has_time', sa.Boolean(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('remind_before', sa.Integer(), nullable=True),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_stage', sa.SmallInteger(), nullable=False),
    sa.Column('daily', sa.Boolean(), nullable=False),
    sa.Column('link_type', sa.String(length=20), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('recurrence_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_on', sa.Date(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_tasks_author_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_tasks_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recurrence_id'], ['task_recurrences.id'], name=op.f('fk_tasks_recurrence_id_task_recurrences'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('recurrence_id', 'occurrence_on', name=op.f('uq_tasks_recurrence_id'))
    )
    op.create_index('ix_tasks_assignee_state_due', 'tasks', ['assignee_id', 'state', 'due_at'], unique=False)
    op.create_index('ix_tasks_author_state_due', 'tasks', ['author_id', 'state', 'due_at'], unique=False)
    op.create_index('ix_tasks_department_state_due', 'tasks', ['department_id', 'state', 'due_at'], unique=False)
    op.create_index(op.f('ix_tasks_due_at'), 'tasks', ['due_at'], unique=False)
    op.create_index('ix_tasks_link', 'tasks', ['link_type', 'link_id'], unique=False)
    op.create_index('ix_tasks_notice', 'tasks', ['notice_stage', 'due_at'], unique=False)
    op.create_index('ix_tasks_queue', 'tasks', ['department_id', 'assignee_id', 'state', 'due_at'], unique=False)
    op.create_index(op.f('ix_tasks_recurrence_id'), 'tasks', ['recurrence_id'], unique=False)
    op.create_index(op.f('ix_tasks_remind_at'), 'tasks', ['remind_at'], unique=False)
    op.create_table('task_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_attachments_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_task_attachments_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_attachments'))
    )
    op.create_index(op.f('ix_task_attachments_task_id'), 'task_attachments', ['task_id'], unique=False)
    op.create_table('task_checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_task_checklist_items_done_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_checklist_items_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_checklist_items'))
    )
    op.create_index(op.f('ix_task_checklist_items_task_id'), 'task_checklist_items', ['task_id'], unique=False)
    op.create_table('task_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_task_comments_author_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_comments_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_comments'))
    )
    op.create_index(op.f('ix_task_comments_author_id'), 'task_comments', ['author_id'], unique=False)
    op.create_index('ix_task_comments_task', 'task_comments', ['task_id', 'created_at'], unique=False)
    op.create_table('task_watchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_watchers_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_watchers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_watchers')),
    sa.UniqueConstraint('task_id', 'user_id', name=op.f('uq_task_watchers_task_id'))
    )
    op.create_index(op.f('ix_task_watchers_user_id'), 'task_watchers', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_task_watchers_user_id'), table_name='task_watchers')
    op.drop_table('task_watchers')
    op.drop_index('ix_task_comments_task', table_name='task_comments')
    op.drop_index(op.f('ix_task_comments_author_id'), table_name='task_comments')
    op.drop_table('task_comments')
    op.drop_index(op.f('ix_task_checklist_items_task_id'), table_name='task_checklist_items')
    op.drop_table('task_checklist_items')
    op.drop_index(op.f('ix_task_attachments_task_id'), table_name='task_attachments')
    op.drop_table('task_attachments')
    op.drop_index(op.f('ix_tasks_remind_at'), table_name='tasks')
    op.drop_index(op.f('ix_tasks_recurrence_id'), table_name='tasks')
    op.drop_index('ix_tasks_queue', table_name='tasks')
    op.drop_index('ix_tasks_notice', table_name='tasks')
    op.drop_index('ix_tasks_link', table_name='tasks')
    op.drop_index(op.f('ix_tasks_due_at'), table_name='tasks')
    op.drop_index('ix_tasks_department_state_due', table_name='tasks')
    op.drop_index('ix_tasks_author_state_due', table_name='tasks')
    op.drop_index('ix_tasks_assignee_state_due', table_name='tasks')
    op.drop_table('tasks')
    op.drop_index(op.f('ix_task_recurrences_next_on'), table_name='task_recurrences')
    op.drop_index(op.f('ix_task_recurrences_department_id'), table_name='task_recurrences')
    op.drop_index(op.f('ix_task_recurrences_author_id'), table_name='task_recurrences')
    op.drop_index(op.f('ix_task_recurrences_assignee_id'), table_name='task_recurrences')
    op.drop_table('task_recurrences')
    op.drop_table('notification_settings')
    op.drop_table('notification_keys')
    op.drop_index(op.f('ix_mail_outbox_user_id'), table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_status_next', table_name='mail_outbox')
    op.drop_table('mail_outbox')
    op.drop_index(op.f('ix_tasks_version_transaction_id'), table_name='tasks_version')
    op.drop_index(op.f('ix_tasks_version_remind_at'), table_name='tasks_version')
    op.drop_index(op.f('ix_tasks_version_recurrence_id'), table_name='tasks_version')
    op.drop_index('ix_tasks_version_pk_validity', table_name='tasks_version')
    op.drop_index('ix_tasks_version_pk_transaction_id', table_name='tasks_version')
    op.drop_index(op.f('ix_tasks_version_operation_type'), table_name='tasks_version')
    op.drop_index(op.f('ix_tasks_version_end_transaction_id'), table_name='tasks_version')
    op.drop_index(op.f('ix_tasks_version_due_at'), table_name='tasks_version')
    op.drop_table('tasks_version')
    op.drop_index(op.f('ix_task_recurrences_version_transaction_id'), table_name='task_recurrences_version')
    op.drop_index('ix_task_recurrences_version_pk_validity', table_name='task_recurrences_version')
    op.drop_index('ix_task_recurrences_version_pk_transaction_id', table_name='task_recurrences_version')
    op.drop_index(op.f('ix_task_recurrences_version_operation_type'), table_name='task_recurrences_version')
    op.drop_index(op.f('ix_task_recurrences_version_next_on'), table_name='task_recurrences_version')
    op.drop_index(op.f('ix_task_recurrences_version_end_transaction_id'), table_name='task_recurrences_version')
    op.drop_index(op.f('ix_task_recurrences_version_department_id'), table_name='task_recurrences_version')
    op.drop_index(op.f('ix_task_recurrences_version_author_id'), table_name='task_recurrences_version')
    op.drop_index(op.f('ix_task_recurrences_version_assignee_id'), table_name='task_recurrences_version')
    op.drop_table('task_recurrences_version')
