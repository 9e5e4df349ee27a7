"""Attachments and images of articles: checked by their content, stored content-addressed.

A file is stored once under ``portal.files_dir`` (default ``var/files``) at
``ab/cd/<sha256>``, whatever its name and however many articles use it. Its type is decided by
its first bytes, never by its name: a program renamed ``photo.png`` is refused with a message
that says so. SVG and HTML are refused too (they can carry scripts).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from models.kb import Article, ArticleAttachment
from portal.i18n import _

DEFAULT_MAX_MB = 10
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# content type → file name extensions that may carry it
EXTENSIONS = {
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
    "application/zip": {"zip"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
    "application/vnd.oasis.opendocument.text": {"odt"},
    "application/vnd.oasis.opendocument.spreadsheet": {"ods"},
    "application/msword": {"doc", "xls", "ppt"},
    "text/plain": {"txt", "csv", "log", "md"},
}
ZIP_KINDS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
}
ALLOWED_LIST = "PNG, JPEG, GIF, WebP, PDF, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS, ZIP, TXT, CSV"


class UploadRefused(Exception):
    """A file that is not stored; str() is the message for the person who sent it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Sniffed:
    content_type: str | None
    what: object  # a description for messages ("a program (executable)")


def sniff(head: bytes, extension: str) -> Sniffed:
    """The type of a file from its first bytes (and, for ZIP-based documents, its extension)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", _("a PNG image"))
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", _("a JPEG image"))
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image/gif", _("a GIF image"))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", _("a WebP image"))
    if head.startswith(b"%PDF-"):
        return Sniffed("application/pdf", _("a PDF document"))
    if head[:2] == b"MZ" or head.startswith(b"\x7fELF") or head[:4] in (
            b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe"):
        return Sniffed(None, _("a program (executable)"))
    if head.startswith(b"#!"):
        return Sniffed(None, _("a script"))
    if head.startswith(b"PK\x03\x04"):
        return Sniffed(ZIP_KINDS.get(extension, "application/zip"), _("a ZIP archive"))
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed("application/msword", _("a Microsoft Office document"))
    sample = head.lstrip()[:256].lower()
    if sample.startswith((b"<svg", b"<?xml", b"<!doctype", b"<html", b"<script")) or b"<svg" in sample:
        return Sniffed(None, _("an SVG or HTML page (they can carry scripts)"))
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte letter cut at the end of the sample is still text.
            if error.start < len(head) - 4:
                return Sniffed(None, _("a file of an unknown kind"))
        return Sniffed("text/plain", _("a text file"))
    return Sniffed(None, _("a file of an unknown kind"))


def safe_filename(name: str) -> str:
    """The last part of an uploaded file's name, without control or path characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot else name[:120]
    return name or "file"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].casefold() if "." in name else ""


def files_dir(settings) -> Path:
    return Path(settings.get("portal.files_dir") or "var/files")


def max_bytes(settings) -> int:
    return int(float(settings.get("portal.kb_max_file_mb") or DEFAULT_MAX_MB) * 1024 * 1024)


def path_for(settings, sha256: str) -> Path:
    return files_dir(settings) / sha256[:2] / sha256[2:4] / sha256


def store_upload(request, article: Article, filename: str, stream) -> ArticleAttachment:
    """Check and store an uploaded file for `article`; raises UploadRefused with the reason."""
    settings = request.registry.settings
    limit = max_bytes(settings)
    name = safe_filename(filename)
    extension = extension_of(name)
    base = files_dir(settings)
    base.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.NamedTemporaryFile(dir=base, delete=False, prefix=".upload-") as tmp:
        try:
            while True:
                chunk = stream.read(1024 * 256)
                if not chunk:
                    break
                if len(head) < 2048:
                    head += chunk[:2048 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(_("“${name}” is larger than ${max} MB. Make it smaller or "
                                          "share a link to it instead.",
                                          mapping={"name": name, "max": limit // (1024 * 1024)}))
                digest.update(chunk)
                tmp.write(chunk)
            if size == 0:
                raise UploadRefused(_("“${name}” is empty.", mapping={"name": name}))
            sniffed = sniff(head, extension)
            if sniffed.content_type is None:
                raise UploadRefused(_("“${name}” is ${what}, and such files cannot be attached. "
                                      "Allowed: ${allowed}.",
                                      mapping={"name": name, "what": sniffed.what,
                                               "allowed": ALLOWED_LIST}))
            if extension not in EXTENSIONS[sniffed.content_type]:
                raise UploadRefused(_("“${name}” is in fact ${what}: its name does not match its "
                                      "content. Rename it or attach the right file.",
                                      mapping={"name": name, "what": sniffed.what}))
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    sha = digest.hexdigest()
    target = path_for(settings, sha)
    if target.exists():
        os.unlink(tmp.name)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp.name, target)
    attachment = ArticleAttachment(
        article_id=article.id, filename=name, content_type=sniffed.content_type, size=size,
        sha256=sha, is_image=sniffed.content_type in IMAGE_TYPES,
        uploaded_by_id=request.identity.user.id if request.identity else None)
    request.dbsession.add(attachment)
    request.dbsession.flush()
    return attachment


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"
