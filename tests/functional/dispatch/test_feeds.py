"""Service jobs in the calendars (portal/dispatch/feeds.py), on SQLite and PostgreSQL: a
technician's secret ICS feed carries his jobs (and nobody else's); the team calendar shows the
time his jobs take as busy, with the job's number and title only to those who may see the job."""
from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import webtest

from models.dispatch import Job, JobAssignment, Resource
from portal.calendar import events
from portal.calendar.ics import ICS_FEED_PROVIDERS
from portal.dispatch import feeds
from tests.clock import MOSCOW, local_at, local_today
from tests.functional.dispatch.shop import shop  # noqa: F401


def put(db, job: Job, resource: Resource, start: dt.datetime, minutes: int = 90,
        state: str = "dispatched") -> Job:
    """A job planned on `resource`, written straight to the database."""
    job.starts_at, job.ends_at = start, start + dt.timedelta(minutes=minutes)
    job.state = state
    job.assignments = [JobAssignment(resource_id=resource.id)]
    db.flush()
    return job


@pytest.fixture
def day():
    return local_today() + dt.timedelta(days=2)


def feed_of(testapp, app, login: str) -> icalendar.Calendar:
    testapp.login(login)
    url = testapp.get("/calendar/subscribe").html.select_one("#feed-url")["value"]
    anonymous = webtest.TestApp(app, extra_environ=testapp.extra_environ)
    return icalendar.Calendar.from_ical(anonymous.get(url.split("example.com", 1)[1]).body)


def test_the_jobs_are_in_the_feed_provided_to_the_calendar():
    assert any(p is feeds.jobs_feed for p in ICS_FEED_PROVIDERS)


def test_a_technicians_feed_has_his_jobs_and_no_one_elses(shop, dbsession, testapp, app, day):
    mine = shop.job("Boiler at the school", site_address="Moscow, Lenina 1",
                    description="Code 1234")
    put(dbsession, mine, shop.techs[0], local_at(day, 10))
    done = put(dbsession, shop.job("Done last week"), shop.techs[0],
               local_at(day - dt.timedelta(days=9), 10), state="completed")
    others = put(dbsession, shop.job("Not mine"), shop.techs[1], local_at(day, 12))
    cancelled = shop.job("Cancelled", state="cancelled")
    feed = feed_of(testapp, app, "tech1")
    found = {str(e["uid"]): e for e in feed.walk("VEVENT")}
    assert f"job-{others.id}@portal" not in found and f"job-{cancelled.id}@portal" not in found
    event = found[f"job-{mine.id}@portal"]
    assert str(event["summary"]) == f"Service job: {mine.number} Boiler at the school"
    assert str(event["location"]) == "Moscow, Lenina 1"
    assert event.decoded("dtstart") == local_at(day, 10)
    assert event.decoded("dtend") == local_at(day, 11, 30)
    assert "Code 1234" in str(event["description"]) and mine.number in str(event["url"])
    assert f"job-{done.id}@portal" in found  # the record of last week's work stays


def test_a_russian_technician_reads_the_prefix_in_russian(shop, dbsession, testapp, app, day):
    shop.techs[0].user.locale = "ru"
    job = put(dbsession, shop.job("Котёл"), shop.techs[0], local_at(day, 10))
    feed = feed_of(testapp, app, "tech1")
    [event] = [e for e in feed.walk("VEVENT") if str(e["uid"]) == f"job-{job.id}@portal"]
    assert str(event["summary"]).endswith(f"{job.number} Котёл")


def test_the_team_calendar_gets_the_jobs_as_busy_time(shop, dbsession, request_for, day):
    job = put(dbsession, shop.job("Boiler at the school"), shop.techs[0], local_at(day, 10))
    put(dbsession, shop.job("Another day"), shop.techs[0], local_at(day + dt.timedelta(days=5), 10))
    ws, we = events.local_window(day, 1, MOSCOW)
    people = [t.user_id for t in shop.techs] + [shop.dispatcher.id]
    # A dispatcher may see the job: its number and title, and a link.
    seen = feeds.team_busy(request_for(shop.dispatcher), people, ws, we)
    assert list(seen) == [shop.techs[0].user_id]
    [span] = seen[shop.techs[0].user_id]
    assert span["title"] == f"{job.number} Boiler at the school"
    assert span["url"].endswith(f"/dispatch/jobs/{job.number}")
    assert (span["start"], span["end"]) == (local_at(day, 10), local_at(day, 11, 30))
    # Another technician may not: the time is busy, nothing more.
    [hidden] = feeds.team_busy(request_for(shop.techs[1].user), people, ws, we)[
        shop.techs[0].user_id]
    assert hidden["title"] == "Busy" and hidden["url"] is None
    assert "Boiler" not in str(hidden)


@pytest.mark.skipif(not hasattr(events, "TEAM_BUSY_PROVIDERS"),
                    reason="the calendar's hook for other areas' busy time is the lead's to add "
                           "(reports/field-needs.md, 5)")
def test_the_team_view_shows_a_technicians_job_as_busy(shop, dbsession, testapp, day):
    job = put(dbsession, shop.job("Boiler at the school"), shop.techs[0], local_at(day, 10))
    window = f"start={day.isoformat()}T00:00:00&end={(day + dt.timedelta(days=1)).isoformat()}T00:00:00"
    testapp.login("tech2")
    team = testapp.get(f"/calendar/team.json?{window}&dept={shop.service_dept.id}").json
    [busy] = [e for e in team["events"] if shop.techs[0].user_id in e["resourceIds"]]
    assert busy["title"] == "Busy" and busy["start"].endswith("10:00:00")
    testapp.login("dispatcher")
    team = testapp.get(f"/calendar/team.json?{window}&dept={shop.service_dept.id}").json
    [busy] = [e for e in team["events"] if shop.techs[0].user_id in e["resourceIds"]]
    assert busy["title"] == f"{job.number} Boiler at the school"
