"""Deleting an article (who may, the confirmation, what goes with it, undo) and moving it to
another folder (who may, address collisions, permissions of the new folder)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.kb import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleRead,
    ArticleRelation,
    ArticleTag,
    ArticleVersion,
    TicketArticleLink,
)
from models.notifications import Notification
from models.workflow import WorkflowHistory
from portal.kb.search import search
from portal.kb.security import article_filter
from tests.functional.kb.conftest import url_of
from tests.functional.tickets.desk import plain_ticket


def commit_point(dbsession) -> None:
    dbsession.flush()
    versioning_manager.clear(dbsession)


@pytest.fixture
def support(factory, kb):
    """Support edits and reviews its folder; IT is an open folder nobody shares."""
    dept = factory.department("Support")
    folder = kb.folder("Support", slug="support")
    kb.share(folder, "editor", department=dept)
    kb.share(folder, "reviewer", department=dept)
    return dept, folder


def found(request, q: str) -> list[Article]:
    """What `q` finds among the articles the request's user may read."""
    return [h.article for h in search(request, q, where=article_filter(request, "view"))[0]]


def count(dbsession, model, *where) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- delete ------------------------------------------------------------------------------------

def test_an_editor_deletes_an_article_with_everything_that_hangs_on_it(testapp, dbsession, kb, factory,
                                                                      support, request_for):
    dept, folder = support
    factory.user("editor", departments=[dept])
    reader = factory.user("reader")
    article = kb.article(folder, "Сброс пароля", slug="password", tags=["пароль"],
                         body="Откройте портал и нажмите «Забыли пароль».", must_read=True)
    other = kb.article(folder, "Вход в портал", slug="login")
    article_id = article.id
    dbsession.add_all([
        ArticleAttachment(article_id=article_id, filename="shot.png", content_type="image/png",
                          size=10, sha256="a" * 64, is_image=True),
        ArticleRead(article_id=article_id, user_id=reader.id),
        ArticleFeedback(article_id=article_id, user_id=reader.id, helpful=True),
        ArticleRelation(article_id=other.id, related_id=article_id),
        TicketArticleLink(ticket_id=plain_ticket(dbsession, factory).id, article_id=article_id),
        WorkflowHistory(object_type="article", object_id=article_id, transition="publish",
                        from_state="pending", to_state="published"),
        Notification(user_id=reader.id, kind="kb_must_read", title="Must read",
                     url=f"http://example.com/kb/@@article/{article_id}"),
    ])
    commit_point(dbsession)
    url = url_of(dbsession, article)
    testapp.login("editor")
    page = testapp.get(url)
    assert page.html.find(id="delete-article") is not None
    confirm = testapp.get(url + "delete")
    goes = " ".join(confirm.html.find(id="what-goes").text.split())
    assert "1 saved version" in goes and "1 attached file or image" in goes
    # The reader, and the editor who has just opened it.
    assert "who opened it: 2" in goes and "links to tickets: 1" in goes and "1 “see also” link" in goes
    assert confirm.html.find(id="archive-hint") is not None
    # Without the tick nothing happens.
    testapp.post_csrf(url + "delete", {}, status=303)
    assert dbsession.get(Article, article_id) is not None

    done = testapp.post_csrf(url + "delete", {"confirm": "yes"}, status=303)
    assert done.location.endswith("/kb/support/")
    assert "Article “Сброс пароля” deleted." in done.follow().text
    dbsession.expire_all()
    assert dbsession.get(Article, article_id) is None
    for model in (ArticleVersion, ArticleAttachment, ArticleRead, ArticleFeedback, ArticleTag,
                  TicketArticleLink):
        assert count(dbsession, model, model.article_id == article_id) == 0, model
    assert count(dbsession, ArticleRelation, ArticleRelation.related_id == article_id) == 0
    assert count(dbsession, Notification, Notification.user_id == reader.id) == 0
    assert count(dbsession, WorkflowHistory, WorkflowHistory.object_id == article_id,
                 WorkflowHistory.object_type == "article") == 0
    testapp.get(url, status=404)
    assert search(request_for(reader), "пароль", where=Article.id == article_id)[0] == []


@pytest.mark.parametrize("state, who, status", [
    ("draft", "author", 200), ("draft", "editor", 200), ("draft", "other", 403),
    ("pending", "author", 403), ("pending", "editor", 200), ("pending", "reviewer", 403),
    ("published", "author", 403), ("published", "editor", 200), ("published", "reviewer", 403),
    ("published", "other", 403), ("published", "other_editor", 403),
    ("archived", "editor", 200), ("archived", "author", 403),
])
def test_who_may_delete_an_article_in_each_state(testapp, dbsession, kb, factory, support,
                                                 state, who, status):
    dept, folder = support
    author = factory.user("author")
    factory.user("editor", departments=[dept])
    reviewer = factory.user("reviewer")
    kb.share(folder, "reviewer", user=reviewer)
    factory.user("other")
    elsewhere = kb.folder("Elsewhere", slug="elsewhere")
    kb.share(elsewhere, "editor", user=factory.user("other_editor"))
    article = kb.article(folder, "Статья", slug="article", state=state, author=author)
    url = url_of(dbsession, article)
    testapp.login(who)
    testapp.get(url + "delete", status=status)
    testapp.post_csrf(url + "delete", {"confirm": "yes"}, status=303 if status == 200 else 403)
    dbsession.expire_all()
    assert (dbsession.get(Article, article.id) is None) == (status == 200)


def test_a_delete_without_the_form_s_token_is_refused(testapp, dbsession, kb, factory):
    folder = kb.folder("IT", slug="it")
    author = factory.user("author")
    article = kb.article(folder, "Черновик", slug="draft", state="draft", author=author)
    testapp.login("author")
    testapp.post(url_of(dbsession, article) + "delete", {"confirm": "yes"}, status=400)
    assert dbsession.get(Article, article.id) is not None


def test_an_admin_undoes_a_deletion_text_versions_and_files_included(testapp, dbsession, kb, factory,
                                                                     support, login_as, request_for):
    dept, folder = support
    factory.user("editor", departments=[dept])
    article = kb.article(folder, "Гарантия", slug="warranty", body="Гарантия — **год**.")
    dbsession.add(ArticleAttachment(article_id=article.id, filename="form.pdf", size=10,
                                    content_type="application/pdf", sha256="b" * 64))
    commit_point(dbsession)
    article_id = article.id
    testapp.login("editor")
    testapp.post_csrf(url_of(dbsession, article) + "delete", {"confirm": "yes"}, status=303)
    commit_point(dbsession)
    deletion = dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))
    login_as("admin")
    entry = testapp.get("/admin/audit").html.find(attrs={"data-transaction": str(deletion)})
    assert "Deleted article “Гарантия” from folder “Support”" in " ".join(entry.text.split())
    testapp.post_csrf(f"/admin/audit/{deletion}/revert", status=303)
    commit_point(dbsession)
    dbsession.expire_all()
    restored = dbsession.get(Article, article_id)
    assert restored.body == "Гарантия — **год**." and "<strong>год</strong>" in restored.body_html
    assert [v.number for v in dbsession.scalars(sa.select(ArticleVersion).where(
        ArticleVersion.article_id == article_id))] == [1]
    assert count(dbsession, ArticleAttachment, ArticleAttachment.article_id == article_id) == 1
    assert [h.article.id for h in search(request_for(factory.user("reader")), "гарантия",
                                         where=Article.id == article_id)[0]] == [article_id]
    testapp.get("/kb/support/warranty/", status=200)


# --- move --------------------------------------------------------------------------------------

def test_an_editor_moves_an_article_and_its_address_and_links_follow(testapp, dbsession, kb, factory,
                                                                     support):
    dept, folder = support
    factory.user("editor", departments=[dept])
    faq = kb.folder("FAQ", parent=folder, slug="faq")
    article = kb.article(folder, "Возврат товара", slug="returns")
    reader = factory.user("reader")
    note = Notification(user_id=reader.id, kind="kb_must_read", title="Must read",
                        url="http://example.com/kb/support/returns/")
    dbsession.add(note)
    dbsession.flush()
    testapp.login("editor")
    page = testapp.get("/kb/support/returns/")
    assert page.html.find(id="move-article") is not None
    form = testapp.get("/kb/support/returns/move")
    options = {o["value"]: o.has_attr("disabled") for o in form.html.select("#target option") if o["value"]}
    assert options[str(faq.id)] is False and options[str(folder.id)] is True  # it is here now
    done = testapp.post_csrf("/kb/support/returns/move", {"target": str(faq.id), "slug": "returns"},
                             status=303)
    assert done.location.endswith("/kb/support/faq/returns/")
    assert "moved from “Support” to “Support / FAQ”" in done.follow().text
    testapp.get("/kb/support/returns/", status=404)
    assert article.folder_id == faq.id
    # The notification written with the old address still leads to the article.
    dbsession.refresh(note)
    assert note.url == f"http://example.com/kb/@@article/{article.id}"
    testapp.login("reader")
    assert testapp.get(note.url, status=303).location.endswith("/kb/support/faq/returns/")


def test_a_colliding_address_in_the_target_is_refused_and_another_one_accepted(testapp, dbsession, kb,
                                                                             factory, support):
    dept, folder = support
    factory.user("editor", departments=[dept])
    faq = kb.folder("FAQ", parent=folder, slug="faq")
    kb.article(faq, "Возвраты (старое)", slug="returns")
    kb.folder("Settings", parent=faq, slug="settings")
    article = kb.article(folder, "Возврат товара", slug="returns")
    kb.article(folder, "Настройки", slug="settings")
    testapp.login("editor")
    page = testapp.post_csrf("/kb/support/returns/move", {"target": str(faq.id), "slug": "returns"},
                             status=400)
    assert ("The address “returns” is already used in “FAQ” by “Возвраты (старое)”"
            in page.html.find(id="move-error").text)
    # A sub-folder's address counts too.
    page = testapp.post_csrf("/kb/support/settings/move", {"target": str(faq.id), "slug": "settings"},
                             status=400)
    assert "already used in “FAQ” by “Settings”" in page.text
    for slug, message in (("Bad Slug!", "Use only small Latin letters"), ("edit", "is reserved")):
        page = testapp.post_csrf("/kb/support/returns/move", {"target": str(faq.id), "slug": slug},
                                 status=400)
        assert message in page.html.find(id="move-error").text
    testapp.post_csrf("/kb/support/returns/move", {"target": str(faq.id), "slug": "returns-2024"},
                      status=303)
    assert (article.folder_id, article.slug) == (faq.id, "returns-2024")
    testapp.get("/kb/support/faq/returns-2024/", status=200)


def test_moving_needs_edit_and_delete_here_and_add_there(testapp, dbsession, kb, factory, support):
    dept, folder = support
    board = kb.folder("Board", slug="board", restricted=True)
    kb.share(board, "editor", user=factory.user("board_editor"))
    open_folder = kb.folder("IT", slug="it")
    author = factory.user("author")
    factory.user("editor", departments=[dept])
    factory.user("other")
    reviewer = factory.user("reviewer")
    kb.share(folder, "reviewer", user=reviewer)
    published = kb.article(folder, "Опубликованная", slug="pub", author=author)
    draft = kb.article(folder, "Черновик", slug="draft", state="draft", author=author)

    for login in ("author", "other", "reviewer"):
        testapp.login(login)
        testapp.get("/kb/support/pub/move", status=403)
        testapp.post_csrf("/kb/support/pub/move", {"target": str(open_folder.id), "slug": "pub"},
                          status=403)
    # The author moves their own draft to a folder where they may write.
    testapp.login("author")
    testapp.post_csrf("/kb/support/draft/move", {"target": str(open_folder.id), "slug": "draft"},
                      status=303)
    assert draft.folder_id == open_folder.id
    # An editor of Support may not put articles into Board, which is not shared with them; it is
    # not even offered.
    testapp.login("editor")
    form = testapp.get("/kb/support/pub/move")
    assert str(board.id) not in [o["value"] for o in form.html.select("#target option")]
    page = testapp.post_csrf("/kb/support/pub/move", {"target": str(board.id), "slug": "pub"}, status=400)
    assert "You cannot add articles to “Board”" in page.text
    assert published.folder_id == folder.id
    page = testapp.post_csrf("/kb/support/pub/move", {"target": "", "slug": "pub"}, status=400)
    assert "Choose the folder to move the article to." in page.text


def test_permissions_follow_the_article_into_its_new_folder(testapp, dbsession, kb, factory, request_for):
    it = kb.folder("IT", slug="it")
    board = kb.folder("Board", slug="board", restricted=True)
    mover = factory.user("mover")
    kb.share(it, "editor", user=mover)
    kb.share(board, "editor", user=mover)
    board_member = factory.user("member")
    kb.share(board, "reader", user=board_member)
    employee = factory.user("employee")
    article = kb.article(it, "Бюджет на год", slug="budget", body="Смета расходов.")
    testapp.login("employee")
    testapp.get("/kb/it/budget/", status=200)
    testapp.login("mover")
    testapp.post_csrf("/kb/it/budget/move", {"target": str(board.id), "slug": "budget"}, status=303)
    testapp.login("employee")
    testapp.get("/kb/board/budget/", status=403)
    assert found(request_for(employee), "смета") == []
    testapp.login("member")
    testapp.get("/kb/board/budget/", status=200)
    assert found(request_for(board_member), "смета") == [article]


def test_the_lasting_link_of_an_article(testapp, dbsession, kb, factory):
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", slug="vpn")
    draft = kb.article(folder, "Draft", slug="draft", state="draft", author=factory.user("author"))
    factory.user("reader")
    testapp.login("reader")
    assert testapp.get(f"/kb/@@article/{article.id}", status=303).location.endswith("/kb/it/vpn/")
    testapp.get(f"/kb/@@article/{draft.id}", status=403)
    testapp.get("/kb/@@article/999999", status=404)
    testapp.get("/kb/@@article/abc", status=404)
