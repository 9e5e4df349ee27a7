"""The dispatcher's board (views/dispatch/board.py), on SQLite and PostgreSQL: what its JSON
holds and how the filters narrow it, who may plan and who may not, refusals with every reason
(and a reason that lets an overridable one pass), a stale revision, bad input answered as JSON,
auto-plan accepted, the change stamp the board polls, and the statement budget of board.json."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from models.booking import ResourceBooking
from models.dispatch import Job, TimeOff, job_key
from portal.dispatch.service import plan
from tests.functional.dispatch.shop import msk, next_weekday, shop  # noqa: F401
from tests.querycount import counting

BOARD = "/dispatch/board.json"
PANE = "/dispatch/unscheduled.json"


@pytest.fixture
def monday():
    return next_weekday(weekday=0)


def day_range(day: dt.date, days: int = 1) -> dict:
    return {"start": day.isoformat(), "end": (day + dt.timedelta(days=days)).isoformat()}


def wall(day: dt.date, hour: int, minute: int = 0) -> str:
    """The wall time in Moscow (the test people's zone) as the board sends it."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"


def post(testapp, name: str, params: dict, status=200):
    token = testapp.csrf_token()
    return testapp.post(f"/dispatch/{name}", params, headers={"X-CSRF-Token": token},
                        status=status)


def as_dispatcher(testapp, shop):
    testapp.login(shop.dispatcher.login)


def events_by_id(data) -> dict:
    return {e["id"]: e for e in data["events"]}


# --- what the board shows ---------------------------------------------------------------------------

def test_the_board_shows_rows_with_utilization_bars_and_shading(shop, dbsession, testapp, monday):
    tech = shop.techs[0]
    job = shop.job(title="Котёл в подвале", skills=[(shop.gas, 3)], priority=3)
    plan(dbsession, shop.dispatcher, job, [tech.id], msk(monday, 10), msk(monday, 12))
    as_dispatcher(testapp, shop)
    data = testapp.get(BOARD, params=day_range(monday)).json
    rows = {r["id"]: r for r in data["resources"]}
    assert set(rows) == {t.id for t in shop.techs} | {shop.van.id}
    # Two hours of an eight-hour day; the van (08-20) has nothing.
    assert rows[tech.id]["extendedProps"]["utilization"] == 25
    assert rows[shop.techs[1].id]["extendedProps"]["utilization"] == 0
    assert rows[tech.id]["extendedProps"]["group"] == "Бригада 1"
    assert rows[tech.id]["extendedProps"]["territory"] == "Север"
    bar = events_by_id(data)[f"job:{job.id}"]
    assert bar["resourceIds"] == [tech.id]
    assert (bar["start"], bar["end"]) == (wall(monday, 10), wall(monday, 12))
    assert bar["editable"] is True
    assert {"job-scheduled", "prio-3"} <= set(bar["classNames"])
    assert bar["extendedProps"]["number"] == job.number
    assert bar["extendedProps"]["client"] == "ООО Ромашка"
    # The lunch hour of the technicians is shaded, not the van's.
    closed = [e for e in data["events"] if e.get("display") == "background"
              and (e["start"], e["end"]) == (wall(monday, 13), wall(monday, 14))]
    assert len(closed) == 1 and set(closed[0]["resourceIds"]) == {t.id for t in shop.techs}


def test_flagged_jobs_and_time_off_are_marked(shop, dbsession, testapp, monday):
    tech = shop.techs[1]
    job = shop.job()
    plan(dbsession, None, job, [tech.id], msk(monday, 10))
    job.flagged = "skill"
    dbsession.add(TimeOff(resource_id=tech.id, starts_at=msk(monday, 15),
                          ends_at=msk(monday, 18), kind="time_off"))
    dbsession.flush()
    as_dispatcher(testapp, shop)
    data = testapp.get(BOARD, params=day_range(monday)).json
    bar = events_by_id(data)[f"job:{job.id}"]
    assert "job-flagged" in bar["classNames"]
    assert bar["extendedProps"]["flags"] == ["a technician lacks a skill or its certificate"]
    off = [e for e in data["events"] if "time-off" in e.get("classNames", ())]
    assert [(e["resourceIds"], e["start"]) for e in off] == [([tech.id], wall(monday, 15))]
    row = next(r for r in data["resources"] if r["id"] == tech.id)
    # One hour booked of the five working hours left once the time off is taken out.
    assert row["extendedProps"]["utilization"] == 20


@pytest.mark.parametrize("which, expected", [
    ("territory", lambda s: {s.techs[2].id}),
    ("skill", lambda s: {s.techs[0].id}),
    ("group", lambda s: {t.id for t in s.techs}),
])
def test_the_filters_narrow_the_rows(shop, testapp, monday, which, expected):
    value = {"territory": shop.south.id, "skill": shop.gas.id, "group": shop.team.id}[which]
    as_dispatcher(testapp, shop)
    data = testapp.get(BOARD, params={**day_range(monday), which: value}).json
    assert {r["id"] for r in data["resources"]} == expected(shop)


def test_the_pane_lists_unscheduled_jobs_by_priority_and_filters(shop, dbsession, testapp, monday):
    low = shop.job(title="Замена фильтра", priority=0)
    urgent = shop.job(title="Течёт котёл", priority=3, territory_id=shop.south.id)
    planned = shop.job(title="Уже в плане")
    plan(dbsession, None, planned, [shop.techs[1].id], msk(monday, 10))
    as_dispatcher(testapp, shop)
    data = testapp.get(PANE).json
    assert [j["id"] for j in data["jobs"]] == [urgent.id, low.id] and data["total"] == 2
    assert data["jobs"][0]["editable"] is True and data["jobs"][0]["territory"] == "Юг"
    assert [j["id"] for j in testapp.get(PANE, params={"q": "ФИЛЬТР"}).json["jobs"]] == [low.id]
    assert [j["id"] for j in testapp.get(PANE, params={"priority": 3}).json["jobs"]] == [urgent.id]
    assert [j["id"] for j in testapp.get(PANE, params={"territory": shop.north.id}).json["jobs"]] \
        == [low.id]


def test_a_technician_sees_only_his_jobs_and_others_as_busy(shop, dbsession, testapp, monday):
    """The board's reads follow job.view in SQL: the dispatcher's page is not theirs, but what
    they may read of it shows only their own jobs; another's job is "Busy"."""
    mine = shop.job(title="Моя работа")
    theirs = shop.job(title="Чужая работа")
    plan(dbsession, None, mine, [shop.techs[0].id], msk(monday, 10))
    plan(dbsession, None, theirs, [shop.techs[1].id], msk(monday, 10))
    user = dbsession.get(type(shop.dispatcher), shop.techs[0].user_id)
    testapp.login(user.login)
    # The board is not his: the menu's "Dispatch" takes him to his own jobs.
    assert testapp.get("/dispatch", status=303).location.endswith("/dispatch/@@my")
    data = testapp.get(BOARD, params=day_range(monday)).json
    bars = events_by_id(data)
    assert bars[f"job:{mine.id}"]["editable"] is False
    assert f"job:{theirs.id}" not in bars
    busy = [e for e in data["events"] if "job-busy" in e["classNames"]]
    assert [(b["resourceIds"], b["title"]) for b in busy] == [([shop.techs[1].id], "Busy")]
    assert "Чужая" not in json.dumps(data, ensure_ascii=False)


# --- who may plan ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["dispatcher", "director", "service_head"])
def test_those_who_dispatch_may_plan(shop, testapp, factory, monday, who):
    if who == "dispatcher":
        user = shop.dispatcher
    elif who == "service_head":
        user = shop.head
    else:
        user = factory.user(roles=["director"])
    testapp.login(user.login)
    testapp.get("/dispatch", status=200)
    job = shop.job()
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                                 "start": wall(monday, 10), "revision": 0})
    assert res.json["ok"] is True
    assert res.json["job"]["start"] == wall(monday, 10)
    assert job.state == "scheduled" and job.resource_ids == [shop.techs[1].id]


@pytest.mark.parametrize("role", ["technician", "sales", "employee"])
def test_others_may_not_plan(shop, testapp, login_as, monday, role):
    login_as(role)
    job = shop.job()
    # Who sees jobs but does not plan is taken to the job list; who sees none is refused.
    if role == "employee":
        testapp.get("/dispatch", status=403)
    else:
        assert testapp.get("/dispatch", status=303).location.endswith("/dispatch/jobs/")
    post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                           "start": wall(monday, 10)}, status=403)
    post(testapp, "unplan", {"job": job.id}, status=403)
    post(testapp, "autoplan", day_range(monday), status=403)
    assert job.state == "unscheduled"


def test_a_department_head_elsewhere_may_not_plan_the_service_jobs(shop, testapp, factory, monday):
    """job.dispatch with department scope: the board opens, but another department's job is not
    theirs to see (404) — nor to plan."""
    other = factory.user(roles=["dept_head"], departments=[factory.department("Склад")])
    testapp.login(other.login)
    testapp.get("/dispatch", status=200)
    job = shop.job()
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                                 "start": wall(monday, 10)}, status=404)
    assert res.json["ok"] is False and res.json["message"] == "There is no such job."
    assert job.state == "unscheduled"
    assert testapp.get(PANE).json["jobs"] == []


def test_a_post_without_the_csrf_token_is_refused(shop, testapp, monday):
    as_dispatcher(testapp, shop)
    job = shop.job()
    testapp.post("/dispatch/plan", {"job": job.id, "resources": shop.techs[1].id,
                                    "start": wall(monday, 10)}, status=400)
    assert job.state == "unscheduled"


# --- refusals ---------------------------------------------------------------------------------------

def codes(res) -> set[str]:
    return {p["code"] for p in res.json["problems"]}


def test_an_overlap_is_refused_with_the_reason_and_nothing_stored(shop, dbsession, testapp,
                                                                 monday):
    first, second = shop.job(title="Первая"), shop.job(title="Вторая")
    plan(dbsession, None, first, [shop.techs[1].id], msk(monday, 10))
    as_dispatcher(testapp, shop)
    res = post(testapp, "plan", {"job": second.id, "resources": shop.techs[1].id,
                                 "start": wall(monday, 10, 30), "revision": 0}, status=409)
    assert codes(res) == {"overlap"} and res.json["needs_reason"] is False
    assert first.number in res.json["problems"][0]["message"]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(second.id))) == 0


def test_a_missing_skill_is_refused_even_with_a_reason(shop, testapp, monday):
    job = shop.job(skills=[(shop.gas, 3)])
    as_dispatcher(testapp, shop)
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                                 "start": wall(monday, 10), "reason": "очень надо"}, status=409)
    assert codes(res) == {"skill"} and res.json["needs_reason"] is False
    assert res.json["problems"][0]["resource_id"] == shop.techs[1].id


def test_outside_hours_asks_for_a_reason_then_passes_with_one(shop, dbsession, testapp, monday):
    job = shop.job()
    as_dispatcher(testapp, shop)
    params = {"job": job.id, "resources": shop.techs[1].id, "start": wall(monday, 19),
              "revision": 0}
    res = post(testapp, "plan", params, status=409)
    assert codes(res) == {"hours"} and res.json["needs_reason"] is True
    assert res.json["problems"][0]["overridable"] is True
    assert job.state == "unscheduled"
    res = post(testapp, "plan", {**params, "reason": "Клиент дома только вечером"})
    assert res.json["ok"] is True
    dbsession.refresh(job)
    assert job.state == "scheduled" and job.override_reason == "Клиент дома только вечером"
    assert job.starts_at == msk(monday, 19)


def test_a_territory_is_only_a_warning(shop, testapp, monday):
    job = shop.job()  # in the north; the third technician works in the south
    as_dispatcher(testapp, shop)
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[2].id,
                                 "start": wall(monday, 10)})
    assert res.json["ok"] is True and len(res.json["warnings"]) == 1


def test_a_stale_revision_is_refused(shop, dbsession, testapp, monday):
    job = shop.job()
    plan(dbsession, None, job, [shop.techs[1].id], msk(monday, 10))  # revision 0 → 1
    as_dispatcher(testapp, shop)
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                                 "start": wall(monday, 14), "revision": 0}, status=409)
    assert codes(res) == {"revision"}
    dbsession.refresh(job)
    assert job.starts_at == msk(monday, 10)
    post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                           "start": wall(monday, 14), "revision": 1})


def test_moving_resizing_and_taking_back_to_the_pane(shop, dbsession, testapp, monday):
    job = shop.job()
    as_dispatcher(testapp, shop)
    post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                           "start": wall(monday, 10)})
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[0].id,
                                 "start": wall(monday, 15), "end": wall(monday, 17),
                                 "revision": 1})
    assert res.json["job"]["resourceIds"] == [shop.techs[0].id]
    assert (res.json["job"]["start"], res.json["job"]["end"]) == (wall(monday, 15),
                                                                 wall(monday, 17))
    res = post(testapp, "unplan", {"job": job.id, "revision": 2})
    assert res.json["ok"] is True
    dbsession.refresh(job)
    assert job.state == "unscheduled" and job.starts_at is None
    assert [j["id"] for j in testapp.get(PANE).json["jobs"]] == [job.id]


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"start": "yesterday", "end": "2031-01-02"},
    {"start": "2031-01-02", "end": "2031-01-01"},
    {"start": "2031-01-01", "end": "2031-03-01"},
    {"start": "99999-01-01", "end": "2031-01-01"},
    {"start": "2031-01-01", "end": "2031-01-02", "territory": "x"},
    {"start": "2031-01-01", "end": "2031-01-02", "skill": "-1"},
])
def test_a_bad_range_or_filter_is_a_400_with_a_message(shop, testapp, params):
    as_dispatcher(testapp, shop)
    res = testapp.get(BOARD, params=params, status=400)
    assert res.json["ok"] is False and res.json["message"]


def test_bad_input_in_ru_is_answered_in_russian(shop, testapp):
    as_dispatcher(testapp, shop)
    res = testapp.get(BOARD, params={"start": "x", "end": "y"}, status=400,
                      headers={"Accept-Language": "ru"})
    assert res.json["message"]


@pytest.mark.parametrize("change, status", [
    ({"job": "abc"}, 400),
    ({"job": str(10**9)}, 404),
    ({"job": "٣"}, 400),
    ({"resources": "abc"}, 400),
    ({"resources": ""}, 400),
    ({"resources": str(10**9)}, 400),
    ({"start": "not a time"}, 400),
    ({"start": "2031-13-45T10:00"}, 400),
    ({"end": "soon"}, 400),
    ({"revision": "x"}, 400),
])
def test_bad_plan_input_is_4xx_json_and_stores_nothing(shop, testapp, monday, change, status):
    job = shop.job()
    as_dispatcher(testapp, shop)
    params = {"job": job.id, "resources": shop.techs[1].id, "start": wall(monday, 10), **change}
    res = post(testapp, "plan", params, status=status)
    assert res.json["ok"] is False and res.json["message"]
    assert job.state == "unscheduled"


@pytest.mark.parametrize("field", ["resources", "start", "job"])
def test_a_file_in_place_of_a_field_is_a_400(shop, testapp, monday, field):
    job = shop.job()
    as_dispatcher(testapp, shop)
    params = {"job": str(job.id), "resources": str(shop.techs[1].id), "start": wall(monday, 10)}
    params.pop(field, None)
    token = testapp.csrf_token()
    res = testapp.post("/dispatch/plan", params, headers={"X-CSRF-Token": token},
                       upload_files=[(field, "x.txt", b"1")], status="*")
    assert res.status_int in (400, 409) and res.json["ok"] is False
    assert job.state == "unscheduled"


def test_a_time_in_the_past_is_refused(shop, testapp):
    job = shop.job()
    as_dispatcher(testapp, shop)
    res = post(testapp, "plan", {"job": job.id, "resources": shop.techs[1].id,
                                 "start": "2020-01-06T10:00:00"}, status=409)
    assert "past" in codes(res)


@pytest.mark.parametrize("placements", ["nonsense", "{}", json.dumps([1, 2]),
                                        json.dumps([{"job_id": "x"}])])
def test_a_bad_proposal_is_refused(shop, testapp, placements):
    as_dispatcher(testapp, shop)
    res = post(testapp, "accept-plan", {"placements": placements}, status=400)
    assert res.json["ok"] is False


# --- find a slot, auto-plan -----------------------------------------------------------------------

def test_find_a_slot_offers_only_qualified_people(shop, testapp):
    job = shop.job(skills=[(shop.gas, 3)])
    as_dispatcher(testapp, shop)
    data = testapp.get("/dispatch/slots.json", params={"job": job.id}).json
    assert data["slots"] and {tuple(s["resource_ids"]) for s in data["slots"]} == {
        (shop.techs[0].id,)}
    testapp.get("/dispatch/slots.json", params={"job": "x"}, status=400)
    testapp.get("/dispatch/slots.json", params={"job": 10**9}, status=404)


def test_auto_plan_proposes_and_accepting_stores_what_still_fits(shop, dbsession, testapp,
                                                                monday):
    first = shop.job(title="Первая", priority=2)
    second = shop.job(title="Вторая")
    as_dispatcher(testapp, shop)
    proposal = post(testapp, "autoplan", {**day_range(monday), "group": shop.team.id}).json
    placed = {p["job_id"]: p for p in proposal["placements"]}
    assert set(placed) == {first.id, second.id} and proposal["unplaced"] == []
    assert all(p["start"].startswith(monday.isoformat()) for p in placed.values())
    # Someone takes the first one's place meanwhile: accepting stores the second, refuses it.
    taken = placed[first.id]
    squatter = shop.job(title="Занял место")
    post(testapp, "plan", {"job": squatter.id, "resources": taken["resource_ids"][0],
                           "start": taken["start"], "end": taken["end"]})
    res = post(testapp, "accept-plan", {"placements": json.dumps(proposal["placements"])}).json
    assert [p["job_id"] for p in res["placed"]] == [second.id]
    assert [r["job_id"] for r in res["refused"]] == [first.id] and res["refused"][0]["problems"]
    dbsession.refresh(first)
    dbsession.refresh(second)
    assert first.state == "unscheduled" and second.state == "scheduled"


# --- other dispatchers' changes --------------------------------------------------------------------

def test_the_change_stamp_moves_when_a_job_is_planned(shop, dbsession, testapp, monday):
    as_dispatcher(testapp, shop)
    before = testapp.get("/dispatch/changes.json").json
    assert before["changed"] is False
    again = testapp.get("/dispatch/changes.json", params={"after": before["stamp"]}).json
    assert again == {"stamp": before["stamp"], "changed": False}
    plan(dbsession, None, shop.job(), [shop.techs[1].id], msk(monday, 10))
    after = testapp.get("/dispatch/changes.json", params={"after": before["stamp"]}).json
    assert after["changed"] is True and after["stamp"] != before["stamp"]


# --- the page and the statement budget ------------------------------------------------------------

def test_the_page_carries_its_config_and_filters(shop, testapp):
    as_dispatcher(testapp, shop)
    page = testapp.get("/dispatch")
    config = json.loads(page.html.find(id="dispatch-config").string)
    assert config["urls"]["plan"] == "/dispatch/plan" and config["offset"] == "+03:00"
    assert config["jobsUrl"] == "/dispatch/jobs/"
    assert config["states"]["scheduled"] == "Scheduled" and config["priorities"]["3"] == "Urgent"
    assert "Бригада 1" in page.text and "Север" in page.text and "Газовые котлы" in page.text
    assert page.html.find(id="pane-list") is not None


def test_board_json_is_a_few_statements_whatever_the_jobs(shop, dbsession, dbengine, testapp,
                                                          monday):
    as_dispatcher(testapp, shop)
    # The role matrix is read once and kept: warm it as a served portal has.
    testapp.get(BOARD, params=day_range(monday))
    counted = []
    for extra in (1, 6):
        for i in range(extra):
            job = shop.job(title=f"Работа {i}")
            day = monday + dt.timedelta(days=i % 5)
            plan(dbsession, None, job, [shop.techs[i % 2].id],
                 msk(day, 9 + (i // 5) + len(counted)))
        dbsession.add(TimeOff(resource_id=shop.techs[2].id, starts_at=msk(monday, 9),
                              ends_at=msk(monday, 10)))
        dbsession.flush()
        dbsession.expunge_all()
        with counting(dbengine) as counts:
            data = testapp.get(BOARD, params=day_range(monday, 7)).json
        assert counts.queries <= 8, str(counts)
        assert not counts.lazy, str(counts)
        counted.append(counts.queries)
        assert len([e for e in data["events"] if e["id"].startswith("job:")]) == \
            dbsession.scalar(sa.select(sa.func.count()).select_from(Job)
                             .where(Job.state == "scheduled"))
    assert counted[0] == counted[1]
