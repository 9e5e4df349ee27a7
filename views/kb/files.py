"""Files and images of an article: the list with upload, removal, and serving a file to those
who may read the article (/kb/@@file/<id>/<name>)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.kb import Article, ArticleAttachment
from portal.audit.log import translate_deep
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.files.storage import file_response, stored_path
from portal.kb.files import ALLOWED_LIST, UploadRefused, human_size, max_bytes, store_upload
from portal.kb.resources import Kb, article_url, locate_article
from views.kb.articles import file_url
from views.kb.home import kb_helpers

INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}


def attachments_of(dbsession, article: Article) -> list[ArticleAttachment]:
    return list(dbsession.scalars(sa.select(ArticleAttachment).where(
        ArticleAttachment.article_id == article.id).order_by(ArticleAttachment.created_at.desc(),
                                                             ArticleAttachment.id.desc())))


def _attachment(request, attachment_id: int | None) -> ArticleAttachment | None:
    return request.dbsession.get(ArticleAttachment, attachment_id) if attachment_id is not None else None


def markdown_of(request, attachment: ArticleAttachment) -> str:
    """What to paste into the text: an image, or a link to the file."""
    path = file_url(request, attachment).replace(request.application_url, "")
    return f"![{attachment.filename}]({path})" if attachment.is_image else f"[{attachment.filename}]({path})"


def attachments_page(request, error=None, status: int = 200):
    article: Article = request.context
    error = translate_deep(request, error) if error is not None else None
    values = {
        "title": _("Files and images of “${title}”", mapping={"title": article.title}),
        "article": article,
        "attachments": attachments_of(request.dbsession, article),
        "error": error,
        "max_mb": max_bytes(request.registry.settings) // (1024 * 1024),
        "allowed": ALLOWED_LIST,
        "human_size": human_size,
        "file_url": lambda a: file_url(request, a),
        "markdown_of": lambda a: markdown_of(request, a),
        **kb_helpers(request),
    }
    response = render_to_response("kb/attachments.jinja2", values, request=request)
    response.status_int = status
    return response


@view_config(context=Article, name="attachments", permission="edit")
def attachments(request):
    return attachments_page(request)


@view_config(context=Article, name="upload", request_method="POST", permission="edit")
def upload(request):
    article: Article = request.context
    field = request.POST.get("file")
    if field is None or not hasattr(field, "file") or not getattr(field, "filename", ""):
        return attachments_page(request, _("Choose a file to attach."), 400)
    try:
        attachment = store_upload(request, article, field.filename, field.file)
    except UploadRefused as refused:
        return attachments_page(request, refused.message, 400)
    request.session.flash(request.translate(_("“${name}” attached.", mapping={"name": attachment.filename})))
    return HTTPSeeOther(article_url(request, article, "attachments"))


@view_config(context=Article, name="detach", request_method="POST", permission="edit")
def detach(request):
    article: Article = request.context
    attachment = _attachment(request, parse_int(request.POST.get("id", "")))
    if attachment is None or attachment.article_id != article.id:
        return attachments_page(request, _("That file is not attached to this article."), 400)
    name = attachment.filename
    # The stored file stays: other articles (or versions of this one) may show it.
    request.dbsession.delete(attachment)
    request.dbsession.flush()
    request.session.flash(request.translate(_("“${name}” removed from the article.", mapping={"name": name})))
    return HTTPSeeOther(article_url(request, article, "attachments"))


@view_config(context=Kb, name="file", permission="view")
def serve_file(request):
    """/kb/@@file/<id>/<name>: the file, if the user may read its article."""
    attachment = _attachment(request, parse_int(request.subpath[0]) if request.subpath else None)
    if attachment is None:
        raise HTTPNotFound()
    article = locate_article(request, request.dbsession.get(Article, attachment.article_id))
    if not request.has_permission("view", article):
        raise HTTPForbidden()
    path = stored_path(request.registry.settings, attachment.sha256)
    if path is None:
        raise HTTPNotFound()
    return file_response(request, path, attachment.filename, attachment.content_type,
                         inline=attachment.content_type in INLINE)
