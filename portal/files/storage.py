"""Files people attach (to articles, tasks, client cards): checked, stored once by content, served
safely. Each area keeps its own table of what is attached where (name, size, type, who, when);
this module holds what they share.

- `store` copies an upload into ``portal.files_dir`` (default ``var/files``) at
  ``ab/cd/<sha256>``, once whatever its name and however many rows refer to it, refusing it
  (`UploadRefused`, a message for the person who sent it) when it is too large, empty, or — with
  `check_type` — not of an allowed kind. The kind is decided by the first bytes, never by the
  name: a program renamed ``photo.png`` is refused with a message that says so, and so are SVG
  and HTML (they can carry scripts).
- `stored_path` finds a stored file again (also where earlier versions put task files,
  ``ab/<rest of the sha256>``).
- `file_response` serves one: the original name in Content-Disposition, ``nosniff``, and a
  sandboxing Content-Security-Policy, so that nothing uploaded runs in the portal's origin.

A stored file is never deleted when a row stops referring to it: other rows may share its
content, and undoing a deletion from the audit log brings the row back with its file.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pyramid.response import FileResponse

from models.errors import UserError
from portal.core.i18n import _

DEFAULT_MAX_MB = 20
CHUNK = 256 * 1024
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Shown in the browser rather than downloaded (still sandboxed): images, PDF, plain text.
INLINE_TYPES = IMAGE_TYPES | {"application/pdf", "text/plain"}
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
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadRefused(UserError):
    """A file that is not stored; `message` says why to the person who sent it."""


class TooLarge(UploadRefused):
    """Over the size limit (`limit`, in bytes)."""

    def __init__(self, message, limit: int):
        super().__init__(message)
        self.limit = limit


class EmptyFile(UploadRefused):
    """Nothing in it."""


@dataclass
class Sniffed:
    content_type: str | None  # None: not a kind that may be attached
    what: object  # a description for messages ("a program (executable)")


@dataclass
class StoredFile:
    """An upload as stored: its content's hash, size, kind and a safe version of its name."""

    sha256: str
    size: int
    content_type: str | None
    name: str
    what: object

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def sniff(head: bytes, extension: str) -> Sniffed:
    """The kind of a file from its first bytes (and, for ZIP-based documents, its extension)."""
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


def safe_filename(name: str, max_length: int = 120) -> str:
    """The last part of an uploaded file's name, without control or path characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" .")
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:max_length - 10] + dot + ext[:9]) if dot else name[:max_length]
    return name or "file"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].casefold() if "." in name else ""


def files_dir(settings) -> Path:
    return Path(settings.get("portal.files_dir") or "var/files")


def max_bytes(settings, key: str = "portal.max_upload_mb", default_mb: float = DEFAULT_MAX_MB
              ) -> int:
    """The size limit in bytes from a setting in megabytes."""
    try:
        mb = float(settings.get(key) or default_mb)
    except ValueError:
        mb = default_mb
    return int(mb * 1024 * 1024)


def path_for(settings, sha256: str) -> Path:
    """Where the file with this content is stored."""
    return files_dir(settings) / sha256[:2] / sha256[2:4] / sha256


def stored_path(settings, sha256: str) -> Path | None:
    """The stored file with this content, if it is there (in either layout)."""
    if not SHA256.match(sha256 or ""):
        return None
    for path in (path_for(settings, sha256), files_dir(settings) / sha256[:2] / sha256[2:]):
        if path.is_file():
            return path
    return None


def store(settings, stream, filename: str, *, limit: int, check_type: bool = True) -> StoredFile:
    """Copy an upload into the store (once per content) and say what it is.

    Raises TooLarge, EmptyFile or — with `check_type` — UploadRefused for a kind that may not be
    attached or whose name does not match its content. Nothing is left behind when refused.
    """
    name = safe_filename(filename)
    extension = extension_of(name)
    base = files_dir(settings)
    base.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.NamedTemporaryFile(dir=base, delete=False, prefix=".upload-") as tmp:
        try:
            while chunk := stream.read(CHUNK):
                if len(head) < 2048:
                    head += chunk[:2048 - len(head)]
                size += len(chunk)
                if size > limit:
                    raise TooLarge(_("“${name}” is larger than ${max} MB. Make it smaller or "
                                     "share a link to it instead.",
                                     mapping={"name": name, "max": _megabytes(limit)}), limit)
                digest.update(chunk)
                tmp.write(chunk)
            if size == 0:
                raise EmptyFile(_("“${name}” is empty.", mapping={"name": name}))
            sniffed = sniff(head, extension)
            if check_type:
                _check_kind(name, extension, sniffed)
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
    return StoredFile(sha, size, sniffed.content_type, name, sniffed.what)


def _megabytes(limit: int) -> str:
    """20, 2.5, 0.5 (megabytes, as people set them)."""
    mb = limit / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 1 and mb == int(mb) else f"{mb:.2g}"


def _check_kind(name: str, extension: str, sniffed: Sniffed) -> None:
    if sniffed.content_type is None:
        raise UploadRefused(_("“${name}” is ${what}, and such files cannot be attached. "
                              "Allowed: ${allowed}.",
                              mapping={"name": name, "what": sniffed.what,
                                       "allowed": ALLOWED_LIST}))
    if extension not in EXTENSIONS[sniffed.content_type]:
        raise UploadRefused(_("“${name}” is in fact ${what}: its name does not match its "
                              "content. Rename it or attach the right file.",
                              mapping={"name": name, "what": sniffed.what}))


def file_response(request, path: Path, filename: str, content_type: str | None, *,
                  inline: bool | None = None) -> FileResponse:
    """A stored file for the browser: shown (images, PDF, text) or downloaded, never run.

    `inline` None decides by the kind (INLINE_TYPES). The caller checks permissions first.
    """
    content_type = content_type or "application/octet-stream"
    if inline is None:
        inline = content_type in INLINE_TYPES
    response = FileResponse(str(path), request=request, content_type=content_type)
    if content_type.startswith("text/"):
        response.charset = "utf-8"
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("\\", "")
    response.headers["Content-Disposition"] = (
        f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; "
        f"filename*=UTF-8''{quote(filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def size_text(size: int):
    """The size for people, translatable: 300 B, 20.0 KB, 1.5 MB."""
    if size < 1024:
        return _("${n} B", mapping={"n": size})
    if size < 1024 * 1024:
        return _("${n} KB", mapping={"n": f"{size / 1024:.1f}"})
    return _("${n} MB", mapping={"n": f"{size / (1024 * 1024):.1f}"})


def human_size(size: int) -> str:
    """1.5 MB, 20.0 KB, 300 B."""
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"
