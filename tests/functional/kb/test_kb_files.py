"""Files and images: checked by content, stored once by their hash, served only to readers."""
from __future__ import annotations

import hashlib
import struct
import zlib

import pytest
import sqlalchemy as sa

from models.kb import ArticleAttachment
from portal.kb.files import path_for


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def files_dir(app, tmp_path):
    settings = app.registry.settings
    before = settings.get("portal.files_dir")
    settings["portal.files_dir"] = str(tmp_path / "files")
    yield tmp_path / "files"
    settings["portal.files_dir"] = before


@pytest.fixture
def article(kb, factory):
    folder = kb.folder("IT", slug="it")
    author = factory.user("author")
    return kb.article(folder, "VPN", slug="vpn", state="draft", author=author)


def upload(testapp, name, content, status=303):
    return testapp.post("/kb/it/vpn/upload", {"csrf_token": testapp.csrf_token()},
                        upload_files=[("file", name, content)], status=status)


def test_an_image_is_stored_by_its_hash_and_shown_to_readers(testapp, article, files_dir, dbsession, app):
    testapp.login("author")
    data = png_bytes()
    upload(testapp, "screen.png", data)
    attachment = dbsession.scalar(sa.select(ArticleAttachment))
    digest = hashlib.sha256(data).hexdigest()
    assert (attachment.filename, attachment.content_type, attachment.is_image, attachment.sha256) == (
        "screen.png", "image/png", True, digest)
    assert path_for(app.registry.settings, digest).read_bytes() == data
    assert (files_dir / digest[:2] / digest[2:4] / digest).exists()
    page = testapp.get("/kb/it/vpn/attachments")
    assert f"![screen.png](/kb/@@file/{attachment.id}/screen.png)" in page.text
    served = testapp.get(f"/kb/@@file/{attachment.id}/screen.png")
    assert served.body == data and served.content_type == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # The same file again is stored once.
    upload(testapp, "copy.png", data)
    assert len(list(files_dir.rglob("*"))) == 3  # two directories and one file


def test_a_program_renamed_as_an_image_is_refused(testapp, article, files_dir, dbsession):
    testapp.login("author")
    page = upload(testapp, "photo.png", b"MZ\x90\x00\x03" + b"\x00" * 200, status=400)
    assert "“photo.png” is a program (executable)" in page.html.find(id="upload-error").text
    page = upload(testapp, "run.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, status=400)
    assert "program" in page.html.find(id="upload-error").text
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    page = upload(testapp, "pic.svg", svg, status=400)
    assert "SVG or HTML" in page.html.find(id="upload-error").text
    page = upload(testapp, "notes.png", "просто текст".encode(), status=400)
    assert "its name does not match its content" in page.html.find(id="upload-error").text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ArticleAttachment)) == 0
    assert not any(p.is_file() for p in files_dir.rglob("*"))


def test_too_big_and_empty_files_are_refused(testapp, article, files_dir, app):
    testapp.login("author")
    app.registry.settings["portal.kb_max_file_mb"] = "0.001"
    try:
        page = upload(testapp, "big.txt", b"x" * 5000, status=400)
        assert "larger than" in page.html.find(id="upload-error").text
    finally:
        app.registry.settings.pop("portal.kb_max_file_mb")
    page = upload(testapp, "empty.txt", b"", status=400)
    assert "is empty" in page.html.find(id="upload-error").text or "Choose a file" in page.text


def test_documents_are_accepted_by_their_content(testapp, article, files_dir, dbsession):
    testapp.login("author")
    upload(testapp, "manual.pdf", b"%PDF-1.7\n" + b"0" * 100)
    upload(testapp, "list.csv", "имя;телефон\nАнна;123\n".encode())
    kinds = dict(dbsession.execute(
        sa.select(ArticleAttachment.filename, ArticleAttachment.content_type)).all())
    assert kinds == {"manual.pdf": "application/pdf", "list.csv": "text/plain"}


def test_files_are_served_only_to_those_who_may_read_the_article(testapp, article, files_dir, dbsession,
                                                                  factory):
    testapp.login("author")
    upload(testapp, "screen.png", png_bytes())
    attachment = dbsession.scalar(sa.select(ArticleAttachment))
    factory.user("stranger")
    testapp.login("stranger")  # the article is a draft: only its author and editors read it
    testapp.get(f"/kb/@@file/{attachment.id}/screen.png", status=403)
    testapp.get("/kb/it/vpn/attachments", status=403)
    testapp.post("/kb/it/vpn/upload", {"csrf_token": testapp.csrf_token()},
                 upload_files=[("file", "x.png", png_bytes())], status=403)
    article.state = "published"
    dbsession.flush()
    testapp.get(f"/kb/@@file/{attachment.id}/screen.png", status=200)
    testapp.get("/kb/@@file/999999/x.png", status=404)


def test_removing_a_file_from_the_article(testapp, article, files_dir, dbsession):
    testapp.login("author")
    upload(testapp, "screen.png", png_bytes())
    attachment = dbsession.scalar(sa.select(ArticleAttachment))
    testapp.post_csrf("/kb/it/vpn/detach", {"id": str(attachment.id)}, status=303)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ArticleAttachment)) == 0
