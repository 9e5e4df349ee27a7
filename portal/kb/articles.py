"""Articles: writing and saving (every save a version), restoring, related articles, reading,
feedback and must-read — the business rules behind the knowledge-base pages."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup, escape
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories
from sqlalchemy.orm import selectinload

from models.kb import (
    Article,
    ArticleFeedback,
    ArticleRead,
    ArticleRelation,
    ArticleTag,
    ArticleVersion,
    KbFolder,
)
from models.meta import utcnow
from models.notifications import notify
from models.people import User
from portal.core.i18n import _
from portal.kb.folders import TITLE_MAX, free_slug, slug_problem, slug_taken_message, slugify, taken_by
from portal.kb.markdown import MAX_BODY
from portal.kb.must_read import may_set_everyone, notify_changed, notify_must_read
from portal.kb.security import article_filter, folder_holders

SUMMARY_MAX = 500
TAGS_MAX = 15
TAG_MAX = 40
RELATED_MAX = 10
COMMENT_MAX = 300
TAG_RE = re.compile(r"^[\w][\w .+#&/-]*$", re.UNICODE)


# --- addresses ----------------------------------------------------------------------------------

def folder_url(request, folder_id: int | None, *elements, query=None) -> str:
    """/kb/<folder>/<sub-folder>/… from the request's folder tree (no queries)."""
    parts = request.kb_tree.path(folder_id) if folder_id is not None else []
    url = request.application_url + "/kb/" + "".join(f"{p}/" for p in parts)
    return _finish(url, elements, query)


def article_url(request, article: Article, *elements, query=None) -> str:
    return _finish(folder_url(request, article.folder_id) + article.slug + "/", elements, query)


def article_link(request, article: Article) -> str:
    """An address that stays when the article or its folders move (/kb/@@article/<id>): for
    notifications and e-mails."""
    return f"{request.application_url}/kb/@@article/{article.id}"


def _finish(url: str, elements, query) -> str:
    from urllib.parse import quote, urlencode

    url += "/".join(quote(str(e), safe="") for e in elements)
    if query:
        url += "?" + urlencode(query)
    return url


def locate(request, article: Article) -> Article:
    """Give an article loaded by a query its place in the tree (for ACLs and resource_url)."""
    node = request.root["kb"]
    for slug in request.kb_tree.path(article.folder_id):
        node = node[slug]
    article.__parent__ = node
    article.__name__ = article.slug
    return article


def locate_folder(request, folder_id: int) -> KbFolder:
    """A folder by id in its place in the tree (for its ACL)."""
    node = request.root["kb"]
    for slug in request.kb_tree.path(folder_id):
        node = node[slug]
    return node


# --- input ------------------------------------------------------------------------------------

def parse_tags(text: str) -> tuple[list[str], object | None]:
    """Tags typed as "vpn, удалённая работа" → ["vpn", "удалённая работа"], or a problem."""
    tags: list[str] = []
    for raw in re.split(r"[,;\n]", text or ""):
        tag = " ".join(raw.split()).casefold()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            return tags, _("A tag may have at most ${max} characters: “${tag}”.",
                           mapping={"max": TAG_MAX, "tag": tag[:TAG_MAX] + "…"})
        if not TAG_RE.match(tag):
            return tags, _("A tag is a word or a few words: “${tag}” has other signs.",
                           mapping={"tag": tag})
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        return tags, _("At most ${max} tags, please.", mapping={"max": TAGS_MAX})
    return tags, None


@dataclass
class ArticleInput:
    title: str
    body: str
    summary: str = ""
    slug: str = ""
    tags: list[str] = field(default_factory=list)
    related_ids: list[int] | None = None
    comment: str = ""
    must_read: bool = False
    must_read_department_id: int | None = None


def read_form(post) -> tuple[ArticleInput, dict]:
    """An ArticleInput from a submitted form, and {field: problem} for what cannot be read."""
    problems = {}
    tags, why = parse_tags(post.get("tags", ""))
    if why:
        problems["tags"] = why
    related = []
    for value in post.getall("related") if hasattr(post, "getall") else post.get("related", []):
        if str(value).isdigit() and int(value) not in related:
            related.append(int(value))
    dept = post.get("must_read_department_id", "")
    data = ArticleInput(
        title=" ".join(post.get("title", "").split()),
        body=post.get("body", "").replace("\r\n", "\n"),
        summary=" ".join(post.get("summary", "").split()),
        slug=post.get("slug", "").strip().lower(),
        tags=tags,
        related_ids=related,
        comment=" ".join(post.get("comment", "").split())[:COMMENT_MAX],
        must_read=post.get("must_read") in ("1", "on", "true"),
        must_read_department_id=int(dept) if dept.isdigit() else None,
    )
    return data, problems


def article_problems(request, folder_id: int, data: ArticleInput, article_id: int | None = None) -> dict:
    """{field: message} for what cannot be saved (as the form shows them next to the fields)."""
    problems = {}
    if not data.title:
        problems["title"] = _("Give the article a title.")
    elif len(data.title) > TITLE_MAX:
        problems["title"] = _("At most ${max} characters, please.", mapping={"max": TITLE_MAX})
    if len(data.summary) > SUMMARY_MAX:
        problems["summary"] = _("At most ${max} characters, please.", mapping={"max": SUMMARY_MAX})
    if not data.body.strip():
        problems["body"] = _("Write the text of the article.")
    elif len(data.body) > MAX_BODY:
        problems["body"] = _("The text is too long: ${n} characters, at most ${max} are allowed. "
                             "Split it into several articles.",
                             mapping={"n": f"{len(data.body):,}".replace(",", " "),
                                      "max": f"{MAX_BODY:,}".replace(",", " ")})
    if data.slug:
        why = slug_problem(data.slug)
        if why is None:
            other = taken_by(request.dbsession, request.kb_tree, folder_id, data.slug,
                             except_article=article_id)
            if other is not None:
                why = slug_taken_message(data.slug, other)
        if why is not None:
            problems["slug"] = why
    if data.related_ids and len(data.related_ids) > RELATED_MAX:
        problems["related"] = _("At most ${max} related articles, please.", mapping={"max": RELATED_MAX})
    if data.must_read_department_id is not None:
        from models.people import Department

        if request.dbsession.get(Department, data.must_read_department_id) is None:
            problems["must_read"] = _("Choose the department that must read it.")
    elif data.must_read:
        article = request.dbsession.get(Article, article_id) if article_id else None
        already = article is not None and article.must_read and article.must_read_department_id is None
        if not already and not may_set_everyone(request, locate_folder(request, folder_id)):
            problems["must_read"] = _("Only the folder’s editors may ask everyone to read an article. "
                                      "Choose the department that must read it.")
    return problems


# --- saving, versions ---------------------------------------------------------------------------

def _actor_id(request) -> int | None:
    identity = request.identity
    return identity.user.id if identity else None


def _set_tags(article: Article, tags: list[str]) -> None:
    current = {t.tag: t for t in article.tag_rows}
    article.tag_rows = [current.get(tag) or ArticleTag(tag=tag) for tag in tags]


def _snapshot(article: Article, author_id: int | None, comment: str) -> ArticleVersion:
    return ArticleVersion(article_id=article.id, number=article.version, title=article.title,
                          summary=article.summary, body=article.body, tags=",".join(article.tags),
                          author_id=author_id, comment=comment)


def create_article(request, folder: KbFolder, data: ArticleInput) -> Article:
    """A new draft in `folder` by the request's user: version 1."""
    db = request.dbsession
    slug = data.slug or free_slug(db, request.kb_tree, folder.id, slugify(data.title))
    article = Article(folder_id=folder.id, slug=slug, title=data.title, summary=data.summary,
                      body=data.body, author_id=_actor_id(request),
                      state="draft", version=1, must_read=data.must_read,
                      must_read_department_id=data.must_read_department_id if data.must_read else None)
    _set_tags(article, data.tags)
    db.add(article)
    db.flush()
    if data.related_ids is not None:
        set_related(request, article, data.related_ids)
    db.add(_snapshot(article, article.author_id, data.comment))
    db.flush()
    return article


def update_article(request, article: Article, data: ArticleInput) -> bool:
    """Apply an edit; a change of title, summary, text or tags makes a new version. Returns
    whether a version was made."""
    db = request.dbsession
    was_must_read = article.must_read
    content_changed = (data.title != article.title or data.summary != article.summary
                       or data.body != article.body or data.tags != article.tags)
    if data.slug and data.slug != article.slug:
        article.slug = data.slug
    article.must_read = data.must_read
    article.must_read_department_id = data.must_read_department_id if data.must_read else None
    if data.related_ids is not None:
        set_related(request, article, data.related_ids)
    if content_changed:
        article.title = data.title
        article.summary = data.summary
        if data.body != article.body:
            article.body = data.body  # renders body_html (Article._render_body)
        _set_tags(article, data.tags)
        article.version += 1
        article.updated_at = utcnow()
        db.flush()
        db.add(_snapshot(article, _actor_id(request), data.comment))
    db.flush()
    if article.must_read and not was_must_read and article.state == "published":
        notify_must_read(request, article)
    elif content_changed and was_must_read:
        notify_changed(request, article, article.version - 1)
    return content_changed


def restore_version(request, article: Article, number: int) -> ArticleVersion | None:
    """Make the text of version `number` the newest version again (history stays as it was)."""
    db = request.dbsession
    old = db.scalar(sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id,
                                                    ArticleVersion.number == number))
    if old is None:
        return None
    article.title, article.summary, article.body = old.title, old.summary, old.body
    _set_tags(article, old.tag_list)
    article.version += 1
    article.updated_at = utcnow()
    db.flush()
    version = _snapshot(article, _actor_id(request), "")
    version.comment = request.localizer.translate(
        _("Restored from version ${n}", mapping={"n": number}))[:COMMENT_MAX]
    db.add(version)
    db.flush()
    notify_changed(request, article, article.version - 1)
    return version


def versions_of(dbsession, article: Article) -> list[ArticleVersion]:
    return list(dbsession.scalars(
        sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id)
        .options(selectinload(ArticleVersion.author)).order_by(ArticleVersion.number.desc())))


def version_of(dbsession, article: Article, number: int) -> ArticleVersion | None:
    return dbsession.scalar(sa.select(ArticleVersion).where(
        ArticleVersion.article_id == article.id, ArticleVersion.number == number))


# --- comparing two versions ------------------------------------------------------------------

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


# --- related articles -------------------------------------------------------------------------

def set_related(request, article: Article, ids: list[int]) -> None:
    """Make the "see also" links of `article` that the user can see be `ids` (shown on both
    sides). Links to articles the user cannot see are not in their form, so they are kept as
    they are; an id is added only if the user may view that article (unknown ids are ignored)."""
    db = request.dbsession
    ids = [i for i in ids if i != article.id][:RELATED_MAX]
    current = set(related_ids(db, article))
    seen = set(db.scalars(sa.select(Article.id).where(
        Article.id.in_(sorted(current)), article_filter(request, "view")))) if current else set()
    wanted = set(ids)
    dropped = seen - wanted
    if dropped:
        db.execute(sa.delete(ArticleRelation).where(sa.or_(
            sa.and_(ArticleRelation.article_id == article.id, ArticleRelation.related_id.in_(sorted(dropped))),
            sa.and_(ArticleRelation.related_id == article.id, ArticleRelation.article_id.in_(sorted(dropped))))))
    new = [i for i in ids if i not in current]
    allowed = set(db.scalars(sa.select(Article.id).where(
        Article.id.in_(new), article_filter(request, "view")))) if new else set()
    for other in new:
        if other in allowed:
            db.add(ArticleRelation(article_id=article.id, related_id=other))
    db.flush()


def related_articles(request, article: Article, permission: str = "view") -> list[Article]:
    """Articles linked to `article` in either direction that the user may see."""
    db = request.dbsession
    linked = sa.union(
        sa.select(ArticleRelation.related_id.label("id")).where(ArticleRelation.article_id == article.id),
        sa.select(ArticleRelation.article_id.label("id")).where(ArticleRelation.related_id == article.id),
    ).subquery()
    return list(db.scalars(sa.select(Article).where(
        Article.id.in_(sa.select(linked.c.id)), article_filter(request, permission))
        .order_by(Article.title)))


def related_ids(dbsession, article: Article) -> list[int]:
    rows = dbsession.execute(sa.select(ArticleRelation.article_id, ArticleRelation.related_id).where(
        sa.or_(ArticleRelation.article_id == article.id, ArticleRelation.related_id == article.id)))
    return [b if a == article.id else a for a, b in rows]


# --- reading and feedback -----------------------------------------------------------------------

def _insert_ignore(dbsession, table, values: dict) -> int:
    """INSERT … ON CONFLICT DO NOTHING; the number of rows inserted (0 or 1)."""
    if dbsession.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # RETURNING tells whether a row went in (rowcount is -1 on PostgreSQL with RETURNING).
    result = dbsession.execute(insert(table).values(**values).on_conflict_do_nothing()
                               .returning(table.c.id))
    return 1 if result.first() is not None else 0


def record_read(request, article: Article) -> ArticleRead | None:
    """Count the user among the article's readers (once per person)."""
    identity = request.identity
    if identity is None:
        return None
    db = request.dbsession
    if _insert_ignore(db, ArticleRead.__table__, {"article_id": article.id, "user_id": identity.user.id,
                                                   "first_read_at": utcnow()}):
        db.execute(sa.update(Article.__table__).where(Article.__table__.c.id == article.id)
                   .values(read_count=Article.__table__.c.read_count + 1))
    return db.scalar(sa.select(ArticleRead).where(ArticleRead.article_id == article.id,
                                                  ArticleRead.user_id == identity.user.id))


def give_feedback(request, article: Article, helpful: bool, comment: str = "") -> ArticleFeedback:
    """Record (or change) the user's answer to "was this helpful?" and recount."""
    db = request.dbsession
    uid = request.identity.user.id
    feedback = db.scalar(sa.select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.user_id == uid))
    if feedback is None:
        feedback = ArticleFeedback(article_id=article.id, user_id=uid, helpful=helpful)
        db.add(feedback)
    feedback.helpful = helpful
    feedback.comment = (comment or "").strip()[:2000]
    feedback.created_at = utcnow()
    db.flush()
    counts = dict(db.execute(sa.select(ArticleFeedback.helpful, sa.func.count()).where(
        ArticleFeedback.article_id == article.id).group_by(ArticleFeedback.helpful)).all())
    db.execute(sa.update(Article.__table__).where(Article.__table__.c.id == article.id).values(
        helpful_yes=counts.get(True, 0), helpful_no=counts.get(False, 0)))
    db.expire(article, ["helpful_yes", "helpful_no"])
    return feedback


# --- notifications in each recipient's language -------------------------------------------------

def notify_users(request, user_ids, title, body, url: str, kind: str) -> None:
    """One notification per person, written in their language."""
    if not user_ids:
        return
    db = request.dbsession
    default = request.registry.settings.get("pyramid.default_locale_name") or "ru"
    dirs = request.registry.queryUtility(ITranslationDirectories, default=[])
    localizers = {}
    for uid, locale in db.execute(sa.select(User.id, User.locale).where(User.id.in_(sorted(set(user_ids))))):
        locale = locale or default
        if locale not in localizers:
            localizers[locale] = make_localizer(locale, dirs)
        localizer = localizers[locale]

        def tr(text, localizer=localizer):
            return localizer.translate(text) if hasattr(text, "domain") else (text or "")

        notify(db, uid, tr(title), tr(body), url, kind)


def on_transition(event) -> None:
    """Workflow subscriber: reviewers hear of a submission, the author of a decision, and the
    readers of a published must-read."""
    article = event.obj
    if not isinstance(article, Article):
        return
    request = event.request
    actor = _actor_id(request)
    url = article_link(request, article)
    name = event.transition.name
    if name == "submit":
        reviewers = folder_holders(request, article.folder_id, "article", "review") - {actor}
        notify_users(request, reviewers,
                     _("Waiting for your review: ${title}", mapping={"title": article.title}),
                     _("Read it, then publish it or send it back to the author with a comment."),
                     url, "kb_review")
    elif name == "publish":
        article.published_at = utcnow()
        if article.author_id and article.author_id != actor:
            notify_users(request, [article.author_id],
                         _("Your article is published: ${title}", mapping={"title": article.title}),
                         "", url, "kb_published")
        if article.must_read:
            notify_must_read(request, article)
    elif name == "reject" and article.author_id and article.author_id != actor:
        notify_users(request, [article.author_id],
                     _("Your article was sent back: ${title}", mapping={"title": article.title}),
                     event.comment.strip(), url, "kb_rejected")

