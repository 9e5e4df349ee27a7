"""Hostile input at the dispatch forms the other files do not fuzz (DESIGN.md §11): a
technician's start and completion report, and every form of a planned job's page (workflow
steps, find-a-slot, back to the pane): generated values (any script, control characters, huge
strings, numbers past 64 bits, non-ASCII digits, nothing at all) in some fields of each form
as the page shows it; no answer is a 5xx, and a refused form stores nothing."""
from __future__ import annotations

import datetime as dt

from models.dispatch import JobAssignment
from portal.dispatch.service import plan
from tests.clock import local_today
from tests.functional.core.test_hostile_forms import try_every_form
from tests.functional.dispatch.shop import msk, next_weekday, shop  # noqa: F401


def test_generated_values_at_a_technicians_forms(testapp, dbsession, shop):
    # Tomorrow, in his week whatever the day (a weekend day passes with a reason).
    tomorrow = local_today() + dt.timedelta(days=1)
    tech = shop.techs[1]
    waiting = shop.job("Ждёт начала")
    plan(dbsession, None, waiting, [tech.id], msk(tomorrow, 10), reason="срочно")
    under_way = shop.job("Уже идёт", state="in_progress")
    under_way.starts_at, under_way.ends_at = msk(tomorrow, 14), msk(tomorrow, 15)
    under_way.assignments.append(JobAssignment(resource_id=tech.id))
    dbsession.flush()
    user = dbsession.get(type(shop.dispatcher), tech.user_id)
    testapp.login(user.login)
    tried = try_every_form(testapp, dbsession, ["/dispatch/@@my"])
    assert any(a.endswith("my-start") for a in tried), tried


def test_generated_values_at_every_form_of_a_planned_jobs_page(testapp, dbsession, shop):
    monday = next_weekday(weekday=0)
    job = shop.job("Под прицелом")
    plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 10))
    testapp.login(shop.dispatcher.login)
    tried = try_every_form(testapp, dbsession, [f"/dispatch/jobs/{job.number}",
                                              f"/dispatch/jobs/{job.number}/slots"])
    assert len(tried) >= 3, tried
    assert testapp.get(f"/dispatch/jobs/{job.number}").status_int == 200
