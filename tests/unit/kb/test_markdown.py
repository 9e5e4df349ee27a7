"""Article bodies: Markdown becomes HTML, and no known way of injecting script survives."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal.kb.markdown import MAX_BODY, headings, plain_text, render, sanitize

# Every kind of injection we know of, written as an author could type it in Markdown.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<body onload=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<form action=\"javascript:alert(1)\"><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<!--<img src=x onerror=alert(1)>-->",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](x \"onerror=alert(1)\")",
    "[x](https://example.com \"x\\\" onmouseover=\\\"alert(1)\")",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "[a]: javascript:alert(1)\n\n[link][a]",
    "<https://x.example/\"onmouseover=\"alert(1)>",
    "<javascript:alert(1)>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<x onclick=alert(1)>hi</x>",
    "<table><tr><td background=\"javascript:alert(1)\">x</td></tr></table>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
]

SAFE_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "s",
             "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
             "tbody", "tr", "th", "td", "sup", "sub", "kbd", "mark"}
SAFE_SCHEMES = {"http", "https", "mailto"}


class Elements(HTMLParser):
    """The elements and attributes a browser builds from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def problems(html: str) -> list[str]:
    out = []
    for tag, attrs in elements(html):
        if tag not in SAFE_TAGS:
            out.append(f"tag <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "srcdoc", "formaction", "background"):
                out.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and value:
                scheme = re.match(r"^\s*([a-z][a-z0-9+.-]*):", value.replace("\x00", ""), re.I)
                if scheme and scheme.group(1).lower() not in SAFE_SCHEMES:
                    out.append(f"{name}={value!r}")
    return out


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_injection_survives(payload):
    html = render(f"Before\n\n{payload}\n\nAfter")
    assert problems(html) == [], (payload, html)
    assert "Before" in html and "After" in html


def test_raw_html_is_shown_as_text():
    html = render("<b>bold</b> <script>alert(1)</script>")
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;" in html


def test_markdown_renders_the_usual_things():
    html = render("## Setup\n\n**bold** and *italic*\n\n- one\n- two\n\n1. first\n\n"
                  "[site](https://example.com) ![pic](/kb/@@file/3/pic.png)\n\n"
                  "> note\n\n`code`\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n~~old~~")
    for fragment in ('<h2 id="kb-1">Setup</h2>', "<strong>bold</strong>", "<em>italic</em>",
                     "<li>one</li>", "<ol>",
                     '<a href="https://example.com" rel="noopener noreferrer">site</a>',
                     '<img src="/kb/@@file/3/pic.png" alt="pic">', "<blockquote>", "<code>code</code>",
                     '<th align="left">a</th>', '<td align="right">2</td>', "<s>old</s>"):
        assert fragment in html, fragment


def test_links_keep_only_safe_schemes():
    html = render("[a](https://ok.example) [b](mailto:x@y.example) [c](/kb/x/) [d](javascript:alert(1))")
    assert 'href="https://ok.example"' in html
    assert 'href="mailto:x@y.example"' in html
    assert 'href="/kb/x/"' in html
    assert not any("javascript" in str(attrs) for _tag, attrs in elements(html))


def test_headings_and_plain_text():
    html = render("## Один\n\ntext **here**\n\n### Два\n\n## Три")
    assert [(h.level, h.anchor, h.text) for h in headings(html)] == [
        (2, "kb-1", "Один"), (3, "kb-2", "Два"), (2, "kb-3", "Три")]
    assert plain_text(html).splitlines() == ["Один", "text here", "Два", "Три"]


def test_enormous_input_renders_without_harm():
    # The editor refuses bodies over MAX_BODY; rendering one must still be quick and safe, with
    # every payload hidden in deep nesting, runs of emphasis marks and unclosed links.
    import time

    payloads = "\n\n".join(PAYLOADS)
    # (What lies deeper than the renderer's nesting limit is dropped, so each run starts anew.)
    body = (payloads + "\n\n" + "> " * 5000 + "deep " + payloads + "\n\n" + "*" * 10000 + payloads
            + "\n\n" + "[x](" * 2000 + payloads + "\n\n" + "- " * 3000 + payloads)
    assert len(body) <= MAX_BODY
    started = time.perf_counter()
    html = render(body)
    assert time.perf_counter() - started < 5
    assert problems(html) == []
    assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitizer_alone_removes_every_injection_from_raw_html(payload):
    """The nh3 pass itself, on raw HTML as a snippet or a preview hands it over (Markdown would
    have escaped it before nh3 saw it, so a test through `render` alone would not notice a
    missing sanitizer)."""
    html = sanitize(f"<p>Before</p>{payload}<p>After</p>")
    assert problems(html) == [], (payload, html)
    assert "Before" in html  # an unclosed payload may swallow what follows it, harmlessly


def test_the_sanitizer_keeps_what_articles_may_hold():
    html = sanitize('<h2>Title</h2><p><a href="https://example.com">link</a> <b>bold</b></p>'
                    '<script>alert(1)</script><img src=x onerror=alert(1)>')
    assert "<h2" in html and 'href="https://example.com"' in html and "<b>bold</b>" in html
    assert "<script" not in html and "onerror" not in html
