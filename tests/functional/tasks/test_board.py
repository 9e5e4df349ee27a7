"""The board of one's tasks by state (issue 14, point 7): columns new, in progress and done in
the last seven days; moving a card is the workflow transition to that column, with the same
permissions and guards as on the task's page."""

from __future__ import annotations

import datetime as dt

from models.meta import utcnow


def columns(page) -> dict[str, list[str]]:
    return {col["data-state"]: [li["data-task"] for li in col.select(".kanban-card")]
            for col in page.html.select("#kanban .kanban-column")}


def move(testapp, task, to, status=200):
    return testapp.post_csrf(f"/tasks/{task.id}/move", {"to": to}, headers={"Accept": "application/json"},
                             status=status)


def test_the_board_shows_my_tasks_by_state(testapp, factory, login_as, make_task):
    me = login_as("employee")
    new = make_task(factory.user(), me, title="Новая")
    going = make_task(factory.user(), me, title="В работе", state="in_progress")
    done = make_task(factory.user(), me, title="Сделана", state="done")
    done.done_at = utcnow() - dt.timedelta(days=2)
    old = make_task(factory.user(), me, title="Давно сделана", state="done")
    old.done_at = utcnow() - dt.timedelta(days=9)
    make_task(me, factory.user(), title="Чужая")
    page = testapp.get("/tasks/board")
    assert columns(page) == {"open": [str(new.id)], "in_progress": [str(going.id)], "done": [str(done.id)]}
    titles = [h.text.split()[0] for h in page.html.select(".kanban-title")]
    assert titles == ["To", "In", "Done"]
    # The keyboard's way: each card's "Move to…" menu offers the columns it may go to.
    menu = page.html.select_one(f'.kanban-card[data-task="{new.id}"] .kanban-move-menu')
    assert [b["value"] for b in menu.select("button[name=to]")] == ["in_progress", "done"]


def test_the_board_speaks_russian(testapp, factory, login_as, make_task):
    me = login_as("employee", locale="ru")
    make_task(factory.user(), me)
    page = testapp.get("/tasks/board")
    assert page.html.select_one("#col-in_progress").text.strip().startswith("В работе")
    assert page.html.select_one("#col-open").text.strip().startswith("К выполнению")


def test_moving_a_card_to_in_progress_starts_the_task(testapp, factory, login_as, make_task, inbox):
    me = login_as("employee")
    author = factory.user()
    task = make_task(author, me, title="Подписать акт")
    answer = move(testapp, task, "in_progress").json
    assert answer["ok"] is True and answer["state"] == "in_progress" and task.state == "in_progress"
    assert [t["state"] for t in answer["targets"]] == ["done"]
    assert inbox(author)[-1] == ("task_changed", "Подписать акт: In progress")
    assert columns(testapp.get("/tasks/board"))["in_progress"] == [str(task.id)]
    # Without script: the menu's form, back to the board with a message.
    response = testapp.post_csrf(f"/tasks/{task.id}/move", {"to": "done"}, status=303)
    assert response.location.endswith("/tasks/board") and task.state == "done"


def test_a_move_with_no_such_step_is_refused_and_says_why(testapp, factory, login_as, make_task):
    me = login_as("employee")
    task = make_task(factory.user(), me, state="in_progress")
    answer = move(testapp, task, "open", status=409).json
    assert answer["ok"] is False and answer["state"] == "in_progress"
    assert answer["message"] == "A task cannot go from “In progress” to “To do”."
    assert task.state == "in_progress"


def test_a_move_is_refused_on_someone_elses_task(testapp, factory, login_as, make_task):
    colleague = factory.user()
    task = make_task(factory.user(), colleague)
    login_as("employee")
    move(testapp, task, "in_progress", status=403)
    assert task.state == "open"


def test_a_queue_task_seen_by_a_member_cannot_be_started_from_the_board(
    testapp, factory, login_as, make_task
):
    supply = factory.department("Снабжение")
    member = factory.user(departments=[supply], locale="ru")
    task = make_task(factory.user(), department=supply)
    login_as(member)
    answer = move(testapp, task, "in_progress", status=409).json
    assert answer["ok"] is False and task.state == "open"
    assert answer["message"] == "У вас нет права на действие «Взять в работу» здесь."


def test_a_department_head_moves_a_task_of_the_department(testapp, factory, login_as, make_task):
    sales = factory.department("Продажи")
    head = factory.user(departments=[sales], roles=["dept_head"])
    worker = factory.user(departments=[sales])
    task = make_task(factory.user(), worker, department=sales)
    login_as(head)
    assert move(testapp, task, "done").json["state"] == "done"
