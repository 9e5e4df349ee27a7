"""Who may do what with tickets, for every default role (ROLES.md, "The coming areas"), by the
department the person works in: the ticket's queue department (support), the client's
department (sales), or another one. Read off the pages: the ticket opens (view), the reply form
works (edit), the ticket can be taken (assign), the dashboard opens (report)."""
from __future__ import annotations

import pytest

from tests.functional.clients.conftest import ClientFactory
from tests.functional.tickets.desk import desk  # noqa: F401

# role: {where the person works: (view, edit, assign)}; "other" is a department of neither.
EXPECTED = {
    "employee": {"support": (False, False, False), "sales": (False, False, False),
                 "other": (False, False, False)},
    "sales": {"support": (True, False, False), "sales": (True, False, False),
              "other": (False, False, False)},
    "dept_head": {"support": (True, True, True), "sales": (True, True, True),
                  "other": (False, False, False)},
    "director": {"support": (True, True, True), "sales": (True, True, True),
                 "other": (True, True, True)},
    "secretary": {"other": (True, False, False)},
    "accountant": {"other": (False, False, False)},
    "marketing": {"other": (False, False, False)},
    "supply": {"other": (False, False, False)},
    "support": {"support": (True, True, True), "sales": (True, True, True),
                "other": (False, False, False)},
    "dispatcher": {"other": (True, False, False)},
    "technician": {"other": (False, False, False)},
}
REPORT = {"dept_head", "director", "support"}
CASES = [(role, where) for role, places in EXPECTED.items() for where in places]


@pytest.mark.parametrize(("role", "where"), CASES)
def test_the_role_matrix_on_a_ticket(role, where, testapp, dbsession, factory, desk):
    sales_dept = factory.department("Продажи")
    other = factory.department("Склад")
    manager = factory.user("manager", roles=["sales"], departments=[sales_dept])
    org = ClientFactory(dbsession, factory).organization("ООО «Клиент»", manager=manager,
                                                         department=sales_dept)
    ticket = desk.ticket(subject="Проверка прав", organization_id=org.id)
    dept = {"support": desk.support, "sales": sales_dept, "other": other}[where]
    person = factory.user("probe", roles=[] if role == "employee" else [role], departments=[dept])
    view, edit, assign = EXPECTED[role][where]
    testapp.login(person.login)
    page = testapp.get(f"/tickets/{ticket.number}", status="*")
    assert page.status_int == (200 if view else 403), (role, where)
    listed = ticket.number in testapp.get("/tickets?view=all", status="*").text
    assert listed == view, "the list says what the record says"
    answer = testapp.post_csrf(f"/tickets/{ticket.number}/reply", {"body": "Ответ"}, status="*")
    assert answer.status_int == (303 if edit else 403), (role, where)
    taken = testapp.post_csrf(f"/tickets/{ticket.number}/take", status="*")
    assert taken.status_int == (303 if assign else 403), (role, where)
    report = testapp.get("/tickets/report", status="*")
    assert report.status_int == (200 if role in REPORT else 403), (role, where)
    testapp.get("/tickets/settings", status=403)
    assert testapp.get("/tickets/add").status_int == 200  # everyone registers tickets


def test_the_clients_manager_and_the_author_see_it_and_an_agent_of_the_queue_works_it(
        testapp, dbsession, factory, desk):
    outside = factory.department("Склад")
    manager = factory.user("manager", roles=["sales"], departments=[outside])
    org = ClientFactory(dbsession, factory).organization("ООО «Клиент»", manager=manager)
    author = factory.user("author", departments=[outside])
    ticket = desk.ticket(author, subject="Своя заявка", organization_id=org.id)
    for person in (manager, author):
        testapp.login(person.login)
        testapp.get(f"/tickets/{ticket.number}", status=200)
        testapp.post_csrf(f"/tickets/{ticket.number}/reply", {"body": "x"}, status=403)
    helper = factory.user("helper", departments=[outside])
    from models.tickets import QueueAgent

    desk.queue.agents.append(QueueAgent(user_id=helper.id))
    dbsession.flush()
    testapp.login(helper.login)
    testapp.post_csrf(f"/tickets/{ticket.number}/take", status=303)
    testapp.post_csrf(f"/tickets/{ticket.number}/reply", {"body": "Помогаю"}, status=303)
