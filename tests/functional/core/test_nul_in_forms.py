"""A NUL in a form (views/bad_requests.py): nobody types one and PostgreSQL refuses it in a text
column, so it is left out of every form's names and text values before any view reads them;
a file sent with a form keeps every byte. Found by sending a NUL in every field of every form:
the task checklist's "Add" answered 500 on PostgreSQL.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from bs4 import BeautifulSoup

from models.tasks import Task, TaskAttachment, TaskChecklistItem
from tests.functional.core.test_hostile_forms import (  # noqa: F401  (fixtures)
    LEAVE_ALONE,
    Poster,
    admin,
    forms_on,
    records,
)

PAGES_WALKED = 260


def test_a_nul_in_every_field_of_every_form_of_the_portal_is_never_a_500(testapp, records):
    """Every page reached by links from My day (up to PAGES_WALKED), every POST form on them
    once, each of its fields holding a NUL."""
    poster = Poster(testapp)
    todo, pages, actions, failed = ["/"], set(), set(), []
    while todo and len(pages) < PAGES_WALKED:
        url = todo.pop(0)
        if url in pages:
            continue
        pages.add(url)
        page = testapp.get(url, status="*")
        if page.status_int != 200 or "text/html" not in page.content_type:
            continue
        for link in BeautifulSoup(page.text, "html.parser").find_all("a", href=True):
            href = re.sub(r"^https?://[^/]+", "", link["href"]).split("#")[0]
            if (href.startswith("/") and not href.startswith("/static/")
                    and not any(word in href for word in ("logout", "export", "download"))):
                todo.append(href)
        for action, fields in forms_on(page):
            if action.split("?")[0] in actions or any(word in action for word in LEAVE_ALONE):
                continue
            actions.add(action.split("?")[0])
            response = poster.post(action, [(name, "a\x00b") for name, _v in fields
                                            if name != "csrf_token"])
            if response.status_int >= 500:
                failed.append(action)
    assert len(actions) >= 60, sorted(actions)
    assert failed == []


def test_a_checklist_item_typed_with_a_nul_is_stored_without_it(testapp, dbsession, records):
    task = records["task"]
    testapp.post_csrf(f"/tasks/{task.id}/checklist-add", {"text": "Собрать\x00 счета"},
                      status=303)
    items = dbsession.scalars(sa.select(TaskChecklistItem.text)
                              .where(TaskChecklistItem.task_id == task.id)).all()
    assert items == ["Собрать счета"]


def test_a_file_sent_with_a_form_keeps_its_nul_bytes(testapp, dbsession, records, app, tmp_path,
                                                    monkeypatch):
    monkeypatch.setitem(app.registry.settings, "portal.files_dir", str(tmp_path))
    task: Task = records["task"]
    content = b"%PDF-1.4\x00\x00binary\x00"
    testapp.post(f"/tasks/{task.id}/attach", {"csrf_token": testapp.csrf_token()},
                 upload_files=[("file", "scan.pdf", content)], status=303)
    attachment = dbsession.scalar(sa.select(TaskAttachment)
                                  .where(TaskAttachment.task_id == task.id))
    assert attachment.size == len(content)
    assert testapp.get(f"/tasks/{task.id}/file/{attachment.id}").body == content
