"""Knowledge base: folders, articles, versions, feedback, reading, attachments, ticket links;
full-text search (SQLite FTS5 table, or a tsvector with a GIN index on PostgreSQL).

Revision ID: d5fa18096b6e
Revises: 2612525d3650
Create Date: 2026-11-22 11:19:31.082664
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "d5fa18096b6e"
down_revision = "2612525d3650"
branch_labels = ("kb",)
depends_on = None

FTS_TABLE = "kb_article_fts"
FTS_DDL = (f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, summary, body, tags, "
           "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")


def upgrade() -> None:
    op.create_table('kb_folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('block_local_roles', sa.Boolean(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['kb_folders.id'], name=op.f('fk_kb_folders_parent_id_kb_folders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_folders')),
    sa.UniqueConstraint('parent_id', 'slug', name=op.f('uq_kb_folders_parent_id'))
    )

    with op.batch_alter_table('kb_folders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_folders_parent_id'), ['parent_id'], unique=False)

    op.create_table('kb_folders_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('parent_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('slug', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('title', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('description', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('block_local_roles', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('restricted', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('sort_order', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_kb_folders_version'))
    )

    with op.batch_alter_table('kb_folders_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_folders_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_folders_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_folders_version_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_kb_folders_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_kb_folders_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_folders_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('folder_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('must_read', sa.Boolean(), nullable=False),
    sa.Column('must_read_department_id', sa.Integer(), nullable=True),
    sa.Column('must_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_count', sa.Integer(), nullable=False),
    sa.Column('helpful_yes', sa.Integer(), nullable=False),
    sa.Column('helpful_no', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_articles_author_id_users')),
    sa.ForeignKeyConstraint(['folder_id'], ['kb_folders.id'], name=op.f('fk_kb_articles_folder_id_kb_folders')),
    sa.ForeignKeyConstraint(['must_read_department_id'], ['departments.id'], name=op.f('fk_kb_articles_must_read_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    sa.UniqueConstraint('folder_id', 'slug', name=op.f('uq_kb_articles_folder_id'))
    )

    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_folder_id'), ['folder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_read_count'), ['read_count'], unique=False)
        batch_op.create_index('ix_kb_articles_search_vector', ['search_vector'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_kb_articles_state_updated', ['state', 'updated_at'], unique=False)
        batch_op.create_index('ix_kb_articles_must_read', ['must_read', 'state'], unique=False)
        batch_op.create_index('ix_kb_articles_state_folder', ['state', 'folder_id', 'author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_updated_at'), ['updated_at'], unique=False)

    op.create_table('kb_articles_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('folder_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('slug', sa.String(length=120), autoincrement=False, nullable=True),
    sa.Column('title', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('summary', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('state', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('must_read', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('must_read_department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('must_read_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_kb_articles_version'))
    )

    with op.batch_alter_table('kb_articles_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_version_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_version_folder_id'), ['folder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_kb_articles_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_kb_articles_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_version_transaction_id'), ['transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_version_updated_at'), ['updated_at'], unique=False)

    op.create_table('kb_article_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('is_image', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_attachments_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_kb_article_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_attachments'))
    )

    with op.batch_alter_table('kb_article_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_attachments_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_article_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('kb_article_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_feedback_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_article_feedback_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_feedback')),
    sa.UniqueConstraint('article_id', 'user_id', name=op.f('uq_kb_article_feedback_article_id'))
    )

    with op.batch_alter_table('kb_article_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_feedback_user_id'), ['user_id'], unique=False)

    op.create_table('kb_article_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_reads_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_article_reads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_reads')),
    sa.UniqueConstraint('article_id', 'user_id', name=op.f('uq_kb_article_reads_article_id'))
    )

    with op.batch_alter_table('kb_article_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_reads_user_id'), ['user_id'], unique=False)

    op.create_table('kb_article_relations',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('related_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('article_id <> related_id', name=op.f('ck_kb_article_relations_not_self')),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_relations_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_id'], ['kb_articles.id'], name=op.f('fk_kb_article_relations_related_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'related_id', name=op.f('pk_kb_article_relations'))
    )

    with op.batch_alter_table('kb_article_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_relations_related_id'), ['related_id'], unique=False)

    op.create_table('kb_article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_tags_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag', name=op.f('pk_kb_article_tags'))
    )

    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_tags_tag'), ['tag'], unique=False)

    op.create_table('kb_article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', sa.String(length=1000), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_versions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_article_versions_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_article_versions_article_id'))
    )

    op.create_table('kb_ticket_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_ticket_links_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_kb_ticket_links_linked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_ticket_links')),
    sa.UniqueConstraint('ticket_id', 'article_id', name=op.f('uq_kb_ticket_links_ticket_id'))
    )

    with op.batch_alter_table('kb_ticket_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_ticket_links_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_ticket_links_ticket_id'), ['ticket_id'], unique=False)

    # PostgreSQL searches kb_articles.search_vector (GIN index above), filled by the application
    # on flush (portal/kb/search.py); SQLite has an FTS5 table instead.
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        op.execute(FTS_DDL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    op.drop_table("kb_ticket_links")
    op.drop_table("kb_article_versions")
    op.drop_table("kb_article_tags")
    op.drop_table("kb_article_relations")
    op.drop_table("kb_article_reads")
    op.drop_table("kb_article_feedback")
    op.drop_table("kb_article_attachments")
    op.drop_table("kb_articles_version")
    op.drop_table("kb_articles")
    op.drop_table("kb_folders_version")
    op.drop_table("kb_folders")
