"""Service scheduling: territories, skills, resource groups and crews, resources with their
skills and time off, the service catalog, service jobs with their services, skills,
assignments and history of changes, and the yearly job counter (issue 13). Jobs' bookings are
rows of resource_bookings (its guard refuses overlaps).

Revision ID: 3d9b6f1a8c25
Revises: 7a2f4c9e1b36 (a branch of its own from the tickets' head: jobs link to tickets)
"""
import sqlalchemy as sa
from alembic import op

revision = '3d9b6f1a8c25'
down_revision = '7a2f4c9e1b36'
branch_labels = ('dispatch',)
depends_on = ('b7d3e9a41c52',)


def upgrade() -> None:
    op.create_table('dispatch_groups_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_groups_version'))
    )
    with op.batch_alter_table('dispatch_groups_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_groups_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_groups_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_groups_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_groups_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_groups_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_job_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_dispatch_job_counters'))
    )
    op.create_table('dispatch_jobs_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('number', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('title', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('description', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('site_address', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('territory_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('priority', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('duration_minutes', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('technicians_needed', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('equipment_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('earliest_start', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('latest_finish', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('state', sa.String(length=16), autoincrement=False, nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('override_reason', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('actual_start', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('actual_end', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('work_done', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('parts_used', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('signed_by', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('fixed_first_time', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('flagged', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('revision', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('search_text', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_jobs_version'))
    )
    with op.batch_alter_table('dispatch_jobs_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_version_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_dispatch_jobs_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_jobs_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_version_territory_id'), ['territory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_resource_skills_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('resource_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('skill_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('certificate_expires', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_resource_skills_version'))
    )
    with op.batch_alter_table('dispatch_resource_skills_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_resource_skills_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resource_skills_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_resource_skills_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_resource_skills_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resource_skills_version_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resource_skills_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_resources_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=12), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('equipment_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('territory_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('hours', sa.JSON(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('search_text', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_resources_version'))
    )
    with op.batch_alter_table('dispatch_resources_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_resources_version_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_version_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_resources_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_resources_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_version_territory_id'), ['territory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_service_skills_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('service_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('skill_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('min_level', sa.SmallInteger(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_service_skills_version'))
    )
    with op.batch_alter_table('dispatch_service_skills_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_service_skills_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_service_skills_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_service_skills_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_service_skills_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_service_skills_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('equipment_type', sa.String(length=100), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_services')),
    sa.UniqueConstraint('name', name=op.f('uq_dispatch_services_name'))
    )
    op.create_table('dispatch_services_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('duration_minutes', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('equipment_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=2), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_services_version'))
    )
    with op.batch_alter_table('dispatch_services_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_services_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_services_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_services_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_services_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_services_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('certified', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_skills')),
    sa.UniqueConstraint('name', name=op.f('uq_dispatch_skills_name'))
    )
    op.create_table('dispatch_skills_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('certified', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_skills_version'))
    )
    with op.batch_alter_table('dispatch_skills_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_skills_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_skills_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_skills_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_skills_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_skills_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_territories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_territories')),
    sa.UniqueConstraint('name', name=op.f('uq_dispatch_territories_name'))
    )
    op.create_table('dispatch_territories_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_territories_version'))
    )
    with op.batch_alter_table('dispatch_territories_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_territories_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_territories_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_territories_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_territories_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_territories_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_time_off_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('resource_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=16), autoincrement=False, nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('note', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_dispatch_time_off_version'))
    )
    with op.batch_alter_table('dispatch_time_off_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_time_off_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_time_off_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_dispatch_time_off_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_dispatch_time_off_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_time_off_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('dispatch_service_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['dispatch_services.id'], name=op.f('fk_dispatch_service_skills_service_id_dispatch_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['dispatch_skills.id'], name=op.f('fk_dispatch_service_skills_skill_id_dispatch_skills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_service_skills')),
    sa.UniqueConstraint('service_id', 'skill_id', name=op.f('uq_dispatch_service_skills_service_id'))
    )
    op.create_table('dispatch_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_dispatch_groups_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_dispatch_groups_name'))
    )
    op.create_table('dispatch_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('equipment_type', sa.String(length=100), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.CheckConstraint("kind = 'equipment' OR user_id IS NOT NULL", name=op.f('ck_dispatch_resources_technician_user')),
    sa.CheckConstraint("kind IN ('technician', 'equipment')", name=op.f('ck_dispatch_resources_kind')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_dispatch_resources_department_id_departments')),
    sa.ForeignKeyConstraint(['group_id'], ['dispatch_groups.id'], name=op.f('fk_dispatch_resources_group_id_dispatch_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['dispatch_territories.id'], name=op.f('fk_dispatch_resources_territory_id_dispatch_territories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dispatch_resources_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_resources'))
    )
    with op.batch_alter_table('dispatch_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_resources_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_resources_territory_id'), ['territory_id'], unique=False)
        batch_op.create_index('ix_dispatch_resources_user', ['user_id'], unique=True, sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))

    op.create_table('dispatch_resource_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('certificate_expires', sa.Date(), nullable=True),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_dispatch_resource_skills_level')),
    sa.ForeignKeyConstraint(['resource_id'], ['dispatch_resources.id'], name=op.f('fk_dispatch_resource_skills_resource_id_dispatch_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['dispatch_skills.id'], name=op.f('fk_dispatch_resource_skills_skill_id_dispatch_skills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_resource_skills')),
    sa.UniqueConstraint('resource_id', 'skill_id', name=op.f('uq_dispatch_resource_skills_resource_id'))
    )
    with op.batch_alter_table('dispatch_resource_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_resource_skills_skill_id'), ['skill_id'], unique=False)

    op.create_table('dispatch_time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_dispatch_time_off_range')),
    sa.ForeignKeyConstraint(['resource_id'], ['dispatch_resources.id'], name=op.f('fk_dispatch_time_off_resource_id_dispatch_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_time_off'))
    )
    with op.batch_alter_table('dispatch_time_off', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_time_off_resource', ['resource_id', 'starts_at'], unique=False)

    op.create_table('dispatch_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('site_address', sa.String(length=500), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('technicians_needed', sa.SmallInteger(), nullable=False),
    sa.Column('equipment_type', sa.String(length=100), nullable=False),
    sa.Column('earliest_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latest_finish', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=False),
    sa.Column('actual_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('work_done', sa.Text(), nullable=False),
    sa.Column('parts_used', sa.Text(), nullable=False),
    sa.Column('signed_by', sa.String(length=200), nullable=False),
    sa.Column('fixed_first_time', sa.Boolean(), nullable=True),
    sa.Column('flagged', sa.String(length=500), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_dispatch_jobs_duration')),
    sa.CheckConstraint('ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at', name=op.f('ck_dispatch_jobs_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_dispatch_jobs_author_id_users')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_dispatch_jobs_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_dispatch_jobs_department_id_departments')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_dispatch_jobs_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['dispatch_territories.id'], name=op.f('fk_dispatch_jobs_territory_id_dispatch_territories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_dispatch_jobs_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_jobs')),
    sa.UniqueConstraint('number', name=op.f('uq_dispatch_jobs_number'))
    )
    with op.batch_alter_table('dispatch_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_dispatch_jobs_starts', ['starts_at'], unique=False)
        batch_op.create_index('ix_dispatch_jobs_state', ['state', 'priority'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatch_jobs_territory_id'), ['territory_id'], unique=False)
        batch_op.create_index('ix_dispatch_jobs_ticket', ['ticket_id'], unique=False)

    op.create_table('dispatch_job_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['dispatch_jobs.id'], name=op.f('fk_dispatch_job_assignments_job_id_dispatch_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['dispatch_resources.id'], name=op.f('fk_dispatch_job_assignments_resource_id_dispatch_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_job_assignments')),
    sa.UniqueConstraint('job_id', 'resource_id', name=op.f('uq_dispatch_job_assignments_job_id'))
    )
    with op.batch_alter_table('dispatch_job_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_job_assignments_resource_id'), ['resource_id'], unique=False)

    op.create_table('dispatch_job_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('old_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('old_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('old_resources', sa.JSON(), nullable=False),
    sa.Column('new_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new_resources', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_dispatch_job_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['dispatch_jobs.id'], name=op.f('fk_dispatch_job_changes_job_id_dispatch_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_job_changes'))
    )
    with op.batch_alter_table('dispatch_job_changes', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_job_changes_job', ['job_id', 'id'], unique=False)

    op.create_table('dispatch_job_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['dispatch_jobs.id'], name=op.f('fk_dispatch_job_services_job_id_dispatch_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['dispatch_services.id'], name=op.f('fk_dispatch_job_services_service_id_dispatch_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_job_services')),
    sa.UniqueConstraint('job_id', 'service_id', name=op.f('uq_dispatch_job_services_job_id'))
    )
    with op.batch_alter_table('dispatch_job_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_job_services_service_id'), ['service_id'], unique=False)

    op.create_table('dispatch_job_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('min_level', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['dispatch_jobs.id'], name=op.f('fk_dispatch_job_skills_job_id_dispatch_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['dispatch_skills.id'], name=op.f('fk_dispatch_job_skills_skill_id_dispatch_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_job_skills')),
    sa.UniqueConstraint('job_id', 'skill_id', name=op.f('uq_dispatch_job_skills_job_id'))
    )
    with op.batch_alter_table('dispatch_job_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_job_skills_skill_id'), ['skill_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dispatch_job_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_job_skills_skill_id'))

    op.drop_table('dispatch_job_skills')
    with op.batch_alter_table('dispatch_job_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_job_services_service_id'))

    op.drop_table('dispatch_job_services')
    with op.batch_alter_table('dispatch_job_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_job_changes_job')

    op.drop_table('dispatch_job_changes')
    with op.batch_alter_table('dispatch_job_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_job_assignments_resource_id'))

    op.drop_table('dispatch_job_assignments')
    with op.batch_alter_table('dispatch_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_jobs_ticket')
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_territory_id'))
        batch_op.drop_index('ix_dispatch_jobs_state')
        batch_op.drop_index('ix_dispatch_jobs_starts')
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_organization_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_department_id'))

    op.drop_table('dispatch_jobs')
    with op.batch_alter_table('dispatch_time_off', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_time_off_resource')

    op.drop_table('dispatch_time_off')
    with op.batch_alter_table('dispatch_resource_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_resource_skills_skill_id'))

    op.drop_table('dispatch_resource_skills')
    with op.batch_alter_table('dispatch_resources', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_resources_user', sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_territory_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_group_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_department_id'))

    op.drop_table('dispatch_resources')
    op.drop_table('dispatch_groups')
    op.drop_table('dispatch_service_skills')
    with op.batch_alter_table('dispatch_time_off_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_time_off_version_transaction_id'))
        batch_op.drop_index('ix_dispatch_time_off_version_pk_validity')
        batch_op.drop_index('ix_dispatch_time_off_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_time_off_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_time_off_version_end_transaction_id'))

    op.drop_table('dispatch_time_off_version')
    with op.batch_alter_table('dispatch_territories_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_territories_version_transaction_id'))
        batch_op.drop_index('ix_dispatch_territories_version_pk_validity')
        batch_op.drop_index('ix_dispatch_territories_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_territories_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_territories_version_end_transaction_id'))

    op.drop_table('dispatch_territories_version')
    op.drop_table('dispatch_territories')
    with op.batch_alter_table('dispatch_skills_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_skills_version_transaction_id'))
        batch_op.drop_index('ix_dispatch_skills_version_pk_validity')
        batch_op.drop_index('ix_dispatch_skills_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_skills_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_skills_version_end_transaction_id'))

    op.drop_table('dispatch_skills_version')
    op.drop_table('dispatch_skills')
    with op.batch_alter_table('dispatch_services_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_services_version_transaction_id'))
        batch_op.drop_index('ix_dispatch_services_version_pk_validity')
        batch_op.drop_index('ix_dispatch_services_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_services_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_services_version_end_transaction_id'))

    op.drop_table('dispatch_services_version')
    op.drop_table('dispatch_services')
    with op.batch_alter_table('dispatch_service_skills_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_service_skills_version_transaction_id'))
        batch_op.drop_index('ix_dispatch_service_skills_version_pk_validity')
        batch_op.drop_index('ix_dispatch_service_skills_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_service_skills_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_service_skills_version_end_transaction_id'))

    op.drop_table('dispatch_service_skills_version')
    with op.batch_alter_table('dispatch_resources_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_version_territory_id'))
        batch_op.drop_index('ix_dispatch_resources_version_pk_validity')
        batch_op.drop_index('ix_dispatch_resources_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_version_group_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resources_version_department_id'))

    op.drop_table('dispatch_resources_version')
    with op.batch_alter_table('dispatch_resource_skills_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_resource_skills_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resource_skills_version_skill_id'))
        batch_op.drop_index('ix_dispatch_resource_skills_version_pk_validity')
        batch_op.drop_index('ix_dispatch_resource_skills_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_resource_skills_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_resource_skills_version_end_transaction_id'))

    op.drop_table('dispatch_resource_skills_version')
    with op.batch_alter_table('dispatch_jobs_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_version_territory_id'))
        batch_op.drop_index('ix_dispatch_jobs_version_pk_validity')
        batch_op.drop_index('ix_dispatch_jobs_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_dispatch_jobs_version_department_id'))

    op.drop_table('dispatch_jobs_version')
    op.drop_table('dispatch_job_counters')
    with op.batch_alter_table('dispatch_groups_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_groups_version_transaction_id'))
        batch_op.drop_index('ix_dispatch_groups_version_pk_validity')
        batch_op.drop_index('ix_dispatch_groups_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_dispatch_groups_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_dispatch_groups_version_end_transaction_id'))

    op.drop_table('dispatch_groups_version')
