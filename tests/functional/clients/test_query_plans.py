"""The pages that must stay fast with millions of interactions read them through their indexes:
My day, the client card's and the contact page's timeline, the interactions list's tabs, the
activity report; and the organization list filtered by kind and stage, recently changed first.

Every statement a page runs on `interactions` (or `organizations`) is captured and explained
(SQLite's plan); none may walk the whole table, and each uses the index meant for it.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from models.meta import utcnow


@pytest.fixture
def sqlite_only(dbsession):
    if dbsession.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")


@pytest.fixture
def manager(factory):
    return factory.user("popova", roles=["sales"], departments=[factory.department("Продажи")],
                        full_name="Попова Анна")


@pytest.fixture
def busy_org(clients, manager):
    org = clients.organization("ООО «Вектор»", manager=manager)
    contact = clients.contact("Сидоров Пётр", organization=org)
    now = utcnow()
    for i in range(30):
        clients.interaction(responsible=manager, organization=org, contact=contact,
                            kind=("call", "meeting", "email", "visit")[i % 4],
                            planned_at=now - dt.timedelta(hours=i),
                            done_at=now - dt.timedelta(hours=i) if i % 3 else None)
    return org


def plans_of(testapp, dbsession, path: str,
             table: str = "interactions") -> list[tuple[str, str]]:
    """(statement, plan) of each SELECT on `table` that GET `path` runs."""
    engine = dbsession.get_bind()
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and re.search(
                rf"\b(FROM|JOIN) {table}\b", statement):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        testapp.get(path, status=200)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    conn = dbsession.connection()
    out = []
    for statement, params in seen:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        out.append((statement, " | ".join(str(row[-1]) for row in plan)))
    assert out, f"{path} read no {table}"
    return out


# Indexes of only the open (or only the done) interactions: reading one whole is the point.
PARTIAL = ("ix_interactions_open_time", "ix_interactions_done_time",
           "ix_interactions_department_open", "ix_interactions_department_done")


def assert_indexed(plans, *wanted: str) -> None:
    used = " ".join(plan for _sql, plan in plans)
    for statement, plan in plans:
        for scan in re.findall(r"\bSCAN interactions\b[^|]*", plan):
            assert any(index in scan for index in PARTIAL), (statement, plan)
    for index in wanted:
        assert index in used, (index, plans)


def test_my_day_reads_only_the_responsible_index(sqlite_only, testapp, dbsession, manager,
                                                 busy_org):
    testapp.login(manager.login)
    plans = plans_of(testapp, dbsession, "/")
    assert_indexed(plans, "ix_interactions_responsible_day")
    for statement, plan in plans:
        if "interactions.id IN" in statement or "interactions.id =" in statement:
            continue  # the rows themselves, by primary key
        if statement.startswith("SELECT interactions.id, interactions.kind, interactions.direction"):
            # The rows themselves, read by that index when they are all one page.
            assert "USING INDEX ix_interactions_responsible_day" in plan, (statement, plan)
            continue
        # Counts and the walk through the day never touch the table.
        assert "COVERING INDEX ix_interactions_responsible_day" in plan, (statement, plan)


def test_the_client_timeline_reads_the_organization_index(sqlite_only, testapp, dbsession,
                                                          manager, busy_org):
    testapp.login(manager.login)
    plans = plans_of(testapp, dbsession, f"/clients/{busy_org.id}")
    assert_indexed(plans, "ix_interactions_organization_day")
    timeline = [plan for sql, plan in plans if "interactions.organization_id = " in sql]
    assert timeline and all("ix_interactions_organization_day (organization_id=? AND done_at"
                            in plan for plan in timeline), timeline


def test_the_contact_timeline_reads_the_contact_index(sqlite_only, testapp, dbsession, manager,
                                                      busy_org):
    contact = busy_org.contacts[0]
    testapp.login(manager.login)
    plans = plans_of(testapp, dbsession, f"/clients/{busy_org.id}/contacts/{contact.id}")
    assert_indexed(plans, "ix_interactions_contact_day")


@pytest.mark.parametrize("query, index", [
    ("", "ix_interactions_responsible_day"),
    ("?state=done", "ix_interactions_responsible_day"),
    ("?tab=others", "ix_interactions_author_day"),
    ("?tab=all", "ix_interactions_open_time"),
    ("?tab=all&state=done", "ix_interactions_done_time"),
])
def test_the_interaction_list_tabs_read_an_index(sqlite_only, testapp, dbsession, login_as,
                                                 manager, busy_org, query, index):
    login_as("director")  # scope "all": the tabs' own conditions decide the index
    plans = plans_of(testapp, dbsession, "/clients/interactions/" + query)
    assert_indexed(plans, index)


@pytest.mark.parametrize("query, indexes", [
    ("?tab=all", ("ix_interactions_department_open", "ix_interactions_responsible_day",
                  "ix_interactions_author_day")),
    ("?tab=all&state=done", ("ix_interactions_department_done",
                             "ix_interactions_responsible_day", "ix_interactions_author_day")),
])
def test_a_department_scope_reads_each_part_on_its_index(sqlite_only, testapp, dbsession,
                                                         clients, manager, busy_org, query,
                                                         indexes):
    """A sales manager sees their department's interactions and their own: each part of that
    is read on its own index, none walks everyone's."""
    now = utcnow()
    for i in range(60):  # more than a page of each state, so that the pages are counted too
        clients.interaction(responsible=manager, organization=busy_org,
                            planned_at=now - dt.timedelta(minutes=i),
                            done_at=now - dt.timedelta(minutes=i) if i % 2 else None)
    testapp.login(manager.login)
    plans = plans_of(testapp, dbsession, "/clients/interactions/" + query)
    assert_indexed(plans, *indexes)


@pytest.mark.parametrize("who", ["admin", "sales"])
def test_kind_and_stage_recently_changed_first_read_one_index(sqlite_only, testapp, dbsession,
                                                              clients, login_as, manager, who):
    """The list of clients at the purchase stage, recently changed first, and its count are
    read from one index, for everyone and for a sales manager (their department's clients and
    their own): no sort of every matching row, no row read to count or to filter."""
    for i in range(60):  # more than a page, so that the page is counted
        clients.organization(f"ООО «Клиент {i}»", manager=manager, kind="client",
                             stage=("purchase", "interest")[i % 2])
    if who == "admin":
        login_as("admin")
    else:
        testapp.login(manager.login)
    plans = plans_of(testapp, dbsession, "/clients/?stage=purchase&kind=client&sort=-updated",
                     "organizations")
    listed = [(sql, plan) for sql, plan in plans if "organizations.stage = ?" in sql]
    assert len(listed) == 2, plans  # the page and its count
    for statement, plan in listed:
        assert "ix_organizations_kind_stage_updated (kind=? AND stage=?)" in plan, (statement,
                                                                                      plan)
        if "organizations.id IN (SELECT organizations.id" in statement:
            # The page: its ids chosen in the index's order, then its rows read by id and
            # put back in that order (a sort of one page, never of every matching row).
            assert plan.startswith("SEARCH organizations USING INTEGER PRIMARY KEY"), plan
            assert plan.count("TEMP B-TREE") == 1 and plan.endswith("FOR ORDER BY"), plan
        else:
            assert "TEMP B-TREE" not in plan, (statement, plan)
    count = next(plan for sql, plan in listed if "count(" in sql)
    assert "COVERING INDEX ix_organizations_kind_stage_updated" in count


@pytest.mark.parametrize("by", ["employee", "organization", "kind"])
def test_the_activity_report_reads_only_indexes(sqlite_only, testapp, dbsession, login_as,
                                                busy_org, by):
    """A period's planned and done interactions, grouped, from two indexes that hold every
    column the report needs: no row of the table is read."""
    login_as("director")
    today = utcnow().date()
    plans = plans_of(testapp, dbsession, f"/reports/activity?by={by}&from="
                     f"{today - dt.timedelta(days=2)}&to={today}")
    assert len(plans) == 2, plans
    planned, done = sorted(plans, key=lambda p: "done_at >=" in p[0])
    assert "COVERING INDEX ix_interactions_planned_time (planned_at>? AND planned_at<?)" \
        in planned[1], planned
    assert "COVERING INDEX ix_interactions_done_time (done_at>? AND done_at<?)" in done[1], done
