"""Writing articles: a new draft, editing, addresses, tags, related articles, bad input."""
from __future__ import annotations

import sqlalchemy as sa

from models.kb import Article, ArticleRelation, ArticleVersion
from portal.kb.articles import related_ids
from portal.kb.markdown import MAX_BODY


def form(**fields):
    data = {"title": "Настройка VPN", "summary": "Как подключиться из дома",
            "body": "## Шаг 1\n\nУстановите клиент.", "tags": "VPN, удалённая работа", "slug": ""}
    data.update(fields)
    return data


def test_an_employee_writes_a_draft_in_a_folder_they_can_read(testapp, login_as, kb, dbsession):
    me = login_as("employee")
    kb.folder("IT", slug="it")
    page = testapp.post_csrf("/kb/it/add-article", form(), status=303)
    article = dbsession.scalar(sa.select(Article).where(Article.title == "Настройка VPN"))
    assert page.location.endswith("/kb/it/nastroyka-vpn/")
    assert article.state == "draft" and article.author_id == me.id and article.version == 1
    assert article.tags == ["vpn", "удалённая работа"]
    assert '<h2 id="kb-1">Шаг 1</h2>' in article.body_html
    version = dbsession.scalar(sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id))
    assert version.number == 1 and version.body == article.body
    shown = testapp.get(page.location)
    assert "Установите клиент." in shown.text and "Draft" in shown.text


def test_no_one_writes_in_a_folder_they_cannot_see(testapp, login_as, kb):
    login_as("employee")
    kb.folder("Board", slug="board", restricted=True)
    testapp.get("/kb/board/add-article", status=403)
    testapp.post_csrf("/kb/board/add-article", form(), status=403)


def test_a_second_article_with_the_same_title_gets_a_free_address(testapp, login_as, kb, dbsession):
    login_as("employee")
    folder = kb.folder("IT", slug="it")
    kb.article(folder, "Настройка VPN", slug="nastroyka-vpn")
    page = testapp.post_csrf("/kb/it/add-article", form(), status=303)
    assert page.location.endswith("/kb/it/nastroyka-vpn-2/")


def test_an_address_typed_by_hand_must_be_free_and_well_formed(testapp, login_as, kb, dbsession):
    login_as("employee")
    folder = kb.folder("IT", slug="it")
    kb.article(folder, "Old one", slug="vpn")
    kb.folder("Printers", parent=folder, slug="printers")
    for slug, message in (("vpn", "already used here by “Old one”"),
                          ("printers", "already used here by “Printers”"),
                          ("Настройка", "small Latin letters"), ("versions", "reserved")):
        page = testapp.post_csrf("/kb/it/add-article", form(slug=slug), status=400)
        assert message in page.html.find(id="error-slug").text, slug
    # What was typed is kept in the form.
    assert "Установите клиент." in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Article)) == 1


def test_missing_title_and_text_and_an_enormous_text_are_refused(testapp, login_as, kb, dbsession):
    login_as("employee")
    kb.folder("IT", slug="it")
    page = testapp.post_csrf("/kb/it/add-article", form(title="  ", body=""), status=400)
    assert page.html.find(id="error-title") and page.html.find(id="error-body")
    page = testapp.post_csrf("/kb/it/add-article", form(body="x" * (MAX_BODY + 1)), status=400)
    assert "too long" in page.html.find(id="error-body").text
    page = testapp.post_csrf("/kb/it/add-article", form(tags="a" * 41), status=400)
    assert "at most 40 characters" in page.html.find(id="error-tags").text
    many_tags = ", ".join(f"t{i}" for i in range(16))
    page = testapp.post_csrf("/kb/it/add-article", form(tags=many_tags), status=400)
    assert "At most 15 tags" in page.html.find(id="error-tags").text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_script_in_the_text_is_shown_as_text_never_run(testapp, login_as, kb, dbsession):
    login_as("employee")
    kb.folder("IT", slug="it")
    body = ("<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
            "[click](javascript:alert(1))")
    page = testapp.post_csrf("/kb/it/add-article", form(body=body), status=303)
    shown = testapp.get(page.location)
    article_body = str(shown.html.find(id="article-body"))
    assert shown.html.find(id="article-body").find("script") is None
    assert shown.html.find(id="article-body").find("img") is None
    links = shown.html.find(id="article-body").find_all("a")
    assert all("javascript" not in (a.get("href") or "") for a in links)
    assert "&lt;script&gt;" in article_body


def test_editing_saves_a_new_version_and_keeps_the_old_one(testapp, login_as, kb, dbsession):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", body="Old text", state="draft", author=me, slug="vpn")
    testapp.post_csrf("/kb/it/vpn/edit", form(title="VPN", body="New text", tags="", summary="",
                                              slug="vpn", comment="Server moved", version="1"), status=303)
    assert article.version == 2 and article.body == "New text"
    versions = dbsession.scalars(sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id)
                                 .order_by(ArticleVersion.number)).all()
    assert [(v.number, v.body, v.comment) for v in versions] == [
        (1, "Old text", ""), (2, "New text", "Server moved")]
    # Saving without a change makes no version.
    page = testapp.post_csrf("/kb/it/vpn/edit", form(title="VPN", body="New text", tags="", summary="",
                                                     slug="vpn", version="2"), status=303)
    assert article.version == 2
    assert "no new version" in testapp.get(page.location).text


def test_saving_over_a_newer_version_is_refused(testapp, login_as, kb, dbsession):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", body="Text", state="draft", author=me, slug="vpn")
    article.version = 3
    dbsession.flush()
    page = testapp.post_csrf("/kb/it/vpn/edit", form(title="VPN", body="Mine", version="2", slug="vpn"),
                             status=400)
    assert "while you were editing" in page.html.find(id="error-body").text
    assert article.body == "Text"


def test_related_articles_show_on_both_sides_to_those_who_may_read_them(testapp, login_as, kb, dbsession):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    secret = kb.folder("Board", slug="board", restricted=True)
    vpn = kb.article(folder, "VPN", slug="vpn", state="draft", author=me)
    wifi = kb.article(folder, "Wi-Fi", slug="wifi")
    hidden = kb.article(secret, "Hidden plan", slug="plan")
    testapp.post_csrf("/kb/it/vpn/edit", {**form(title="VPN", body="Text", slug="vpn", version="1"),
                                          "related": [str(wifi.id), str(hidden.id)]}, status=303)
    assert "Wi-Fi" in testapp.get("/kb/it/vpn/").html.find(id="related").text
    assert "Hidden plan" not in testapp.get("/kb/it/vpn/").text
    # An article one cannot see is not linked at all.
    assert set(related_ids(dbsession, vpn)) == {wifi.id}
    vpn.state = "published"
    dbsession.flush()
    assert "VPN" in testapp.get("/kb/it/wifi/").html.find(id="related").text


def test_saving_keeps_the_links_to_articles_the_editor_cannot_see(testapp, login_as, kb, dbsession, factory):
    board = factory.department("Board")
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    secret = kb.folder("Board", slug="board", restricted=True)
    kb.share(secret, "reader", department=board)
    vpn = kb.article(folder, "VPN", slug="vpn", state="draft", author=me)
    wifi = kb.article(folder, "Wi-Fi", slug="wifi")
    mail = kb.article(folder, "Mail", slug="mail")
    plan = kb.article(secret, "Hidden plan", slug="plan")
    memo = kb.article(secret, "Hidden memo", slug="memo")
    # Linked by someone of the board, in both directions.
    dbsession.add_all([ArticleRelation(article_id=vpn.id, related_id=plan.id),
                       ArticleRelation(article_id=memo.id, related_id=vpn.id),
                       ArticleRelation(article_id=vpn.id, related_id=wifi.id)])
    dbsession.flush()
    edit = testapp.get("/kb/it/vpn/edit")
    assert [i["value"] for i in edit.html.find_all("input", attrs={"name": "related"})] == [str(wifi.id)]
    assert "2 more linked articles" in edit.html.find(id="related-hidden").text
    # The form shows only Wi-Fi; the author replaces it by Mail.
    testapp.post_csrf("/kb/it/vpn/edit", {**form(title="VPN", body="Text", slug="vpn", version="1"),
                                          "related": [str(mail.id)]}, status=303)
    assert set(related_ids(dbsession, vpn)) == {plan.id, memo.id, mail.id}
    # Saving with no related article at all still keeps the hidden ones.
    testapp.post_csrf("/kb/it/vpn/edit", form(title="VPN", body="Text", slug="vpn", version="2"),
                      status=303)
    assert set(related_ids(dbsession, vpn)) == {plan.id, memo.id}
    # An editor of the folder who is on the board sees both and removes one of them.
    chief = factory.user("chief", departments=[board])
    kb.share(folder, "editor", user=chief)
    login_as(chief)
    testapp.post_csrf("/kb/it/vpn/edit", {**form(title="VPN", body="Text", slug="vpn", version="2"),
                                          "related": [str(plan.id)]}, status=303)
    assert set(related_ids(dbsession, vpn)) == {plan.id}


def test_the_preview_is_sanitized_like_the_saved_text(testapp, login_as, kb):
    login_as("employee")
    kb.folder("IT", slug="it")
    page = testapp.post_csrf("/kb/it/preview", {"body": "**bold** <script>x</script>"})
    assert "<strong>bold</strong>" in page.text and "<script>" not in page.text
