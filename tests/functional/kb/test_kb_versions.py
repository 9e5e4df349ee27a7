"""Versions: the list, one version, a readable comparison, restoring (a new version)."""
from __future__ import annotations

import sqlalchemy as sa

from models.kb import ArticleVersion
from portal.kb.articles import ArticleInput, update_article


def edit(request_for, user, article, **changes):
    data = ArticleInput(title=article.title, body=article.body, summary=article.summary,
                        slug=article.slug, tags=article.tags)
    for key, value in changes.items():
        setattr(data, key, value)
    request = request_for(user)
    return update_article(request, article, data)


def test_every_save_keeps_a_version_listed_newest_first(testapp, login_as, kb, request_for, dbsession):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", body="one", slug="vpn", state="draft", author=me)
    assert edit(request_for, me, article, body="two", comment="Second")
    assert edit(request_for, me, article, title="VPN at home")
    page = testapp.get("/kb/it/vpn/versions")
    rows = page.html.find(id="versions").find("tbody").find_all("tr")
    assert [r["data-version"] for r in rows] == ["3", "2", "1"]
    assert "Second" in rows[1].text and "current" in rows[0].text


def test_a_version_shows_what_the_article_said_then(testapp, login_as, kb, request_for):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", body="**first** text", slug="vpn", state="draft", author=me)
    edit(request_for, me, article, body="second text")
    page = testapp.get("/kb/it/vpn/version/1")
    assert "<strong>first</strong>" in str(page.html.find(id="version-body"))
    testapp.get("/kb/it/vpn/version/9", status=404)
    testapp.get("/kb/it/vpn/version/x", status=404)


def test_comparing_two_versions_marks_the_changed_words(testapp, login_as, kb, request_for):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    body = "\n".join(f"Line {i}" for i in range(1, 21))
    article = kb.article(folder, "VPN", body=body, slug="vpn", state="draft", author=me, tags=["vpn"])
    edit(request_for, me, article, body=body.replace("Line 10", "Line ten changed") + "\nA new line",
         title="VPN from home", tags=["vpn", "remote"])
    page = testapp.get("/kb/it/vpn/diff", {"a": "1", "b": "2"})
    diff = page.html.find(id="diff")
    changed = diff.find("tr", class_="changed")
    assert changed.find("td", class_="old").find("del").text.strip() == "10"
    assert changed.find("td", class_="new").find("ins").text.strip() == "ten changed"
    assert diff.find("tr", class_="added").find("td", class_="new").text == "A new line"
    assert diff.find("tr", class_="gap") is not None  # long unchanged stretches are folded
    summary = page.html.find(id="diff-summary").text
    assert "from home" in summary and "+ remote" in summary
    # The same version twice says so.
    assert page.html.find(id="no-changes") is None
    assert testapp.get("/kb/it/vpn/diff", {"a": "2", "b": "2"}).html.find(id="no-changes")


def test_restoring_an_old_version_makes_a_new_one(testapp, login_as, kb, request_for, dbsession):
    me = login_as("employee")
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", body="original", slug="vpn", state="draft", author=me, tags=["a"])
    edit(request_for, me, article, body="broken", tags=["b"])
    testapp.post_csrf("/kb/it/vpn/restore", {"number": "1"}, status=303)
    assert article.version == 3 and article.body == "original" and article.tags == ["a"]
    assert "original" in article.body_html
    versions = dbsession.scalars(sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id)
                                 .order_by(ArticleVersion.number)).all()
    assert [v.body for v in versions] == ["original", "broken", "original"]
    assert versions[-1].comment == "Restored from version 1"


def test_only_those_who_may_edit_restore(testapp, factory, kb, request_for):
    folder = kb.folder("IT", slug="it")
    author = factory.user("author")
    article = kb.article(folder, "VPN", body="one", slug="vpn", author=author)
    edit(request_for, author, article, body="two")
    factory.user("reader")
    testapp.login("reader")
    page = testapp.get("/kb/it/vpn/versions")  # anyone who reads it sees its history
    assert testapp.get("/kb/it/vpn/version/1").html.find(id="restore") is None
    testapp.post_csrf("/kb/it/vpn/restore", {"number": "1"}, status=403)
    assert article.body == "two" and page.status_int == 200
