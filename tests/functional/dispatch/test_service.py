"""Planning a job under every constraint (portal/dispatch/service.py), on SQLite and PostgreSQL:
what is refused and why, what passes with a reason, what is stored, the history of changes,
the flags a change of a resource raises."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.booking import ResourceBooking
from models.dispatch import Job, JobChange, TimeOff, job_key
from models.errors import UserError
from models.workflow import WorkflowHistory
from portal.dispatch.service import (
    JobInput,
    PlanRefused,
    create_job,
    flag_titles,
    plan,
    recheck_jobs,
    unplan,
)
from portal.resources import locate
from tests.functional.dispatch.shop import msk, next_weekday, shop  # noqa: F401


def codes(refused: PlanRefused) -> set[str]:
    return {p.code for p in refused.problems}


@pytest.fixture
def monday():
    return next_weekday(weekday=0)


def test_new_jobs_get_numbers_skills_and_duration_from_their_services(shop, dbsession):
    job = create_job(dbsession, shop.dispatcher, JobInput(
        title="  Котёл   не греет ", department_id=shop.service_dept.id,
        service_ids=[shop.boiler_service.id], skills=[(shop.electric.id, 2)]))
    again = create_job(dbsession, shop.dispatcher, JobInput(
        title="Второй", department_id=shop.service_dept.id))
    year = dt.datetime.now(dt.UTC).year
    assert job.number.startswith(f"J-{year}-") and again.number > job.number
    assert job.title == "Котёл не греет" and job.state == "unscheduled"
    assert job.duration_minutes == 120 and again.duration_minutes == 60
    assert {(s.skill_id, s.min_level) for s in job.skills} == {(shop.gas.id, 3),
                                                                (shop.electric.id, 2)}


@pytest.mark.parametrize("fields, field", [
    ({"title": "   "}, "title"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 15 * 24 * 60}, "duration_minutes"),
    ({"technicians_needed": 0}, "technicians_needed"),
    ({"priority": 9}, "priority"),
    ({"service_ids": [10**9]}, "service_ids"),
])
def test_bad_jobs_are_refused_with_the_field_at_fault(shop, dbsession, fields, field):
    data = {"title": "Работа", "department_id": shop.service_dept.id, **fields}
    with pytest.raises(UserError) as caught:
        create_job(dbsession, shop.dispatcher, JobInput(**data))
    assert caught.value.field == field


def test_a_window_already_past_or_shorter_than_the_job_is_refused(shop, dbsession):
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(UserError, match="already passed"):
        create_job(dbsession, None, JobInput(title="x", department_id=shop.service_dept.id,
                                             latest_finish=now - dt.timedelta(hours=1)))
    with pytest.raises(UserError, match="does not fit"):
        create_job(dbsession, None, JobInput(
            title="x", department_id=shop.service_dept.id, duration_minutes=180,
            earliest_start=now + dt.timedelta(days=1),
            latest_finish=now + dt.timedelta(days=1, hours=2)))


def test_scheduling_books_the_resources_and_keeps_the_history(shop, dbsession, monday):
    tech = shop.techs[0]
    job = shop.job(skills=[(shop.gas, 3)])
    warnings = plan(dbsession, shop.dispatcher, job, [tech.id], msk(monday, 10))
    assert warnings == []
    assert job.state == "scheduled" and job.revision == 1
    assert (job.starts_at, job.ends_at) == (msk(monday, 10), msk(monday, 11))
    assert job.resource_ids == [tech.id]
    rows = dbsession.execute(sa.select(ResourceBooking.resource, ResourceBooking.starts_at)
                             .where(ResourceBooking.holder == job_key(job.id))).all()
    assert rows == [(f"resource:{tech.id}", msk(monday, 10))]
    # Moved to another technician with the skill? Only the first has gas: move in time instead.
    plan(dbsession, shop.dispatcher, job, [tech.id], msk(monday, 15), msk(monday, 17))
    assert job.duration_minutes == 120 and job.revision == 2
    changes = dbsession.scalars(sa.select(JobChange).where(JobChange.job_id == job.id)
                                .order_by(JobChange.id)).all()
    assert [c.action for c in changes] == ["schedule", "move"]
    assert changes[1].old_starts_at == msk(monday, 10)
    assert changes[1].new_starts_at == msk(monday, 15)
    states = dbsession.scalars(sa.select(WorkflowHistory.to_state).where(
        WorkflowHistory.object_type == "job", WorkflowHistory.object_id == job.id)).all()
    assert states == ["scheduled"]
    unplan(dbsession, shop.dispatcher, job)
    assert job.state == "unscheduled" and job.starts_at is None and job.assignments == []
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(job.id))) == 0


def test_an_overlap_is_refused_naming_the_other_job(shop, dbsession, monday):
    tech = shop.techs[1]
    first = shop.job(title="Первая")
    second = shop.job(title="Вторая")
    plan(dbsession, None, first, [tech.id], msk(monday, 10))
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, second, [tech.id], msk(monday, 10, 30))
    assert codes(caught.value) == {"overlap"}
    assert first.number in str(caught.value.problems[0].message.interpolate())
    assert second.state == "unscheduled" and second.starts_at is None
    # Back to back is fine.
    plan(dbsession, None, second, [tech.id], msk(monday, 11))
    assert second.state == "scheduled"


def test_the_database_refuses_an_overlap_the_checks_did_not_see(shop, dbsession, monday):
    """The guard holds even when the check before the write is skipped (two checks racing)."""
    import portal.dispatch.service as service

    tech = shop.techs[1]
    first, second = shop.job(), shop.job()
    plan(dbsession, None, first, [tech.id], msk(monday, 10))
    real = service.check_plan
    service.check_plan = lambda *a, **k: real(*a, **{**k, "skip_overlap": True})
    try:
        with pytest.raises(PlanRefused) as caught:
            plan(dbsession, None, second, [tech.id], msk(monday, 10, 30))
    finally:
        service.check_plan = real
    assert codes(caught.value) == {"overlap"}
    assert second.state == "unscheduled"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(second.id))) == 0


def test_skills_levels_and_certificates_are_hard(shop, dbsession, monday):
    job = shop.job(skills=[(shop.gas, 3)])
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 10), reason="срочно")
    assert codes(caught.value) == {"skill"} and not caught.value.needs_reason
    # The certificate expires the day before the job.
    held = shop.techs[0].skills[0]
    held.certificate_expires = monday - dt.timedelta(days=1)
    dbsession.flush()
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [shop.techs[0].id], msk(monday, 10))
    assert codes(caught.value) == {"skill"}
    assert "certificate" in str(caught.value.problems[0].message.interpolate())
    held.certificate_expires = monday
    dbsession.flush()
    plan(dbsession, None, job, [shop.techs[0].id], msk(monday, 10))
    # Level too low.
    electric = shop.job(skills=[(shop.electric, 3)])
    with pytest.raises(PlanRefused):
        plan(dbsession, None, electric, [shop.techs[1].id], msk(monday, 14))


def test_a_crew_needs_its_size_and_its_equipment(shop, dbsession, monday):
    job = shop.job(technicians_needed=2, equipment_type="van")
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [shop.techs[0].id], msk(monday, 10))
    assert codes(caught.value) == {"crew", "equipment"}
    plan(dbsession, None, job, [shop.techs[0].id, shop.techs[1].id, shop.van.id], msk(monday, 10))
    assert sorted(job.resource_ids) == sorted([shop.techs[0].id, shop.techs[1].id, shop.van.id])
    # The van is now busy for another crew.
    other = shop.job(technicians_needed=1, equipment_type="van")
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, other, [shop.techs[2].id, shop.van.id], msk(monday, 10, 30))
    assert codes(caught.value) == {"overlap", "territory"}


def test_working_hours_time_off_and_window_pass_only_with_a_reason(shop, dbsession, monday):
    tech = shop.techs[1]
    job = shop.job()
    # Over lunch (13:00-14:00 is not working time).
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [tech.id], msk(monday, 12, 30))
    assert codes(caught.value) == {"hours"} and caught.value.needs_reason
    plan(dbsession, None, job, [tech.id], msk(monday, 12, 30), reason="Клиент просил в обед")
    assert job.override_reason == "Клиент просил в обед"
    last = dbsession.scalar(sa.select(JobChange).where(JobChange.job_id == job.id)
                            .order_by(JobChange.id.desc()).limit(1))
    assert last.reason == "Клиент просил в обед"
    # Time off.
    dbsession.add(TimeOff(resource_id=tech.id, starts_at=msk(monday + dt.timedelta(days=1), 0),
                          ends_at=msk(monday + dt.timedelta(days=2), 0), kind="sick"))
    dbsession.flush()
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [tech.id], msk(monday + dt.timedelta(days=1), 10))
    assert codes(caught.value) == {"time_off"}
    # The client's window.
    windowed = shop.job(earliest_start=msk(monday, 14), latest_finish=msk(monday, 18))
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, windowed, [shop.techs[2].id], msk(monday, 10))
    assert codes(caught.value) == {"window", "territory"}


def test_past_times_and_retired_resources_are_refused_even_with_a_reason(shop, dbsession):
    tech = shop.techs[1]
    job = shop.job()
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [tech.id], past, reason="надо")
    assert "past" in codes(caught.value)
    tech.active = False
    dbsession.flush()
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [tech.id], msk(next_weekday(), 10), reason="надо")
    assert "inactive" in codes(caught.value)


def test_a_resource_with_no_working_hours_needs_a_reason(shop, dbsession, monday):
    tech = shop.techs[2]
    tech.hours = {}
    dbsession.flush()
    job = shop.job(territory_id=shop.south.id)
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [tech.id], msk(monday, 10))
    assert codes(caught.value) == {"no_hours"} and caught.value.needs_reason


def test_another_territory_is_a_warning(shop, dbsession, monday):
    job = shop.job(territory_id=shop.north.id)
    warnings = plan(dbsession, None, job, [shop.techs[2].id], msk(monday, 10))
    assert [w.code for w in warnings] == ["territory"]
    assert job.state == "scheduled"


def test_a_stale_revision_is_refused(shop, dbsession, monday):
    """Two dispatchers moved the same job from the same picture: the second is told."""
    job = shop.job()
    plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 10))
    seen = job.revision
    plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 11), revision=seen)
    with pytest.raises(PlanRefused) as caught:
        plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 15), revision=seen)
    assert codes(caught.value) == {"revision"}
    assert job.starts_at == msk(monday, 11)


def test_jobs_in_progress_done_or_cancelled_are_not_replanned(shop, dbsession, monday):
    for state in ("in_progress", "completed", "cancelled", "on_hold"):
        job = shop.job(state=state)
        with pytest.raises(PlanRefused) as caught:
            plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 10))
        assert codes(caught.value) == {"state"}


def test_a_skill_taken_away_flags_the_planned_jobs(shop, dbsession, monday):
    tech = shop.techs[0]
    job = shop.job(skills=[(shop.gas, 3)])
    plain = shop.job()
    plan(dbsession, None, job, [tech.id], msk(monday, 10))
    plan(dbsession, None, plain, [tech.id], msk(monday, 14))
    gas = next(s for s in tech.skills if s.skill_id == shop.gas.id)
    tech.skills.remove(gas)
    dbsession.flush()
    flagged = recheck_jobs(dbsession, [tech.id])
    assert flagged == [job]
    assert job.flagged == "skill" and plain.flagged == ""
    assert [str(t) for t in flag_titles(job)] == ["a technician lacks a skill or its certificate"]
    # Nothing is lost: the job stays planned until the dispatcher moves it.
    assert job.state == "scheduled" and job.starts_at == msk(monday, 10)
    # Time off over the plain job flags it too; taken back, the flag goes.
    off = TimeOff(resource_id=tech.id, starts_at=msk(monday, 13), ends_at=msk(monday, 18))
    dbsession.add(off)
    dbsession.flush()
    recheck_jobs(dbsession, [tech.id])
    assert plain.flagged == "time_off"
    dbsession.delete(off)
    dbsession.flush()
    recheck_jobs(dbsession, [tech.id])
    assert plain.flagged == ""


def test_hold_and_cancel_free_the_resources(shop, dbsession, monday, request_for):
    job = shop.job()
    plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 10))
    request = request_for(shop.dispatcher)
    locate(request, job)
    job.workflow.transition(request, job, "hold", "Ждём запчасть")
    assert job.state == "on_hold" and job.starts_at is None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(job.id))) == 0
    job.workflow.transition(request, job, "resume")
    assert job.state == "unscheduled"
    # The time is free for another job.
    other = shop.job()
    plan(dbsession, None, other, [shop.techs[1].id], msk(monday, 10))
    assert dbsession.get(Job, other.id).state == "scheduled"
