"""The client list as it opens, for a sales manager who may see many clients of many more (those
of their department, and those of other departments they manage): the count is made of one part
per branch of the permission filter, each read from an index alone, and the first pages walk the
name index instead of sorting everything the manager may see (issue 11). The rows, their order
and the count are the same as the plain statements give, on every page and in both orders.
"""
from __future__ import annotations

import random

import pytest

from models.clients import Organization
from models.clients.codes import name_key
from tests.functional.clients.test_query_plans import plans_of

WORDS = ["Альфа", "Вектор", "Гранит", "Дельта", "Заря", "Искра", "Кедр", "Лотос", "Меридиан",
         "Нива", "Орион", "Полюс", "Радуга", "Сигма", "Титан", "Феникс", "Эталон", "Юпитер"]


@pytest.fixture
def company(factory, dbsession):
    """370 organizations; the manager may see 260 of them: 200 of the department (others'),
    10 of the department and 30 of another one that they manage, 20 without a department that
    they manage. The other 110 are another department's or no one's."""
    sales, wholesale = factory.department("Продажи"), factory.department("Опт")
    manager = factory.user("popova", roles=["sales"], departments=[sales])
    colleague = factory.user("ivanov", roles=["sales"], departments=[sales])
    stranger = factory.user("orlov", roles=["sales"], departments=[wholesale])
    rnd = random.Random(11)
    shapes = ([(sales, colleague, True)] * 200 + [(sales, manager, True)] * 10
              + [(wholesale, manager, True)] * 30 + [(None, manager, True)] * 20
              + [(wholesale, stranger, False)] * 100 + [(None, None, False)] * 10)
    rnd.shuffle(shapes)
    visible = []
    for i, (department, who, seen) in enumerate(shapes):
        # Names repeat (the id breaks ties) and interleave the visible with the others.
        org = Organization(name=f"ООО «{rnd.choice(WORDS)} {i % 37}»",
                           department_id=department.id if department else None,
                           manager_id=who.id if who else None)
        dbsession.add(org)
        if seen:
            visible.append(org)
    dbsession.flush()
    return manager, visible


def listed(testapp, query: str = "") -> tuple[list[int], str]:
    page = testapp.get(f"/clients/{query}")
    return ([int(tr["data-id"]) for tr in page.html.select("tr[data-id]")],
            page.html.select_one("#result-count").text.strip())


@pytest.mark.parametrize("sort", ["", "-name"])
def test_every_page_lists_what_the_manager_may_see_in_name_order(testapp, company, sort):
    manager, visible = company
    testapp.login(manager.login)
    order = sorted(visible, key=lambda o: (name_key(o.name), o.id), reverse=sort == "-name")
    expected = [o.id for o in order]
    seen = []
    for page in range(1, 7):  # 260 rows: six pages, the last of ten
        query = "?" + "&".join(p for p in (f"sort={sort}" if sort else "", f"page={page}") if p)
        ids, count = listed(testapp, query)
        assert count == "Organizations: 260"
        assert ids == expected[(page - 1) * 50:page * 50], page
        seen += ids
    assert seen == expected


def test_the_first_page_walks_the_name_index_and_the_count_reads_indexes_only(
        testapp, dbsession, company):
    if dbsession.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")
    manager, _visible = company
    testapp.login(manager.login)
    plans = plans_of(testapp, dbsession, "/clients/", "organizations")
    count = [plan for sql, plan in plans if "count(" in sql]
    ids = [plan for sql, plan in plans if sql.lstrip().startswith("SELECT organizations.id \nFROM")
           or sql.lstrip().startswith("SELECT organizations.id FROM")]
    assert len(count) == 1 and len(ids) == 1, plans
    # The count: each branch of the permission filter in its own index, no row read.
    assert count[0].count("COVERING INDEX") == 2 and " USING INDEX " not in count[0], count
    assert "MULTI-INDEX OR" not in count[0]
    # The page: the name index in its order, no sort of the 260.
    assert "ix_organizations_name_key" in ids[0] and "TEMP B-TREE" not in ids[0], ids
    # A later page would walk most of the index: the 260 are sorted instead.
    later = plans_of(testapp, dbsession, "/clients/?page=5", "organizations")
    assert any("TEMP B-TREE" in plan for sql, plan in later if "LIMIT" in sql), later


def test_everyones_list_is_counted_without_a_condition(testapp, dbsession, company, login_as):
    """The administrator's list: every organization, counted by a count with no WHERE (which
    SQLite answers from an index's pages, not row by row)."""
    login_as("admin")
    everyone = dbsession.query(Organization).order_by(Organization.id).all()
    ids, count = listed(testapp)
    assert count == f"Organizations: {len(everyone)}"
    assert ids == [o.id for o in sorted(everyone, key=lambda o: (name_key(o.name), o.id))][:50]
    if dbsession.get_bind().dialect.name == "sqlite":
        plans = plans_of(testapp, dbsession, "/clients/", "organizations")
        (count_sql,) = [sql for sql, _plan in plans if "count(" in sql]
        assert "WHERE" not in count_sql, count_sql
