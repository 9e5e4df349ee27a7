"""A technician's jobs on a phone (/dispatch/@@my), on SQLite and PostgreSQL: who sees which jobs,
starting and completing with actual times, the report stored, bad input told in words, another
technician refused, and two taps at the same instant completing the job once."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction
from pyramid.request import Request
from pyramid.scripting import prepare

import models
import portal.dispatch.field as field
from models.clients import Contact, Phone
from models.dispatch import Job, JobAssignment, JobService, Resource
from models.errors import UserError
from models.meta import utcnow
from models.people import ApiToken
from models.workflow import WorkflowHistory
from portal.dispatch.resources import place_job
from tests.clock import MOSCOW, local_at, local_today
from tests.conftest import Factory
from tests.functional.dispatch.shop import HOURS, shop  # noqa: F401

REPORT = {"work_done": "Replaced the igniter\nand cleaned the burner",
          "parts_used": "Igniter X-12", "signed_by": "  Anna   Ivanova ", "fixed": "yes"}


def put(db, job: Job, resource: Resource, start: dt.datetime, minutes: int = 60,
        state: str = "scheduled") -> Job:
    """A job planned on `resource`, written straight to the database (the page only reads it;
    planning's rules have their own tests)."""
    job.starts_at, job.ends_at = start, start + dt.timedelta(minutes=minutes)
    job.duration_minutes = minutes
    job.state = state
    job.assignments = [JobAssignment(resource_id=resource.id)]
    db.flush()
    return job


def reread(db, obj):
    """What the request left (flushed as its commit would), read back."""
    db.flush()
    db.refresh(obj)
    return obj


def url(job: Job, name: str = "") -> str:
    return f"/dispatch/jobs/{job.number}/" + (f"@@{name}" if name else "")


def card(page, job: Job):
    return page.html.select_one(f"#job-{job.number}")


@pytest.fixture
def today():
    return local_today()


def test_a_technician_sees_his_jobs_of_today_and_the_week_and_no_one_elses(shop, dbsession,
                                                                           testapp, today):
    me, other = shop.techs[0], shop.techs[1]
    mine_today = put(dbsession, shop.job("Boiler at the school"), me, local_at(today, 10))
    mine_later = put(dbsession, shop.job("Wiring at the depot"), me,
                     local_at(today + dt.timedelta(days=3), 14))
    too_far = put(dbsession, shop.job("Next month"), me, local_at(today + dt.timedelta(days=9), 9))
    yesterday = put(dbsession, shop.job("Done yesterday"), me,
                    local_at(today - dt.timedelta(days=1), 9), state="completed")
    # Started yesterday and not finished: still today's business.
    running = put(dbsession, shop.job("Still running"), me,
                  local_at(today - dt.timedelta(days=1), 15), state="in_progress")
    others = put(dbsession, shop.job("Not mine"), other, local_at(today, 11))
    testapp.login("tech1")
    page = testapp.get("/dispatch/@@my")
    todays = page.html.select_one("#my-jobs-today")
    week = page.html.select_one("#my-jobs-week")
    assert todays.select_one(f"#job-{mine_today.number}") and todays.select_one(
        f"#job-{running.number}")
    assert week.select_one(f"#job-{mine_later.number}") and not todays.select_one(
        f"#job-{mine_later.number}")
    for hidden in (too_far, yesterday, others):
        assert card(page, hidden) is None, hidden.title
    # The other technician sees only his.
    testapp.login("tech2")
    page = testapp.get("/dispatch/@@my")
    assert card(page, others) is not None and card(page, mine_today) is None


def test_someone_not_on_the_board_gets_a_friendly_empty_page(shop, testapp):
    testapp.login("dispatcher")
    page = testapp.get("/dispatch/@@my")
    assert "not on the dispatch board" in page.html.select_one("#my-jobs-none").text


def test_a_card_has_the_time_client_address_contact_services_and_state(shop, dbsession, testapp,
                                                                        today):
    contact = Contact(full_name="Anna Ivanova", organization=shop.client)
    contact.phones.append(Phone(number="+7 (916) 123-45-67"))
    dbsession.add(contact)
    job = shop.job("Boiler is cold", contact_id=None, site_address="Moscow, Lenina 1, flat 5",
                   description="Code 1234 at the gate")
    job.contact_id = contact.id
    job.services = [JobService(service_id=shop.boiler_service.id)]
    put(dbsession, job, shop.techs[0], local_at(today, 10, 30), minutes=90, state="dispatched")
    testapp.login("tech1")
    found = card(testapp.get("/dispatch/@@my"), job)
    text = " ".join(found.text.split())
    assert "10:30–12:00" in text and "Boiler is cold" in text and shop.client.name in text
    assert found.select_one("a.my-job-map")["href"].startswith("https://yandex.ru/maps/?text=Moscow")
    assert found.select_one("a.my-job-call")["href"] == "tel:+79161234567"
    assert "Anna Ivanova" in text and "Обслуживание котла" in text
    assert "Code 1234 at the gate" in text and "Dispatched" in text
    assert found.select_one("form.my-job-start button")


def test_start_then_complete_keeps_the_actual_times_and_the_report(shop, dbsession, testapp,
                                                                    today):
    job = put(dbsession, shop.job("Boiler"), shop.techs[0], local_at(today, 9))
    testapp.login("tech1")
    before = utcnow()
    testapp.post_csrf(url(job, "my-start"), status=303)
    reread(dbsession, job)
    assert job.state == "in_progress" and before <= job.actual_start <= utcnow()
    page = testapp.get("/dispatch/@@my")
    shown = card(page, job)
    assert shown.select_one(".my-job-actual-start").text.strip() == \
        f"{job.actual_start.astimezone(MOSCOW):%H:%M}"
    assert shown.select_one("form.my-job-report")
    testapp.post_csrf(url(job, "my-complete"), REPORT, status=303)
    reread(dbsession, job)
    assert job.state == "completed" and job.actual_start <= job.actual_end <= utcnow()
    assert job.work_done == "Replaced the igniter\nand cleaned the burner"
    assert (job.parts_used, job.signed_by, job.fixed_first_time) == (
        "Igniter X-12", "Anna Ivanova", True)
    steps = dbsession.scalars(sa.select(WorkflowHistory.transition).where(
        WorkflowHistory.object_type == "job", WorkflowHistory.object_id == job.id)
        .order_by(WorkflowHistory.id)).all()
    assert steps == ["start", "complete"]
    shown = card(testapp.get("/dispatch/@@my"), job)
    assert "Anna Ivanova" in shown.select_one(".my-job-signed").text
    assert shown.select_one(".my-job-actual-end") and not shown.select("form")


def test_not_fixed_first_time_is_kept_as_no(shop, dbsession, testapp, today):
    job = put(dbsession, shop.job("Boiler"), shop.techs[0], local_at(today, 9), state="in_progress")
    testapp.login("tech1")
    testapp.post_csrf(url(job, "my-complete"), {**REPORT, "fixed": "no"}, status=303)
    reread(dbsession, job)
    assert job.state == "completed" and job.fixed_first_time is False


@pytest.mark.parametrize("changes, field_name, message", [
    ({"work_done": "   "}, "work_done", "Say what was done"),
    ({"work_done": None}, "work_done", "Say what was done"),
    ({"signed_by": ""}, "signed_by", "customer's name"),
    ({"signed_by": "x" * 201}, "signed_by", "At most 200 characters"),
    ({"fixed": None}, "fixed", "fixed on this visit"),
    ({"fixed": "maybe"}, "fixed", "fixed on this visit"),
    ({"work_done": "x" * 20_001}, "work_done", "At most 20000 characters"),
])
def test_a_bad_report_is_told_next_to_its_field_and_nothing_is_stored(
        shop, dbsession, testapp, today, changes, field_name, message):
    job = put(dbsession, shop.job("Boiler"), shop.techs[0], local_at(today, 9), state="in_progress")
    posted = {k: v for k, v in {**REPORT, **changes}.items() if v is not None}
    testapp.login("tech1")
    page = testapp.post_csrf(url(job, "my-complete"), posted, status=400)
    error = page.html.select_one(f"#{field_name}-{job.id}-error")
    assert error is not None and message in error.text
    # What was typed is shown again.
    if "work_done" in posted and field_name != "work_done":
        assert "Replaced the igniter" in page.html.select_one(f"#work_done-{job.id}").text
    reread(dbsession, job)
    assert job.state == "in_progress" and job.work_done == "" and job.actual_end is None


def test_completing_a_job_not_started_or_starting_one_done_says_why(shop, dbsession, testapp,
                                                                     today):
    waiting = put(dbsession, shop.job("Waiting"), shop.techs[0], local_at(today, 9))
    done = put(dbsession, shop.job("Done"), shop.techs[0], local_at(today, 11), state="completed")
    testapp.login("tech1")
    testapp.post_csrf(url(waiting, "my-complete"), REPORT, status=303)
    assert "Start the job before completing it." in testapp.get("/dispatch/@@my").text
    testapp.post_csrf(url(done, "my-start"), status=303)
    assert "This job is already completed." in testapp.get("/dispatch/@@my").text
    reread(dbsession, waiting)
    assert waiting.state == "scheduled" and waiting.work_done == ""


def test_a_second_tap_after_the_first_is_told_and_the_first_report_kept(shop, dbsession, testapp,
                                                                         today):
    job = put(dbsession, shop.job("Boiler"), shop.techs[0], local_at(today, 9))
    testapp.login("tech1")
    testapp.post_csrf(url(job, "my-start"), status=303)
    testapp.post_csrf(url(job, "my-start"), status=303)
    assert "started a moment ago" in testapp.get("/dispatch/@@my").text
    testapp.post_csrf(url(job, "my-complete"), REPORT, status=303)
    testapp.post_csrf(url(job, "my-complete"), {**REPORT, "work_done": "Other"}, status=303)
    assert "completed a moment ago" in testapp.get("/dispatch/@@my").text
    reread(dbsession, job)
    assert job.work_done.startswith("Replaced")
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(WorkflowHistory).where(
        WorkflowHistory.object_type == "job", WorkflowHistory.object_id == job.id,
        WorkflowHistory.transition == "complete")) == 1


def test_another_technician_cannot_start_or_complete_my_job(shop, dbsession, testapp, today):
    job = put(dbsession, shop.job("Boiler"), shop.techs[0], local_at(today, 9))
    running = put(dbsession, shop.job("Running"), shop.techs[0], local_at(today, 11),
                  state="in_progress")
    testapp.login("tech2")
    testapp.post_csrf(url(job, "my-start"), status=403)
    testapp.post_csrf(url(running, "my-complete"), REPORT, status=403)
    reread(dbsession, job)
    reread(dbsession, running)
    assert job.state == "scheduled" and job.actual_start is None
    assert running.state == "in_progress" and running.work_done == ""
    # The client's sales team may see the job, not work on it.
    seller = shop.factory.user("seller", roles=["sales"], departments=[shop.sales_dept])
    testapp.login(seller.login)
    testapp.get(url(job), status=200)
    testapp.post_csrf(url(job, "my-start"), status=403)
    testapp.post_csrf(url(running, "my-complete"), REPORT, status=403)
    reread(dbsession, job)
    assert job.state == "scheduled"


def test_a_post_without_the_csrf_token_is_refused(shop, dbsession, testapp, today):
    job = put(dbsession, shop.job("Boiler"), shop.techs[0], local_at(today, 9))
    testapp.login("tech1")
    testapp.post(url(job, "my-start"), {}, status=400)
    reread(dbsession, job)
    assert job.state == "scheduled"


def test_a_get_or_an_unknown_job_never_breaks(shop, testapp):
    testapp.login("tech1")
    testapp.get("/dispatch/jobs/J-2031-999999/@@my-start", status=404)
    testapp.post_csrf("/dispatch/jobs/%00/@@my-complete", REPORT, status=[400, 404])
    testapp.post_csrf("/dispatch/jobs/J-2031-999999/@@my-complete", REPORT, status=404)


# --- two taps at the same instant, in real transactions ---------------------------------------

@pytest.fixture
def running_job(app):
    """A technician (with an API token, so that a request needs no session row) and his job in
    progress, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Service {tag}")
        user = people.user(login=f"tap-{tag}", roles=["technician"], departments=[dept])
        tech = Resource(kind="technician", name=f"Tech {tag}", user_id=user.id, hours=HOURS,
                        department_id=dept.id)
        db.add(tech)
        db.flush()
        job = Job(number=f"J-2033-{tag[:6]}", department_id=dept.id, duration_minutes=60,
                  state="in_progress", starts_at=utcnow(),
                  ends_at=utcnow() + dt.timedelta(hours=1), actual_start=utcnow())
        job.set_title("Two taps")
        job.assignments = [JobAssignment(resource_id=tech.id)]
        db.add(job)
        token, secret = ApiToken.issue(user, "phone")
        # Used just now: reading it writes nothing (a write before the race would take
        # SQLite's lock early).
        token.last_used_at = utcnow() + dt.timedelta(days=1)
        db.add(token)
        db.flush()
        ids = job.id, tech.id, token.id
    yield ids[0], secret
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.delete(WorkflowHistory.__table__).where(
            WorkflowHistory.object_type == "job", WorkflowHistory.object_id == ids[0]))
        conn.execute(sa.delete(JobAssignment.__table__).where(JobAssignment.job_id == ids[0]))
        conn.execute(sa.delete(Job.__table__).where(Job.id == ids[0]))
        conn.execute(sa.delete(Resource.__table__).where(Resource.id == ids[1]))
        conn.execute(sa.delete(ApiToken.__table__).where(ApiToken.id == ids[2]))


def test_two_taps_at_the_same_instant_complete_the_job_once(app, dbengine, running_job,
                                                            monkeypatch):
    job_id, secret = running_job
    barrier = threading.Barrier(2, timeout=30)
    original = field._claim

    def claim_together(*args, **kw):
        barrier.wait()  # both read the job in progress; now both try to take it
        return original(*args, **kw)

    monkeypatch.setattr(field, "_claim", claim_together)
    done, refused, errors = [], [], []

    def tap(words: str):
        try:
            tm = transaction.TransactionManager(explicit=True)
            with tm:
                db = models.get_tm_session(app.registry["dbsession_factory"], tm)
                request = Request.blank("/", environ={
                    "HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en",
                    "HTTP_AUTHORIZATION": f"Bearer {secret}", "tm.active": True,
                    "tm.manager": tm, "app.dbsession": db})
                env = prepare(request=request, registry=app.registry)
                try:
                    request.root = env["root"]
                    job = db.get(Job, job_id)
                    place_job(request, job)
                    field.complete_job(request, job, field.Report(words, "", "Anna", True))
                    done.append(words)
                finally:
                    env["closer"]()
        except UserError as refusal:
            refused.append(str(refusal.message))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=tap, args=(w,)) for w in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors
    assert len(done) == 1 and len(refused) == 1, (done, refused)
    assert "completed a moment ago" in refused[0]
    with dbengine.connect() as conn:
        row = conn.execute(sa.select(Job.state, Job.work_done, Job.actual_end)
                           .where(Job.id == job_id)).one()
        completions = conn.scalar(sa.select(sa.func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.object_type == "job", WorkflowHistory.object_id == job_id,
            WorkflowHistory.transition == "complete"))
    assert row.state == "completed" and row.work_done == done[0] and row.actual_end is not None
    assert completions == 1


def test_my_day_of_a_technician_lists_todays_jobs_and_leads_to_his_page(shop, dbsession, testapp,
                                                                         today):
    job = put(dbsession, shop.job("Boiler at the school"), shop.techs[0], local_at(today, 10))
    put(dbsession, shop.job("Tomorrow"), shop.techs[0], local_at(today + dt.timedelta(days=1), 10))
    testapp.login("tech1")
    block = testapp.get("/").html.select_one("#home-my-jobs")
    assert [a["href"] for a in block.select("li a")] == [
        f"/dispatch/@@my#job-{job.number}"]
    assert "10:00" in block.text and "Boiler at the school" in block.text
    # Dispatchers have the board instead.
    testapp.login("dispatcher")
    assert testapp.get("/").html.select_one("#home-my-jobs") is None
