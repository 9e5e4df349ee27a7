"""The knowledge base's index moves into the portal's one search interface (and back), on both
databases, without losing an article."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

import models
from tests.conftest import HERE

BEFORE = "d5fa18096b6e"  # the knowledge base with its own index
AFTER = "1d21fe53184c"  # articles in search_documents


@pytest.fixture
def empty_engine(db_url, tmp_path):
    """A database of its own (the session's is migrated already)."""
    if db_url.startswith("sqlite"):
        engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'kb.sqlite'}"})
        yield engine
        engine.dispose()
        return
    name = f"kb_migration_{os.getpid()}"
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    engine = models.get_engine({"sqlalchemy.url": make_url(db_url).set(database=name)})
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def migrate(engine, target: str, down: bool = False) -> None:
    cfg = Config(os.path.join(HERE, "development.ini"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_the_index_moves_to_search_documents_and_back(empty_engine):
    engine = empty_engine
    postgres = engine.dialect.name == "postgresql"
    migrate(engine, BEFORE)
    migrate(engine, "clients@head")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO kb_folders (id, slug, title, description, block_local_roles, restricted, "
            "sort_order, created_at) VALUES (1, 'it', 'IT', '', false, false, 0, CURRENT_TIMESTAMP)")
        for i, (title, html) in enumerate([("Настройка VPN", "<p>Клиент для <b>удалённой</b> работы</p>"),
                                           ("Принтеры", "<p>Картридж &amp; бумага</p>")], 1):
            conn.execute(sa.text(
                "INSERT INTO kb_articles (id, folder_id, slug, title, summary, state, created_at, "
                "updated_at, version, must_read, read_count, helpful_yes, helpful_no, body, body_html) "
                "VALUES (:id, 1, :slug, :title, 'Кратко', 'published', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, 1, false, 0, 0, 0, '', :html)"),
                {"id": i, "slug": f"a{i}", "title": title, "html": html})
        conn.exec_driver_sql("INSERT INTO kb_article_tags (article_id, tag) VALUES (1, 'удалёнка')")

    migrate(engine, AFTER)
    with engine.connect() as conn:
        docs = conn.execute(sa.text("SELECT id, object_id, title, body FROM search_documents "
                                    "WHERE kind = 'article' ORDER BY object_id")).all()
        assert [(d.id, d.object_id) for d in docs] == [(5 * 10**10 + 1, 1), (5 * 10**10 + 2, 2)]
        assert docs[0].title == "настройка vpn удаленка"
        assert docs[0].body == "кратко клиент для удаленной работы"
        assert docs[1].body == "кратко картридж & бумага"
        inspector = sa.inspect(conn)
        assert "kb_article_fts" not in inspector.get_table_names()
        assert "search_vector" not in {c["name"] for c in inspector.get_columns("kb_articles")}
        if postgres:
            found = conn.scalars(sa.text(
                "SELECT object_id FROM search_documents WHERE kind = 'article' AND "
                "tsv @@ to_tsquery('russian', 'удаленной:*')")).all()
        else:
            found = conn.scalars(sa.text(
                "SELECT rowid - 50000000000 FROM search_fts WHERE search_fts MATCH '\"удален\"*'")).all()
        assert list(found) == [1]
        # Articles keep what refers to them (SQLite drops the column in place, no table copy).
        assert conn.scalar(sa.text("SELECT count(*) FROM kb_article_tags")) == 1

    migrate(engine, BEFORE, down=True)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM search_documents WHERE kind = 'article'")) == 0
        if postgres:
            found = conn.scalars(sa.text("SELECT id FROM kb_articles WHERE "
                                         "search_vector @@ to_tsquery('russian', 'картридж')")).all()
        else:
            found = conn.scalars(sa.text(
                "SELECT rowid FROM kb_article_fts WHERE kb_article_fts MATCH 'картридж'")).all()
        assert list(found) == [2]
