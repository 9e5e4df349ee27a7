"""The task blocks of My day cost the same for three tasks or thirty (issue 11): what every row
repeats (the CSRF field, the addresses' lookups through the resource tree) is made once per
block, not once per row; the rows still link and post where they did."""

from __future__ import annotations

import datetime as dt

from pyramid.url import URLMethodsMixin

import views.shell
from tests.querycount import counting


def counted_page(testapp, monkeypatch) -> tuple[str, int, int]:
    """My day's HTML, with how many resource URLs and CSRF fields were made for it."""
    urls, fields = [], []
    resource_url = URLMethodsMixin.resource_url
    get_csrf_token = views.shell.get_csrf_token

    def count_url(self, *args, **kwargs):
        urls.append(args)
        return resource_url(self, *args, **kwargs)

    def count_field(request):
        fields.append(request)
        return get_csrf_token(request)

    with monkeypatch.context() as patch:
        patch.setattr(URLMethodsMixin, "resource_url", count_url)
        patch.setattr(views.shell, "get_csrf_token", count_field)
        page = testapp.get("/").text
    return page, len(urls), len(fields)


def test_the_task_rows_do_not_add_lookups(testapp, factory, login_as, make_task, monkeypatch):
    me = login_as("employee")
    other = factory.user()
    queue = me.memberships[0].department
    for n in range(2):
        make_task(other, me, title=f"Просрочено {n}", due_in=dt.timedelta(days=-2))
        make_task(other, me, title=f"Каждый день {n}", daily=True)
        make_task(other, None, department=queue, title=f"В очереди {n}",
                  due_in=dt.timedelta(days=3))
    _page, few_urls, few_fields = counted_page(testapp, monkeypatch)
    for n in range(2, 6):
        make_task(other, me, title=f"Просрочено {n}", due_in=dt.timedelta(days=-2))
        make_task(other, me, title=f"Каждый день {n}", daily=True)
        make_task(other, None, department=queue, title=f"В очереди {n}",
                  due_in=dt.timedelta(days=3))
    page, many_urls, many_fields = counted_page(testapp, monkeypatch)
    assert (many_urls, many_fields) == (few_urls, few_fields)
    assert "Просрочено 5" in page and "В очереди 4" in page


def test_the_rows_link_and_post_to_their_task(testapp, factory, login_as, make_task):
    me = login_as("employee")
    other = factory.user()
    mine = make_task(other, me, title="Позвонить", daily=True)
    waiting = make_task(other, None, department=me.memberships[0].department,
                        title="Свободная", due_in=dt.timedelta(days=3))
    page = testapp.get("/").html
    row = page.select_one(f'#day-tasks [data-task="{mine.id}"]')
    assert row.select_one("a.title")["href"] == f"http://example.com/tasks/{mine.id}"
    form = row.select_one("form")
    assert form["action"] == f"http://example.com/tasks/{mine.id}/transition"
    assert form.select_one('input[name="csrf_token"]')["value"]
    queue = page.select_one("#day-queue")
    assert queue.select_one("a.d-block")["href"] == f"http://example.com/tasks/{waiting.id}"
    take = queue.select_one("form")
    assert take["action"] == f"http://example.com/tasks/{waiting.id}/take"
    assert take.select_one('input[name="csrf_token"]')["value"]
    # Taking it through the block's own form still works.
    forms = [f for f in testapp.get("/").forms.values() if f.action == take["action"]]
    assert forms[0].submit().status_int in (302, 303)


def test_the_task_list_reads_only_the_names_of_its_people(testapp, factory, login_as, make_task,
                                                           dbsession):
    """The list joins each row's author, assignee and department for their names: not every
    column of three more records per row (password hashes, search texts...)."""
    me = login_as("employee")
    boss = factory.user(full_name="Волков Андрей")
    for n in range(3):
        make_task(boss, me, title=f"Сверка {n}", due_in=dt.timedelta(days=n + 1))
    with counting(dbsession.get_bind()) as counts:
        page = testapp.get("/tasks")
    statements = [s for s in counts.statements if s.startswith("SELECT tasks.id") and "JOIN users" in s]
    assert [statement for statement in statements if "users_1.full_name" in statement]
    assert not [statement for statement in statements
                if "password_hash" in statement or "search_text_1" in statement]
    assert "Сверка 0" in page.text and "Сверка 2" in page.text
    # Where the author is shown (tasks one set for others), by name, from those columns.
    testapp.login(boss.login)
    page = testapp.get("/tasks?view=created")
    assert "Сверка 1" in page.text and me.full_name in page.text
