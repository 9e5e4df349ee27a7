"""Tasks as Bitrix24 users expect (issue 14, point 7): "Take" puts a queue task in progress in
one click, and a task's page tells its whole history in one feed — comments, changes of state
and changes of fields, in time order, in the reader's language."""

from __future__ import annotations

import sqlalchemy as sa

from models.workflow import WorkflowHistory


def feed(page) -> list[tuple[str, str]]:
    """(kind, text) of each line of the task's history feed, in the order shown."""
    return [(li["data-kind"], " ".join(li.text.split())) for li in page.html.select("#history-feed > li")]


def test_take_assigns_the_task_and_puts_it_in_progress_in_one_post(
    testapp, factory, login_as, make_task, dbsession, inbox
):
    supply = factory.department("Снабжение")
    member = factory.user(departments=[supply], full_name="Голубев Константин")
    author = factory.user()
    task = make_task(author, department=supply, title="Заказать бумагу")
    login_as(member)
    assert testapp.get(f"/tasks/{task.id}").html.select_one("#take-task") is not None
    testapp.post_csrf(f"/tasks/{task.id}/take", status=303)
    assert (task.assignee_id, task.state) == (member.id, "in_progress")
    moves = dbsession.scalars(
        sa.select(WorkflowHistory).where(WorkflowHistory.object_type == "task",
                                         WorkflowHistory.object_id == task.id)
    ).all()
    assert [(m.from_state, m.to_state, m.actor_id) for m in moves] == [("open", "in_progress", member.id)]
    # The author hears once, not once for taking and again for starting.
    assert inbox(author) == [("task_changed", "Task taken: Заказать бумагу")]
    page = testapp.get(f"/tasks/{task.id}")
    assert page.html.select_one("#workflow-state").text.strip() == "In progress"
    assert page.html.select_one("#take-task") is None and page.html.select_one("#start-task") is None
    kinds = [kind for kind, _text in feed(page)]
    assert kinds == ["change", "state"]  # taken, then started


def test_take_in_russian_shows_the_task_in_progress(testapp, factory, login_as, make_task):
    supply = factory.department("Снабжение")
    member = factory.user(departments=[supply], locale="ru")
    task = make_task(factory.user(), department=supply)
    login_as(member)
    testapp.post_csrf(f"/tasks/{task.id}/take", status=303)
    page = testapp.get(f"/tasks/{task.id}")
    assert page.html.select_one("#workflow-state").text.strip() == "В работе"
    lines = [text for _kind, text in feed(page)]
    assert "взял(а) задачу из очереди" in lines[0] and "Открыта → В работе" in lines[1]


def test_ones_own_task_offers_start_beside_its_title(testapp, factory, login_as, make_task):
    me = factory.user()
    task = make_task(factory.user(), me)
    login_as(me)
    page = testapp.get(f"/tasks/{task.id}")
    button = page.html.select_one("#start-task")
    assert button is not None and button["value"] == "start"
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "start"}, status=303)
    assert task.state == "in_progress"
    assert testapp.get(f"/tasks/{task.id}").html.select_one("#start-task") is None


def _comment_start_and_move_the_due_date(testapp, task):
    testapp.post_csrf(f"/tasks/{task.id}/comment", {"body": "Счёт приложен"}, status=303)
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "start"}, status=303)
    form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
    form["due_date"] = "2031-05-20"
    form["due_time"] = ""
    form.submit("save", status=302)


def test_the_history_feed_tells_comments_states_and_fields_in_time_order(
    testapp, factory, login_as, make_task, dbsession
):
    me = factory.user(full_name="Орлова Наталья")
    task = make_task(factory.user(), me, title="Оплатить счёт", due_at=None)
    login_as(me)
    _comment_start_and_move_the_due_date(testapp, task)
    page = testapp.get(f"/tasks/{task.id}")
    lines = feed(page)
    assert [kind for kind, _text in lines] == ["comment", "state", "change"]
    comment, state, due = (text for _kind, text in lines)
    assert "Орлова Наталья" in comment and "Счёт приложен" in comment
    assert "Орлова Наталья changed the status: Open → In progress" in state
    assert "Орлова Наталья changed the due date: No due date → 20 May 2031" in due
    # One feed: no separate state history beside it.
    assert page.html.select(".workflow-history") == []
    assert len(page.html.select("#activity")) == 1


def test_the_history_feed_is_in_the_readers_language(testapp, factory, login_as, make_task):
    me = factory.user(full_name="Орлова Наталья", locale="ru")
    task = make_task(factory.user(), me, title="Оплатить счёт", due_at=None)
    login_as(me)
    _comment_start_and_move_the_due_date(testapp, task)
    comment, state, due = (text for _kind, text in feed(testapp.get(f"/tasks/{task.id}")))
    assert "Счёт приложен" in comment
    assert "Открыта → В работе" in state
    assert "изменил(а) срок:" in due and "20 мая 2031" in due
