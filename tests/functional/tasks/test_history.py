"""A task's change history in words: on the admin audit log (with undo) and on the task's page
for those who may see the task; the checklist, comments, watchers and files included."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def last_transaction(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))


def history_text(page) -> str:
    """The history the page asks for when it is opened (htmx: `hx-get` of its body)."""
    part = page.test_app.get(page.html.select_one("#history-body [hx-get]")["hx-get"])
    return " ".join(part.html.text.split())


def test_an_edit_is_told_in_words_on_the_task_page_and_in_the_audit_log(
    testapp, factory, login_as, make_task, dbsession
):
    author = factory.user(full_name="Белова Елена")
    me = factory.user(full_name="Орлова Наталья")
    task = make_task(author, me, title="Акт сверки")
    commit_point(dbsession)
    login_as(author)
    form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
    form["title"] = "Акт сверки за квартал"
    form["priority"] = "3"
    form["due_date"] = "2031-05-20"
    form["due_time"] = ""
    form.submit("save", status=302)
    commit_point(dbsession)
    edit = last_transaction(dbsession)
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "finish"}, status=303)
    commit_point(dbsession)

    text = history_text(testapp.get(f"/tasks/{task.id}"))
    label = f"#{task.id} Акт сверки за квартал"
    assert f"Changed task {label}" in text
    assert "title: “Акт сверки” “Акт сверки за квартал”" in text
    assert "priority: Normal Urgent" in text
    assert "due: — May 20, 2031" in text
    assert f"Task {label} is now “Done”" in text
    assert "Белова Елена" in text
    # Bookkeeping of reminders and notices is not told.
    assert "notice" not in text and "remind_at" not in text

    login_as("admin")
    entry = testapp.get("/admin/audit").html.find(attrs={"data-transaction": str(edit)})
    entry_text = " ".join(entry.text.split())
    assert f"Changed task {label}" in entry_text and "Белова Елена" in entry_text


def test_checklist_comments_watchers_and_files_are_in_the_history(
    testapp, factory, login_as, make_task, dbsession, tmp_path, app, monkeypatch
):
    monkeypatch.setitem(app.registry.settings, "portal.files_dir", str(tmp_path))
    sales = factory.department("Продажи")
    me = factory.user(full_name="Орлова Наталья", departments=[sales])
    # A watcher must be able to see the task: the head of its department does.
    boss = factory.user(full_name="Начальник Отдела", departments=[sales], roles=["dept_head"])
    task = make_task(me, me, title="Договор")
    commit_point(dbsession)
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/checklist-add", {"text": "Собрать счета"}, status=303)
    commit_point(dbsession)
    item = task.checklist[0]
    testapp.post_csrf(f"/tasks/{task.id}/checklist-toggle", {"item": item.id}, status=303)
    commit_point(dbsession)
    testapp.post_csrf(f"/tasks/{task.id}/comment", {"body": "Счета у бухгалтерии."}, status=303)
    commit_point(dbsession)
    testapp.post_csrf(f"/tasks/{task.id}/watchers-add", {"user": boss.id}, status=303)
    commit_point(dbsession)
    testapp.post(f"/tasks/{task.id}/attach", {"csrf_token": testapp.csrf_token()},
                 upload_files=[("file", "Счёт №5.pdf", b"%PDF-1.4 test")], status=303)
    commit_point(dbsession)
    testapp.post_csrf(f"/tasks/{task.id}/checklist-delete", {"item": item.id}, status=303)
    commit_point(dbsession)
    deleted = last_transaction(dbsession)

    text = history_text(testapp.get(f"/tasks/{task.id}"))
    label = f"#{task.id} Договор"
    for sentence in (
        f"Added “Собрать счета” to the checklist of {label}",
        f"Ticked “Собрать счета” in the checklist of {label}",
        f"Орлова Наталья commented on {label} text: “Счета у бухгалтерии.”",
        f"Начальник Отдела watches {label}",
        f"Attached “Счёт №5.pdf” to {label}",
        f"Removed “Собрать счета” from the checklist of {label}",
    ):
        assert sentence in text, sentence
    # The activity feed's own lines (a file attached, a watcher added) are not told twice.
    assert '"event"' not in text

    login_as("admin")
    testapp.post_csrf(f"/admin/audit/{deleted}/revert", status=303)
    dbsession.expire(task, ["checklist"])
    assert [(i.text, i.done) for i in task.checklist] == [("Собрать счета", True)]


def test_only_those_who_may_view_the_task_see_its_history(
    testapp, factory, login_as, make_task, dbsession
):
    author = factory.user()
    task = make_task(author, author, title="Личная задача")
    commit_point(dbsession)
    login_as("employee")
    page = testapp.get(f"/tasks/{task.id}", status=403)
    assert "Личная задача" not in page.text and 'id="history"' not in page.text
    login_as(author)
    assert "Created task" in history_text(testapp.get(f"/tasks/{task.id}"))


def test_a_task_made_in_the_form_is_told_as_created(testapp, factory, login_as, dbsession):
    from models.tasks import Task

    colleague = factory.user(full_name="Орлова Наталья")
    commit_point(dbsession)
    login_as("employee", full_name="Белова Елена")
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Подготовить договор"
    form["assign_to"] = f"user:{colleague.id}"
    form["due_date"] = "2031-05-20"
    form["due_time"] = "15:30"
    form.submit("save", status=302)
    commit_point(dbsession)
    task = dbsession.scalar(sa.select(Task).order_by(Task.id.desc()))
    text = history_text(testapp.get(f"/tasks/{task.id}"))
    assert f"Created task #{task.id} Подготовить договор" in text
    assert "assignee: Орлова Наталья" in text and "due: May 20, 2031, 3:30 PM" in text
    assert "Changed task" not in text


def test_a_task_added_and_changed_in_one_transaction_is_told_as_created(
    testapp, factory, login_as, make_task, dbsession
):
    author = factory.user()
    commit_point(dbsession)
    dbsession.info["actor_id"] = author.id
    task = make_task(author, author, title="Импорт из старой системы")
    task.priority = 2  # changed again before the transaction ends (demo data, imports)
    commit_point(dbsession)
    login_as(author)
    text = history_text(testapp.get(f"/tasks/{task.id}"))
    assert f"Created task #{task.id} Импорт из старой системы" in text
    assert "priority: — High" in text and "Changed task" not in text
