"""Attachments and images of articles: checked by their content, stored content-addressed.

A file is stored once under ``portal.files_dir`` (default ``var/files``) at
``ab/cd/<sha256>``, whatever its name and however many articles use it. Its type is decided by
its first bytes, never by its name: a program renamed ``photo.png`` is refused with a message
that says so. SVG and HTML are refused too (they can carry scripts). The checking and storing
are portal/files/storage.py's, shared with the other areas that take files.
"""
from __future__ import annotations

from models.kb import Article, ArticleAttachment
from portal.files.storage import (  # noqa: F401  (the names this module has always offered)
    ALLOWED_LIST,
    EXTENSIONS,
    IMAGE_TYPES,
    ZIP_KINDS,
    Sniffed,
    UploadRefused,
    extension_of,
    files_dir,
    human_size,
    path_for,
    safe_filename,
    sniff,
    store,
)
from portal.files.storage import max_bytes as _max_bytes

DEFAULT_MAX_MB = 10


def max_bytes(settings) -> int:
    return _max_bytes(settings, "portal.kb_max_file_mb", DEFAULT_MAX_MB)


def store_upload(request, article: Article, filename: str, stream) -> ArticleAttachment:
    """Check and store an uploaded file for `article`; raises UploadRefused with the reason."""
    stored = store(request.registry.settings, stream, filename,
                   limit=max_bytes(request.registry.settings))
    attachment = ArticleAttachment(
        article_id=article.id, filename=stored.name, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256, is_image=stored.is_image,
        uploaded_by_id=request.identity.user.id if request.identity else None)
    request.dbsession.add(attachment)
    request.dbsession.flush()
    return attachment
