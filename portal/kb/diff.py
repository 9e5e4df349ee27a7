"""Comparing two versions of an article: title, summary, tags, and the text line by line with
the changed words marked, readable however long the text is; or the text as readers see it,
block by block (`rendered_compare`)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup, escape

from models.kb import ArticleVersion
from portal.kb.markdown import render

EMPTY = Markup("")


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed", "changed", "gap"
    old: Markup = EMPTY
    new: Markup = EMPTY
    old_no: int | None = None
    new_no: int | None = None
    skipped: int = 0


@dataclass
class VersionDiff:
    title: tuple[Markup, Markup] | None
    summary: tuple[Markup, Markup] | None
    tags_added: list[str]
    tags_removed: list[str]
    lines: list[DiffLine]
    added: int = 0
    removed: int = 0
    # Changed lines past MAX_DIFF_LINES, counted but not shown.
    not_shown: int = 0

    @property
    def same(self) -> bool:
        return not (self.title or self.summary or self.tags_added or self.tags_removed
                    or self.added or self.removed)


# Past these sizes difflib's exact matching grows quadratic (an enormous one-paragraph text
# took minutes): it then treats very frequent words or lines as noise, which is fast and still
# readable; and a page shows at most MAX_DIFF_LINES lines of the comparison.
EXACT_WORDS = 1500
EXACT_LINES = 5000
MAX_DIFF_LINES = 2000


def _word_diff(a: str, b: str) -> tuple[Markup, Markup]:
    """Both sides of a changed line with the changed words marked <del>/<ins>."""
    # Words, spaces and single signs: "vpn-old.example" → "vpn", "-", "old", ".", "example".
    pattern = r"[^\W_]+|\s+|[\W_]"
    wa, wb = re.findall(pattern, a), re.findall(pattern, b)
    exact = max(len(wa), len(wb)) <= EXACT_WORDS
    old, new = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=not exact).get_opcodes():
        left, right = escape("".join(wa[i1:i2])), escape("".join(wb[j1:j2]))
        if op == "equal":
            old.append(left)
            new.append(right)
        else:
            if left:
                old.append(Markup("<del>") + left + Markup("</del>"))
            if right:
                new.append(Markup("<ins>") + right + Markup("</ins>"))
    return Markup("").join(old), Markup("").join(new)


def compare(old: ArticleVersion, new: ArticleVersion, context: int = 3) -> VersionDiff:
    """A readable comparison: title, summary, tags, and the text line by line with the changed
    words marked; long unchanged stretches are folded."""
    a, b = old.body.splitlines(), new.body.splitlines()
    lines: list[DiffLine] = []
    added = removed = not_shown = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > EXACT_LINES)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if len(lines) >= MAX_DIFF_LINES:
            if op != "equal":
                pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
                not_shown += (i2 - i1) + (j2 - j1) - pairs
                added += j2 - j1
                removed += i2 - i1
            continue
        if op == "equal":

            def same(k, i1=i1, j1=j1):
                return DiffLine("same", escape(a[i1 + k]), escape(b[j1 + k]), i1 + k + 1, j1 + k + 1)

            n = i2 - i1
            if n > 2 * context + 1:
                head = range(0, context) if lines else range(0)
                tail = range(n - context, n) if i2 < len(a) or j2 < len(b) else range(0)
                lines.extend(same(k) for k in head)
                lines.append(DiffLine("gap", skipped=n - len(head) - len(tail)))
                lines.extend(same(k) for k in tail)
            else:
                lines.extend(same(k) for k in range(n))
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        added += j2 - j1
        removed += i2 - i1
        before = len(lines)
        wanted = [("changed", i1 + k, j1 + k) for k in range(pairs)]
        wanted += [("removed", k, None) for k in range(i1 + pairs, i2)]
        wanted += [("added", None, k) for k in range(j1 + pairs, j2)]
        for kind, i, j in wanted[:max(0, MAX_DIFF_LINES - before)]:
            if kind == "changed":
                left, right = _word_diff(a[i], b[j])
                lines.append(DiffLine("changed", left, right, i + 1, j + 1))
            elif kind == "removed":
                lines.append(DiffLine("removed", old=escape(a[i]), old_no=i + 1))
            else:
                lines.append(DiffLine("added", new=escape(b[j]), new_no=j + 1))
        not_shown += len(wanted) - (len(lines) - before)
    if lines and lines[-1].kind == "gap":
        lines.pop()
    title = _word_diff(old.title, new.title) if old.title != new.title else None
    summary = _word_diff(old.summary, new.summary) if old.summary != new.summary else None
    old_tags, new_tags = old.tag_list, new.tag_list
    return VersionDiff(title, summary, [t for t in new_tags if t not in old_tags],
                       [t for t in old_tags if t not in new_tags], lines, added, removed, not_shown)



# --- the comparison as rendered text ---------------------------------------------------------------

class _Blocks(HTMLParser):
    """Splits our renderer's HTML into its top-level blocks (a paragraph, a list, a table…)."""

    VOID = {"br", "hr", "img"}

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        starts = [0]
        for line in source.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        self.line_starts = starts
        self.depth = 0
        self.start: int | None = None
        self.blocks: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.start = self._offset()
        if tag in self.VOID:
            if self.depth == 0:
                self._close(self._offset() + len(self.get_starttag_text() or ""))
            return
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.start = self._offset()
            self._close(self._offset() + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        self.depth -= 1
        if self.depth == 0 and self.start is not None:
            end = self.source.index(">", self._offset()) + 1
            self._close(end)

    def _close(self, end: int) -> None:
        self.blocks.append(self.source[self.start:end])
        self.start = None


def blocks_of(html: str) -> list[str]:
    """The top-level blocks of rendered, sanitized HTML, each as it is in `html`."""
    parser = _Blocks(html)
    parser.feed(html)
    parser.close()
    return parser.blocks


def _wrapped(tag: str, blocks: list[str], kind: str) -> Markup:
    # The blocks come from our renderer (sanitized); only our own tags are put around them.
    return Markup("").join(Markup(f'<{tag} class="kb-block kb-{kind}">') + Markup(b) + Markup(f"</{tag}>")
                           for b in blocks)


@dataclass
class RenderedDiff:
    html: Markup
    added: int
    removed: int


def rendered_compare(old_body: str, new_body: str) -> RenderedDiff:
    """The two texts as readers see them (our Markdown renderer's sanitized HTML), block by
    block: blocks added are marked <ins>, blocks removed <del>, a changed block shows both."""
    a, b = blocks_of(render(old_body)), blocks_of(render(new_body))
    # Headings are numbered in order (id="kb-N"): compare the blocks without their ids.
    key_a, key_b = [_HEADING_ID.sub("", x) for x in a], [_HEADING_ID.sub("", x) for x in b]
    parts: list[Markup] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, key_a, key_b, autojunk=len(a) + len(b) > EXACT_LINES)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(Markup("").join(Markup(x) for x in b[j1:j2]))
            continue
        if i2 > i1:
            # Without heading ids: the same heading may stand on both sides.
            parts.append(_wrapped("del", key_a[i1:i2], "removed" if op == "delete" else "changed"))
            removed += i2 - i1
        if j2 > j1:
            parts.append(_wrapped("ins", b[j1:j2], "added" if op == "insert" else "changed"))
            added += j2 - j1
    return RenderedDiff(Markup("\n").join(parts), added, removed)


_HEADING_ID = re.compile(r' id="kb-\d{1,4}"')
