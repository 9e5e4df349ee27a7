"""The knowledge base's services run without a web request (an import, the ticker, the API):
they take the database session and who acts, and refuse with a UserError naming the field."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.errors import UserError
from models.kb import Article, ArticleVersion, KbFolder
from models.notifications import Notification
from portal.kb.articles import ArticleInput, create_article
from portal.kb.delete_move import delete_article, move_article
from portal.kb.folders import create_folder, delete_folder, edit_folder, move_folder
from portal.kb.must_read import confirm_read, has_confirmed
from portal.kb.reading import give_feedback, record_read
from portal.kb.security import KbTree

BASE = "https://portal.example"


def test_folders_are_created_renamed_moved_and_deleted(dbsession):
    top = create_folder(dbsession, KbTree.load(dbsession), parent_id=None, title="  Служба  поддержки ")
    assert (top.title, top.slug, top.sort_order) == ("Служба поддержки", "sluzhba-podderzhki", 0)
    sub = create_folder(dbsession, KbTree.load(dbsession), parent_id=top.id, title="Printers",
                        slug="printers", description=" About printers ")
    assert sub.description == "About printers"
    with pytest.raises(UserError) as taken:
        create_folder(dbsession, KbTree.load(dbsession), parent_id=top.id, title="Other", slug="printers")
    assert taken.value.field == "slug"
    assert "already used here by “Printers”" in taken.value.message.interpolate()
    edit_folder(dbsession, KbTree.load(dbsession), sub, title="Принтеры", slug="", description="")
    assert sub.slug == "printery"
    with pytest.raises(UserError) as itself:
        move_folder(dbsession, KbTree.load(dbsession), top, sub.id)
    assert itself.value.field == "target" and "sub-folders" in itself.value.message
    move_folder(dbsession, KbTree.load(dbsession), sub, None)
    assert sub.parent_id is None
    dbsession.add(Article(folder_id=top.id, slug="a", title="A", body="Text"))
    dbsession.flush()
    with pytest.raises(UserError, match="holds articles"):
        delete_folder(dbsession, KbTree.load(dbsession), top)
    delete_folder(dbsession, KbTree.load(dbsession), sub)
    assert dbsession.get(KbFolder, sub.id) is None


def test_an_article_is_written_read_moved_and_deleted_without_a_request(dbsession, factory, kb):
    author = factory.user("author")
    reader = factory.user("reader")
    it = kb.folder("IT", slug="it")
    office = kb.folder("Office", slug="office")
    data = ArticleInput(title="Настройка VPN", body="# VPN\n\nТекст.", tags=["vpn"])
    article = create_article(dbsession, author, it, data, tree=KbTree.load(dbsession), readable=sa.true())
    assert (article.slug, article.state, article.version, article.author_id) == (
        "nastroyka-vpn", "draft", 1, author.id)
    assert "<h1" in article.body_html  # the rendered text followed the body
    versions = sa.select(ArticleVersion.number).where(ArticleVersion.article_id == article.id)
    assert list(dbsession.scalars(versions)) == [1]

    assert record_read(dbsession, reader, article).confirmed_at is None
    assert has_confirmed(confirm_read(dbsession, reader, article), article)
    give_feedback(dbsession, reader, article, helpful=True, comment="Помогло")
    dbsession.refresh(article, ["read_count"])
    assert (article.read_count, article.helpful_yes) == (1, 1)

    dbsession.add(Notification(user_id=reader.id, kind="kb_must_read", title="Must read",
                               url=f"{BASE}/kb/it/nastroyka-vpn/"))
    dbsession.flush()
    with pytest.raises(UserError) as same:
        move_article(dbsession, KbTree.load(dbsession), article, it, "vpn", BASE)
    assert same.value.field == "target"
    with pytest.raises(UserError) as malformed:
        move_article(dbsession, KbTree.load(dbsession), article, office, "Bad Slug", BASE)
    assert malformed.value.field == "slug"
    move_article(dbsession, KbTree.load(dbsession), article, office, "vpn", BASE)
    assert (article.folder_id, article.slug) == (office.id, "vpn")
    assert dbsession.scalar(sa.select(Notification.url).where(Notification.user_id == reader.id)) == (
        f"{BASE}/kb/@@article/{article.id}")

    delete_article(dbsession, KbTree.load(dbsession), article, BASE)
    assert dbsession.get(Article, article.id) is None
    # The unread notification that asked to read it went with it.
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Notification)
                            .where(Notification.user_id == reader.id)) == 0
