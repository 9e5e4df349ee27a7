"""clients: classifier lists refuse a second entry with the same shown title; required lists

An entry's title as readers see it, in English and in Russian, folded (case, spaces, ё), gets a
unique index per list: «Москва» cannot be added next to the built-in "Moscow" (which Russian
readers see as «Москва»), even by two admins at the same instant. Entries that already repeat
another one's shown title keep no key (they stay as they are until renamed).

`classifier_lists` holds whether a list is required on organizations.

Revision ID: 8e41c7b2d9f5
Revises: ebd4cce602d6
Create Date: 2026-12-07 03:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8e41c7b2d9f5'
down_revision = 'ebd4cce602d6'
branch_labels = None
depends_on = None

# The Russian titles of the built-in entries (config/classifiers.yaml) when this revision was
# made; other titles read the same in both languages.
RUSSIAN = {
    'Manufacturing': 'Производство',
    'Construction': 'Строительство',
    'Retail': 'Розничная торговля',
    'Wholesale': 'Оптовая торговля',
    'IT and telecommunications': 'ИТ и телекоммуникации',
    'Transport and logistics': 'Транспорт и логистика',
    'Energy': 'Энергетика',
    'Agriculture': 'Сельское хозяйство',
    'Finance and insurance': 'Финансы и страхование',
    'Healthcare': 'Здравоохранение',
    'Education': 'Образование',
    'Public sector': 'Государственный сектор',
    'Hotels and restaurants': 'Гостиницы и рестораны',
    'Business services': 'Деловые услуги',
    'Moscow': 'Москва',
    'Moscow Region': 'Московская область',
    'Saint Petersburg': 'Санкт-Петербург',
    'Northwest': 'Северо-Запад',
    'Central Russia': 'Центральная Россия',
    'Volga': 'Поволжье',
    'South': 'Юг',
    'Urals': 'Урал',
    'Siberia': 'Сибирь',
    'Far East': 'Дальний Восток',
    'Abroad': 'Зарубежье',
    'Key accounts': 'Ключевые клиенты',
    'Regular customers': 'Постоянные клиенты',
    'Small customers': 'Мелкие клиенты',
    'Dealers': 'Дилеры',
    'Category A (large)': 'Категория A (крупные)',
    'Category B (medium)': 'Категория B (средние)',
    'Category C (small)': 'Категория C (мелкие)',
    'Website': 'Сайт',
    'Search engines': 'Поисковые системы',
    'Recommendation': 'Рекомендация',
    'Exhibition': 'Выставка',
    'Cold call': 'Холодный звонок',
    'E-mail campaign': 'E-mail-рассылка',
    'Social networks': 'Социальные сети',
    'Print advertising': 'Печатная реклама',
    'Tender': 'Тендер',
    'Other source': 'Другой источник',
    'Contract signed': 'Договор подписан',
    'Interested': 'Заинтересован',
    'Asks for a proposal': 'Просит коммерческое предложение',
    'Asks for an invoice': 'Просит счёт',
    'Meeting agreed': 'Договорились о встрече',
    'Asked to call back': 'Просил перезвонить',
    'Postponed': 'Отложено',
    'Thinking it over': 'Думает',
    'Not interested': 'Не заинтересован',
    'Wrong contact': 'Не тот контакт',
}


def shown_key(text):
    return " ".join((text or "").casefold().replace("ё", "е").split())[:200]


def upgrade() -> None:
    op.create_table(
        'classifier_lists',
        sa.Column('list', sa.String(length=40), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('list', name=op.f('pk_classifier_lists')))
    with op.batch_alter_table('classifiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_en', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('shown_ru', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    table = sa.table('classifiers', sa.column('id', sa.Integer), sa.column('list', sa.String),
                     sa.column('title', sa.String), sa.column('shown_en', sa.String),
                     sa.column('shown_ru', sa.String))
    taken = set()
    rows = bind.execute(sa.select(table.c.id, table.c.list, table.c.title)
                        .order_by(table.c.id)).all()
    for row in rows:
        en, ru = shown_key(row.title), shown_key(RUSSIAN.get(row.title, row.title))
        keys = {(row.list, en), (row.list, ru)}
        if keys & taken:
            continue  # a repeat of an older entry: no key (the older one keeps its title)
        taken |= keys
        bind.execute(sa.update(table).where(table.c.id == row.id)
                     .values(shown_en=en, shown_ru=ru))
    with op.batch_alter_table('classifiers', schema=None) as batch_op:
        batch_op.create_index('uq_classifiers_list_shown_en', ['list', 'shown_en'], unique=True)
        batch_op.create_index('uq_classifiers_list_shown_ru', ['list', 'shown_ru'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('classifiers', schema=None) as batch_op:
        batch_op.drop_index('uq_classifiers_list_shown_ru')
        batch_op.drop_index('uq_classifiers_list_shown_en')
        batch_op.drop_column('shown_ru')
        batch_op.drop_column('shown_en')
    op.drop_table('classifier_lists')
