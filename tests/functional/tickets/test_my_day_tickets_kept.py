"""My day's tickets block runs one statement made once for everyone (issue 11: building it
cost more than running it), bound to the person: each agent still sees only their own."""
from __future__ import annotations

import sqlalchemy as sa

from tests.functional.tickets.desk import desk  # noqa: F401
from views.tickets.day import MY_TICKETS


def test_the_block_runs_the_kept_statement_for_each_agent(testapp, dbsession, desk):
    first = desk.ticket(subject="Касса не печатает чек", assignee_id=desk.agents[0].id)
    second = desk.ticket(subject="Сканер не видит штрихкод", assignee_id=desk.agents[1].id)
    ran = []

    def seen(state):
        ran.append(state.statement)

    sa.event.listen(dbsession, "do_orm_execute", seen)
    try:
        testapp.login(desk.agents[0].login)
        block = testapp.get("/").html.select_one("#home-tickets").text
        testapp.login(desk.agents[1].login)
        other = testapp.get("/").html.select_one("#home-tickets").text
    finally:
        sa.event.remove(dbsession, "do_orm_execute", seen)
    assert sum(statement is MY_TICKETS for statement in ran) == 2
    assert first.subject in block and second.subject not in block
    assert second.subject in other and first.subject not in other
