"""What the browser downloads (issue 11, portal/core/assets.py): pages and static files
gzip-compressed when the client accepts it (with `Vary: Accept-Encoding`), small bodies and
streamed files left alone; static URLs fingerprinted by content and cached a year; every script
deferred; stylesheets only in <head>, one bundle built by `make assets` with the icon font shown
with `font-display: swap`."""
from __future__ import annotations

import gzip
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import brotli
import pytest
import sqlalchemy as sa
from pyramid.response import FileResponse, Response
from webob import Request

from models.clients import Organization
from portal import STATIC_DIR
from portal.core.assets import MIN_SIZE, StaticGzipCache, compress_response
from portal.demo.company import DEMO_PASSWORD, make_demo

YEAR = 31536000
LAYOUT = Path(__file__).resolve().parents[3] / "views" / "templates" / "layout.jinja2"
BUNDLE = Path(STATIC_DIR) / "vendor" / "portal.bundle.css"


class Tags(HTMLParser):
    """Where a page's <script> and <link> tags sit: in <head> or in <body>."""

    def __init__(self):
        super().__init__()
        self.part = None
        self.scripts: list[dict] = []
        self.stylesheets: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("head", "body"):
            self.part = tag
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append((self.part, attrs["href"]))


def raw_get(testapp, path: str, **headers) -> Response:
    """GET through the whole application, as it leaves it (WebTest would decompress it)."""
    cookies = "; ".join(f"{c.name}={c.value}" for c in testapp.cookiejar)
    if cookies:
        headers["Cookie"] = cookies
    request = Request.blank(path, environ=dict(testapp.extra_environ), headers=headers)
    return request.get_response(testapp.app)


def tags_of(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


@pytest.fixture
def demo(dbsession, testapp):
    make_demo(dbsession)
    dbsession.flush()
    testapp.login("admin", DEMO_PASSWORD)
    org = dbsession.scalar(sa.select(Organization).order_by(Organization.id))
    return {"my_day": "/", "client_list": "/clients/", "client_card": f"/clients/{org.id}",
            "tasks": "/tasks", "calendar": "/calendar", "kb": "/kb/"}


def test_a_page_is_gzipped_when_accepted_and_plain_when_not(testapp, login_as):
    login_as("admin")
    plain = raw_get(testapp, "/")
    assert plain.status_int == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers.get("Vary", "")
    assert len(plain.body) > MIN_SIZE

    packed = raw_get(testapp, "/", **{"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    text = gzip.decompress(packed.body).decode()
    assert "<!doctype html>" in text and "</html>" in text
    assert len(packed.body) < len(plain.body) / 2
    assert int(packed.headers["Content-Length"]) == len(packed.body)

    refused = raw_get(testapp, "/", **{"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_small_bodies_streamed_files_and_encoded_bodies_are_left_alone():
    cache = StaticGzipCache()
    request = Request.blank("/x", headers={"Accept-Encoding": "gzip"})

    small = Response(body=b"<p>hello</p>", content_type="text/html")
    compress_response(request, small, cache)
    assert small.content_encoding is None and small.body == b"<p>hello</p>"

    download = FileResponse(str(LAYOUT), content_type="text/html")  # a file sent as it is read
    compress_response(request, download, cache)
    assert download.content_encoding is None
    download.app_iter.close()

    already = Response(body=gzip.compress(b"x" * 5000), content_type="application/json")
    already.content_encoding = "gzip"
    compress_response(request, already, cache)
    assert gzip.decompress(already.body) == b"x" * 5000

    picture = Response(body=b"\x89PNG" + b"\0" * 5000, content_type="image/png")
    compress_response(request, picture, cache)
    assert picture.content_encoding is None

    ranged = Response(body=b"x" * 5000, content_type="text/css")
    compress_response(Request.blank("/x", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"}),
                      ranged, cache)
    assert ranged.content_encoding is None, "a part of the plain bytes, not of compressed ones"

    big = Response(body=b'{"a": 1}' * 500, content_type="application/json", etag="abc")
    compress_response(request, big, cache)
    assert big.content_encoding == "gzip" and gzip.decompress(big.body) == b'{"a": 1}' * 500
    assert big.headers["ETag"].startswith("W/"), "the compressed bytes are not the same bytes"


def static_urls(html: str) -> list[str]:
    tags = tags_of(html)
    return [s["src"] for s in tags.scripts if s.get("src")] + [href for _, href in tags.stylesheets]


def test_static_urls_are_fingerprinted_by_content_and_cached_a_year(testapp, login_as):
    login_as("admin")
    urls = static_urls(testapp.get("/").text)
    assert any("/static/js/portal.js" in u for u in urls)
    for url in urls:
        parts = urlsplit(url)
        assert parts.path.startswith("/static/"), url
        token = parse_qs(parts.query).get("v", [""])[0]
        local = Path(STATIC_DIR) / parts.path.removeprefix("/static/")
        if local.exists():
            assert token == hashlib.md5(local.read_bytes()).hexdigest()[:12], url
            response = raw_get(testapp, parts.path + "?" + parts.query,
                               **{"Accept-Encoding": "gzip"})
            assert f"max-age={YEAR}" in response.headers["Cache-Control"], url
            body = (gzip.decompress(response.body)
                    if response.headers.get("Content-Encoding") == "gzip" else response.body)
            assert body == local.read_bytes()
        else:
            assert token, url  # vendor files before `make assets`: still fingerprinted


def test_a_rebuilt_file_gets_its_new_fingerprint_on_the_pages_within_a_second(
        testapp, login_as, monkeypatch, tmp_path):
    """The layout's static URLs are kept a moment (every page writes the same ones), not for
    the life of the process: a stylesheet rebuilt while the portal runs is asked for anew."""
    from views import shell

    login_as("admin")
    bundle = Path(STATIC_DIR) / "js" / "portal.js"
    before = [u for u in static_urls(testapp.get("/").text) if "/static/js/portal.js" in u]
    clock = [1000.0]
    monkeypatch.setattr(shell.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(shell, "_STATIC_URLS", {})
    assert [u for u in static_urls(testapp.get("/").text) if "js/portal.js" in u] == before
    original = bundle.read_bytes()
    try:
        bundle.write_bytes(original + b"\n// rebuilt\n")
        clock[0] += 0.5  # within the second: the kept URL
        assert [u for u in static_urls(testapp.get("/").text) if "js/portal.js" in u] == before
        clock[0] += 0.6  # after it: the new content's fingerprint
        after = [u for u in static_urls(testapp.get("/").text) if "js/portal.js" in u]
        token = hashlib.md5(bundle.read_bytes()).hexdigest()[:12]
        assert after != before and all(u.endswith("v=" + token) for u in after)
    finally:
        bundle.write_bytes(original)


def test_a_static_file_is_compressed_once_and_served_compressed(testapp):
    portal_js = (Path(STATIC_DIR) / "js" / "portal.js").read_bytes()
    assert len(portal_js) > MIN_SIZE
    for _ in range(2):  # the second answer comes from the compressed copy kept in memory
        response = raw_get(testapp, "/static/js/portal.js", **{"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert gzip.decompress(response.body) == portal_js
    plain = raw_get(testapp, "/static/js/portal.js")
    assert "Content-Encoding" not in plain.headers and plain.body == portal_js


def test_a_browser_that_takes_brotli_gets_static_files_smaller():
    bundle = Path(STATIC_DIR) / "vendor" / "portal.bundle.css"
    body = bundle.read_bytes()
    cache = StaticGzipCache()
    key = ("/static/vendor/portal.bundle.css", None, len(body))
    as_gzip = cache.get((*key, "gzip"), lambda: body)
    as_br = cache.get((*key, "br"), lambda: body)
    assert brotli.decompress(as_br) == body and gzip.decompress(as_gzip) == body
    assert len(as_br) < 0.9 * len(as_gzip)


def test_static_files_go_out_as_brotli_when_taken(testapp):
    portal_js = (Path(STATIC_DIR) / "js" / "portal.js").read_bytes()
    response = raw_get(testapp, "/static/js/portal.js", **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert brotli.decompress(response.body) == portal_js


def test_deform_static_files_are_fingerprinted_too(testapp, login_as):
    login_as("admin")
    page = testapp.get("/tasks/add")
    urls = [u for u in static_urls(page.text) if "/deform_static/" in u]
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    response = testapp.get(urlsplit(urls[0]).path)
    assert f"max-age={YEAR}" in response.headers["Cache-Control"]


def test_every_script_of_the_layout_is_deferred():
    layout = LAYOUT.read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>", layout)
    assert scripts and all(" defer" in s for s in scripts), scripts
    assert "request.application_url }}/static" not in layout


def test_key_pages_defer_their_scripts_and_link_styles_only_in_the_head(testapp, demo):
    for name, path in demo.items():
        page = testapp.get(path)
        tags = tags_of(page.text)
        sources = [s for s in tags.scripts if s.get("src")]
        assert sources, name
        assert all("defer" in s for s in sources), (name, sources)
        inline = [s for s in tags.scripts if not s.get("src")]
        assert all(s.get("type") == "application/json" for s in inline), (name, inline)
        assert tags.stylesheets, name
        assert all(part == "head" for part, _ in tags.stylesheets), (name, tags.stylesheets)
        assert len(tags.stylesheets) == 1, (name, tags.stylesheets)


def test_the_bundle_shows_the_icon_font_with_swap_and_keeps_what_pages_use():
    assert BUNDLE.exists(), "`make assets` builds static/vendor/portal.bundle.css"
    css = BUNDLE.read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*\{[^}]*bootstrap-icons[^}]*\}", css)
    assert faces and all("font-display:swap" in f.replace(" ", "") for f in faces), faces
    font = re.search(r'url\("?(fonts/bootstrap-icons\.woff2)\?v=([0-9a-f]{12})', css)
    assert font, "the font is linked by its own hash"
    assert (BUNDLE.parent / font.group(1)).exists()
    # Bootstrap less what no page uses, still with what the layout and dynamic classes need.
    for selector in (".navbar-expand-lg", ".dropdown-menu", ".badge", ".text-bg-warning",
                     ".btn-outline-danger", ".modal", ".collapse:not(.show)", ".alert-success",
                     ".dropdown-menu-end[data-bs-popper]",
                     ".bi-bell::before", ".bi-grid-3x3-gap-fill::before", ".kb-hero", ".ix-row"):
        assert selector in css, selector
    assert ".carousel-item" not in css and ".bi-alarm-fill::before" not in css


def test_every_page_asks_for_the_icon_font_at_once_by_the_url_the_stylesheet_uses(testapp, login_as):
    """Icons in place on the first paint (no layout shift when the font arrives): the layout
    preloads the very URL the bundle's @font-face names, and an icon keeps its width meanwhile."""
    css = BUNDLE.read_text(encoding="utf-8")
    token = re.search(r'fonts/bootstrap-icons\.woff2\?v=([0-9a-f]{12})', css).group(1)
    login_as("admin")
    page = testapp.get("/")
    link = page.html.select_one('link[rel=preload][as=font]')
    assert link is not None and link.has_attr("crossorigin")
    assert link["href"].endswith(f"/static/vendor/fonts/bootstrap-icons.woff2?v={token}")
    assert ".bi::before { width: 1em; }" in css
