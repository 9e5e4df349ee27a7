"""The task workflow on tasks (open → in progress → done / cancelled, reopen), comments with
@mentions, the checklist and watchers."""

from __future__ import annotations

import sqlalchemy as sa

from models.tasks import TaskComment


def test_assignee_starts_and_finishes_and_the_author_hears_it(testapp, factory, login_as, make_task, inbox):
    author, me = factory.user(), factory.user(full_name="Исполнитель Иван")
    task = make_task(author, me, title="Отчёт")
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "start"}, status=303)
    assert task.state == "in_progress"
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "finish"}, status=303)
    assert task.state == "done" and task.done_at is not None and task.notice_stage == 2
    assert inbox(author)[-2:] == [("task_changed", "Отчёт: In progress"), ("task_changed", "Отчёт: Done")]
    assert inbox(me) == []


def test_cancelling_needs_a_reason_and_reopening_schedules_notices_again(
    testapp, factory, login_as, make_task
):
    import datetime as dt

    me = factory.user()
    task = make_task(me, me, due_in=dt.timedelta(days=3), remind_before=60)
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "cancel"}, status=303)
    assert task.state == "open"
    assert "Please say why in the comment." in testapp.get(f"/tasks/{task.id}").text
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "cancel", "comment": "Не нужно"}, status=303)
    assert task.state == "cancelled" and task.remind_at is None
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "reopen"}, status=303)
    assert task.state == "open" and task.remind_at == task.due_at - dt.timedelta(hours=1)
    assert task.notice_stage == 0 and task.done_at is None


def test_others_cannot_move_the_task(testapp, factory, login_as, make_task):
    task = make_task(factory.user(), factory.user())
    login_as("employee")
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "finish"}, status=403)
    assert task.state == "open"


def test_a_mention_tells_a_person_who_may_see_the_task_and_makes_them_a_watcher(
    testapp, factory, login_as, make_task, inbox, dbsession
):
    # Mentioning shows the task to nobody: the head of the department sees it by their role.
    # (tests/functional/tasks/test_watchers_grant_nothing.py: someone who may not see it.)
    accounts = factory.department("Бухгалтерия")
    author = factory.user(full_name="Автор Задачи")
    me = factory.user(full_name="Комментатор", departments=[accounts])
    colleague = factory.user(login="orlova", full_name="Орлова Наталья", departments=[accounts],
                             roles=["dept_head"])
    task = make_task(author, me, title="Сверка")
    login_as(me)
    response = testapp.post_csrf(
        f"/tasks/{task.id}/comment", {"body": "@orlova, проверь, пожалуйста, суммы.\nСпасибо!"}, status=303
    )
    comment = dbsession.scalar(sa.select(TaskComment).where(TaskComment.kind == "comment"))
    assert response.location.endswith(f"#comment-{comment.id}")
    assert "Not notified" not in testapp.get(response.location).text
    assert inbox(colleague) == [("mention", "Комментатор mentioned you: Сверка")]
    assert inbox(author) == [("task_changed", "New comment on Сверка")]
    assert colleague.id in task.participant_ids()
    login_as(colleague)
    page = testapp.get(f"/tasks/{task.id}")
    body = page.html.select_one(f"#comment-{comment.id} .comment-body")
    assert body.select_one("a.mention").text == "@orlova"
    assert body.select_one("br") is not None


def test_an_empty_comment_is_refused_and_nothing_is_stored(testapp, factory, login_as, make_task, dbsession):
    me = factory.user()
    task = make_task(me, me)
    login_as(me)
    page = testapp.post_csrf(f"/tasks/{task.id}/comment", {"body": "   "}, status=400)
    assert "Write something first." in page.html.select_one("#comment-form .invalid-feedback").text
    page = testapp.post_csrf(f"/tasks/{task.id}/comment", {"body": "x" * 10001}, status=400)
    assert page.html.select_one("#comment-body").text == "x" * 10001
    assert (
        dbsession.scalar(
            sa.select(sa.func.count()).select_from(TaskComment).where(TaskComment.kind == "comment")
        )
        == 0
    )


def test_checklist_items_are_added_ticked_and_removed_with_htmx(testapp, factory, login_as, make_task):
    me = factory.user()
    task = make_task(me, me)
    login_as(me)
    token = testapp.csrf_token()
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    for text in ("Собрать счета", "Сверить суммы"):
        part = testapp.post(f"/tasks/{task.id}/checklist-add", {"text": text}, headers=headers)
    assert [i.select_one(".text").text for i in part.html.select(".checklist-item")] == [
        "Собрать счета",
        "Сверить суммы",
    ]
    first = task.checklist[0]
    part = testapp.post(f"/tasks/{task.id}/checklist-toggle", {"item": first.id}, headers=headers)
    assert first.done and first.done_by_id == me.id
    assert part.html.select_one("#checklist-progress").text.strip() == "1/2"
    testapp.post(f"/tasks/{task.id}/checklist-delete", {"item": task.checklist[1].id}, headers=headers)
    assert [i.text for i in task.checklist] == ["Собрать счета"]
    page = testapp.get("/tasks")
    assert "1/1" in page.html.select_one(f'li[data-task="{task.id}"] .task-meta').text


def test_watchers_are_added_and_hear_about_changes(testapp, factory, login_as, make_task, inbox):
    sales = factory.department("Продажи")
    me = factory.user(departments=[sales])
    boss = factory.user(full_name="Начальник Отдела", departments=[sales], roles=["dept_head"])
    task = make_task(me, me, title="Договор")
    login_as(me)
    picker = testapp.get(f"/tasks/{task.id}/people", params={"find": "Начальник"})
    assert "Начальник Отдела" in picker.text
    testapp.post_csrf(f"/tasks/{task.id}/watchers-add", {"user": boss.id}, status=303)
    assert boss.id in task.participant_ids()
    form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
    form["priority"] = "3"
    form.submit("save", status=302)
    added, changed = inbox(boss)
    assert added[1].endswith("added you as a watcher: Договор")
    assert changed == ("task_changed", "Task changed: Договор")
    page = testapp.get(f"/tasks/{task.id}")
    assert "changed the priority: Normal → Urgent" in page.html.select_one("#activity").text


def test_a_person_watches_and_stops_watching(testapp, factory, login_as, make_task):
    supply = factory.department("Снабжение")
    me = factory.user(departments=[supply])
    task = make_task(factory.user(), department=supply)
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/watch", status=303)
    assert me.id in {w.user_id for w in task.watchers}
    testapp.post_csrf(f"/tasks/{task.id}/watch", {"stop": "1"}, status=303)
    assert me.id not in {w.user_id for w in task.watchers}
