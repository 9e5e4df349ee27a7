"""Article pages: read, write (new and edit, with a preview), feedback, must-read and its report.

Every form is read by its schema (portal/kb/schemas.py); the rules against what is saved are the
services' (portal/kb/articles.py, reading.py, must_read.py).
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import sqlalchemy as sa
from markupsafe import Markup
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.kb import Article, ArticleAttachment, ArticleFeedback, KbFolder
from models.people import Department
from portal.core.forms import read_fields
from portal.core.i18n import _
from portal.kb.articles import (
    PROPOSED_CHANGE,
    SAME,
    SAVED_UNREVIEWED,
    ArticleInput,
    check_article,
    create_article,
    editing_input,
    related_articles,
    related_ids,
    shown_number,
    update_article,
)
from portal.kb.files import human_size
from portal.kb.markdown import MAX_BODY, headings, render
from portal.kb.must_read import (
    ALL,
    confirm_read,
    has_confirmed,
    may_set_everyone,
    notify_must_read,
    readers_report,
    readers_scope,
)
from portal.kb.reading import give_feedback, record_read
from portal.kb.resources import article_url, folder_in_tree
from portal.kb.review import edits_reviewed, history_items, reviewers
from portal.kb.schemas import ArticleSchema, FeedbackSchema, ReadersQuerySchema
from portal.kb.search import search
from portal.kb.security import article_filter
from views.admin.departments import department_tree, flatten
from views.kb.home import kb_helpers
from views.workflow import workflow_panel
from workflows.article import change_author_id

PICKER_LIMIT = 8


def department_choices(dbsession) -> list[tuple[int, str]]:
    return [(n.dept.id, "\u00a0\u00a0\u00a0" * n.depth + n.dept.name)
            for n in flatten(department_tree(dbsession, with_counts=False))]


# --- reading --------------------------------------------------------------------------------------

@view_config(context=Article, renderer="kb/article.jinja2", permission="view")
def article_view(request):
    article: Article = request.context
    db = request.dbsession
    read = record_read(db, request.identity.user, article)
    attachments = list(db.scalars(sa.select(ArticleAttachment).where(
        ArticleAttachment.article_id == article.id).order_by(ArticleAttachment.filename)))
    feedback = db.scalar(sa.select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.user_id == request.identity.user.id))
    may_edit = request.has_permission("edit", article)
    may_review = request.has_permission("review", article)
    may_delete = request.has_permission("delete", article)
    concerned = article.must_read and article.state == "published" and _concerned(request, article)
    panel = workflow_panel(request, article)
    folder = article.folder
    return {
        "history": history_items(request, article),
        "folder": folder,
        # Named next to "Submit for review" and to a change waiting for review.
        "reviewers": reviewers(request, folder, article.author_id)
        if article.state in ("draft", "pending") and (may_edit or may_review) else None,
        "change_reviewers": reviewers(request, folder, change_author_id(request.dbsession, article))
        if article.pending_version else None,
        # State and review history for everyone; the actions offered are the reader's own.
        "panel": panel,
        "title": article.title,
        "article": article,
        "body": Markup(article.body_html),
        "toc": headings(article.body_html),
        "attachments": attachments,
        "files": [a for a in attachments if not a.is_image],
        "images": [a for a in attachments if a.is_image],
        "related": related_articles(request, article),
        "feedback": feedback,
        "read": read,
        "must_confirm": concerned and not has_confirmed(read, article),
        # Confirmed, but an earlier version: the text changed since.
        "changed_since": concerned and read is not None and read.confirmed_at is not None
        and not has_confirmed(read, article),
        "may_edit": may_edit,
        "may_review": may_review,
        "may_delete": may_delete,
        "may_report": article.must_read and readers_scope(request, article) is not None,
        "human_size": human_size,
        "file_url": lambda a: file_url(request, a),
        **kb_helpers(request),
    }


def file_url(request, attachment: ArticleAttachment) -> str:
    return f"{request.application_url}/kb/@@file/{attachment.id}/{quote(attachment.filename)}"


def _concerned(request, article: Article) -> bool:
    if article.must_read_department_id is None:
        return True
    dept_ids = request.department_tree.with_descendants([article.must_read_department_id])
    return bool(dept_ids & set(request.identity.department_ids))


# --- writing --------------------------------------------------------------------------------------

class ArticleForm:
    """The article editor (our own form: a Markdown editor with a preview needs more than
    deform's widgets). Errors are shown next to their fields with status 400."""

    template = "kb/edit.jinja2"

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.db = request.dbsession

    @property
    def folder_id(self) -> int:
        return self.context.id if isinstance(self.context, KbFolder) else self.context.folder_id

    def render(self, data: ArticleInput, problems: dict, article: Article | None, tags_text=None):
        related = []
        if data.related_ids:
            related = list(self.db.scalars(sa.select(Article).where(
                Article.id.in_(data.related_ids), article_filter(self.request, "view"))))
        hidden = 0
        if article is not None:
            linked = related_ids(self.db, article)
            hidden = len(linked) - (self.db.scalar(sa.select(sa.func.count()).where(
                Article.id.in_(linked), article_filter(self.request, "view"))) if linked else 0)
        folder = self.db.get(KbFolder, self.folder_id)
        author_id = (article.author_id if article is not None and article.state != "published"
                     else self.request.identity.user.id)
        may_everyone = may_set_everyone(self.request, folder_in_tree(self.request, self.folder_id)) or (
            article is not None and article.must_read and article.must_read_department_id is None)
        values = {
            "reviewers": reviewers(self.request, folder, author_id),
            "reviewed_change": article is not None and article.state == "published"
            and edits_reviewed(folder),
            "unreviewed_change": article is not None and article.state == "published"
            and not edits_reviewed(folder),
            "needs_other": folder.publish_needs_other,
            "editing_number": shown_number(article) if article is not None else None,
            "hidden_related": hidden,
            "may_everyone": may_everyone,
            "title": (_("New article") if article is None
                      else _("Edit “${title}”", mapping={"title": article.title})),
            "article": article,
            "folder_id": self.folder_id,
            "data": data,
            "tags_text": ", ".join(data.tags) if tags_text is None else tags_text,
            "related": related,
            "problems": problems,
            "departments": department_choices(self.db),
            "max_body": MAX_BODY,
            "action": self.request.path_url,
            **kb_helpers(self.request),
        }
        response = render_to_response(self.template, values, request=self.request)
        if problems:
            response.status_int = 400
        return response

    def submitted(self, article: Article | None) -> tuple[ArticleInput, dict, str | None]:
        """The article as submitted, {field: problem} (the form's, then against what is saved),
        and the tags as typed when they cannot be read."""
        values, problems = read_fields(ArticleSchema(), self.request.POST)
        data = ArticleInput.of(values)
        problems.update(check_article(self.request, self.folder_id, data, article, values.get("version")))
        tags = values.get("tags")
        return data, problems, tags if isinstance(tags, str) else None


@view_config(context=KbFolder, name="add-article", permission="add")
class ArticleAdd(ArticleForm):
    def __call__(self):
        if self.request.method != "POST":
            return self.render(ArticleInput(title="", body=""), {}, None)
        data, problems, tags_text = self.submitted(None)
        if problems:
            return self.render(data, problems, None, tags_text)
        article = create_article(self.db, self.request.identity.user, self.context, data,
                                 tree=self.request.kb_tree, readable=article_filter(self.request, "view"))
        self.request.session.flash(self.request.translate(
            _("Draft “${title}” saved. Submit it for review when it is ready.",
              mapping={"title": article.title})))
        return HTTPSeeOther(article_url(self.request, article))


@view_config(context=Article, name="edit", permission="edit")
class ArticleEdit(ArticleForm):
    def __call__(self):
        article: Article = self.context
        if self.request.method != "POST":
            return self.render(editing_input(self.db, article, related_ids(self.db, article)), {},
                               article)
        data, problems, tags_text = self.submitted(article)
        if problems:
            return self.render(data, problems, article, tags_text)
        done = update_article(self.request, article, data)
        if done == PROPOSED_CHANGE:
            names = reviewers(self.request, article.folder, self.request.identity.user.id)
            message = (_("Your change is saved as version ${n} and waits for review by ${names}. "
                         "Readers see version ${current} until it is published.",
                         mapping={"n": article.pending_version, "names": names.text(),
                                  "current": article.version}) if not names.nobody else
                       _("Your change is saved as version ${n} and waits for review, but nobody "
                         "may publish in this folder yet: ask an administrator to share the "
                         "Reviewer role on it.", mapping={"n": article.pending_version}))
        elif done == SAVED_UNREVIEWED:
            message = _("Saved as version ${n} and published at once; its history says "
                        "“published without review”.", mapping={"n": article.version})
        elif done == SAME:
            message = _("Saved. The text did not change, so no new version was made.")
        else:
            message = _("Saved as version ${n}.", mapping={"n": article.version})
        self.request.session.flash(self.request.translate(message))
        return HTTPSeeOther(article_url(self.request, article))


@view_config(context=KbFolder, name="preview", request_method="POST", permission="add",
             renderer="kb/_preview.jinja2")
@view_config(context=Article, name="preview", request_method="POST", permission="view",
             renderer="kb/_preview.jinja2")
def preview(request):
    """The body as it will look (htmx), sanitized exactly as when saved."""
    body = request.POST.get("body", "")
    if len(body) > MAX_BODY:
        return {"html": None, "too_long": True}
    return {"html": Markup(render(body)), "too_long": False}


@view_config(context=KbFolder, name="find-related", renderer="kb/_related_found.jinja2", permission="add")
@view_config(context=Article, name="find-related", renderer="kb/_related_found.jinja2", permission="view")
def find_related(request):
    """Articles to link as "see also" (htmx picker): published ones the user may read."""
    q = request.GET.get("q", "").strip()[:200]
    exclude = request.context.id if isinstance(request.context, Article) else None
    found = []
    if q:
        where = sa.and_(Article.state == "published", article_filter(request, "view"))
        if exclude:
            where = sa.and_(where, Article.id != exclude)
        hits, _total = search(request, q, where=where, limit=PICKER_LIMIT)
        found = [h.article for h in hits]
    return {"found": found, "q": q, **kb_helpers(request)}


# --- feedback and must-read ---------------------------------------------------------------------

@view_config(context=Article, name="feedback", request_method="POST", permission="view")
def feedback(request):
    article: Article = request.context
    values, problems = read_fields(FeedbackSchema(), request.POST)
    if problems:
        request.session.flash(request.translate(problems["helpful"]), "error")
    else:
        give_feedback(request.dbsession, request.identity.user, article, values["helpful"] == "yes",
                      values["comment"])
        request.session.flash(request.translate(_("Thank you! Your answer helps to improve the article.")))
    return HTTPSeeOther(article_url(request, article) + "#feedback")


@view_config(context=Article, name="confirm", request_method="POST", permission="view")
def confirm(request):
    article: Article = request.context
    if not article.must_read or article.state != "published":
        request.session.flash(request.translate(_("This article is not a must-read.")), "error")
    else:
        confirm_read(request.dbsession, request.identity.user, article)
        request.session.flash(request.translate(_("Thank you: you have confirmed reading “${title}”.",
                                                  mapping={"title": article.title})))
    return HTTPSeeOther(article_url(request, article))


@view_config(context=Article, name="readers", renderer="kb/readers.jinja2", permission="view")
def readers(request):
    """Who must read it and who has confirmed: everyone concerned for its author, editors and
    reviewers; the people of their departments for department heads; everyone for directors."""
    article: Article = request.context
    scope = readers_scope(request, article)
    if scope is None:
        raise HTTPForbidden()
    query, _problems = read_fields(ReadersQuerySchema(), request.GET)
    show, q = query["show"], query["q"]
    report = readers_report(request, article, show=show, page=query["page"] or 1, q=q, scope=scope)
    base = article_url(request, article, "readers")

    def url(**changes):
        merged = {"show": show, "q": q, **changes}
        query = urlencode([(k, v) for k, v in merged.items() if v])
        return f"{base}?{query}" if query else base

    return {
        "title": _("Who has read “${title}”", mapping={"title": article.title}),
        "article": article,
        "report": report,
        "show": show,
        "q": q,
        "url": url,
        "page_url": lambda p: url(page=p if p > 1 else ""),
        "department": (request.dbsession.get(Department, article.must_read_department_id)
                       if article.must_read_department_id else None),
        "own_departments": scope != ALL,
        **kb_helpers(request),
    }


@view_config(context=Article, name="remind", request_method="POST", permission="view")
def remind(request):
    """Notify again everyone concerned who has not confirmed yet (within what the user may see)."""
    article: Article = request.context
    scope = readers_scope(request, article)
    if scope is None or not article.must_read or article.state != "published":
        raise HTTPForbidden()
    n = notify_must_read(request, article, None if scope == ALL else scope)
    request.session.flash(request.translate(_("Reminder sent to ${n} people.", mapping={"n": n})))
    return HTTPSeeOther(article_url(request, article, "readers"))
