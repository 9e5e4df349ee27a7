"""The knowledge base in the audit log: folders, sharing, articles and their files, in words;
a folder's Sharing page shows its history; an admin undoes an article's change."""
from __future__ import annotations

import io

import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.kb import Article, KbFolder
from portal.kb.search import search
from tests.functional.kb.conftest import url_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def last_transaction(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))


def audit_entry(page, transaction_id: int) -> str:
    found = page.html.find(attrs={"data-transaction": str(transaction_id)})
    assert found is not None, f"no entry {transaction_id}"
    return " ".join(found.text.split())


def test_folders_and_their_sharing_are_told_in_words(testapp, dbsession, factory, login_as):
    support = factory.department("Поддержка")
    admin = login_as("admin", full_name="Смирнов Алексей")
    commit_point(dbsession)
    testapp.post_csrf("/kb/@@add-folder", {"title": "Инструкции", "slug": "howto",
                                           "description": "", "save": "save"}, status=302)
    commit_point(dbsession)
    created = last_transaction(dbsession)
    folder = dbsession.scalar(sa.select(KbFolder).where(KbFolder.slug == "howto"))
    from models.roles import Role

    editor = dbsession.scalar(sa.select(Role).where(Role.name == "editor"))
    testapp.post_csrf("/kb/howto/@@share", {"role": "editor", "department_id": str(support.id)},
                      status=303)
    commit_point(dbsession)
    shared = last_transaction(dbsession)
    testapp.post_csrf("/kb/howto/@@restrict", {"restricted": "1"}, status=303)
    commit_point(dbsession)
    restricted = last_transaction(dbsession)

    page = testapp.get("/admin/audit")
    assert "Created folder “Инструкции” in the knowledge base" in audit_entry(page, created)
    assert "Смирнов Алексей" in audit_entry(page, created)
    assert (f"Granted local role {editor.title} on folder “Инструкции” to department Поддержка"
            in audit_entry(page, shared))
    assert ("Changed folder “Инструкции” of the knowledge base seen only by those it is shared "
            "with: no yes") in audit_entry(page, restricted)
    # The log filtered by the table of folders.
    filtered = testapp.get("/admin/audit", params={"table": "kb_folders"})
    assert filtered.html.find(attrs={"data-transaction": str(created)}) is not None
    assert filtered.html.find(attrs={"data-transaction": str(shared)}) is None

    # The folder's Sharing page tells the same, to those who may share it.
    history = " ".join(testapp.get("/kb/howto/@@sharing").html.select_one("#folder-history").text.split())
    assert "Granted local role" in history and "Created folder “Инструкции”" in history
    assert admin.full_name in history
    # What the log tells is what happened to the folder.
    dbsession.refresh(folder)
    assert folder.title == "Инструкции" and folder.restricted


def test_an_article_its_review_and_its_files_are_told_in_words(testapp, dbsession, kb, factory, login_as):
    folder = kb.folder("ИТ", slug="it")
    author = factory.user("author", full_name="Орлова Вера")
    commit_point(dbsession)
    testapp.login("author")
    testapp.post_csrf("/kb/it/@@add-article", {"title": "Настройка VPN", "body": "Скачайте клиент.",
                                               "tags": "vpn"}, status=303)
    commit_point(dbsession)
    written = last_transaction(dbsession)
    article = dbsession.scalar(sa.select(Article).where(Article.folder_id == folder.id))
    url = url_of(dbsession, article)
    testapp.post_csrf(url + "@@upload", {},
                      upload_files=[("file", "guide.png", PNG)], status=303)
    commit_point(dbsession)
    attached = last_transaction(dbsession)
    testapp.post_csrf(url + "@@edit", {"title": "Настройка VPN", "tags": "vpn", "version": "1",
                                       "body": "Установите клиент из раздела «Сеть»."}, status=303)
    commit_point(dbsession)
    edited = last_transaction(dbsession)
    testapp.post_csrf(url + "@@transition", {"name": "submit"}, status=303)
    commit_point(dbsession)
    submitted = last_transaction(dbsession)

    login_as("admin")
    page = testapp.get("/admin/audit")
    assert "Wrote article “Настройка VPN” in folder “ИТ”" in audit_entry(page, written)
    assert "Орлова Вера" in audit_entry(page, written)
    assert "Attached “guide.png” to article “Настройка VPN”" in audit_entry(page, attached)
    text = audit_entry(page, edited)
    assert "Changed article “Настройка VPN” in folder “ИТ”" in text
    assert "text: “Скачайте клиент.” “Установите клиент из раздела «Сеть».”" in text
    # The saved version is recorded, not told twice.
    assert "version" not in text.replace("versions", "")
    assert "status: Draft Pending review" in audit_entry(page, submitted)
    assert article.author_id == author.id and article.state == "pending"


def test_an_admin_undoes_an_article_edit_text_and_search_included(testapp, dbsession, kb, factory,
                                                                  login_as, request_for):
    folder = kb.folder("ИТ", slug="it")
    article = kb.article(folder, "Принтеры", slug="printers", body="Замените картридж.")
    commit_point(dbsession)
    editor = factory.user("editor")
    kb.share(folder, "editor", user=editor)
    commit_point(dbsession)
    testapp.login("editor")
    testapp.post_csrf("/kb/it/printers/@@edit", {"title": "Принтеры и сканеры", "body": "Почистите ролик.",
                                                 "version": "1"}, status=303)
    commit_point(dbsession)
    change = last_transaction(dbsession)
    login_as("admin")
    testapp.post_csrf(f"/admin/audit/{change}/revert", status=303)
    commit_point(dbsession)
    dbsession.refresh(article)
    assert (article.title, article.body) == ("Принтеры", "Замените картридж.")
    assert "картридж" in article.body_html and "ролик" not in article.body_html
    assert article.version == 1
    request = request_for(factory.user("reader"))
    assert [h.article for h in search(request, "картридж", where=Article.id == article.id)[0]] == [article]
    assert search(request, "ролик", where=Article.id == article.id)[0] == []


def test_an_article_s_history_is_not_for_everyone(testapp, dbsession, kb, factory, login_as):
    kb.folder("ИТ", slug="it")
    commit_point(dbsession)
    login_as("employee")
    testapp.get("/kb/it/@@sharing", status=403)
    testapp.get("/admin/audit", status=403)


def test_a_text_upload_is_told_with_its_name(testapp, dbsession, kb, factory):
    folder = kb.folder("ИТ", slug="it")
    author = factory.user("author")
    kb.article(folder, "Памятка", slug="memo", state="draft", author=author)
    commit_point(dbsession)
    testapp.login("author")
    testapp.post("/kb/it/memo/@@upload", {"csrf_token": testapp.csrf_token()},
                 upload_files=[("file", "notes.txt", io.BytesIO(b"hello").read())], status=303)
    commit_point(dbsession)
    from portal.audit.log import history_for

    entries = history_for(dbsession, dbsession.scalar(sa.select(Article).where(Article.slug == "memo")))
    texts = [c.message.interpolate() for e in entries for c in e.changes]
    assert any("notes.txt" in t for t in texts)
