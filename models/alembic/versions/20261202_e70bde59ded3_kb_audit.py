"""Knowledge base in the audit log: attachments and article versions are recorded, and an
article's recorded state holds its text (so that undoing a deletion brings everything back).

Revision ID: e70bde59ded3
Revises: 1d21fe53184c
Create Date: 2026-12-02 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e70bde59ded3"
down_revision = "1d21fe53184c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_article_attachments_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('filename', sa.String(length=255), autoincrement=False, nullable=True),
    sa.Column('content_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('size', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('sha256', sa.String(length=64), autoincrement=False, nullable=True),
    sa.Column('is_image', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_kb_article_attachments_version'))
    )
    op.create_index(op.f('ix_kb_article_attachments_version_article_id'), 'kb_article_attachments_version', ['article_id'], unique=False)
    op.create_index(op.f('ix_kb_article_attachments_version_end_transaction_id'), 'kb_article_attachments_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_kb_article_attachments_version_operation_type'), 'kb_article_attachments_version', ['operation_type'], unique=False)
    op.create_index('ix_kb_article_attachments_version_pk_transaction_id', 'kb_article_attachments_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_kb_article_attachments_version_pk_validity', 'kb_article_attachments_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_kb_article_attachments_version_sha256'), 'kb_article_attachments_version', ['sha256'], unique=False)
    op.create_index(op.f('ix_kb_article_attachments_version_transaction_id'), 'kb_article_attachments_version', ['transaction_id'], unique=False)
    op.create_table('kb_article_versions_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('title', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('summary', sa.String(length=500), autoincrement=False, nullable=True),
    sa.Column('body', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('tags', sa.String(length=1000), autoincrement=False, nullable=True),
    sa.Column('author_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('comment', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_kb_article_versions_version'))
    )
    op.create_index(op.f('ix_kb_article_versions_version_end_transaction_id'), 'kb_article_versions_version', ['end_transaction_id'], unique=False)
    op.create_index(op.f('ix_kb_article_versions_version_operation_type'), 'kb_article_versions_version', ['operation_type'], unique=False)
    op.create_index('ix_kb_article_versions_version_pk_transaction_id', 'kb_article_versions_version', ['id', sa.literal_column('transaction_id DESC')], unique=False)
    op.create_index('ix_kb_article_versions_version_pk_validity', 'kb_article_versions_version', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
    op.create_index(op.f('ix_kb_article_versions_version_transaction_id'), 'kb_article_versions_version', ['transaction_id'], unique=False)
    op.add_column('kb_articles_version', sa.Column('body', sa.Text(), autoincrement=False, nullable=True))
    # The recorded state of each article as it is now holds its text from here on.
    op.execute("UPDATE kb_articles_version SET body = (SELECT kb_articles.body FROM kb_articles "
               "WHERE kb_articles.id = kb_articles_version.id) WHERE end_transaction_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('kb_articles_version', schema=None) as batch_op:
        batch_op.drop_column('body')
    op.drop_index(op.f('ix_kb_article_versions_version_transaction_id'), table_name='kb_article_versions_version')
    op.drop_index('ix_kb_article_versions_version_pk_validity', table_name='kb_article_versions_version')
    op.drop_index('ix_kb_article_versions_version_pk_transaction_id', table_name='kb_article_versions_version')
    op.drop_index(op.f('ix_kb_article_versions_version_operation_type'), table_name='kb_article_versions_version')
    op.drop_index(op.f('ix_kb_article_versions_version_end_transaction_id'), table_name='kb_article_versions_version')
    op.drop_table('kb_article_versions_version')
    op.drop_index(op.f('ix_kb_article_attachments_version_transaction_id'), table_name='kb_article_attachments_version')
    op.drop_index(op.f('ix_kb_article_attachments_version_sha256'), table_name='kb_article_attachments_version')
    op.drop_index('ix_kb_article_attachments_version_pk_validity', table_name='kb_article_attachments_version')
    op.drop_index('ix_kb_article_attachments_version_pk_transaction_id', table_name='kb_article_attachments_version')
    op.drop_index(op.f('ix_kb_article_attachments_version_operation_type'), table_name='kb_article_attachments_version')
    op.drop_index(op.f('ix_kb_article_attachments_version_end_transaction_id'), table_name='kb_article_attachments_version')
    op.drop_index(op.f('ix_kb_article_attachments_version_article_id'), table_name='kb_article_attachments_version')
    op.drop_table('kb_article_attachments_version')
