"""The knowledge base in the audit log, in words (portal/audit/log.py's extension points).

Registers folders, articles, their files and their saved versions, the names of folders and
articles, and what Sharing on a folder is called ("local role Editor on folder “IT” to
department Support"), so that the admin audit log tells "Changed article “VPN”: status Draft →
Published" and a folder's Sharing page shows who changed it and its sharing
(`history_for(folder)`).

An article's saved versions are recorded (undoing an article's deletion brings them back) but
never told: the article's own change says the same.
"""
from __future__ import annotations

from models.kb import FOLDER_CONTAINER, Article, ArticleAttachment, ArticleVersion, KbFolder
from portal.audit.log import (
    DELETE,
    INSERT,
    UPDATE,
    AuditedTable,
    name_of,
    register_container_kind,
    register_name_kind,
    register_related,
    register_table,
)
from portal.core.i18n import _
from portal.kb.markdown import excerpt
from workflows.article import ARTICLE

# Bookkeeping columns: when the article was last touched or asked to be read, the file's hash,
# the change waiting for review (the article's history tells it: portal/kb/review.py).
HIDDEN = ("updated_at", "must_read_at", "version", "sha256", "pending_version", "review")

FIELDS = {
    "kb_folders": {
        "title": _("title"), "slug": _("address"), "description": _("description"),
        "parent_id": _("parent folder"), "block_local_roles": _("roles of parent folders blocked"),
        "restricted": _("seen only by those it is shared with"), "sort_order": _("order in the list"),
        "publish_needs_other": _("publishing needs a second person"),
        "edits_reviewed": _("changes of published articles go through review"),
    },
    "kb_articles": {
        "title": _("title"), "slug": _("address"), "summary": _("summary"), "body": _("text"),
        "folder_id": _("folder"), "state": _("status"), "author_id": _("author"),
        "published_at": _("published"), "must_read": _("must-read"),
        "must_read_department_id": _("must be read by"),
    },
    "kb_article_attachments": {
        "filename": _("file name"), "content_type": _("kind of file"), "size": _("size, bytes"),
        "is_image": _("image"), "uploaded_by_id": _("attached by"), "article_id": _("article"),
    },
    "kb_article_versions": {},
}


def _folder(names, folder_id):
    return _("folder “${title}”", mapping={"title": name_of(names, "kb_folder", folder_id)})


def _want(names, row) -> None:
    for column, kind in (("folder_id", "kb_folder"), ("parent_id", "kb_folder"),
                         ("article_id", "article")):
        if hasattr(row, column):
            names.want(kind, getattr(row, column))
    for column in ("author_id", "uploaded_by_id"):
        if hasattr(row, column):
            names.want("user", getattr(row, column))
    if hasattr(row, "must_read_department_id"):
        names.want("department", row.must_read_department_id)


def _field_value(column, value, names):
    if column in ("folder_id", "parent_id"):
        return (name_of(names, "kb_folder", value) if value else None), "ref"
    if column == "article_id":
        return name_of(names, "article", value), "ref"
    if column in ("author_id", "uploaded_by_id"):
        return names.user(value), "ref"
    if column == "must_read_department_id":
        return (names.department(value) if value else _("everyone")), "ref"
    if column == "state":
        state = ARTICLE.states.get(value)
        return (state.title if state else value), "ref"
    if column == "body":
        # The whole text would drown the log: its beginning says which text it was.
        return (excerpt(value or "", 80) or None), "text"
    return None


def _sentence(op, created, deleted, changed, mapping):
    return _({INSERT: created, DELETE: deleted}.get(op, changed), mapping=mapping)


def _describe_folder(version, op, fields, names):
    m = {"title": version.title}
    if op == INSERT:
        fields = [f for f in fields if f.name in ("parent_id", "restricted")] if fields else []
    return (_sentence(op, _("Created folder “${title}” in the knowledge base"),
                      _("Deleted folder “${title}” of the knowledge base"),
                      _("Changed folder “${title}” of the knowledge base"), m), None, fields)


def _describe_article(version, op, fields, names):
    m = {"title": version.title, "folder": _folder(names, version.folder_id)}
    if op != UPDATE:
        fields = []
    return (_sentence(op, _("Wrote article “${title}” in ${folder}"),
                      _("Deleted article “${title}” from ${folder}"),
                      _("Changed article “${title}” in ${folder}"), m), None, fields)


def _describe_attachment(version, op, fields, names):
    m = {"name": version.filename, "article": name_of(names, "article", version.article_id)}
    if op != UPDATE:
        fields = []
    return (_sentence(op, _("Attached “${name}” to article “${article}”"),
                      _("Removed “${name}” from article “${article}”"),
                      _("Changed “${name}” of article “${article}”"), m), None, fields)


def _untold(version, op, fields, names):
    return None, None, []


def includeme(config) -> None:
    """Tell the audit log how to describe this area's tables."""
    register_name_kind(config, "kb_folder", KbFolder, lambda row: row.title)
    register_name_kind(config, "article", Article, lambda row: row.title)
    register_container_kind(config, FOLDER_CONTAINER, "kb_folder",
                            lambda name: _("folder “${title}”", mapping={"title": name}))
    tables = [
        ("kb_folders", KbFolder, _("Knowledge-base folders"), _describe_folder,
         lambda names, row: _("folder “${title}”", mapping={"title": row.title})),
        ("kb_articles", Article, _("Knowledge-base articles"), _describe_article,
         lambda names, row: _("article “${title}”", mapping={"title": row.title})),
        ("kb_article_attachments", ArticleAttachment, _("Files of articles"), _describe_attachment,
         lambda names, row: _("file “${name}” of article “${article}”", mapping={
             "name": row.filename, "article": name_of(names, "article", row.article_id)})),
        ("kb_article_versions", ArticleVersion, _("Versions of articles"), _untold,
         lambda names, row: _("version ${n} of article “${article}”", mapping={
             "n": row.number, "article": name_of(names, "article", row.article_id)})),
    ]
    for table, model, label, describe, row_label in tables:
        register_table(config, table, AuditedTable(
            model=model, label=label, fields=FIELDS[table], describe=describe,
            row_label=row_label, field_value=_field_value, want_names=_want), hidden=HIDDEN)
    register_related(config, related_history)


def related_history(obj):
    """What `history_for` shows for a folder (itself and its sharing) or an article (itself
    and its files); None for other objects."""
    if isinstance(obj, KbFolder):
        oid = obj.id
        return {
            "kb_folders": lambda v: v.id == oid,
            "local_role_grants": lambda v: (v.container_type == FOLDER_CONTAINER)
            & (v.container_id == oid),
        }
    if isinstance(obj, Article):
        oid = obj.id
        return {
            "kb_articles": lambda v: v.id == oid,
            "kb_article_attachments": lambda v: v.article_id == oid,
        }
    return None

