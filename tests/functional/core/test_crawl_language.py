"""Every page reads in its reader's language (issue 14, point 1): a crawl of the demo company, as
several roles, in Russian and in English, through every page reachable by GET links from the
start page, fails naming the page and the text on

- a placeholder shown raw (`${`) or a code shown as it is (`task_assigned`, `ticket.view_all`);
- an English sentence in a Russian page (visible text, and the title, placeholder, aria-label
  and alt attributes), or a whole text that is one of the catalog's msgids left untranslated:
  names, e-mails, codes, brands and units are allowed;
- Russian interface text in an English page: the demo's data is Russian, so a Cyrillic text is
  flagged only when it is a translation in the Russian catalog (a msgstr, its placeholders
  filled by anything) and is not found in the demo's data (a department «Продажи» may also be
  the translation of "Sales");
- an ISO date (2026-12-07) or a time with seconds (09:00:00) in visible text (the values of
  inputs are machine-read, and allowed).
After the crawl, each form that posts is sent once with wrong values by a Russian reader: the
refusal must be in Russian (colander's «Invalid date» was not).

The crawl is bounded: ids in paths are collapsed (/clients/17 and /clients/18 are one pattern,
and so are the knowledge base's named folders and articles) and one page is fetched per
pattern, so the whole runs in a minute or two on an idle machine. It runs on SQLite only: what
it looks at is the rendering, not the database.
"""
from __future__ import annotations

import functools
import re
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
import webtest
from babel.messages.pofile import read_po

from portal import cli, main
from portal.demo.company import DEMO_PASSWORD
from tests.conftest import PortalTestApp, app_settings

ROOT = Path(__file__).resolve().parents[3]
RU_CATALOG = ROOT / "portal" / "locale" / "ru" / "LC_MESSAGES" / "portal.po"

# The sales manager, the secretary, the support head, the dispatcher and a technician, besides
# the administrator and the director.
LOGINS = ("admin", "director", "popova", "belova", "fedorova", "egorov", "nikitin")
LANGUAGES = ("ru", "en")
PAGES_PER_PATTERN = 1
# Patterns whose pages differ by what they show: each change in the audit log is of another
# kind; tickets, jobs, tasks and events in other states offer other steps.
PAGES_OF_PATTERN = {"/admin/audit/#": 12, "/tickets/#": 3, "/dispatch/jobs/#": 3, "/tasks/#": 3,
                    "/calendar/#": 3}
MAX_PAGES = 1000  # per person and language: a bound that a loop of new URLs would hit

# Links not followed: they leave, download, or change something on GET.
SKIP = re.compile(r"/(logout|login)\b|export|download|/files?/|\.(ics|csv|xlsx|pdf|png|jpe?g|zip)"
                  r"\b|/feed|/static/|/attachments?/|/raw\b|\bics\b|/print\b")
ID = re.compile(r"^(\d+|[0-9a-f]{8,}|[A-Z]{1,3}-\d{4}-\d+|\d{4}-\d{2}-\d{2}|\d{4}-W?\d{2})$")

# A message the page's script fills in, given in a data attribute: data-template="Изменено: ${n}".
JS_TEMPLATE = re.compile(r'data-[\w-]+="[^"<>]*$')
CYRILLIC = re.compile("[А-Яа-яЁё]")
KB_VIEWS = {"add", "edit", "version", "versions", "diff", "history", "sharing", "move", "delete",
            "files", "readers", "feedback", "search", "review", "must-read", "add-folder"}
# Two English words in a row, one of them lower case: a sentence, not a name or a brand.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[’'][a-z]+)? [a-z]{2,}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
# A code in place of words: a whole text in snake_case or dotted ("waiting_customer", "job.view").
CODE = re.compile(r"[a-z]+(?:[._][a-z]+)+")
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|\bwww\.\S+|\S+\.(?:ru|com|example|org)\b")

# English that may stand in a Russian page: product and brand names, units, formats, the
# language's own name in the language switch.
ALLOWED_ENGLISH = [
    re.compile(p) for p in (
        r"\bPortal CRM\b", r"\bEnglish\b", r"\bMarkdown\b", r"\biCalendar\b", r"\bOutlook\b",
        r"\bGoogle Calendar\b", r"\bExcel\b", r"\bBitrix24\b", r"\bLorem ipsum\b",
    )
]
# The portal's name in its header.
BRANDS = {"Portal", "Portal CRM"}
# Tables whose text is not the demo's data but what the portal wrote (a notice must be stored as
# a message id, and rendered when read: text found there is no excuse).
NOT_DATA = {"notifications", "mail_messages", "sessions", "alembic_version"}

INI = """[app:main]
use = egg:portal-crm
sqlalchemy.url = sqlite:///{db}
session.secret = crawl-test
"""


@dataclass
class Page:
    url: str
    texts: list[str] = field(default_factory=list)  # visible text and the attributes read out
    links: list[str] = field(default_factory=list)
    stamps: list[str] = field(default_factory=list)  # visible text only, for dates
    forms: list = field(default_factory=list)  # the page's forms that post, as WebTest reads them
    changes: set[str] = field(default_factory=set)  # texts in <ins>/<del>/<mark>: data cut up


class Reader(HTMLParser):
    """The text a person sees or hears on a page, and its links."""

    HIDDEN = {"script", "style", "template", "textarea"}
    # A code shown on purpose next to its words (a permission's code in the role matrix, a role's
    # name in monospace under its title).
    CODE_TAGS = {"code", "kbd", "samp"}
    # What a comparison marks as added or removed, and the words a search marks in an excerpt:
    # data, however cut into words (a version's "30 минут"); still read for dates and
    # placeholders.
    CHANGE_TAGS = {"ins", "del", "mark"}
    CODE_CLASSES = re.compile(r"-code\b|\bfont-monospace\b")
    ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page, self.hidden, self.open, self.changed = page, 0, [], 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag not in self.VOID:
            skip = (tag in self.HIDDEN or tag in self.CODE_TAGS
                    or bool(self.CODE_CLASSES.search(values.get("class") or "")))
            self.open.append((tag, skip))
            self.hidden += skip
            self.changed += tag in self.CHANGE_TAGS
        if tag == "a" and values.get("href"):
            self.page.links.append(values["href"])
        for name in self.ATTRIBUTES:
            if values.get(name):
                self.page.texts.append(values[name].strip())

    def handle_endtag(self, tag):
        # Close up to the matching tag (HTML lets some end tags be left out).
        if any(t == tag for t, _skip in self.open):
            while self.open:
                t, skip = self.open.pop()
                self.hidden -= skip
                self.changed -= t in self.CHANGE_TAGS
                if t == tag:
                    break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.hidden:
            self.page.texts.append(text)
            self.page.stamps.append(text)
            if self.changed:
                self.page.changes.add(text)


def read_page(url: str, html: str) -> Page:
    page = Page(url)
    reader = Reader(page)
    reader.feed(html)
    reader.close()
    return page


def pattern_of(url: str) -> str:
    """/clients/17/edit?tab=x&page=2 -> /clients/#/edit?page&tab: pages alike are one pattern.
    The knowledge base's folders and articles are named, not numbered: /kb/it/mail/ and
    /kb/sales/discounts/versions are /kb/*/*/ and /kb/*/*/versions."""
    parts = urllib.parse.urlsplit(url)
    segments = parts.path.split("/")
    if segments[1:2] == ["kb"]:
        segments[2:] = [s if not s or s.startswith("@@") or s in KB_VIEWS else "*"
                        for s in segments[2:]]
    path = "/".join("#" if ID.match(seg) else seg for seg in segments)
    keys = sorted({k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


@functools.lru_cache(maxsize=1)
def russian_catalog() -> tuple[frozenset[str], frozenset[str], re.Pattern, tuple]:
    """The English msgids translated to something else, the Russian msgstrs without
    placeholders, one pattern matching a whole text that is a msgstr with placeholders, and
    each such msgstr's own pattern with the number of its own Cyrillic letters."""
    with RU_CATALOG.open("rb") as f:
        catalog = read_po(f)
    ids, plain, templated = set(), set(), []
    for message in catalog:
        if not message.id:
            continue
        msgids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids.update(i for i in msgids if i not in strings)
        for s in strings:
            if not s or not CYRILLIC.search(s):
                continue
            if "${" in s:
                pieces = re.split(r"\$\{\w+\}", s)
                letters = len(CYRILLIC.findall("".join(pieces)))
                if letters >= 4:
                    templated.append(("(?:" + ".+?".join(re.escape(p) for p in pieces) + ")",
                                      letters))
            else:
                plain.add(" ".join(s.split()))
    return (frozenset(ids), frozenset(plain),
            re.compile("^(?:" + "|".join(p for p, _n in templated) + ")$"),
            tuple((re.compile(f"^{p}$"), n) for p, n in templated))


def is_russian_message(text: str) -> bool:
    """Whether `text` is a msgstr of the Russian catalog, its placeholders filled: with
    placeholders, its own words must be most of the Cyrillic in it ("${n} клиентов" does not
    make "Created task #28 Обновить инструкцию для клиентов" a message)."""
    _ids, plain, templated, each = russian_catalog()
    if text in plain:
        return True
    if not templated.match(text):
        return False
    letters = len(CYRILLIC.findall(text))
    return any(n * 2 >= letters for pattern, n in each if pattern.match(text))


# --- the crawl -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    db = tmp / "portal.sqlite"
    ini = tmp / "demo.ini"
    ini.write_text(INI.format(db=db))
    cli.main(["initdb", str(ini)])
    cli.main(["demo", str(ini)])
    settings = app_settings(f"sqlite:///{db}")
    settings["portal.files_dir"] = str(tmp / "files")
    app = main({}, **settings)
    yield app
    app.registry["dbengine"].dispose()


# Where the demo's texts part into the pieces a page shows: lines, Markdown's marks and cells.
PIECES = re.compile(r"[\n|*_#>`\[\]()]+|\s[-—–]\s")


def demo_text(app) -> frozenset[str]:
    """Every text of the demo's data, whole and in pieces (an article's lines and table cells): a
    Russian text on an English page is data (a person's position, a city, an article) when it
    is one of these."""
    engine = app.registry["dbengine"]
    meta = sa.MetaData()
    meta.reflect(engine)
    pieces = set()
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name in NOT_DATA:
                continue
            for column in table.columns:
                if not isinstance(column.type, (sa.String, sa.Text)):
                    continue
                for value in conn.execute(sa.select(column).distinct()).scalars():
                    if not value:
                        continue
                    value = str(value)
                    pieces.add(" ".join(value.split()))
                    pieces.update(" ".join(p.split()) for p in PIECES.split(value))
    return frozenset(pieces)


def set_language(app, lang: str) -> None:
    factory = app.registry["dbsession_factory"]
    with factory() as session, session.begin():
        session.execute(sa.text("UPDATE users SET locale = :lang"), {"lang": lang})


@pytest.fixture(scope="module")
def crawl(demo_app):
    """crawl(login, lang) -> the pages that person reaches, read once per module."""
    done: dict[tuple[str, str], list[Page]] = {}

    def run(login: str, lang: str) -> list[Page]:
        if (login, lang) not in done:
            set_language(demo_app, lang)
            done[(login, lang)] = crawl_as(demo_app, login)
        return done[(login, lang)]

    return run


@pytest.fixture(scope="module")
def data(demo_app) -> frozenset[str]:
    return demo_text(demo_app)


def crawl_as(app, login: str) -> list[Page]:
    browser = PortalTestApp(app, extra_environ={"HTTP_HOST": "example.com",
                                                "HTTP_ACCEPT_LANGUAGE": "en"})
    browser.login(login, DEMO_PASSWORD)
    origin = "http://example.com"
    queue, seen, per_pattern, pages = ["/"], {"/"}, defaultdict(int), []
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        response = browser.get(url, status="*", expect_errors=True)
        if response.status_int in (301, 302, 303, 307):
            location = urllib.parse.urljoin(origin + url, response.headers["Location"])
            target = location[len(origin):] if location.startswith(origin + "/") else ""
            if target and target not in seen and not SKIP.search(target):
                seen.add(target)
                queue.insert(0, target)
            continue
        if not response.content_type.startswith("text/html"):
            continue
        page = read_page(url, response.text)
        # A placeholder anywhere in the page, also in attributes not read out (a value).
        page.texts += [response.text[max(0, m.start() - 60):m.end() + 60]
                       for m in re.finditer(r"\$\{", response.text)
                       if not JS_TEMPLATE.search(response.text, max(0, m.start() - 200), m.start())]
        page.forms = [f for f in response.forms.values() if f.method.lower() == "post"]
        pages.append(page)
        for href in page.links:
            absolute = urllib.parse.urljoin(origin + url, href.split("#")[0])
            if not absolute.startswith(origin + "/"):
                continue
            target = absolute[len(origin):]
            if target in seen or SKIP.search(target):
                continue
            seen.add(target)
            key = pattern_of(target)
            if per_pattern[key] >= PAGES_OF_PATTERN.get(key, PAGES_PER_PATTERN):
                continue
            per_pattern[key] += 1
            queue.append(target)
    return pages


# --- what is wrong on a page ---------------------------------------------------------------------

def raw_placeholders(page: Page, lang: str, data: frozenset[str]) -> list[str]:
    found = [t for t in page.texts if "${" in t]
    found += [t for t in page.stamps if CODE.fullmatch(t) and not EMAIL_OR_URL.search(t)]
    return found


def english_in_russian(page: Page, lang: str, data: frozenset[str]) -> list[str]:
    if lang != "ru":
        return []
    ids = russian_catalog()[0]
    found = []
    for text in page.texts:
        if "${" in text or len(text) > 2000 or text in BRANDS:
            continue
        if text in ids and re.search("[A-Za-z]{2,}", text):
            found.append(text)
            continue
        rest = EMAIL_OR_URL.sub(" ", text)
        for allowed in ALLOWED_ENGLISH:
            rest = allowed.sub(" ", rest)
        if ENGLISH.search(rest) and text not in data:
            found.append(text)
    return found


def russian_in_english(page: Page, lang: str, data: frozenset[str]) -> list[str]:
    if lang != "en":
        return []
    found = []
    for text in page.texts:
        if not CYRILLIC.search(text) or len(text) > 500:
            continue
        if text not in data and text not in page.changes and is_russian_message(text):
            found.append(text)
    return found


def iso_dates(page: Page, lang: str, data: frozenset[str]) -> list[str]:
    return [t for t in page.stamps
            if (ISO_DATE.search(t) or SECONDS.search(t)) and t not in data]


CHECKS = {
    "raw placeholder or message id": raw_placeholders,
    "English in a Russian page": english_in_russian,
    "Russian interface text in an English page": russian_in_english,
    "ISO date or seconds": iso_dates,
}


# What a person might type wrongly, by the kind of field: a refusal must be in their language.
WRONG = {"date": "31.02.2026", "datetime-local": "завтра утром", "time": "25:99",
         "number": "много", "email": "не адрес", "tel": "звоните", "url": "где-то",
         "text": "", "search": "", "select": "no-such-choice", "hidden": None}
# Forms not sent: they leave the portal or change the session's person or language.
NOT_SENT = re.compile(r"/(logout|login|language|locale|preferences)\b")


def refusals(app, pages: list[Page], data: frozenset[str], lang: str = "ru") -> list[str]:
    """Each form that posts (one a pattern), sent with wrong values in its fields by a reader of
    `lang` (the one the pages were crawled in): the page that answers may hold no sentence of
    the other language nor a raw placeholder (colander's «Invalid date», deform's «Invalid
    pstruct», a workflow's «Unknown action» reached Russian readers in English)."""
    wrong_language = english_in_russian if lang == "ru" else russian_in_english
    browser = PortalTestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    browser.login("admin", DEMO_PASSWORD)
    found, sent = [], set()
    for page in pages:
        for form in page.forms:
            action = urllib.parse.urljoin("http://example.com" + page.url, form.action or page.url)
            key = (pattern_of(action.removeprefix("http://example.com")),
                   tuple(sorted(map(str, form.fields))))
            if key in sent or NOT_SENT.search(action):
                continue
            sent.add(key)
            fresh = browser.get(page.url, status="*")
            forms = [f for f in fresh.forms.values() if f.action == form.action
                     and sorted(map(str, f.fields)) == sorted(map(str, form.fields))]
            if not forms:
                continue
            answer = send_wrong(forms[0])
            if answer is None:
                continue
            if answer.status_int in (301, 302, 303):
                answer = browser.get(answer.headers["Location"], status="*")
            if not answer.content_type.startswith("text/html"):
                continue
            shown = read_page(f"{page.url} → POST {action}", answer.text)
            for text in (wrong_language(shown, lang, data) + raw_placeholders(shown, lang, data)
                         + [t for t in shown.stamps if lang == "ru" and "Invalid" in t]):
                found.append(f"{shown.url}: {text[:160]!r}")
    return list(dict.fromkeys(found))


def send_wrong(form):
    """The form sent with a wrong value in every field a person fills; None when there is none
    (a button alone: deleting, confirming — not sent)."""
    filled = 0
    for fields in form.fields.values():
        for f in fields:
            kind = "select" if isinstance(f, webtest.forms.Select) else (
                (f.attrs.get("type") or "text").lower())
            wrong = WRONG.get(kind)
            if wrong is None or isinstance(f, (webtest.forms.Checkbox, webtest.forms.Radio,
                                               webtest.forms.File, webtest.forms.Submit)):
                continue
            if isinstance(f, webtest.forms.Select):
                f.force_value(wrong)
            else:
                f.value = wrong
            filled += 1
    if not filled:
        return None
    return form.submit(status="*", expect_errors=True)


def findings(pages: list[Page], lang: str, check, data: frozenset[str]) -> list[str]:
    out = []
    for page in pages:
        for text in dict.fromkeys(check(page, lang, data)):
            out.append(f"{page.url}: {text[:160]!r}")
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("login", LOGINS)
@pytest.mark.parametrize("what", list(CHECKS))
def test_every_page_reads_in_the_readers_language(crawl, data, login, lang, what):
    pages = crawl(login, lang)
    assert len(pages) > 5, f"{login} reached only {[p.url for p in pages]}"
    found = findings(pages, lang, CHECKS[what], data)
    assert not found, f"{what} ({login}, {lang}):\n" + "\n".join(found)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_refused_forms_read_in_the_readers_language(crawl, data, demo_app, lang):
    """After the crawl (the forms it found), each form the administrator may send, refused, in
    the reader's language."""
    pages = crawl("admin", lang)
    set_language(demo_app, lang)
    found = refusals(demo_app, pages, data, lang)
    assert not found, f"refused forms (admin, {lang}):\n" + "\n".join(found)


def test_the_checks_see_what_they_look_for():
    """The guard itself: each check finds its fault on a page made for it, and lets data pass."""
    data = frozenset({"Москва", "2026-01-15"})
    page = read_page("/x", """<html><body><h1>Import finished: ${created} created</h1>
        <p>Save the changes</p><p title="Choose a person">Москва</p><p>waiting_customer</p>
        <p>Сохранить изменения</p><p>Изменено 2026-12-07 в 09:00:05</p><p>2026-01-15</p>
        <code>task.view</code><input value="2026-12-07"></body></html>""")
    assert set(raw_placeholders(page, "ru", data)) == {"Import finished: ${created} created",
                                                       "waiting_customer"}
    assert set(english_in_russian(page, "ru", data)) >= {"Choose a person", "Save the changes"}
    assert "Москва" not in russian_in_english(page, "en", data)
    assert "Сохранить изменения" in russian_in_english(page, "en", data)
    assert iso_dates(page, "ru", data) == ["Изменено 2026-12-07 в 09:00:05"]
