"""Article bodies: Markdown rendered by markdown-it-py, then sanitized by nh3 (ammonia).

Raw HTML in the Markdown is not interpreted (it shows as text), and whatever the renderer
produces passes through an allow-list: no script, style, iframe, svg, form or event-handler
attributes survive, and links and images may only point to http(s), mailto or a relative
address (javascript:, data:, vbscript: and the like are removed).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

# A body longer than this is refused: nobody reads it, and it would slow every save and search.
MAX_BODY = 200_000

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "s", "del",
    "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr",
    "th", "td", "sup", "sub", "kbd", "mark",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "h2": {"id"},
    "h3": {"id"},
}
HEADING_ID = re.compile(r"^kb-\d{1,4}$")
ALIGN = {"left", "right", "center"}


def _attribute_filter(tag: str, attr: str, value: str):
    if attr == "id":
        return value if HEADING_ID.match(value) else None
    if attr == "align":
        return value if value in ALIGN else None
    if attr == "start":
        return value if value.isdigit() and len(value) < 7 else None
    return value


CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False,
                                   "typographer": False})
    md.enable(["table", "strikethrough"])
    # Table cell alignment as an attribute instead of a style="" (styles are not allowed).
    md.add_render_rule("th_open", _cell_open)
    md.add_render_rule("td_open", _cell_open)
    md.add_render_rule("heading_open", _heading_open)
    return md


def _cell_open(self, tokens, idx, options, env):
    token = tokens[idx]
    style = token.attrGet("style") or ""
    align = style.replace("text-align:", "").strip()
    attrs = f' align="{align}"' if align in ALIGN else ""
    return f"<{token.tag}{attrs}>"


def _heading_open(self, tokens, idx, options, env):
    token = tokens[idx]
    if token.tag in ("h2", "h3"):
        env.setdefault("headings", 0)
        env["headings"] += 1
        return f'<{token.tag} id="kb-{env["headings"]}">'
    return f"<{token.tag}>"


MARKDOWN = _parser()


def render(body: str) -> str:
    """Markdown → sanitized HTML, safe to put into a page as it is."""
    return CLEANER.clean(MARKDOWN.render(body or "", {}))


def sanitize(fragment: str) -> str:
    """Sanitize an HTML fragment with the same allow-list (for snippets and previews)."""
    return CLEANER.clean(fragment or "")


class _TextCollector(HTMLParser):
    BLOCK = {"p", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
             "blockquote", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[tuple[str, str, str]] = []
        self._heading: tuple[str, str] | None = None
        self._heading_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in ("h2", "h3"):
            self._heading = (tag, dict(attrs).get("id") or "")
            self._heading_text = []
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag):
        if tag in self.BLOCK:
            self.parts.append("\n")
        if self._heading and tag == self._heading[0]:
            text = " ".join("".join(self._heading_text).split())
            if self._heading[1] and text:
                self.headings.append((self._heading[0], self._heading[1], text))
            self._heading = None

    def handle_data(self, data):
        self.parts.append(data)
        if self._heading:
            self._heading_text.append(data)


def plain_text(body_html: str) -> str:
    """The words of a rendered body, blocks separated by new lines (for search and snippets)."""
    collector = _TextCollector()
    collector.feed(body_html or "")
    collector.close()
    text = "".join(collector.parts)
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


_BLOCK_TAG = re.compile(r"</?(?:p|br|li|tr|td|th|h[1-6]|pre|blockquote|hr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")


def quick_text(body_html: str) -> str:
    """`plain_text` by regular expressions, for our own sanitized HTML only (well-formed, no
    comments or scripts): ten times faster, for snippets of a page of search results."""
    text = html.unescape(_ANY_TAG.sub("", _BLOCK_TAG.sub("\n", body_html or "")))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


@dataclass
class Heading:
    level: int
    anchor: str
    text: str


_HEADING = re.compile(r'<(h[23]) id="(kb-\d{1,4})">(.*?)</\1>', re.DOTALL)


def headings(body_html: str) -> list[Heading]:
    """The h2/h3 headings of a rendered body, for a table of contents (read from our own
    sanitized HTML by a regular expression: an enormous article's page stays fast)."""
    out = []
    for tag, anchor, inner in _HEADING.findall(body_html or ""):
        text = " ".join(html.unescape(_ANY_TAG.sub("", inner)).split())
        if text:
            out.append(Heading(int(tag[1]), anchor, text))
    return out


def excerpt(text: str, length: int = 220) -> str:
    """The first `length` characters of plain text, cut at a word."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(".,;:—-") + "…"


def escape(text: str) -> str:
    return html.escape(text or "", quote=True)
