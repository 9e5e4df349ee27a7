"""Access that does not grow by itself (issue 10, point 8): following a task or being
@mentioned in it grants nothing. A mention tells only people who may already see the task (its
author learns who was not told); adding someone else as a watcher needs `edit`, and only someone
who may see the task can be added; a watcher who can no longer see a task finds it nowhere and
hears nothing of it."""

from __future__ import annotations

import sqlalchemy as sa

from models.notifications import Notification
from models.tasks import TaskWatcher


def watcher_ids(task) -> set[int]:
    return {w.user_id for w in task.watchers}


def listed(testapp, view: str, **params) -> list[str]:
    page = testapp.get("/tasks", params={"view": view, "state": "any", **params})
    return [li["data-task"] for li in page.html.select("#tasks li.task-item")]


def told_anything_of(dbsession, user, task) -> list[str]:
    """Every notification of `user` that speaks of `task` (its address or its title)."""
    return [
        n.title
        for n in dbsession.scalars(sa.select(Notification).where(Notification.user_id == user.id))
        if f"/tasks/{task.id}" in (n.url or "") or task.title in f"{n.title} {n.body}"
    ]


def test_a_viewer_who_mentions_an_outsider_shows_them_nothing_and_is_told_so(
    testapp, factory, login_as, make_task, inbox, dbsession
):
    author = factory.user(full_name="Автор Задачи")
    me = factory.user(full_name="Комментатор")
    outsider = factory.user(login="outsider", full_name="Посторонний Пётр")
    stranger = factory.user(login="stranger", full_name="Чужой Семён")
    task = make_task(author, me, title="Секретная сверка")
    login_as(me)
    response = testapp.post_csrf(
        f"/tasks/{task.id}/comment", {"body": "@outsider и @stranger, гляньте суммы."}, status=303
    )
    # The author of the comment learns, in their language, who was not told and why.
    page = testapp.get(response.location)
    warning = page.html.select_one(".alert-warning").text
    assert "Not notified, they cannot see this task: Посторонний Пётр, Чужой Семён." in warning
    # The comment itself is kept; the task's author hears of it as usual.
    assert inbox(author) == [("task_changed", "New comment on Секретная сверка")]
    for person in (outsider, stranger):
        assert inbox(person) == [] and told_anything_of(dbsession, person, task) == []
        assert person.id not in watcher_ids(task)
        login_as(person)
        testapp.get(f"/tasks/{task.id}", status=403)
        for view in ("mine", "created", "queue", "watching"):
            assert str(task.id) not in listed(testapp, view), view
        assert "Секретная сверка" not in testapp.get("/search", params={"q": "сверка"}).text
        assert "Секретная сверка" not in testapp.get("/").text


def test_a_queue_member_who_watched_loses_the_task_when_someone_else_takes_it(
    testapp, factory, login_as, make_task, inbox, dbsession
):
    supply = factory.department("Снабжение")
    watcher = factory.user(departments=[supply], full_name="Наблюдатель")
    taker = factory.user(departments=[supply], full_name="Исполнитель")
    author = factory.user()
    task = make_task(author, department=supply, title="Заказать картриджи")
    login_as(watcher)
    testapp.post_csrf(f"/tasks/{task.id}/watch", status=303)  # "Follow" needs only `view`
    assert watcher.id in watcher_ids(task)
    assert listed(testapp, "watching") == [str(task.id)]
    login_as(taker)
    testapp.post_csrf(f"/tasks/{task.id}/take", status=303)
    assert task.assignee_id == taker.id
    testapp.post_csrf(f"/tasks/{task.id}/comment", {"body": "Беру, закажу к пятнице."}, status=303)
    form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
    form["priority"] = "3"
    form.submit("save", status=302)
    # The queue rule was how they saw it; the task left the queue, and watching kept nothing.
    login_as(watcher)
    testapp.get(f"/tasks/{task.id}", status=403)
    assert listed(testapp, "watching") == [] and listed(testapp, "queue") == []
    # Nor does the list name who does it now (its "Assignee" filter, say).
    watching = testapp.get("/tasks", params={"view": "watching", "state": "any"})
    assert "Исполнитель" not in watching.text and "Заказать картриджи" not in watching.text
    assert told_anything_of(dbsession, watcher, task) == []
    assert ("task_changed", "Task taken: Заказать картриджи") in inbox(author)


def test_participants_who_cannot_see_the_task_hear_nothing_of_it(
    testapp, factory, login_as, make_task, inbox, dbsession
):
    """A watcher row left from before (or from a queue the task has left) tells its person
    nothing: not a comment, not a change, not a reassignment."""
    author, me = factory.user(), factory.user()
    former = factory.user(full_name="Бывший Наблюдатель")
    task = make_task(author, me, title="Годовой отчёт")
    task.watchers.append(TaskWatcher(user_id=former.id))
    dbsession.flush()
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/comment", {"body": "Готов черновик."}, status=303)
    form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
    form["title"] = "Годовой отчёт, версия 2"
    form.submit("save", status=302)
    assert inbox(former) == []
    assert [kind for kind, _title in inbox(author)] == ["task_changed", "task_changed"]


def test_adding_someone_else_as_a_watcher_needs_edit(testapp, factory, login_as, make_task):
    supply = factory.department("Снабжение")
    member, colleague = factory.user(departments=[supply]), factory.user(departments=[supply])
    task = make_task(factory.user(), department=supply)
    login_as(member)  # sees the queue's task, may not edit it
    testapp.get(f"/tasks/{task.id}", status=200)
    testapp.post_csrf(f"/tasks/{task.id}/watchers-add", {"user": colleague.id}, status=403)
    testapp.get(f"/tasks/{task.id}/people", params={"find": "Test"}, status=403)
    assert watcher_ids(task) == set()
    page = testapp.get(f"/tasks/{task.id}")
    assert page.html.select_one('#watchers input[name="find"]') is None


def test_a_watcher_who_cannot_see_the_task_is_refused_with_a_reason(
    testapp, factory, login_as, make_task, inbox
):
    sales = factory.department("Продажи")
    me = factory.user(departments=[sales])
    outsider = factory.user(full_name="Посторонний Пётр")
    factory.user(full_name="Посторонний Начальник", departments=[sales], roles=["dept_head"])
    task = make_task(me, me, title="Личное")
    login_as(me)
    # The picker says who could not see it, and offers "Add" only for those who could.
    picker = testapp.get(f"/tasks/{task.id}/people", params={"find": "Посторонний"}).html
    rows = {" ".join(row.text.split()) for row in picker.select(".list-group-item")}
    assert rows == {"ПП Посторонний Пётр Cannot see this task", "ПН Посторонний Начальник Add"}
    assert [int(i["value"]) for i in picker.select('input[name="user"]')] != [outsider.id]
    response = testapp.post_csrf(f"/tasks/{task.id}/watchers-add", {"user": outsider.id}, status=303)
    error = testapp.get(response.location).html.select_one(".alert-danger").text
    assert "Посторонний Пётр cannot see this task, so they cannot watch it." in error
    # From the picker (htmx), the watchers card comes back with the reason in it.
    part = testapp.post(f"/tasks/{task.id}/watchers-add", {"user": outsider.id},
                        headers={"HX-Request": "true", "X-CSRF-Token": testapp.csrf_token()}, status=200)
    assert "cannot see this task, so they cannot watch it" in part.html.select_one("#watchers .alert").text
    assert watcher_ids(task) == set() and inbox(outsider) == []
    login_as(outsider)
    testapp.get(f"/tasks/{task.id}", status=403)
    testapp.post_csrf(f"/tasks/{task.id}/watch", status=403)  # nor can they follow it themselves
    assert watcher_ids(task) == set()


def test_a_watcher_who_cannot_see_the_task_hears_nothing_of_its_transitions(
    testapp, factory, login_as, make_task, inbox, dbsession
):
    author, me = factory.user(), factory.user()
    former = factory.user()
    task = make_task(author, me, title="Годовой отчёт")
    task.watchers.append(TaskWatcher(user_id=former.id))
    dbsession.flush()
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "start"}, status=303)
    assert inbox(author) == [("task_changed", "Годовой отчёт: In progress")]
    assert inbox(former) == []
