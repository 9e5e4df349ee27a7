"""Who may see, change, take and reassign a task (config/roles.yaml: task.*), and the lists
showing exactly what one may see."""

from __future__ import annotations

import pytest


def test_strangers_cannot_open_a_task_but_its_people_can(testapp, factory, login_as, make_task):
    author = factory.user()
    assignee = factory.user()
    watcher = factory.user()
    task = make_task(author, assignee, title="Секретная задача")
    from models.tasks import TaskWatcher

    task.watchers.append(TaskWatcher(user_id=watcher.id))
    login_as("employee")
    testapp.get(f"/tasks/{task.id}", status=403)
    for person in (author, assignee):
        login_as(person)
        assert "Секретная задача" in testapp.get(f"/tasks/{task.id}").text
    # Watching grants nothing: a watcher with no rule of their own is a stranger.
    login_as(watcher)
    testapp.get(f"/tasks/{task.id}", status=403)


def test_watchers_look_but_do_not_change(testapp, factory, login_as, make_task):
    from models.tasks import TaskWatcher

    supply = factory.department("Снабжение")
    watcher = factory.user(departments=[supply])  # sees the task while it waits in their queue
    task = make_task(factory.user(), department=supply)
    task.watchers.append(TaskWatcher(user_id=watcher.id))
    login_as(watcher)
    testapp.get(f"/tasks/{task.id}/edit", status=403)
    testapp.post_csrf(f"/tasks/{task.id}/checklist-add", {"text": "шаг"}, status=403)
    page = testapp.get(f"/tasks/{task.id}")
    assert page.html.select_one("#edit-task") is None


def test_author_and_assignee_edit(testapp, factory, login_as, make_task, dbsession):
    author, assignee = factory.user(), factory.user()
    task = make_task(author, assignee, title="Старое название")
    for person, title in ((author, "Новое название"), (assignee, "Ещё новее")):
        login_as(person)
        form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
        form["title"] = title
        form.submit("save", status=302)
        assert task.title == title


def test_a_task_in_a_queue_is_seen_and_taken_by_members_of_that_department_only(
    testapp, factory, login_as, make_task, dbsession, inbox
):
    supply = factory.department("Снабжение")
    member = factory.user(departments=[supply], full_name="Голубев Константин")
    author = factory.user()
    task = make_task(author, department=supply, title="Заказать бумагу")
    login_as("employee")
    testapp.get(f"/tasks/{task.id}", status=403)
    testapp.post_csrf(f"/tasks/{task.id}/take", status=403)
    login_as(member)
    page = testapp.get("/tasks", params={"view": "queue"})
    assert [li["data-task"] for li in page.html.select("#tasks li.task-item")] == [str(task.id)]
    page = testapp.get(f"/tasks/{task.id}")
    assert page.html.select_one("#take-task") is not None
    testapp.post_csrf(f"/tasks/{task.id}/take", status=303)
    assert task.assignee_id == member.id and task.department_id == supply.id
    assert inbox(author)[-1] == ("task_changed", "Task taken: Заказать бумагу")
    # Taken: no longer in the queue, now in "my tasks".
    assert testapp.get("/tasks", params={"view": "queue"}).html.select("#tasks li.task-item") == []
    mine = testapp.get("/tasks").html.select("#tasks li.task-item")
    assert [li["data-task"] for li in mine] == [str(task.id)]
    # Taking twice is refused with a message.
    other = factory.user(departments=[supply])
    login_as(other)
    testapp.get(f"/tasks/{task.id}", status=403)


def test_a_queue_task_must_be_taken_before_it_is_started(testapp, factory, login_as, make_task, dbsession):
    supply = factory.department("Снабжение")
    head = factory.user(departments=[supply], roles=["dept_head"])
    task = make_task(factory.user(), department=supply)
    login_as(head)
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "start"}, status=303)
    assert task.state == "open"


def test_department_head_reassigns_within_the_department_only(
    testapp, factory, login_as, make_task, dbsession, inbox
):
    sales = factory.department("Продажи")
    head = factory.user(departments=[sales], roles=["dept_head"])
    first = factory.user(departments=[sales], full_name="Попова Анна")
    second = factory.user(departments=[sales], full_name="Лебедев Игорь")
    outsider = factory.user(full_name="Чужой Сотрудник")
    task = make_task(factory.user(), first, department=sales, title="Счёт клиенту")
    login_as(head)
    page = testapp.get(f"/tasks/{task.id}")
    options = [o["value"] for o in page.html.select("#reassign-to option")]
    assert f"user:{second.id}" in options and f"user:{outsider.id}" not in options
    testapp.post_csrf(f"/tasks/{task.id}/reassign", {"assign_to": f"user:{second.id}"}, status=303)
    assert task.assignee_id == second.id and task.department_id == sales.id
    assert inbox(second)[-1] == ("task_assigned", "New task for you: Счёт клиенту")
    assert inbox(first)[-1] == ("task_changed", "Task reassigned: Счёт клиенту")
    testapp.post_csrf(f"/tasks/{task.id}/reassign", {"assign_to": f"user:{outsider.id}"}, status=303)
    assert task.assignee_id == second.id
    assert "only within your departments" in testapp.get(f"/tasks/{task.id}").text


def test_a_head_of_another_department_has_no_say(testapp, factory, login_as, make_task):
    sales, supply = factory.department("Продажи"), factory.department("Снабжение")
    task = make_task(factory.user(), factory.user(departments=[sales]), department=sales)
    login_as(factory.user(departments=[supply], roles=["dept_head"]))
    testapp.get(f"/tasks/{task.id}", status=403)
    testapp.post_csrf(f"/tasks/{task.id}/reassign", {"assign_to": "dept:1"}, status=403)


def test_assignee_cannot_pass_the_task_to_someone_else_but_can_return_it_to_the_queue(
    testapp, factory, login_as, make_task, dbsession
):
    supply = factory.department("Снабжение")
    me = factory.user(departments=[supply])
    task = make_task(factory.user(), me, department=supply)
    login_as(me)
    testapp.post_csrf(f"/tasks/{task.id}/reassign", {"assign_to": f"user:{factory.user().id}"}, status=403)
    assert "assign_to" not in testapp.get(f"/tasks/{task.id}/edit").forms["form"].fields
    testapp.post_csrf(f"/tasks/{task.id}/release", status=303)
    assert task.assignee_id is None and task.in_queue


@pytest.mark.parametrize("role, sees", [("employee", False), ("director", True)])
def test_director_sees_every_task(testapp, factory, login_as, make_task, role, sees):
    task = make_task(factory.user(), factory.user(), title="Годовой бюджет")
    login_as(role)
    testapp.get(f"/tasks/{task.id}", status=200 if sees else 403)
    page = testapp.get("/tasks", params={"view": "all", "q": "годовой"})
    found = [li["data-task"] for li in page.html.select("#tasks li.task-item")]
    assert found == ([str(task.id)] if sees else [])


def test_lists_show_what_is_mine_set_by_me_and_watched(testapp, factory, login_as, make_task):
    from models.tasks import TaskWatcher

    supply = factory.department("Снабжение")
    me = factory.user(departments=[supply])
    other = factory.user()
    mine = make_task(other, me, title="Мне")
    set_by_me = make_task(me, other, title="От меня")
    watched = make_task(other, department=supply, title="Наблюдаю")  # in my department's queue
    watched.watchers.append(TaskWatcher(user_id=me.id))
    lost = make_task(other, other, title="Наблюдал, но не вижу")  # watching grants nothing
    lost.watchers.append(TaskWatcher(user_id=me.id))
    make_task(other, other, title="Чужая")
    login_as(me)

    def listed(view):
        page = testapp.get("/tasks", params={"view": view})
        return [li.select_one(".task-title").text for li in page.html.select("#tasks li.task-item")]

    assert listed("mine") == ["Мне"]
    assert listed("created") == ["От меня"]
    assert listed("watching") == ["Наблюдаю"]
    assert listed("all") == ["Мне"]  # an employee has no "all" view: it falls back to "my tasks"
    assert mine and set_by_me
