"""Who sees which job pages: a dispatcher every job, a technician only the jobs assigned to him,
sales only the jobs of their department's clients, an employee none; 404 for what is not
there. The list, the header search, a task's link and the client card's timeline filter in SQL
by the same rules as the job's ACL. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from models.clients import Organization
from portal.dispatch.service import plan
from portal.tasks.links import resolve_links
from tests.functional.dispatch.shop import msk, next_weekday, shop  # noqa: F401


@pytest.fixture
def jobs(shop, dbsession, factory):
    """Pavlov's job (planned on him), an unplanned job of the sales department's client, and a
    job of a client of another department."""
    other_dept = factory.department("Elsewhere")
    stranger = Organization(name="ООО Чужие", department_id=other_dept.id)
    dbsession.add(stranger)
    dbsession.flush()
    mine = shop.job("Павлову", organization_id=stranger.id)
    plan(dbsession, shop.dispatcher, mine, [shop.techs[0].id], msk(next_weekday(weekday=0), 10))
    ours = shop.job("Клиент продаж")
    theirs = shop.job("Чужой клиент", organization_id=stranger.id)
    return {"mine": mine, "ours": ours, "theirs": theirs}


def listed(testapp) -> set[str]:
    page = testapp.get("/dispatch/jobs", {"tab": "all"})
    return {li["data-job"] for li in page.html.select("#jobs li[data-job]")}


def test_a_dispatcher_sees_and_plans_every_job(testapp, shop, jobs):
    testapp.login(shop.dispatcher.login)
    assert listed(testapp) >= {j.number for j in jobs.values()}
    for job in jobs.values():
        page = testapp.get(f"/dispatch/jobs/{job.number}")
        assert page.html.select_one("#edit-job") is not None
    testapp.get(f"/dispatch/jobs/{jobs['theirs'].number}/slots", status=200)
    testapp.get("/dispatch/jobs/add", status=200)


def test_a_technician_sees_only_his_own_jobs(testapp, shop, jobs):
    testapp.login(shop.techs[0].user.login)
    assert listed(testapp) == {jobs["mine"].number}
    page = testapp.get(f"/dispatch/jobs/{jobs['mine'].number}")
    assert page.html.select_one("#find-slot") is None and page.html.select_one("#edit-job") is None
    assert page.html.select_one("#unplan") is None
    testapp.get(f"/dispatch/jobs/{jobs['ours'].number}", status=403)
    testapp.get(f"/dispatch/jobs/{jobs['mine'].number}/slots", status=403)
    testapp.get(f"/dispatch/jobs/{jobs['mine'].number}/edit", status=403)
    testapp.get("/dispatch/jobs/add", status=403)
    testapp.post_csrf(f"/dispatch/jobs/{jobs['mine'].number}/unplan", status=403)
    testapp.post_csrf(f"/dispatch/jobs/{jobs['mine'].number}/transition", {"name": "unschedule"},
                      status=403)
    testapp.post_csrf(f"/dispatch/jobs/{jobs['ours'].number}/book", {
        "resource": str(shop.techs[0].id), "start": msk(next_weekday(), 15).isoformat()},
        status=403)
    assert jobs["ours"].number not in testapp.get("/search", {"q": "Клиент продаж"}).text
    # Another technician: not even Pavlov's job.
    testapp.login(shop.techs[1].user.login)
    assert listed(testapp) == set()
    testapp.get(f"/dispatch/jobs/{jobs['mine'].number}", status=403)


def test_sales_see_only_the_jobs_of_their_departments_clients(testapp, shop, jobs, factory):
    seller = factory.user("seller", roles=["sales"], departments=[shop.sales_dept])
    testapp.login(seller.login)
    assert listed(testapp) == {jobs["ours"].number}
    page = testapp.get(f"/dispatch/jobs/{jobs['ours'].number}")
    assert page.html.select_one("#edit-job") is None
    testapp.get(f"/dispatch/jobs/{jobs['theirs'].number}", status=403)
    testapp.get(f"/dispatch/jobs/{jobs['mine'].number}", status=403)
    testapp.get("/dispatch/jobs/add", status=403)
    testapp.post_csrf(f"/dispatch/jobs/{jobs['ours'].number}/edit", {"title": "Взлом"},
                      status=403)
    # The client card shows the jobs of its client, and no "New job" without job.add.
    card = testapp.get(f"/clients/{shop.client.id}")
    assert jobs["ours"].number in card.text and card.html.select_one("#new-job") is None
    search = testapp.get("/search", {"q": "клиент"}).text
    assert jobs["ours"].number in search and jobs["theirs"].number not in search


def test_an_employee_sees_no_jobs(testapp, factory, jobs):
    testapp.login(factory.user("employee").login)
    testapp.get("/dispatch/jobs", status=403)
    testapp.get(f"/dispatch/jobs/{jobs['ours'].number}", status=403)
    testapp.get("/dispatch/jobs/add", status=403)


@pytest.mark.parametrize("path", ["J-2031-999999", "J-20X1-000001", "999999999", "-1",
                                  "1e3"])
def test_what_is_not_there_is_404(testapp, shop, path):
    testapp.login(shop.dispatcher.login)
    testapp.get(f"/dispatch/jobs/{path}", status=404)


def test_anonymous_people_are_sent_to_log_in(testapp, jobs):
    page = testapp.get(f"/dispatch/jobs/{jobs['ours'].number}", status=(302, 303))
    assert "/login" in page.location


def test_a_tasks_link_to_a_job_names_it_only_for_those_who_may_see_it(request_for, shop, jobs):
    job = jobs["ours"]
    link = resolve_links(request_for(shop.dispatcher), [("job", job.id)])[("job", job.id)]
    assert link.known and link.label == f"{job.number} {job.title}"
    assert link.url.rstrip("/").endswith(f"/dispatch/jobs/{job.number}")
    hidden = resolve_links(request_for(shop.techs[1].user), [("job", job.id)])[("job", job.id)]
    assert not hidden.known and hidden.label is None


def test_the_client_card_shows_jobs_only_to_those_who_may_see_them(testapp, shop, jobs, factory):
    secretary = factory.user("secretary", roles=["secretary"])
    testapp.login(secretary.login)
    card = testapp.get(f"/clients/{shop.client.id}")
    assert jobs["ours"].number not in card.text and card.html.select_one("#new-job") is None
    testapp.login(shop.dispatcher.login)
    card = testapp.get(f"/clients/{shop.client.id}")
    assert jobs["ours"].number in card.text and card.html.select_one("#new-job") is not None
