"""The header search stays cheap however common the words: each group reads at most a hundred
matches that the person may see (`models.search.preview`), says "100+" past that, and reads
the rows a narrow permission filter selects rather than walking thousands of matches.

Tasks are in the shared search index too (found by the beginnings of the words of their title).
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event

import models.search.query  # noqa: F401  (the preview limits patched below)
from models import search
from models.clients import Organization
from models.tasks import Task
from portal.security.filters import sql_filter
from portal.tasks.security import visible_tasks

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def groups_of(page) -> dict[str, tuple[list[str], str, str]]:
    """{group title: (item titles, badge, "show all" link text)}"""
    out = {}
    for section in page.html.select("section.search-group"):
        title = section.select_one("h2").contents[0].strip()
        more = section.select_one("a.more-link")
        out[title] = ([a.select_one(".fw-semibold").text.strip() for a in section.select("a.search-hit")],
                      section.select_one("h2 .badge").text.strip(),
                      more.text.strip() if more is not None else "")
    return out


@pytest.fixture
def make_task(dbsession):
    def make(author, title: str, assignee=None, **fields) -> Task:
        task = Task(author_id=author.id, assignee_id=(assignee or author).id, **fields)
        task.set_title(title)
        dbsession.add(task)
        dbsession.flush()
        return task

    return make


def test_a_group_past_the_cap_says_so_and_links_to_all(testapp, login_as, make_task,
                                                       monkeypatch):
    monkeypatch.setattr(search.query, "PREVIEW_CAP", 5)
    me = login_as("employee")
    for i in range(7):
        make_task(me, f"Сверка с поставщиком {i}")
    for i in range(4):
        make_task(me, f"Инвентаризация склада {i}")
    titles, badge, more = groups_of(testapp.get("/search", params={"q": "сверка"}))["Tasks"]
    assert len(titles) == 5 and badge == "5+" and more == "Show all"
    titles, badge, more = groups_of(testapp.get("/search", params={"q": "инвентаризация"}))["Tasks"]
    assert len(titles) == 4 and badge == "4" and more == "Open as a list"


def test_tasks_are_found_by_word_beginnings_and_every_word_counts(testapp, login_as, make_task):
    me = login_as("employee")
    make_task(me, "Сверка взаиморасчётов")
    make_task(me, "Договор с ООО «Ромашка»")
    found = groups_of(testapp.get("/search", params={"q": "взаимораСЧЕТ"}))["Tasks"][0]
    assert [t.split(" ", 1)[1] for t in found] == ["Сверка взаиморасчётов"]
    # A word beginning, not any part of a word.
    assert "Tasks" not in groups_of(testapp.get("/search", params={"q": "верка"}))
    # "ООО" says nothing about a client's name, but it is a word of a task's title.
    found = groups_of(testapp.get("/search", params={"q": "ооо"}))["Tasks"][0]
    assert [t.split(" ", 1)[1] for t in found] == ["Договор с ООО «Ромашка»"]
    listed = testapp.get("/tasks", params={"q": "догов ромаш"}).html.select("#tasks .task-title")
    assert [t.text for t in listed] == ["Договор с ООО «Ромашка»"]


def test_only_a_new_title_rewrites_the_document(dbsession, factory, make_task):
    task = make_task(factory.user(), "Подготовить отчёт")
    documents = search.DOCUMENTS

    def document() -> str:
        return dbsession.scalar(sa.select(documents.c.title).where(
            documents.c.id == search.document_id("task", task.id)))

    assert document() == "подготовить отчет"
    dbsession.execute(documents.update().where(
        documents.c.id == search.document_id("task", task.id)).values(title="как было"))
    task.state = "in_progress"
    task.priority = 3
    dbsession.flush()
    assert document() == "как было"
    task.set_title("Подготовить презентацию")
    dbsession.flush()
    assert document() == "подготовить презентацию"


@pytest.mark.parametrize("scan", [5000, 5])
def test_a_narrow_filter_finds_the_same_newest_matches(dbsession, factory, request_for, make_task,
                                                       monkeypatch, scan):
    """Whether the matches are walked or the few rows one may see are read first (past
    PREVIEW_SCAN matches), the preview holds the same tasks, newest first."""
    monkeypatch.setattr(search.query, "PREVIEW_SCAN", scan)
    me, other = factory.user(), factory.user()
    mine = [make_task(me, f"Акт сверки №{i}") for i in range(3)]
    for i in range(8):
        make_task(other, f"Акт сверки №{i + 10}")
    make_task(me, "Заказать канцелярию")
    request = request_for(me)
    with statements_of(dbsession) as statements:
        found = search.preview(dbsession, "task", "акт сверки", where=visible_tasks(request),
                               ranked=False)
    assert found.ids == [t.id for t in reversed(mine)] and not found.more
    assert search.preview(dbsession, "task", "акт", where=visible_tasks(request), cap=2,
                          ranked=False) == search.Preview([mine[2].id, mine[1].id], True)
    if dbsession.get_bind().dialect.name == "sqlite":
        # The narrow way (11 matches, 4 tasks of mine) reads the tasks the filter selects.
        assert any("tasks.id + ?" in s for s in statements) == (scan == 5)


@pytest.mark.parametrize("scan", [5000, 3])
def test_a_narrow_filter_ranks_the_same(dbsession, factory, request_for, monkeypatch, scan):
    """A sales manager's few organizations among many matches: best first either way."""
    monkeypatch.setattr(search.query, "PREVIEW_SCAN", scan)
    sales, other = factory.department("Продажи"), factory.department("Снабжение")
    me = factory.user(roles=["sales"], departments=[sales])

    def org(name: str, department, **fields) -> Organization:
        row = Organization(name=name, department=department, **fields)
        dbsession.add(row)
        dbsession.flush()
        return row

    in_name = org("Лампа и свет", sales)
    in_notes = org("Светотехника", sales, notes="Продаёт лампами и прожекторами")
    for i in range(5):
        org(f"Лампа-{i}", other)
    request = request_for(me)
    with statements_of(dbsession) as statements:
        found = search.preview(dbsession, "organization", "лампа",
                               where=sql_filter(request, Organization, "view"))
    assert found == search.Preview([in_name.id, in_notes.id], False)
    if dbsession.get_bind().dialect.name == "sqlite":
        assert any("organizations.id + ?" in s for s in statements) == (scan == 3)


@contextmanager
def statements_of(dbsession):
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(dbsession.get_bind(), "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(dbsession.get_bind(), "before_cursor_execute", seen)


def test_tasks_that_exist_are_indexed_by_the_migration(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    cfg = Config(os.path.join(HERE, "development.ini"))

    def upgrade(target: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)

    upgrade("c3e91f6a2d57")  # tasks, before the index
    upgrade("7c1e5a0d2b41")  # the index table (clients)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO tasks (id, title, description, state, priority, author_id, due_has_time, "
            "notice_stage, daily, search_text, created_at, updated_at) VALUES "
            "(7, 'Проверить Счёт', '', 'open', 1, 1, 0, 0, 0, '', '2026-03-01 09:00:00.000000', "
            "'2026-03-01 09:00:00.000000')")
    upgrade("fc2901b5fb2d")
    with engine.connect() as conn:
        documents = conn.execute(sa.text(
            "SELECT id, kind, object_id, title FROM search_documents")).all()
        found = conn.execute(sa.text(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH '\"сче\"*'")).scalars().all()
    engine.dispose()
    assert documents == [(search.document_id("task", 7), "task", 7, "проверить счет")]
    assert found == [search.document_id("task", 7)]

