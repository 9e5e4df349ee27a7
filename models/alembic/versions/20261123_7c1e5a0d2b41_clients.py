"""clients: organizations, contacts, interactions, classifiers, search documents

Revision ID: 7c1e5a0d2b41
Revises: 2612525d3650
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e5a0d2b41'
down_revision = '2612525d3650'
branch_labels = ('clients',)
depends_on = None

# The full-text index of search_documents, made by hand (the metadata leaves it out): an FTS5
# table kept in step by triggers on SQLite, a generated tsvector column with a GIN index on
# PostgreSQL. Written out here as it was when this revision was made, so that the revision makes
# the same objects whatever the search code becomes.
FTS_TABLE = 'search_fts'
SQLITE_DDL = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"""CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    f"""CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
POSTGRESQL_DDL = [
    """ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(body, '')), 'B')) STORED""",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS ix_search_documents_tsv",
    "ALTER TABLE search_documents DROP COLUMN IF EXISTS tsv",
]

# The default entries of the admin-editable lists (list, code, title, sort order), as
# config/classifiers.yaml held them when this revision was made (titles are English message ids,
# shown in the reader's language). A later change to the file needs a migration of its own.
CLASSIFIERS = [
    ('industry', 'manufacturing', 'Manufacturing', 10),
    ('industry', 'construction', 'Construction', 20),
    ('industry', 'retail', 'Retail', 30),
    ('industry', 'wholesale', 'Wholesale', 40),
    ('industry', 'it', 'IT and telecommunications', 50),
    ('industry', 'transport', 'Transport and logistics', 60),
    ('industry', 'energy', 'Energy', 70),
    ('industry', 'agriculture', 'Agriculture', 80),
    ('industry', 'finance', 'Finance and insurance', 90),
    ('industry', 'healthcare', 'Healthcare', 100),
    ('industry', 'education', 'Education', 110),
    ('industry', 'government', 'Public sector', 120),
    ('industry', 'hospitality', 'Hotels and restaurants', 130),
    ('industry', 'services', 'Business services', 140),
    ('region', 'moscow', 'Moscow', 10),
    ('region', 'moscow_region', 'Moscow Region', 20),
    ('region', 'saint_petersburg', 'Saint Petersburg', 30),
    ('region', 'northwest', 'Northwest', 40),
    ('region', 'central', 'Central Russia', 50),
    ('region', 'volga', 'Volga', 60),
    ('region', 'south', 'South', 70),
    ('region', 'urals', 'Urals', 80),
    ('region', 'siberia', 'Siberia', 90),
    ('region', 'far_east', 'Far East', 100),
    ('region', 'abroad', 'Abroad', 110),
    ('group', 'key', 'Key accounts', 10),
    ('group', 'regular', 'Regular customers', 20),
    ('group', 'small', 'Small customers', 30),
    ('group', 'dealers', 'Dealers', 40),
    ('category', 'a', 'Category A (large)', 10),
    ('category', 'b', 'Category B (medium)', 20),
    ('category', 'c', 'Category C (small)', 30),
    ('source', 'website', 'Website', 10),
    ('source', 'search', 'Search engines', 20),
    ('source', 'referral', 'Recommendation', 30),
    ('source', 'exhibition', 'Exhibition', 40),
    ('source', 'cold_call', 'Cold call', 50),
    ('source', 'mailing', 'E-mail campaign', 60),
    ('source', 'social', 'Social networks', 70),
    ('source', 'print', 'Print advertising', 80),
    ('source', 'tender', 'Tender', 90),
    ('source', 'other', 'Other source', 100),
    ('interaction_result', 'contract_signed', 'Contract signed', 10),
    ('interaction_result', 'interested', 'Interested', 20),
    ('interaction_result', 'proposal_requested', 'Asks for a proposal', 30),
    ('interaction_result', 'invoice_requested', 'Asks for an invoice', 40),
    ('interaction_result', 'meeting_agreed', 'Meeting agreed', 50),
    ('interaction_result', 'call_back', 'Asked to call back', 60),
    ('interaction_result', 'postponed', 'Postponed', 70),
    ('interaction_result', 'thinking', 'Thinking it over', 80),
    ('interaction_result', 'not_interested', 'Not interested', 90),
    ('interaction_result', 'wrong_contact', 'Wrong contact', 100),
]
classifiers = sa.table(
    'classifiers',
    sa.column('list', sa.String),
    sa.column('code', sa.String),
    sa.column('title', sa.String),
    sa.column('sort_order', sa.Integer),
    sa.column('active', sa.Boolean),
)


def _execute(statements) -> None:
    bind = op.get_bind()
    for statement in statements:
        bind.exec_driver_sql(statement)


def upgrade() -> None:
    op.create_table('addresses_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('postal_code', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('city', sa.String(length=120), autoincrement=False, nullable=True),
    sa.Column('text', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('note', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('sort_order', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_addresses_version'))
    )
    with op.batch_alter_table('addresses_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addresses_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_addresses_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_addresses_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('classifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classifiers')),
    sa.UniqueConstraint('list', 'title', name=op.f('uq_classifiers_list'))
    )
    with op.batch_alter_table('classifiers', schema=None) as batch_op:
        batch_op.create_index('ix_classifiers_list_order', ['list', 'sort_order'], unique=False)

    op.create_table('classifiers_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('list', sa.String(length=40), autoincrement=False, nullable=True),
    sa.Column('code', sa.String(length=60), autoincrement=False, nullable=True),
    sa.Column('title', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('sort_order', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_classifiers_version'))
    )
    with op.batch_alter_table('classifiers_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classifiers_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_classifiers_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_classifiers_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_classifiers_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_classifiers_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('contact_employments_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('organization_name', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('position', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('started_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('ended_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_contact_employments_version'))
    )
    with op.batch_alter_table('contact_employments_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_employments_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_employments_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_employments_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_employments_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_contact_employments_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_contact_employments_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_employments_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('contacts_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('full_name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('position', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('decision_level', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('birthday', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('birth_md', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('notes', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('created_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_contacts_version'))
    )
    with op.batch_alter_table('contacts_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_version_birth_md'), ['birth_md'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_version_full_name'), ['full_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_contacts_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_contacts_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('emails_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('address', sa.String(length=254), autoincrement=False, nullable=True),
    sa.Column('normalized', sa.String(length=254), autoincrement=False, nullable=True),
    sa.Column('note', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('sort_order', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_emails_version'))
    )
    with op.batch_alter_table('emails_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emails_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_version_normalized'), ['normalized'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_emails_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_emails_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('important_dates_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('title', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('date', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('md', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('yearly', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('note', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_important_dates_version'))
    )
    with op.batch_alter_table('important_dates_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_important_dates_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_version_md'), ['md'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_important_dates_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_important_dates_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('interactions_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('direction', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('planned_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('subject', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('text', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('responsible_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('no_answer', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('could_not_talk', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('talked', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('result_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('result_text', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('color', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('parent_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_interactions_version'))
    )
    with op.batch_alter_table('interactions_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interactions_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_version_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_interactions_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_interactions_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_version_result_id'), ['result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('organizations_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('legal_name', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('name_key', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('inn', sa.String(length=12), autoincrement=False, nullable=True),
    sa.Column('kpp', sa.String(length=9), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('stage', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('industry_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('region_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('source_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), autoincrement=False, nullable=True),
    sa.Column('payment_deferral_days', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('credit_limit', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('purchase_potential', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('website', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('notes', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('tags', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('created_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_organizations_version'))
    )
    with op.batch_alter_table('organizations_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_version_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_industry_id'), ['industry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_inn'), ['inn'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_organizations_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_organizations_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('phones_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('number', sa.String(length=60), autoincrement=False, nullable=True),
    sa.Column('normalized', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('extension', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('note', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('sort_order', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_phones_version'))
    )
    with op.batch_alter_table('phones_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phones_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_version_normalized'), ['normalized'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_phones_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_phones_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('search_documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_search_documents_kind'))
    )
    op.create_table('client_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('target', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_path', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('duplicates', sa.String(length=10), nullable=False),
    sa.Column('mapping', sa.Text(), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('updated_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_client_imports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_imports'))
    )
    with op.batch_alter_table('client_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_imports_user_id'), ['user_id'], unique=False)

    op.create_table('client_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('kept_id', sa.Integer(), nullable=False),
    sa.Column('merged_id', sa.Integer(), nullable=False),
    sa.Column('merged_name', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_client_merges_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_merges'))
    )
    with op.batch_alter_table('client_merges', schema=None) as batch_op:
        batch_op.create_index('ix_client_merges_kind_kept', ['kind', 'kept_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_merges_merged_id'), ['merged_id'], unique=False)

    op.create_table('saved_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_segments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_segments')),
    sa.UniqueConstraint('user_id', 'area', 'name', name=op.f('uq_saved_segments_user_id'))
    )
    op.create_table('sent_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sent_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_reminders')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_sent_reminders_user_id'))
    )
    with op.batch_alter_table('sent_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_reminders_sent_at'), ['sent_at'], unique=False)

    op.create_table('user_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_settings')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_user_settings_user_id'))
    )
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('legal_name', sa.String(length=500), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('inn', sa.String(length=12), nullable=False),
    sa.Column('kpp', sa.String(length=9), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('industry_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('payment_deferral_days', sa.Integer(), nullable=True),
    sa.Column('credit_limit', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('purchase_potential', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('tags', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['classifiers.id'], name=op.f('fk_organizations_category_id_classifiers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_organizations_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_organizations_department_id_departments')),
    sa.ForeignKeyConstraint(['group_id'], ['classifiers.id'], name=op.f('fk_organizations_group_id_classifiers')),
    sa.ForeignKeyConstraint(['industry_id'], ['classifiers.id'], name=op.f('fk_organizations_industry_id_classifiers')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_organizations_manager_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['classifiers.id'], name=op.f('fk_organizations_region_id_classifiers')),
    sa.ForeignKeyConstraint(['source_id'], ['classifiers.id'], name=op.f('fk_organizations_source_id_classifiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_organizations_department_name', ['department_id', 'name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_industry_id'), ['industry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_inn'), ['inn'], unique=False)
        batch_op.create_index('ix_organizations_kind_name', ['kind', 'name_key'], unique=False)
        batch_op.create_index('ix_organizations_manager_name', ['manager_id', 'name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_source_id'), ['source_id'], unique=False)
        batch_op.create_index('ix_organizations_stage_name', ['stage', 'name_key'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('decision_level', sa.String(length=20), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('birth_md', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contacts_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_contacts_department_id_departments')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_contacts_manager_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_contacts_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_birth_md'), ['birth_md'], unique=False)
        batch_op.create_index('ix_contacts_department_name', ['department_id', 'full_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_full_name'), ['full_name'], unique=False)
        batch_op.create_index('ix_contacts_manager_name', ['manager_id', 'full_name'], unique=False)
        batch_op.create_index('ix_contacts_organization_name', ['organization_id', 'full_name'], unique=False)

    op.create_table('addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint('(organization_id IS NULL) <> (contact_id IS NULL)', name=op.f('ck_addresses_one_owner')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_addresses_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_addresses_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_addresses'))
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addresses_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_organization_id'), ['organization_id'], unique=False)

    op.create_table('contact_employments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('organization_name', sa.String(length=300), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_employments_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_contact_employments_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_employments'))
    )
    with op.batch_alter_table('contact_employments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_employments_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_employments_organization_id'), ['organization_id'], unique=False)

    op.create_table('emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('normalized', sa.String(length=254), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint('(organization_id IS NULL) <> (contact_id IS NULL)', name=op.f('ck_emails_one_owner')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_emails_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_emails_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emails'))
    )
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emails_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_normalized'), ['normalized'], unique=False)
        batch_op.create_index(batch_op.f('ix_emails_organization_id'), ['organization_id'], unique=False)

    op.create_table('important_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('md', sa.Integer(), nullable=False),
    sa.Column('yearly', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.CheckConstraint('(organization_id IS NULL) <> (contact_id IS NULL)', name=op.f('ck_important_dates_one_owner')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_important_dates_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_important_dates_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_important_dates'))
    )
    with op.batch_alter_table('important_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_important_dates_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_md'), ['md'], unique=False)
        batch_op.create_index(batch_op.f('ix_important_dates_organization_id'), ['organization_id'], unique=False)

    op.create_table('interactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('no_answer', sa.Integer(), nullable=False),
    sa.Column('could_not_talk', sa.Integer(), nullable=False),
    sa.Column('talked', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('result_text', sa.Text(), nullable=False),
    sa.Column('color', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_interactions_author_id_users')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_interactions_contact_id_contacts')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_interactions_department_id_departments')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_interactions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['parent_id'], ['interactions.id'], name=op.f('fk_interactions_parent_id_interactions')),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_interactions_responsible_id_users')),
    sa.ForeignKeyConstraint(['result_id'], ['classifiers.id'], name=op.f('fk_interactions_result_id_classifiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions'))
    )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_author_time', ['author_id', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_contact_time', ['contact_id', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_department_time', ['department_id', 'planned_at'], unique=False)
        batch_op.create_index('ix_interactions_organization_time', ['organization_id', 'planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_interactions_responsible_day', ['responsible_id', 'done_at', 'planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_result_id'), ['result_id'], unique=False)

    op.create_table('phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('normalized', sa.String(length=20), nullable=False),
    sa.Column('extension', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint('(organization_id IS NULL) <> (contact_id IS NULL)', name=op.f('ck_phones_one_owner')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_phones_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_phones_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phones'))
    )
    with op.batch_alter_table('phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phones_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_normalized'), ['normalized'], unique=False)
        batch_op.create_index(batch_op.f('ix_phones_organization_id'), ['organization_id'], unique=False)
    # Full-text search: FTS5 table + triggers (SQLite), tsvector column + GIN index (PostgreSQL).
    _execute(SQLITE_DDL if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL_DDL)
    # The default lists (industries, regions, results...).
    op.get_bind().execute(classifiers.insert(), [
        {'list': list_name, 'code': code, 'title': title, 'sort_order': order, 'active': True}
        for list_name, code, title, order in CLASSIFIERS])


def downgrade() -> None:
    _execute(SQLITE_DROP if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL_DROP)
    with op.batch_alter_table('phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phones_organization_id'))
        batch_op.drop_index(batch_op.f('ix_phones_normalized'))
        batch_op.drop_index(batch_op.f('ix_phones_contact_id'))

    op.drop_table('phones')
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interactions_result_id'))
        batch_op.drop_index('ix_interactions_responsible_day')
        batch_op.drop_index(batch_op.f('ix_interactions_parent_id'))
        batch_op.drop_index('ix_interactions_organization_time')
        batch_op.drop_index('ix_interactions_department_time')
        batch_op.drop_index('ix_interactions_contact_time')
        batch_op.drop_index('ix_interactions_author_time')

    op.drop_table('interactions')
    with op.batch_alter_table('important_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_important_dates_organization_id'))
        batch_op.drop_index(batch_op.f('ix_important_dates_md'))
        batch_op.drop_index(batch_op.f('ix_important_dates_contact_id'))

    op.drop_table('important_dates')
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emails_organization_id'))
        batch_op.drop_index(batch_op.f('ix_emails_normalized'))
        batch_op.drop_index(batch_op.f('ix_emails_contact_id'))

    op.drop_table('emails')
    with op.batch_alter_table('contact_employments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_employments_organization_id'))
        batch_op.drop_index(batch_op.f('ix_contact_employments_contact_id'))

    op.drop_table('contact_employments')
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addresses_organization_id'))
        batch_op.drop_index(batch_op.f('ix_addresses_contact_id'))

    op.drop_table('addresses')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_organization_name')
        batch_op.drop_index('ix_contacts_manager_name')
        batch_op.drop_index(batch_op.f('ix_contacts_full_name'))
        batch_op.drop_index('ix_contacts_department_name')
        batch_op.drop_index(batch_op.f('ix_contacts_birth_md'))

    op.drop_table('contacts')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_stage_name')
        batch_op.drop_index(batch_op.f('ix_organizations_source_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_region_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_name_key'))
        batch_op.drop_index('ix_organizations_manager_name')
        batch_op.drop_index('ix_organizations_kind_name')
        batch_op.drop_index(batch_op.f('ix_organizations_inn'))
        batch_op.drop_index(batch_op.f('ix_organizations_industry_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_group_id'))
        batch_op.drop_index('ix_organizations_department_name')
        batch_op.drop_index(batch_op.f('ix_organizations_created_at'))
        batch_op.drop_index(batch_op.f('ix_organizations_category_id'))

    op.drop_table('organizations')
    op.drop_table('user_settings')
    with op.batch_alter_table('sent_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_reminders_sent_at'))

    op.drop_table('sent_reminders')
    op.drop_table('saved_segments')
    with op.batch_alter_table('client_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_merges_merged_id'))
        batch_op.drop_index('ix_client_merges_kind_kept')

    op.drop_table('client_merges')
    with op.batch_alter_table('client_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_imports_user_id'))

    op.drop_table('client_imports')
    op.drop_table('search_documents')
    with op.batch_alter_table('phones_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phones_version_transaction_id'))
        batch_op.drop_index('ix_phones_version_pk_validity')
        batch_op.drop_index('ix_phones_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_phones_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_phones_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_phones_version_normalized'))
        batch_op.drop_index(batch_op.f('ix_phones_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_phones_version_contact_id'))

    op.drop_table('phones_version')
    with op.batch_alter_table('organizations_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_source_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_region_id'))
        batch_op.drop_index('ix_organizations_version_pk_validity')
        batch_op.drop_index('ix_organizations_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_organizations_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_name_key'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_inn'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_industry_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_group_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_created_at'))
        batch_op.drop_index(batch_op.f('ix_organizations_version_category_id'))

    op.drop_table('organizations_version')
    with op.batch_alter_table('interactions_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interactions_version_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_interactions_version_result_id'))
        batch_op.drop_index('ix_interactions_version_pk_validity')
        batch_op.drop_index('ix_interactions_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_interactions_version_parent_id'))
        batch_op.drop_index(batch_op.f('ix_interactions_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_interactions_version_end_transaction_id'))

    op.drop_table('interactions_version')
    with op.batch_alter_table('important_dates_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_important_dates_version_transaction_id'))
        batch_op.drop_index('ix_important_dates_version_pk_validity')
        batch_op.drop_index('ix_important_dates_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_important_dates_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_important_dates_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_important_dates_version_md'))
        batch_op.drop_index(batch_op.f('ix_important_dates_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_important_dates_version_contact_id'))

    op.drop_table('important_dates_version')
    with op.batch_alter_table('emails_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emails_version_transaction_id'))
        batch_op.drop_index('ix_emails_version_pk_validity')
        batch_op.drop_index('ix_emails_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_emails_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_emails_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_emails_version_normalized'))
        batch_op.drop_index(batch_op.f('ix_emails_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_emails_version_contact_id'))

    op.drop_table('emails_version')
    with op.batch_alter_table('contacts_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_version_transaction_id'))
        batch_op.drop_index('ix_contacts_version_pk_validity')
        batch_op.drop_index('ix_contacts_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_contacts_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_contacts_version_full_name'))
        batch_op.drop_index(batch_op.f('ix_contacts_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_contacts_version_birth_md'))

    op.drop_table('contacts_version')
    with op.batch_alter_table('contact_employments_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_employments_version_transaction_id'))
        batch_op.drop_index('ix_contact_employments_version_pk_validity')
        batch_op.drop_index('ix_contact_employments_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_contact_employments_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_contact_employments_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_contact_employments_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_contact_employments_version_contact_id'))

    op.drop_table('contact_employments_version')
    with op.batch_alter_table('classifiers_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classifiers_version_transaction_id'))
        batch_op.drop_index('ix_classifiers_version_pk_validity')
        batch_op.drop_index('ix_classifiers_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_classifiers_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_classifiers_version_end_transaction_id'))

    op.drop_table('classifiers_version')
    with op.batch_alter_table('classifiers', schema=None) as batch_op:
        batch_op.drop_index('ix_classifiers_list_order')

    op.drop_table('classifiers')
    with op.batch_alter_table('addresses_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addresses_version_transaction_id'))
        batch_op.drop_index('ix_addresses_version_pk_validity')
        batch_op.drop_index('ix_addresses_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_addresses_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_addresses_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_addresses_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_addresses_version_contact_id'))

    op.drop_table('addresses_version')
