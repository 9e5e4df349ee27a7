"""Sales (issue 15): the product catalog (groups in a hierarchy, products), pipelines and their
stages, deals with their stage history, products and extra costs, the yearly order counter,
orders with their lines, shipments and payments, the fact table of the sales reports, plans
with their corrections, commission rules, document templates and documents; the "lost" state of
an organization (lost_on, lost_reason_id, lost_note) and the default entries of the lists
"deal_lost_reason" and "client_lost_reason".

A branch of its own ("sales"); its tables refer to users and departments (people) and to
organizations, contacts and classifiers (clients).

Revision ID: 5a1e50000001
Revises: (none: a branch of its own, after the people and clients heads)
Create Date: 2026-12-07 06:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5a1e50000001'
down_revision = None
branch_labels = ('sales',)
depends_on = ('5c7e2a9d4f13', '8e41c7b2d9f5')

# The default entries of the sales lists (config/classifiers.yaml when this revision was made),
# with their Russian titles (the shown keys of revision 8e41c7b2d9f5: folded, ё as е).
LOST_REASONS = [
    ('deal_lost_reason', 'price', 'Price too high', 'Высокая цена', 10),
    ('deal_lost_reason', 'competitor', 'Chose a competitor', 'Выбрали конкурента', 20),
    ('deal_lost_reason', 'terms', 'Delivery or payment terms', 'Условия поставки или оплаты', 30),
    ('deal_lost_reason', 'no_budget', 'No budget', 'Нет бюджета', 40),
    ('deal_lost_reason', 'no_need', 'No longer needed', 'Потребность отпала', 50),
    ('deal_lost_reason', 'no_answer', 'Stopped answering', 'Перестал выходить на связь', 60),
    ('deal_lost_reason', 'other', 'Other reason', 'Другая причина', 70),
    ('client_lost_reason', 'price', 'Prices', 'Цены', 10),
    ('client_lost_reason', 'competitor', 'Went to a competitor', 'Ушёл к конкуренту', 20),
    ('client_lost_reason', 'quality', 'Quality of goods or service', 'Качество товара или сервиса', 30),
    ('client_lost_reason', 'delivery', 'Delivery problems', 'Проблемы с доставкой', 40),
    ('client_lost_reason', 'closed', 'Business closed', 'Прекратил деятельность', 50),
    ('client_lost_reason', 'other', 'Other reason', 'Другая причина', 60),
]

# The sales grants of config/roles.yaml when this revision was made (ROLES.md, "The coming
# areas"), given to the default roles an existing installation already has: the types are new,
# so no choice of an admin is overwritten. A fresh database gets them from `portal initdb`.
SALES_GRANTS = {
    'employee': {'product.view': 'all'},
    'sales': {'deal.view': 'department', 'order.view': 'department', 'deal.add': 'all',
              'order.add': 'all', 'deal.edit': 'own', 'order.edit': 'own', 'plan.view': 'own',
              'report.sales': 'own'},
    'dept_head': {'deal.view': 'department', 'order.view': 'department', 'deal.add': 'all',
                  'order.add': 'all', 'deal.edit': 'department', 'order.edit': 'department',
                  'plan.view': 'department', 'plan.edit': 'department',
                  'report.sales': 'department'},
    'director': {'deal.view': 'all', 'order.view': 'all', 'deal.add': 'all', 'order.add': 'all',
                 'deal.edit': 'all', 'order.edit': 'all', 'order.payment': 'all',
                 'product.manage': 'all', 'plan.view': 'all', 'plan.edit': 'all',
                 'report.sales': 'all'},
    'accountant': {'deal.view': 'all', 'order.view': 'all', 'order.payment': 'all',
                   'report.sales': 'all'},
    'marketing': {'report.sales': 'all'},
    'supply': {'deal.view': 'all', 'order.view': 'all', 'product.manage': 'all'},
}
roles = sa.table('roles', sa.column('id', sa.Integer), sa.column('name', sa.String))
permissions = sa.table('role_permissions', sa.column('id', sa.Integer),
                       sa.column('role_id', sa.Integer), sa.column('type', sa.String),
                       sa.column('permission', sa.String), sa.column('scope', sa.String))


def _grant_sales_permissions() -> None:
    bind = op.get_bind()
    for name, grants in SALES_GRANTS.items():
        role_id = bind.scalar(sa.select(roles.c.id).where(roles.c.name == name))
        if role_id is None:  # a fresh database: `portal initdb` seeds the roles afterwards
            continue
        for key, scope in grants.items():
            type_name, permission = key.split('.')
            exists = bind.scalar(sa.select(permissions.c.id).where(
                permissions.c.role_id == role_id, permissions.c.type == type_name,
                permissions.c.permission == permission))
            if exists is None:
                bind.execute(permissions.insert().values(
                    role_id=role_id, type=type_name, permission=permission, scope=scope))


def _shown(text: str) -> str:
    """models.clients.shown_key when this revision was made: no case, ё as е, spaces squeezed."""
    return ' '.join(text.lower().replace('ё', 'е').split())[:200]


def upgrade() -> None:
    op.create_table('sales_deals_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('pipeline_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('stage_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('expected_close_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('owner_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('state', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('lost_reason_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('lost_note', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('closed_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('created_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_deals_version'))
    )
    with op.batch_alter_table('sales_deals_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_deals_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_deals_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_deals_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_sales_deals_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_deals_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_deals_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_document_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('proposal', 'invoice', 'contract', 'shipment')", name=op.f('ck_sales_document_templates_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_document_templates'))
    )
    op.create_table('sales_document_templates_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=30), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_document_templates_version'))
    )
    with op.batch_alter_table('sales_document_templates_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_document_templates_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_document_templates_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_sales_document_templates_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_document_templates_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_document_templates_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_order_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_sales_order_counters'))
    )
    op.create_table('sales_orders_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('number', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('contact_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('deal_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('state', sa.String(length=12), autoincrement=False, nullable=True),
    sa.Column('ordered_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('planned_ship_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('planned_pay_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('shipped_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('paid_on', sa.Date(), autoincrement=False, nullable=True),
    sa.Column('total', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('shipped_amount', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('terms_discount_percent', sa.Numeric(precision=5, scale=2), autoincrement=False, nullable=True),
    sa.Column('terms_deferral_days', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('discount_breach', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('deferral_breach', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('note', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('created_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_orders_version'))
    )
    with op.batch_alter_table('sales_orders_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_orders_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_orders_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_orders_version_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_sales_orders_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_orders_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_orders_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_pipelines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_pipelines')),
    sa.UniqueConstraint('channel', name=op.f('uq_sales_pipelines_channel')),
    sa.UniqueConstraint('code', name=op.f('uq_sales_pipelines_code'))
    )
    op.create_table('sales_pipelines_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=40), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('channel', sa.String(length=40), autoincrement=False, nullable=True),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_pipelines_version'))
    )
    with op.batch_alter_table('sales_pipelines_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_pipelines_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_pipelines_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_sales_pipelines_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_pipelines_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_pipelines_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_plans_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('month', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('updated_by_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), autoincrement=False, nullable=True),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_plans_version'))
    )
    with op.batch_alter_table('sales_plans_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_plans_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_plans_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_sales_plans_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_plans_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_plans_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_product_groups_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('parent_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('path', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_product_groups_version'))
    )
    with op.batch_alter_table('sales_product_groups_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_product_groups_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_product_groups_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_product_groups_version_path'), ['path'], unique=False)
        batch_op.create_index('ix_sales_product_groups_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_product_groups_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_product_groups_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_products_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('code', sa.String(length=60), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=300), autoincrement=False, nullable=True),
    sa.Column('unit', sa.String(length=20), autoincrement=False, nullable=True),
    sa.Column('price', sa.Numeric(precision=14, scale=2), autoincrement=False, nullable=True),
    sa.Column('manager_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('supplier_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('lead_days', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('active', sa.Boolean(), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_products_version'))
    )
    with op.batch_alter_table('sales_products_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_products_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_products_version_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_products_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_sales_products_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_products_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_products_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_stages_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('pipeline_id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('name', sa.String(length=200), autoincrement=False, nullable=True),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('probability', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('kind', sa.String(length=10), autoincrement=False, nullable=True),
    sa.Column('transaction_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('end_transaction_id', sa.BigInteger(), nullable=True),
    sa.Column('operation_type', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', 'transaction_id', name=op.f('pk_sales_stages_version'))
    )
    with op.batch_alter_table('sales_stages_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_stages_version_end_transaction_id'), ['end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_stages_version_operation_type'), ['operation_type'], unique=False)
        batch_op.create_index('ix_sales_stages_version_pk_transaction_id', ['id', sa.literal_column('transaction_id DESC')], unique=False)
        batch_op.create_index('ix_sales_stages_version_pk_validity', ['id', 'transaction_id', 'end_transaction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_stages_version_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('sales_document_template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['sales_document_templates.id'], name=op.f('fk_sales_document_template_versions_template_id_sales_document_templates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_sales_document_template_versions_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_document_template_versions')),
    sa.UniqueConstraint('template_id', 'version', name=op.f('uq_sales_document_template_versions_template_id'))
    )
    op.create_table('sales_product_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_sales_product_groups_manager_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['sales_product_groups.id'], name=op.f('fk_sales_product_groups_parent_id_sales_product_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_product_groups')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_sales_product_groups_parent_id'))
    )
    with op.batch_alter_table('sales_product_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_product_groups_path'), ['path'], unique=False)

    op.create_table('sales_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pipeline_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.CheckConstraint("kind IN ('open', 'won', 'lost')", name=op.f('ck_sales_stages_kind')),
    sa.CheckConstraint('probability BETWEEN 0 AND 100', name=op.f('ck_sales_stages_probability')),
    sa.ForeignKeyConstraint(['pipeline_id'], ['sales_pipelines.id'], name=op.f('fk_sales_stages_pipeline_id_sales_pipelines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_stages')),
    sa.UniqueConstraint('pipeline_id', 'id', name='uq_sales_stages_pipeline_id_id'),
    sa.UniqueConstraint('pipeline_id', 'position', name=op.f('uq_sales_stages_pipeline_id'))
    )
    op.create_table('sales_commission_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_sales_commission_rules_percent')),
    sa.ForeignKeyConstraint(['group_id'], ['sales_product_groups.id'], name=op.f('fk_sales_commission_rules_group_id_sales_product_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_commission_rules')),
    sa.UniqueConstraint('group_id', name=op.f('uq_sales_commission_rules_group_id'))
    )
    op.create_table('sales_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_sales_plans_amount')),
    sa.ForeignKeyConstraint(['group_id'], ['sales_product_groups.id'], name=op.f('fk_sales_plans_group_id_sales_product_groups')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_sales_plans_manager_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_sales_plans_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_plans')),
    sa.UniqueConstraint('manager_id', 'group_id', 'month', name=op.f('uq_sales_plans_manager_id'))
    )
    with op.batch_alter_table('sales_plans', schema=None) as batch_op:
        batch_op.create_index('ix_sales_plans_month', ['month', 'group_id'], unique=False)

    op.create_table('sales_plan_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('old_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('new_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_sales_plan_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['sales_plans.id'], name=op.f('fk_sales_plan_changes_plan_id_sales_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_plan_changes'))
    )
    with op.batch_alter_table('sales_plan_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_plan_changes_plan_id'), ['plan_id'], unique=False)

    op.create_table('sales_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('lead_days >= 0', name=op.f('ck_sales_products_lead_days')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_sales_products_price')),
    sa.ForeignKeyConstraint(['group_id'], ['sales_product_groups.id'], name=op.f('fk_sales_products_group_id_sales_product_groups')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_sales_products_manager_id_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_sales_products_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_products')),
    sa.UniqueConstraint('code', name=op.f('uq_sales_products_code'))
    )
    with op.batch_alter_table('sales_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_products_group_id'), ['group_id'], unique=False)

    op.create_table('sales_deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('pipeline_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('expected_close_on', sa.Date(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('lost_reason_id', sa.Integer(), nullable=True),
    sa.Column('lost_note', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('open', 'won', 'lost')", name=op.f('ck_sales_deals_state')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_sales_deals_amount')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_sales_deals_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_deals_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_sales_deals_department_id_departments')),
    sa.ForeignKeyConstraint(['lost_reason_id'], ['classifiers.id'], name=op.f('fk_sales_deals_lost_reason_id_classifiers')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_sales_deals_organization_id_organizations')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_sales_deals_owner_id_users')),
    sa.ForeignKeyConstraint(['pipeline_id', 'stage_id'], ['sales_stages.pipeline_id', 'sales_stages.id'], name='fk_sales_deals_pipeline_stage'),
    sa.ForeignKeyConstraint(['pipeline_id'], ['sales_pipelines.id'], name=op.f('fk_sales_deals_pipeline_id_sales_pipelines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_deals'))
    )
    with op.batch_alter_table('sales_deals', schema=None) as batch_op:
        batch_op.create_index('ix_sales_deals_organization_created', ['organization_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_deals_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_sales_deals_owner_state', ['owner_id', 'state'], unique=False)
        batch_op.create_index('ix_sales_deals_pipeline_state_stage', ['pipeline_id', 'state', 'stage_id', 'closed_on', 'amount'], unique=False)
        batch_op.create_index('ix_sales_deals_state_closed', ['state', 'closed_on'], unique=False)
        batch_op.create_index('ix_sales_deals_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_sales_deals_department_owner', ['department_id', 'owner_id'], unique=False)

    op.create_table('sales_deal_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('delivery', 'agent', 'other')", name=op.f('ck_sales_deal_costs_kind')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_sales_deal_costs_amount')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_deal_costs_created_by_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['sales_deals.id'], name=op.f('fk_sales_deal_costs_deal_id_sales_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_deal_costs'))
    )
    with op.batch_alter_table('sales_deal_costs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_deal_costs_deal_id'), ['deal_id'], unique=False)

    op.create_table('sales_deal_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('discount_percent BETWEEN 0 AND 100', name=op.f('ck_sales_deal_products_discount_percent')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_sales_deal_products_price')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sales_deal_products_quantity')),
    sa.ForeignKeyConstraint(['deal_id'], ['sales_deals.id'], name=op.f('fk_sales_deal_products_deal_id_sales_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['sales_products.id'], name=op.f('fk_sales_deal_products_product_id_sales_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_deal_products'))
    )
    with op.batch_alter_table('sales_deal_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_deal_products_deal_id'), ['deal_id'], unique=False)

    op.create_table('sales_deal_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('from_stage_id', sa.Integer(), nullable=True),
    sa.Column('to_stage_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=10), nullable=False),
    sa.Column('to_state', sa.String(length=10), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_sales_deal_stage_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['sales_deals.id'], name=op.f('fk_sales_deal_stage_changes_deal_id_sales_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_stage_id'], ['sales_stages.id'], name=op.f('fk_sales_deal_stage_changes_from_stage_id_sales_stages')),
    sa.ForeignKeyConstraint(['to_stage_id'], ['sales_stages.id'], name=op.f('fk_sales_deal_stage_changes_to_stage_id_sales_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_deal_stage_changes'))
    )
    with op.batch_alter_table('sales_deal_stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_deal_stage_changes_deal_id'), ['deal_id'], unique=False)

    op.create_table('sales_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('ordered_on', sa.Date(), nullable=False),
    sa.Column('planned_ship_on', sa.Date(), nullable=True),
    sa.Column('planned_pay_on', sa.Date(), nullable=True),
    sa.Column('shipped_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('shipped_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('terms_discount_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('terms_deferral_days', sa.Integer(), nullable=True),
    sa.Column('discount_breach', sa.Boolean(), nullable=False),
    sa.Column('deferral_breach', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'confirmed', 'done', 'cancelled')", name=op.f('ck_sales_orders_state')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_sales_orders_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['sales_deals.id'], name=op.f('fk_sales_orders_deal_id_sales_deals')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_sales_orders_department_id_departments')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_sales_orders_manager_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_sales_orders_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_orders')),
    sa.UniqueConstraint('deal_id', name=op.f('uq_sales_orders_deal_id')),
    sa.UniqueConstraint('number', name=op.f('uq_sales_orders_number'))
    )
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.create_index('ix_sales_orders_manager_ordered', ['manager_id', 'ordered_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_orders_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_sales_orders_organization_ordered', ['organization_id', 'ordered_on'], unique=False)
        batch_op.create_index('ix_sales_orders_state_pay', ['state', 'planned_pay_on'], unique=False)
        batch_op.create_index('ix_sales_orders_state_ship', ['state', 'planned_ship_on'], unique=False)
        batch_op.create_index('ix_sales_orders_ordered', ['ordered_on', 'id'], unique=False)
        batch_op.create_index('ix_sales_orders_department_manager', ['department_id', 'manager_id'], unique=False)

    op.create_table('sales_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('proposal', 'invoice', 'contract', 'shipment')", name=op.f('ck_sales_documents_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_documents_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deal_id'], ['sales_deals.id'], name=op.f('fk_sales_documents_deal_id_sales_deals')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_sales_documents_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_sales_documents_organization_id_organizations')),
    sa.ForeignKeyConstraint(['template_version_id'], ['sales_document_template_versions.id'], name=op.f('fk_sales_documents_template_version_id_sales_document_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_documents'))
    )
    with op.batch_alter_table('sales_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_documents_deal_id'), ['deal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_documents_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_sales_documents_organization', ['organization_id', 'created_at'], unique=False)

    op.create_table('sales_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('shipped_quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('discount_percent BETWEEN 0 AND 100', name=op.f('ck_sales_order_lines_discount_percent')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_sales_order_lines_price')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sales_order_lines_quantity')),
    sa.CheckConstraint('shipped_quantity >= 0 AND shipped_quantity <= quantity', name=op.f('ck_sales_order_lines_shipped_quantity')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_sales_order_lines_order_id_sales_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['sales_products.id'], name=op.f('fk_sales_order_lines_product_id_sales_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_lines'))
    )
    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_lines_product_id'), ['product_id'], unique=False)

    op.create_table('sales_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_sales_payments_amount')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_payments_created_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_sales_payments_order_id_sales_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_payments')),
    sa.UniqueConstraint('request_key', name=op.f('uq_sales_payments_request_key'))
    )
    with op.batch_alter_table('sales_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_payments_order_id'), ['order_id'], unique=False)

    op.create_table('sales_shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shipped_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('request_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint("kind IN ('shipment', 'return')", name=op.f('ck_sales_shipments_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_shipments_created_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_sales_shipments_order_id_sales_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_shipments')),
    sa.UniqueConstraint('request_key', name=op.f('uq_sales_shipments_request_key'))
    )
    with op.batch_alter_table('sales_shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_shipments_order_id'), ['order_id'], unique=False)

    op.create_table('sales_shipment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sales_shipment_lines_quantity')),
    sa.ForeignKeyConstraint(['order_line_id'], ['sales_order_lines.id'], name=op.f('fk_sales_shipment_lines_order_line_id_sales_order_lines')),
    sa.ForeignKeyConstraint(['shipment_id'], ['sales_shipments.id'], name=op.f('fk_sales_shipment_lines_shipment_id_sales_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_shipment_lines'))
    )
    with op.batch_alter_table('sales_shipment_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_shipment_lines_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_shipment_lines_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('sales_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_line_id', sa.Integer(), nullable=False),
    sa.Column('shipped_on', sa.Date(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('top_group_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_sales_facts_department_id_departments')),
    sa.ForeignKeyConstraint(['group_id'], ['sales_product_groups.id'], name=op.f('fk_sales_facts_group_id_sales_product_groups')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_sales_facts_manager_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_sales_facts_organization_id_organizations')),
    sa.ForeignKeyConstraint(['product_id'], ['sales_products.id'], name=op.f('fk_sales_facts_product_id_sales_products')),
    sa.ForeignKeyConstraint(['shipment_line_id'], ['sales_shipment_lines.id'], name=op.f('fk_sales_facts_shipment_line_id_sales_shipment_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['top_group_id'], ['sales_product_groups.id'], name=op.f('fk_sales_facts_top_group_id_sales_product_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_facts')),
    sa.UniqueConstraint('shipment_line_id', name=op.f('uq_sales_facts_shipment_line_id'))
    )
    with op.batch_alter_table('sales_facts', schema=None) as batch_op:
        batch_op.create_index('ix_sales_facts_department_month', ['department_id', 'month'], unique=False)
        batch_op.create_index('ix_sales_facts_manager_month', ['manager_id', 'month'], unique=False)
        batch_op.create_index('ix_sales_facts_month_group_manager', ['month', 'top_group_id', 'manager_id', 'amount'], unique=False)
        batch_op.create_index('ix_sales_facts_organization_month', ['organization_id', 'month', 'amount'], unique=False)

    # Plain ADD COLUMN (no batch copy of the table on SQLite: many tables refer to it).
    op.add_column('organizations', sa.Column('lost_on', sa.Date(), nullable=True))
    op.add_column('organizations', sa.Column('lost_note', sa.Text(), nullable=False,
                                             server_default=''))
    if op.get_bind().dialect.name == 'sqlite':
        op.get_bind().exec_driver_sql(
            'ALTER TABLE organizations ADD COLUMN lost_reason_id INTEGER CONSTRAINT '
            'fk_organizations_lost_reason_id_classifiers REFERENCES classifiers (id)')
    else:
        op.add_column('organizations', sa.Column('lost_reason_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_organizations_lost_reason_id_classifiers'),
                              'organizations', 'classifiers', ['lost_reason_id'], ['id'])

    op.add_column('organizations_version',
                  sa.Column('lost_on', sa.Date(), autoincrement=False, nullable=True))
    op.add_column('organizations_version',
                  sa.Column('lost_reason_id', sa.Integer(), autoincrement=False, nullable=True))
    op.add_column('organizations_version',
                  sa.Column('lost_note', sa.Text(), autoincrement=False, nullable=True))

    classifiers = sa.table(
        'classifiers',
        sa.column('list', sa.String), sa.column('code', sa.String),
        sa.column('title', sa.String), sa.column('sort_order', sa.Integer),
        sa.column('active', sa.Boolean), sa.column('shown_en', sa.String),
        sa.column('shown_ru', sa.String))
    op.bulk_insert(classifiers, [
        {'list': list_name, 'code': code, 'title': title, 'sort_order': order, 'active': True,
         'shown_en': _shown(title), 'shown_ru': _shown(russian)}
        for list_name, code, title, russian, order in LOST_REASONS])
    _grant_sales_permissions()


def downgrade() -> None:
    op.get_bind().execute(permissions.delete().where(
        permissions.c.type.in_(('deal', 'order', 'product', 'plan'))
        | ((permissions.c.type == 'report') & (permissions.c.permission == 'sales'))))
    op.get_bind().execute(sa.text(
        "DELETE FROM classifiers WHERE list IN ('deal_lost_reason', 'client_lost_reason')"))
    with op.batch_alter_table('organizations_version', schema=None) as batch_op:
        batch_op.drop_column('lost_note')
        batch_op.drop_column('lost_reason_id')
        batch_op.drop_column('lost_on')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops no column of a foreign key in place: the table is copied without them.
        with op.batch_alter_table('organizations', schema=None) as batch_op:
            for column in ('lost_note', 'lost_reason_id', 'lost_on'):
                batch_op.drop_column(column)
    else:
        op.drop_constraint(op.f('fk_organizations_lost_reason_id_classifiers'), 'organizations',
                           type_='foreignkey')
        for column in ('lost_note', 'lost_reason_id', 'lost_on'):
            op.drop_column('organizations', column)

    with op.batch_alter_table('sales_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_facts_organization_month')
        batch_op.drop_index('ix_sales_facts_month_group_manager')
        batch_op.drop_index('ix_sales_facts_manager_month')
        batch_op.drop_index('ix_sales_facts_department_month')

    op.drop_table('sales_facts')
    with op.batch_alter_table('sales_shipment_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_shipment_lines_shipment_id'))
        batch_op.drop_index(batch_op.f('ix_sales_shipment_lines_order_line_id'))

    op.drop_table('sales_shipment_lines')
    with op.batch_alter_table('sales_shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_shipments_order_id'))

    op.drop_table('sales_shipments')
    with op.batch_alter_table('sales_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_payments_order_id'))

    op.drop_table('sales_payments')
    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_order_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_lines_order_id'))

    op.drop_table('sales_order_lines')
    with op.batch_alter_table('sales_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_documents_organization')
        batch_op.drop_index(batch_op.f('ix_sales_documents_order_id'))
        batch_op.drop_index(batch_op.f('ix_sales_documents_deal_id'))

    op.drop_table('sales_documents')
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_orders_state_ship')
        batch_op.drop_index('ix_sales_orders_state_pay')
        batch_op.drop_index('ix_sales_orders_organization_ordered')
        batch_op.drop_index(batch_op.f('ix_sales_orders_organization_id'))
        batch_op.drop_index('ix_sales_orders_department_manager')
        batch_op.drop_index('ix_sales_orders_ordered')
        batch_op.drop_index('ix_sales_orders_manager_ordered')

    op.drop_table('sales_orders')
    with op.batch_alter_table('sales_deal_stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_deal_stage_changes_deal_id'))

    op.drop_table('sales_deal_stage_changes')
    with op.batch_alter_table('sales_deal_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_deal_products_deal_id'))

    op.drop_table('sales_deal_products')
    with op.batch_alter_table('sales_deal_costs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_deal_costs_deal_id'))

    op.drop_table('sales_deal_costs')
    with op.batch_alter_table('sales_deals', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_deals_state_closed')
        batch_op.drop_index('ix_sales_deals_department_owner')
        batch_op.drop_index('ix_sales_deals_created')
        batch_op.drop_index('ix_sales_deals_pipeline_state_stage')
        batch_op.drop_index('ix_sales_deals_owner_state')
        batch_op.drop_index(batch_op.f('ix_sales_deals_organization_id'))
        batch_op.drop_index('ix_sales_deals_organization_created')

    op.drop_table('sales_deals')
    with op.batch_alter_table('sales_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_products_group_id'))

    op.drop_table('sales_products')
    with op.batch_alter_table('sales_plan_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_plan_changes_plan_id'))

    op.drop_table('sales_plan_changes')
    with op.batch_alter_table('sales_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_plans_month')

    op.drop_table('sales_plans')
    op.drop_table('sales_commission_rules')
    op.drop_table('sales_stages')
    with op.batch_alter_table('sales_product_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_product_groups_path'))

    op.drop_table('sales_product_groups')
    op.drop_table('sales_document_template_versions')
    with op.batch_alter_table('sales_stages_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_stages_version_transaction_id'))
        batch_op.drop_index('ix_sales_stages_version_pk_validity')
        batch_op.drop_index('ix_sales_stages_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_stages_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_stages_version_end_transaction_id'))

    op.drop_table('sales_stages_version')
    with op.batch_alter_table('sales_products_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_products_version_transaction_id'))
        batch_op.drop_index('ix_sales_products_version_pk_validity')
        batch_op.drop_index('ix_sales_products_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_products_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_products_version_group_id'))
        batch_op.drop_index(batch_op.f('ix_sales_products_version_end_transaction_id'))

    op.drop_table('sales_products_version')
    with op.batch_alter_table('sales_product_groups_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_product_groups_version_transaction_id'))
        batch_op.drop_index('ix_sales_product_groups_version_pk_validity')
        batch_op.drop_index('ix_sales_product_groups_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_product_groups_version_path'))
        batch_op.drop_index(batch_op.f('ix_sales_product_groups_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_product_groups_version_end_transaction_id'))

    op.drop_table('sales_product_groups_version')
    with op.batch_alter_table('sales_plans_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_plans_version_transaction_id'))
        batch_op.drop_index('ix_sales_plans_version_pk_validity')
        batch_op.drop_index('ix_sales_plans_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_plans_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_plans_version_end_transaction_id'))

    op.drop_table('sales_plans_version')
    with op.batch_alter_table('sales_pipelines_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_pipelines_version_transaction_id'))
        batch_op.drop_index('ix_sales_pipelines_version_pk_validity')
        batch_op.drop_index('ix_sales_pipelines_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_pipelines_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_pipelines_version_end_transaction_id'))

    op.drop_table('sales_pipelines_version')
    op.drop_table('sales_pipelines')
    with op.batch_alter_table('sales_orders_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_orders_version_transaction_id'))
        batch_op.drop_index('ix_sales_orders_version_pk_validity')
        batch_op.drop_index('ix_sales_orders_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_orders_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_sales_orders_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_orders_version_end_transaction_id'))

    op.drop_table('sales_orders_version')
    op.drop_table('sales_order_counters')
    with op.batch_alter_table('sales_document_templates_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_document_templates_version_transaction_id'))
        batch_op.drop_index('ix_sales_document_templates_version_pk_validity')
        batch_op.drop_index('ix_sales_document_templates_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_document_templates_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_document_templates_version_end_transaction_id'))

    op.drop_table('sales_document_templates_version')
    op.drop_table('sales_document_templates')
    with op.batch_alter_table('sales_deals_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_deals_version_transaction_id'))
        batch_op.drop_index('ix_sales_deals_version_pk_validity')
        batch_op.drop_index('ix_sales_deals_version_pk_transaction_id')
        batch_op.drop_index(batch_op.f('ix_sales_deals_version_organization_id'))
        batch_op.drop_index(batch_op.f('ix_sales_deals_version_operation_type'))
        batch_op.drop_index(batch_op.f('ix_sales_deals_version_end_transaction_id'))

    op.drop_table('sales_deals_version')
