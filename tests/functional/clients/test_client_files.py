"""Files on the client card: who may attach, download and delete them; what is refused; the
timeline, the change history, the contact page and merging keep them in view."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.clients import ClientFile, Organization

PDF = b"%PDF-1.4 contract body"


@pytest.fixture
def files_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "portal.files_dir", str(tmp_path))
    return tmp_path


@pytest.fixture
def sales(factory):
    return factory.department("Продажи")


@pytest.fixture
def owner(factory, sales):
    return factory.user("popova", roles=["sales"], departments=[sales], full_name="Попова Анна")


@pytest.fixture
def org(clients, owner):
    return clients.organization("ООО «Вектор»", manager=owner)


def upload(testapp, org, name: str, data: bytes, status=303, **fields):
    return testapp.post(f"/clients/{org.id}/@@attach",
                        {"csrf_token": testapp.csrf_token(), **fields},
                        upload_files=[("file", name, data)], status=status)


def files_of(dbsession, org) -> list[ClientFile]:
    return list(dbsession.scalars(sa.select(ClientFile).where(
        ClientFile.organization_id == org.id).order_by(ClientFile.id)))


def stored(files_dir) -> list[str]:
    return [p.name for p in files_dir.rglob("*") if p.is_file()]


def test_the_responsible_manager_attaches_a_file_seen_on_the_card(
        testapp, dbsession, files_dir, owner, org):
    testapp.login(owner.login)
    page = testapp.get(f"/clients/{org.id}")
    assert page.html.select_one("#attach-file") is not None
    done = upload(testapp, org, "Договор №5.pdf", PDF)
    assert done.headers["Location"].endswith(f"/clients/{org.id}/#files")
    (item,) = files_of(dbsession, org)
    assert (item.filename, item.size, item.content_type, item.uploaded_by_id) == (
        "Договор №5.pdf", len(PDF), "application/pdf", owner.id)
    assert stored(files_dir) == [item.sha256]
    card = testapp.get(f"/clients/{org.id}")
    assert "“Договор №5.pdf” is attached." in card.text
    assert card.html.select_one("#file-list .file-link").text == "Договор №5.pdf"
    timeline = card.html.select_one("#timeline-list").text
    assert "File: Договор №5.pdf" in timeline
    history = testapp.get(card.html.select_one("#history-body [hx-get]")["hx-get"]).text
    assert "Attached file “Договор №5.pdf” to organization ООО «Вектор»" in history


def test_colleagues_who_see_the_client_download_others_do_not(
        testapp, dbsession, factory, files_dir, login_as, owner, sales, org):
    testapp.login(owner.login)
    upload(testapp, org, "Прайс.pdf", PDF)
    (item,) = files_of(dbsession, org)
    url = testapp.get(f"/clients/{org.id}").html.select_one("#file-list .file-link")["href"]
    assert url.endswith(f"/clients/{org.id}/@@file/{item.id}/%D0%9F%D1%80%D0%B0%D0%B9%D1%81.pdf")
    # A colleague of the department sees the client: the file comes, safely.
    colleague = factory.user(roles=["sales"], departments=[sales])
    login_as(colleague)
    response = testapp.get(url)
    assert response.body == PDF and response.content_type == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "filename*=UTF-8''%D0%9F%D1%80%D0%B0%D0%B9%D1%81.pdf" in \
        response.headers["Content-Disposition"]
    # ...but may not change the card: no form, no attaching, no deleting.
    assert testapp.get(f"/clients/{org.id}").html.select_one("#attach-file") is None
    upload(testapp, org, "Моё.pdf", PDF, status=403)
    testapp.post_csrf(f"/clients/{org.id}/@@detach", {"id": str(item.id)}, status=403)
    # Another department's sales manager does not see the client, nor its files.
    login_as(factory.user(roles=["sales"], departments=[factory.department("Другой отдел")]))
    testapp.get(url, status=403)
    # Nor does anyone logged out.
    testapp.reset()
    assert testapp.get(url, status=303).headers["Location"].startswith("http://example.com/login")
    assert [f.filename for f in files_of(dbsession, org)] == ["Прайс.pdf"]


def test_a_file_is_only_reached_through_its_own_organization(
        testapp, dbsession, clients, files_dir, owner, org):
    other = clients.organization("ООО «Другая»", manager=owner)
    testapp.login(owner.login)
    upload(testapp, other, "Чужой.pdf", PDF)
    (item,) = files_of(dbsession, other)
    testapp.get(f"/clients/{org.id}/@@file/{item.id}/x.pdf", status=404)
    testapp.get(f"/clients/{org.id}/@@file/abc", status=404)
    testapp.post_csrf(f"/clients/{org.id}/@@detach", {"id": str(item.id)}, status=303)
    assert files_of(dbsession, other) != []


@pytest.mark.parametrize("name, data, message", [
    ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "is a program (executable)"),
    ("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "is a program (executable)"),
    ("script.txt", b"#!/bin/sh\necho hi\n", "is a script"),
    ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", "SVG or HTML"),
    ("Договор.docx", PDF, "its name does not match its content"),
    ("empty.pdf", b"", "is empty"),
])
def test_bad_files_are_refused_with_the_reason_and_nothing_is_kept(
        testapp, dbsession, files_dir, owner, org, name, data, message):
    testapp.login(owner.login)
    page = upload(testapp, org, name, data).follow()
    error = page.html.select_one(".alert-danger")
    assert error is not None and message in error.text, page.text
    assert files_of(dbsession, org) == [] and stored(files_dir) == []


def test_a_file_over_the_size_limit_is_refused(testapp, dbsession, app, monkeypatch, files_dir,
                                               owner, org):
    monkeypatch.setitem(app.registry.settings, "portal.max_upload_mb", "1")
    testapp.login(owner.login)
    page = upload(testapp, org, "scan.pdf", b"%PDF-" + b"x" * (1024 * 1024)).follow()
    assert "“scan.pdf” is larger than 1 MB." in page.html.select_one(".alert-danger").text
    assert files_of(dbsession, org) == [] and stored(files_dir) == []


def test_attaching_needs_a_file_and_the_csrf_token(testapp, dbsession, files_dir, owner, org):
    testapp.login(owner.login)
    page = testapp.post_csrf(f"/clients/{org.id}/@@attach", {}, status=303).follow()
    assert "Choose a file to attach." in page.html.select_one(".alert-danger").text
    testapp.post(f"/clients/{org.id}/@@attach", {}, upload_files=[("file", "a.pdf", PDF)],
                 status=400)
    assert files_of(dbsession, org) == []


def test_the_responsible_manager_deletes_a_file_and_the_history_says_so(
        testapp, dbsession, files_dir, owner, org):
    testapp.login(owner.login)
    upload(testapp, org, "Старый прайс.pdf", PDF)
    (item,) = files_of(dbsession, org)
    page = testapp.post_csrf(f"/clients/{org.id}/@@detach", {"id": str(item.id)},
                             status=303).follow()
    assert "“Старый прайс.pdf” is deleted from the card." in page.text
    assert files_of(dbsession, org) == []
    assert page.html.select_one("#file-list-empty") is not None
    assert "Deleted file “Старый прайс.pdf” of organization ООО «Вектор»" in \
        testapp.get(page.html.select_one("#history-body [hx-get]")["hx-get"]).text
    # The content stays in the store (an undo from the audit log brings the row back with it).
    assert stored(files_dir) == [item.sha256]
    testapp.get(f"/clients/{org.id}/@@file/{item.id}/x.pdf", status=404)


def test_a_file_about_a_contact_person_shows_on_their_page(testapp, dbsession, clients,
                                                           files_dir, owner, org):
    person = clients.contact("Сидоров Пётр", organization=org)
    stranger = clients.contact("Чужой Человек", organization=clients.organization("Другая"))
    testapp.login(owner.login)
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}")
    form = page.forms["attach-file"]
    assert form["contact"].value == str(person.id)
    form["file"] = ("Паспорт.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    back = form.submit(status=303)
    assert back.headers["Location"].endswith(f"/clients/{org.id}/contacts/{person.id}")
    (item,) = files_of(dbsession, org)
    assert (item.contact_id, item.content_type) == (person.id, "image/jpeg")
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}")
    assert page.html.select_one("#file-list .file-link").text == "Паспорт.jpg"
    assert "File: Паспорт.jpg" in page.html.select_one("#timeline-list").text
    card = testapp.get(f"/clients/{org.id}")
    assert "Сидоров Пётр" in card.html.select_one("#file-list").text
    # A person of another organization cannot be named.
    page = upload(testapp, org, "x.pdf", PDF, contact=str(stranger.id)).follow()
    assert "Choose one of the organization's contact persons." in page.html.select_one(
        ".alert-danger").text
    assert len(files_of(dbsession, org)) == 1


def test_merging_organizations_keeps_the_files(testapp, dbsession, login_as, clients, files_dir):
    head = login_as("dept_head")
    keep = clients.organization("Омега", manager=head)
    dup = clients.organization("Омега ООО", manager=head)
    upload(testapp, dup, "Договор дубля.pdf", PDF)
    testapp.post_csrf(f"/clients/{keep.id}/merge", {"other": str(dup.id)}, status=303)
    dbsession.expire_all()
    assert dbsession.get(Organization, dup.id) is None
    assert [f.filename for f in files_of(dbsession, keep)] == ["Договор дубля.pdf"]
    card = testapp.get(f"/clients/{keep.id}")
    assert card.html.select_one("#file-list .file-link").text == "Договор дубля.pdf"
    testapp.get(card.html.select_one("#file-list .file-link")["href"], status=200)
