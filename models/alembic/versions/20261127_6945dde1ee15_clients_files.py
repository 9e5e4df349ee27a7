"""clients: files on the client card (audited)

Revision ID: 6945dde1ee15
Revises: 1913b4c36b10
Create Date: 2026-11-27 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '6945dde1ee15'
down_revision = '1913b4c36b10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('client_files_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('filename', sa.String(length=255), autoincrement=False, nullable=True),
    sa.Column('content_type', sa.String(length=100), autoincrement=False, nullable=True),
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=True),
    sa.Column('sha256', sa.String(length=64), autoincrement=False, nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_client_files_version'))
    )
    with op.batch_alter_table('client_files_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_files_version_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_files_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_files_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_client_files_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_client_files_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_files_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('client_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_client_files_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_client_files_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_client_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_files'))
    )
    with op.batch_alter_table('client_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_files_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_client_files_organization_at', ['organization_id', 'uploaded_at'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('client_files', schema=None) as batch_op:
        batch_op.drop_index('ix_client_files_organization_at')
        batch_op.drop_index(batch_op.f('ix_client_files_contact_id'))
    op.drop_table('client_files')
    with op.batch_alter_table('client_files_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_files_version_transaction_id'))
        batch_op.drop_index('ix_client_files_version_pk_validity')
        batch_op.drop_index('ix_client_files_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_client_files_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_client_files_version_end_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_client_files_version_contact_id'))
    op.drop_table('client_files_version')
