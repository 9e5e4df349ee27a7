"""Support tickets: queues, agents, SLA policies, routing rules, tickets and their conversation,
pauses, alerts, attachments, canned responses; the knowledge base's ticket links get their
foreign key (issue 12).

Revision ID: 0088c54652a7
Revises: 2612525d3650
"""
import sqlalchemy as sa
from alembic import op

revision = '0088c54652a7'
down_revision = '2612525d3650'
branch_labels = ('tickets',)
depends_on = ('ebd4cce602d6', '951ba8b3d41b')


def upgrade() -> None:
    op.create_table('ticket_attachments_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('message_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('uploader_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('filename', sa.String(length=255), autoincrement=False, nullable=True),
    sa.Column('content_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('size', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('sha256', sa.String(length=64), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_attachments_version'))
    )
    with op.batch_alter_table('ticket_attachments_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachments_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachments_version_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachments_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_attachments_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_attachments_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachments_version_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachments_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_canned_responses_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('body', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('queue_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_canned_responses_version'))
    )
    with op.batch_alter_table('ticket_canned_responses_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_canned_responses_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_canned_responses_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_canned_responses_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_canned_responses_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_canned_responses_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_ticket_counters'))
    )
    op.create_table('ticket_intake_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_intake_attempts'))
    )
    with op.batch_alter_table('ticket_intake_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_intake_attempts_addr_at', ['remote_addr', 'at'], unique=False)

    op.create_table('ticket_messages_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('from_name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('from_email', sa.String(length=254), autoincrement=False, nullable=True),
    sa.Column('body', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('message_id', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_messages_version'))
    )
    with op.batch_alter_table('ticket_messages_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_messages_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_messages_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_messages_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_messages_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_messages_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_queue_agents_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('queue_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_queue_agents_version'))
    )
    with op.batch_alter_table('ticket_queue_agents_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_queue_agents_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_queue_agents_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_queue_agents_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_queue_agents_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_queue_agents_version_transaction_id'), ['transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_queue_agents_version_user_id'), ['user_id'], unique=False)

    op.create_table('ticket_queues_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('lead_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('assignment', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('last_assigned_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('hours', sa.JSON(), autoincrement=False, nullable=True),
    sa.Column('reopen_days', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_queues_version'))
    )
    with op.batch_alter_table('ticket_queues_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_queues_version_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_queues_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_queues_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_queues_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_queues_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_queues_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_routing_rules_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('category', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('channel', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('words', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('queue_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('priority', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_routing_rules_version'))
    )
    with op.batch_alter_table('ticket_routing_rules_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_routing_rules_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_routing_rules_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_routing_rules_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_routing_rules_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_routing_rules_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_sla_policies_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('queue_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('priority', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('warn_share', sa.Float(), autoincrement=False, nullable=True),
    sa.Column('raise_priority', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('reassign_to_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_sla_policies_version'))
    )
    with op.batch_alter_table('ticket_sla_policies_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_sla_policies_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sla_policies_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_sla_policies_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_sla_policies_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sla_policies_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_watchers_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_ticket_watchers_version'))
    )
    with op.batch_alter_table('ticket_watchers_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_watchers_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_watchers_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_ticket_watchers_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_ticket_watchers_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_watchers_version_transaction_id'), ['transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_watchers_version_user_id'), ['user_id'], unique=False)

    op.create_table('tickets_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('number', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('subject', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('description', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('requester_name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('requester_email', sa.String(length=254), autoincrement=False, nullable=True),
    sa.Column('requester_phone', sa.String(length=50), autoincrement=False, nullable=True),
    sa.Column('channel', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('category', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('priority', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('queue_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('assignee_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('state', sa.String(length=24), autoincrement=False, nullable=True),
    sa.Column('tags', sa.JSON(), autoincrement=False, nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('search_text', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('first_response_warn_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('resolution_warn_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('sla_next_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('sla_version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('rating_token_hash', sa.String(length=64), autoincrement=False, nullable=True),
    sa.Column('rating', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('rating_comment', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_tickets_version'))
    )
    with op.batch_alter_table('tickets_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_version_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_tickets_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_tickets_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_version_requester_email'), ['requester_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_version_sla_next_at'), ['sla_next_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('ticket_queues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('assignment', sa.String(length=20), nullable=False),
    sa.Column('last_assigned_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('reopen_days', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_ticket_queues_department_id_departments')),
    sa.ForeignKeyConstraint(['last_assigned_id'], ['users.id'], name=op.f('fk_ticket_queues_last_assigned_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_ticket_queues_lead_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_queues')),
    sa.UniqueConstraint('name', name=op.f('uq_ticket_queues_name'))
    )
    with op.batch_alter_table('ticket_queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_queues_department_id'), ['department_id'], unique=False)

    op.create_table('ticket_canned_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['ticket_queues.id'], name=op.f('fk_ticket_canned_responses_queue_id_ticket_queues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_canned_responses'))
    )
    op.create_table('ticket_queue_agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['ticket_queues.id'], name=op.f('fk_ticket_queue_agents_queue_id_ticket_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_queue_agents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_queue_agents')),
    sa.UniqueConstraint('queue_id', 'user_id', name=op.f('uq_ticket_queue_agents_queue_id'))
    )
    with op.batch_alter_table('ticket_queue_agents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_queue_agents_user_id'), ['user_id'], unique=False)

    op.create_table('ticket_routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('words', sa.String(length=500), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_ticket_routing_rules_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['queue_id'], ['ticket_queues.id'], name=op.f('fk_ticket_routing_rules_queue_id_ticket_queues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_routing_rules'))
    )
    op.create_table('ticket_sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('warn_share', sa.Float(), nullable=False),
    sa.Column('raise_priority', sa.Boolean(), nullable=False),
    sa.Column('reassign_to_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['queue_id'], ['ticket_queues.id'], name=op.f('fk_ticket_sla_policies_queue_id_ticket_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reassign_to_id'], ['users.id'], name=op.f('fk_ticket_sla_policies_reassign_to_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_sla_policies')),
    sa.UniqueConstraint('queue_id', 'priority', name=op.f('uq_ticket_sla_policies_queue_id'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('requester_name', sa.String(length=200), nullable=False),
    sa.Column('requester_email', sa.String(length=254), nullable=False),
    sa.Column('requester_phone', sa.String(length=50), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_next_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_version', sa.Integer(), nullable=False),
    sa.Column('rating_token_hash', sa.String(length=64), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tickets_assignee_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_tickets_author_id_users')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_tickets_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_tickets_department_id_departments')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['tickets.id'], name=op.f('fk_tickets_duplicate_of_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_tickets_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['queue_id'], ['ticket_queues.id'], name=op.f('fk_tickets_queue_id_ticket_queues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number')),
    sa.UniqueConstraint('rating_token_hash', name=op.f('uq_tickets_rating_token_hash'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_assignee_state_due', ['assignee_id', 'state', 'resolution_due_at'], unique=False)
        batch_op.create_index('ix_tickets_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_tickets_department_state', ['department_id', 'state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_index('ix_tickets_organization_created', ['organization_id', 'created_at'], unique=False)
        batch_op.create_index('ix_tickets_queue_state_due', ['queue_id', 'state', 'resolution_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_requester_email'), ['requester_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_sla_next_at'), ['sla_next_at'], unique=False)

    op.create_table('ticket_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('from_email', sa.String(length=254), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ticket_messages_author_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_ticket_messages_message_id'))
    )
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_messages_ticket_created', ['ticket_id', 'created_at'], unique=False)

    op.create_table('ticket_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_pauses_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_pauses'))
    )
    with op.batch_alter_table('ticket_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_pauses_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_sla_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('clock', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.SmallInteger(), nullable=False),
    sa.Column('sla_version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_sla_alerts_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_sla_alerts')),
    sa.UniqueConstraint('ticket_id', 'clock', 'stage', 'sla_version', name=op.f('uq_ticket_sla_alerts_ticket_id'))
    )
    op.create_table('ticket_watchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_watchers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_watchers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_watchers')),
    sa.UniqueConstraint('ticket_id', 'user_id', name=op.f('uq_ticket_watchers_ticket_id'))
    )
    with op.batch_alter_table('ticket_watchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_watchers_user_id'), ['user_id'], unique=False)

    op.create_table('ticket_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['ticket_messages.id'], name=op.f('fk_ticket_attachments_message_id_ticket_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_attachments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_ticket_attachments_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachments'))
    )
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_attachments_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_attachments_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('kb_ticket_links', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_kb_ticket_links_ticket_id_tickets'), 'tickets', ['ticket_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('kb_ticket_links', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_kb_ticket_links_ticket_id_tickets'), type_='foreignkey')

    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_message_id'))

    op.drop_table('ticket_attachments')
    with op.batch_alter_table('ticket_watchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_watchers_user_id'))

    op.drop_table('ticket_watchers')
    op.drop_table('ticket_sla_alerts')
    with op.batch_alter_table('ticket_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_pauses_ticket_id'))

    op.drop_table('ticket_pauses')
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_messages_ticket_created')

    op.drop_table('ticket_messages')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_sla_next_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_requester_email'))
        batch_op.drop_index('ix_tickets_queue_state_due')
        batch_op.drop_index('ix_tickets_organization_created')
        batch_op.drop_index(batch_op.f('ix_tickets_duplicate_of_id'))
        batch_op.drop_index('ix_tickets_department_state')
        batch_op.drop_index(batch_op.f('ix_tickets_contact_id'))
        batch_op.drop_index('ix_tickets_author_created')
        batch_op.drop_index('ix_tickets_assignee_state_due')

    op.drop_table('tickets')
    op.drop_table('ticket_sla_policies')
    op.drop_table('ticket_routing_rules')
    with op.batch_alter_table('ticket_queue_agents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_queue_agents_user_id'))

    op.drop_table('ticket_queue_agents')
    op.drop_table('ticket_canned_responses')
    with op.batch_alter_table('ticket_queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_queues_department_id'))

    op.drop_table('ticket_queues')
    with op.batch_alter_table('tickets_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_version_sla_next_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_version_requester_email'))
        batch_op.drop_index('ix_tickets_version_pk_validity')
        batch_op.drop_index('ix_tickets_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_tickets_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_tickets_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_version_duplicate_of_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_version_contact_id'))

    op.drop_table('tickets_version')
    with op.batch_alter_table('ticket_watchers_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_watchers_version_user_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_watchers_version_transaction_id'))
        batch_op.drop_index('ix_ticket_watchers_version_pk_validity')
        batch_op.drop_index('ix_ticket_watchers_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_watchers_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_watchers_version_end_transaction_id'))

    op.drop_table('ticket_watchers_version')
    with op.batch_alter_table('ticket_sla_policies_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_sla_policies_version_transaction_id'))
        batch_op.drop_index('ix_ticket_sla_policies_version_pk_validity')
        batch_op.drop_index('ix_ticket_sla_policies_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_sla_policies_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_sla_policies_version_end_transaction_id'))

    op.drop_table('ticket_sla_policies_version')
    with op.batch_alter_table('ticket_routing_rules_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_routing_rules_version_transaction_id'))
        batch_op.drop_index('ix_ticket_routing_rules_version_pk_validity')
        batch_op.drop_index('ix_ticket_routing_rules_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_routing_rules_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_routing_rules_version_end_transaction_id'))

    op.drop_table('ticket_routing_rules_version')
    with op.batch_alter_table('ticket_queues_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_queues_version_transaction_id'))
        batch_op.drop_index('ix_ticket_queues_version_pk_validity')
        batch_op.drop_index('ix_ticket_queues_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_queues_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_queues_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_queues_version_department_id'))

    op.drop_table('ticket_queues_version')
    with op.batch_alter_table('ticket_queue_agents_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_queue_agents_version_user_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_queue_agents_version_transaction_id'))
        batch_op.drop_index('ix_ticket_queue_agents_version_pk_validity')
        batch_op.drop_index('ix_ticket_queue_agents_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_queue_agents_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_queue_agents_version_end_transaction_id'))

    op.drop_table('ticket_queue_agents_version')
    with op.batch_alter_table('ticket_messages_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_messages_version_transaction_id'))
        batch_op.drop_index('ix_ticket_messages_version_pk_validity')
        batch_op.drop_index('ix_ticket_messages_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_messages_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_messages_version_end_transaction_id'))

    op.drop_table('ticket_messages_version')
    with op.batch_alter_table('ticket_intake_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_intake_attempts_addr_at')

    op.drop_table('ticket_intake_attempts')
    op.drop_table('ticket_counters')
    with op.batch_alter_table('ticket_canned_responses_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_canned_responses_version_transaction_id'))
        batch_op.drop_index('ix_ticket_canned_responses_version_pk_validity')
        batch_op.drop_index('ix_ticket_canned_responses_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_canned_responses_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_canned_responses_version_end_transaction_id'))

    op.drop_table('ticket_canned_responses_version')
    with op.batch_alter_table('ticket_attachments_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_version_ticket_id'))
        batch_op.drop_index('ix_ticket_attachments_version_pk_validity')
        batch_op.drop_index('ix_ticket_attachments_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_version_message_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_attachments_version_end_transaction_id'))

    op.drop_table('ticket_attachments_version')
