"""Bad input, through the whole portal (issue 5): every known way of injecting script, saved
in an article and shown on every page that shows articles; an enormous article; addresses that
collide; programs and pages passed off as images."""
from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from models.kb import Article, ArticleAttachment
from portal.kb.markdown import MAX_BODY
from tests.unit.kb.test_markdown import PAYLOADS

# What breaks out of the places the text is put into (a textarea, the page title, an attribute),
# template syntax and translation placeholders, on top of the Markdown payloads.
CONTEXT_PAYLOADS = [
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% raw %}x{% endraw %} ${n} %(n)s",
]
TITLE = "<img src=x onerror=alert(1)> «Кавычки» \"q\" {{ 7*7 }} ${n}"
SUMMARY = "<script>alert(2)</script> кратко"
DANGEROUS_SCHEMES = ("javascript", "vbscript", "data", "file")
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "base", "frame", "frameset", "applet"}


class Page(HTMLParser):
    """What a browser would build from a page: elements, attributes, and script texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def injected(html: str) -> list[str]:
    """Anything of the payloads that would run: handlers, dangerous links, scripts, frames."""
    page = Page()
    page.feed(html)
    out = []
    for tag, attrs in page.elements:
        if tag in FORBIDDEN_TAGS:
            out.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in attrs:
            out.append("<meta http-equiv>")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on") and "alert" in value:
                out.append(f"{name} on <{tag}>")
            if name in ("href", "src", "action", "formaction", "data", "background", "srcdoc"):
                scheme = re.match(r"^([a-z][a-z0-9+.-]*):", re.sub(r"[\s\x00-\x1f]", "", value), re.I)
                if scheme and scheme.group(1).lower() in DANGEROUS_SCHEMES:
                    out.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and "javascript" in value.lower():
                out.append(f"style on <{tag}>")
        if tag == "script" and attrs.get("src") and "/static/" not in attrs["src"]:
            out.append(f"script src={attrs['src']!r}")
    out += [f"script {s.strip()[:60]!r}" for s in page.scripts if "alert" in s]
    return out


@pytest.fixture
def poisoned(testapp, dbsession, kb, factory):
    """An article saved through the editor with every payload, in two versions, published,
    must-read, in an open folder; its editor is logged in."""
    folder = kb.folder("Безопасность", slug="security")
    editor = factory.user("editor", full_name="Редактор Ира")
    kb.share(folder, "editor", user=editor)
    kb.share(folder, "reviewer", user=editor)
    testapp.login("editor")
    body = "\n\n".join(["Before", *PAYLOADS, *CONTEXT_PAYLOADS, "After"])
    page = testapp.post_csrf("/kb/security/add-article", {
        "title": TITLE, "summary": SUMMARY, "body": body, "tags": "xss, безопасность",
        "slug": "xss", "must_read": "1"}, status=303)
    url = page.location
    testapp.post_csrf(url + "edit", {"title": TITLE, "summary": SUMMARY, "tags": "xss",
                                     "body": body.replace("Before", "Before changed") + "\n\n<b>more</b>",
                                     "slug": "xss", "must_read": "1", "version": "1",
                                     "comment": "<script>alert(3)</script>"}, status=303)
    testapp.post_csrf(url + "transition", {"name": "submit"}, status=303)
    testapp.post_csrf(url + "transition", {"name": "publish",
                                           "comment": "<img src=x onerror=alert(4)>"}, status=303)
    article = dbsession.scalar(sa.select(Article).where(Article.slug == "xss"))
    assert article.state == "published" and article.version == 2
    return url.replace("http://example.com", ""), article


def test_no_payload_runs_on_any_page_that_shows_the_article(testapp, dbsession, poisoned, login_as):
    url, _article = poisoned
    pages = [url, url + "versions", url + "version/1", url + "diff?a=1&b=2", url + "edit",
             url + "readers", url + "delete", url + "move", url + "attachments",
             "/kb/", "/kb/security/", "/kb/search?q=before", "/kb/search?q=alert",
             "/kb/search?tag=xss", "/search?q=before", "/", "/notifications"]
    for path in pages:
        page = testapp.get(path)
        assert injected(page.text) == [], path
    article_page = testapp.get(url)
    # The title and the template syntax are shown as they were typed, never evaluated.
    assert article_page.html.find("h1").get_text(" ", strip=True) == " ".join(TITLE.split())
    assert "{{ 7*7 }}" in article_page.html.find(id="article-body").text
    assert "49" not in article_page.html.find(id="article-body").text
    # The editor gets back exactly what was typed (the textarea is not broken out of).
    edit = testapp.get(url + "edit")
    assert edit.html.find(id="body").text.startswith("Before changed\n\n<script>alert(1)</script>")
    assert edit.html.find(id="title")["value"] == TITLE
    # Search snippets are escaped text with <mark> only ("before" is a stop word on PostgreSQL).
    results = testapp.get("/kb/search", {"q": "alert"}).html.find(id="results")
    assert {t.name for t in results.find(class_="kb-snippet").find_all(True)} <= {"mark"}
    # The audit log shows the text as text too.
    login_as("admin")
    assert injected(testapp.get("/admin/audit").text) == []


def test_another_employee_sees_the_published_article_safely(testapp, poisoned, factory):
    url, _article = poisoned
    factory.user("reader")
    testapp.login("reader")
    short = "/search?q=%D0%BA%D1%80%D0%B0%D1%82%D0%BA%D0%BE"  # «кратко», a word of the summary
    for path in (url, "/kb/", "/", "/notifications", "/kb/search?q=before", short):
        assert injected(testapp.get(path).text) == [], path


def test_an_enormous_article_is_saved_shown_compared_and_found(testapp, dbsession, kb, factory):
    folder = kb.folder("Справочник", slug="ref")
    kb.share(folder, "editor", user=factory.user("editor"))
    testapp.login("editor")
    paragraph = "Проверьте настройки сети и перезапустите компьютер, если доступ не появился. "
    sections = []
    while sum(map(len, sections)) < MAX_BODY - 6000:
        sections.append(f"## Раздел {len(sections) + 1}\n\n" + paragraph * 12)
    body = "\n\n".join(sections) + "\n\nПоследнее слово: синхрофазотрон."
    assert MAX_BODY - 6000 < len(body) <= MAX_BODY
    start = time.perf_counter()
    page = testapp.post_csrf("/kb/ref/add-article", {"title": "Большой справочник", "body": body,
                                                    "slug": "big"}, status=303)
    shown = testapp.get(page.location)
    assert "синхрофазотрон" in shown.text and len(shown.html.select("#toc a")) == len(sections)
    # One long paragraph rewritten: the comparison stays quick and readable.
    testapp.post_csrf("/kb/ref/big/edit", {"title": "Большой справочник", "slug": "big", "version": "1",
                                           "body": body.replace("перезапустите", "выключите")},
                      status=303)
    diff = testapp.get("/kb/ref/big/diff", {"a": "1", "b": "2"})
    assert diff.html.find(id="diff").find("del") is not None
    article = dbsession.scalar(sa.select(Article).where(Article.slug == "big"))
    assert article.state == "draft"
    found = testapp.get("/kb/search", {"q": "синхрофазотрон"})
    assert "<mark>синхрофазотрон</mark>" in str(found.html.find(id="results"))
    assert time.perf_counter() - start < 30


def test_a_text_one_character_too_long_is_refused_and_nothing_is_saved(testapp, dbsession, kb, factory):
    kb.folder("Справочник", slug="ref")
    testapp.login(factory.user("writer").login)
    page = testapp.post_csrf("/kb/ref/add-article", {"title": "Слишком", "body": "я" * (MAX_BODY + 1)},
                             status=400)
    assert "200 000" in page.html.find(id="error-body").text
    # What was typed stays in the form, so nothing is lost.
    assert len(page.html.find(id="body").text) == MAX_BODY + 1
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
    preview = testapp.post_csrf("/kb/ref/preview", {"body": "я" * (MAX_BODY + 1)})
    assert "too long" in preview.text


def test_control_characters_typed_into_an_article_are_left_out(testapp, dbsession, kb, factory):
    """Nobody types a NUL or another control character, and PostgreSQL refuses a NUL: they are
    left out of the title, summary, address, text and comment, on a new article and an edit."""
    folder = kb.folder("Справочник", slug="ref")
    kb.share(folder, "editor", user=factory.user("editor"))
    article = kb.article(folder, "Почта", slug="mail")
    testapp.login("editor")
    testapp.post_csrf("/kb/ref/mail/edit", {
        "title": "\x00По\x07чта\x00", "summary": "\x00Кратко\x1b", "slug": "ma\x00il",
        "body": "Текст\x00.\r\nВторая\tстрока", "comment": "\x00правка", "version": "1"},
        status=303)
    dbsession.refresh(article)
    assert (article.title, article.summary, article.slug) == ("Почта", "Кратко", "mail")
    assert article.body == "Текст.\nВторая\tстрока"  # line ends and tabs kept
    testapp.post_csrf("/kb/ref/add-article", {"title": "\x00", "body": "Текст."}, status=400)


def test_editing_an_address_to_one_already_used_is_refused(testapp, dbsession, kb, factory):
    folder = kb.folder("IT", slug="it")
    kb.share(folder, "editor", user=factory.user("editor"))
    kb.article(folder, "VPN", slug="vpn")
    kb.folder("Printers", parent=folder, slug="printers")
    article = kb.article(folder, "Почта", slug="mail")
    testapp.login("editor")
    for slug, message in (("vpn", "already used here by “VPN”"),
                          ("printers", "already used here by “Printers”")):
        page = testapp.post_csrf("/kb/it/mail/edit", {"title": "Почта", "body": "Текст.", "slug": slug,
                                                      "version": "1"}, status=400)
        assert message in page.html.find(id="error-slug").text
    dbsession.refresh(article)
    assert article.slug == "mail"


@pytest.mark.parametrize("name, content, what", [
    ("photo.jpg", b"#!/bin/sh\nrm -rf /\n", "a script"),
    ("photo.gif", b"<html><body><script>alert(1)</script></body></html>", "SVG or HTML"),
    ("photo.webp", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "SVG or HTML"),
    ("setup.png", b"MZ" + b"\x00" * 300, "a program (executable)"),
    ("tool.jpeg", b"\xcf\xfa\xed\xfe" + b"\x00" * 100, "a program (executable)"),
])
def test_programs_scripts_and_pages_passed_off_as_images_are_refused(testapp, dbsession, kb, factory,
                                                                    name, content, what):
    folder = kb.folder("IT", slug="it")
    author = factory.user("author")
    kb.article(folder, "VPN", slug="vpn", state="draft", author=author)
    testapp.login("author")
    page = testapp.post("/kb/it/vpn/upload", {"csrf_token": testapp.csrf_token()},
                        upload_files=[("file", name, content)], status=400)
    assert what in page.html.find(id="upload-error").text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ArticleAttachment)) == 0
