"""The shared file service (portal/files/storage.py): stored once by content, refused with a reason,
served so that nothing uploaded runs in the portal."""
from __future__ import annotations

import io

import pytest

from portal.files import storage as files

PDF = b"%PDF-1.4 a contract"


@pytest.fixture
def settings(tmp_path):
    return {"portal.files_dir": str(tmp_path / "files")}


def test_a_file_is_stored_once_by_its_content(settings):
    one = files.store(settings, io.BytesIO(PDF), "Договор.pdf", limit=1000)
    two = files.store(settings, io.BytesIO(PDF), "копия/../Договор (2).pdf", limit=1000)
    assert one.sha256 == two.sha256 and one.size == len(PDF)
    assert (one.content_type, one.name, two.name) == ("application/pdf", "Договор.pdf",
                                                      "Договор (2).pdf")
    path = files.path_for(settings, one.sha256)
    assert path.read_bytes() == PDF
    assert path.relative_to(files.files_dir(settings)).parts == (
        one.sha256[:2], one.sha256[2:4], one.sha256)
    assert sorted(p.name for p in files.files_dir(settings).rglob("*") if p.is_file()) == [
        one.sha256]


@pytest.mark.parametrize("name, data, refused, message", [
    ("big.pdf", PDF + b"x" * 2000, files.TooLarge, "larger than 0.00095 MB"),
    ("empty.txt", b"", files.EmptyFile, "is empty"),
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, files.UploadRefused, "a program"),
    ("photo.png", b"MZ\x90\x00" + b"\x00" * 60, files.UploadRefused, "a program"),
    ("run.sh", b"#!/bin/sh\nrm -rf /\n", files.UploadRefused, "a script"),
    ("page.html", b"<html><script>alert(1)</script>", files.UploadRefused, "SVG or HTML"),
    ("report.docx", PDF, files.UploadRefused, "does not match"),
])
def test_bad_files_are_refused_and_nothing_is_left(settings, name, data, refused, message):
    with pytest.raises(refused) as caught:
        files.store(settings, io.BytesIO(data), name, limit=1000)
    assert message in str(caught.value.message.interpolate())
    assert [p for p in files.files_dir(settings).rglob("*") if p.is_file()] == []


def test_without_the_kind_check_any_content_is_kept(settings):
    stored = files.store(settings, io.BytesIO(b"\x00\x01binary"), "data.bin", limit=100,
                         check_type=False)
    assert stored.content_type is None and files.stored_path(settings, stored.sha256)


def test_files_stored_by_earlier_versions_are_found(settings):
    sha = "ab" * 32
    old = files.files_dir(settings) / sha[:2] / sha[2:]
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old task file")
    assert files.stored_path(settings, sha) == old
    assert files.stored_path(settings, "../../etc/passwd") is None
    assert files.stored_path(settings, "cd" * 32) is None


def test_names_lose_paths_and_control_characters():
    assert files.safe_filename("C:\\Users\\x\\Счёт\x07 №5.pdf") == "Счёт №5.pdf"
    assert files.safe_filename('..') == "file"
    long = files.safe_filename("а" * 300 + ".xlsx")
    assert len(long) <= 120 and long.endswith(".xlsx")


def test_the_download_response_is_never_run_by_the_browser(settings):
    from pyramid.testing import DummyRequest

    stored = files.store(settings, io.BytesIO(b"plain text"), "notes.txt", limit=100)
    path = files.stored_path(settings, stored.sha256)
    response = files.file_response(DummyRequest(), path, 'Счёт "5".txt', stored.content_type)
    assert response.headers["Content-Disposition"].startswith('inline; filename="')
    assert "filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%225%22.txt" in \
        response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    attached = files.file_response(DummyRequest(), path, "x.zip", "application/zip")
    assert attached.headers["Content-Disposition"].startswith("attachment;")
