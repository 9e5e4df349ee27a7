"""The screens that manage the board's resources and the service catalog: who may change what
(dispatchers, the head of the resource's department, directors — not employees, technicians or
the head of another department), what is stored, and bad input answered with a clear message,
never a 500; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from models.dispatch import (
    JobAssignment,
    Resource,
    ResourceGroup,
    Service,
    ServiceSkill,
    Skill,
    Territory,
    TimeOff,
)
from models.errors import UserError
from portal.dispatch import manage
from tests.clock import local_today
from tests.functional.core.test_hostile_forms import LEAVE_ALONE, Poster, forms_on, hostile_check
from tests.functional.dispatch.shop import msk, next_weekday, shop  # noqa: F401

RESOURCES = "/dispatch/resources"
SETTINGS = "/dispatch/settings"
HOSTILE = '<script>alert("x")</script>'


def rows(testapp, url: str) -> set[str]:
    page = testapp.get(url)
    return {name for name in ("Павлов Иван", "Никитин Олег", "Захаров Пётр", "Газель А123")
            if name in page.text}


def planned(shop, resource, skills=()):
    """A job scheduled on `resource` next Monday 10:00-12:00 Moscow."""
    day = next_weekday()
    job = shop.job(skills=skills)
    job.state, job.starts_at, job.ends_at = "scheduled", msk(day, 10), msk(day, 12)
    job.assignments = [JobAssignment(resource_id=resource.id)]
    shop.db.flush()
    return job


def flashed(response) -> str:
    """The page a small form's redirect leads to (with its flashed message)."""
    assert response.status_int == 303, response.status
    return response.follow().text


# --- the list --------------------------------------------------------------------------------------

def test_list_searches_and_filters(testapp, shop):
    testapp.login(shop.dispatcher.login)
    assert rows(testapp, RESOURCES) == {"Павлов Иван", "Никитин Олег", "Захаров Пётр",
                                        "Газель А123"}
    assert rows(testapp, RESOURCES + "?" + urlencode({"q": "ПАВЛОВ"})) == {"Павлов Иван"}
    assert rows(testapp, RESOURCES + "?kind=equipment") == {"Газель А123"}
    assert rows(testapp, f"{RESOURCES}?territory={shop.south.id}") == {"Захаров Пётр"}
    assert rows(testapp, f"{RESOURCES}?skill={shop.gas.id}") == {"Павлов Иван"}
    assert rows(testapp, RESOURCES + "?" + urlencode({"group": shop.team.id, "q": "о"})) == {
        "Павлов Иван", "Никитин Олег", "Захаров Пётр"}
    # Junk in the filters filters nothing out and breaks nothing.
    page = testapp.get(RESOURCES + "?" + urlencode({"territory": "²", "group": "-1",
                                                    "skill": "9" * 14, "page": "x", "q": "%_"}))
    assert page.status_int == 200


def test_list_is_paged_by_fifty(testapp, shop):
    for i in range(55):
        resource = Resource(kind="equipment", equipment_type="lift",
                            department_id=shop.service_dept.id)
        resource.set_name(f"Подъёмник {i:02d}")
        shop.db.add(resource)
    shop.db.flush()
    testapp.login(shop.dispatcher.login)
    first = testapp.get(RESOURCES + "?" + urlencode({"q": "подъёмник"}))
    assert first.text.count('data-resource="') == 50
    second = testapp.get(RESOURCES + "?" + urlencode({"q": "подъёмник", "page": 2}))
    assert second.text.count('data-resource="') == 5


def test_retired_resources_are_listed_only_when_asked(testapp, shop):
    shop.techs[2].active = False
    shop.db.flush()
    testapp.login(shop.dispatcher.login)
    assert "Захаров Пётр" not in rows(testapp, RESOURCES)
    assert "Захаров Пётр" in rows(testapp, RESOURCES + "?retired=1")


def test_employee_sees_the_resources_but_changes_nothing(testapp, shop, factory):
    employee = factory.user("clerk", departments=[shop.sales_dept])
    testapp.login(employee.login)
    page = testapp.get(RESOURCES)
    assert "Павлов Иван" in page.text and "add-technician" not in page.text
    one = testapp.get(f"{RESOURCES}/{shop.techs[0].id}")
    assert "save-details" not in one.text and "09:00-13:00, 14:00-18:00" in one.text
    assert testapp.get(RESOURCES + "/add?kind=technician", status=403)
    testapp.post_csrf(f"{RESOURCES}/{shop.techs[0].id}/hours", {"zone": "Europe/Moscow"},
                      status=403)
    testapp.post_csrf(SETTINGS + "/skill", {"name": "Сварка"}, status=403)
    assert shop.techs[0].hours["week"]["mon"] == ["09:00-13:00", "14:00-18:00"]


def test_technician_may_not_change_even_himself(testapp, shop):
    tech = shop.techs[0]
    testapp.login("tech1")
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/skill", {"skill": shop.gas.id, "remove": "1"},
                      status=403)
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/time-off",
                      {"kind": "time_off", "starts_at": "2031-01-05", "ends_at": "2031-01-06"},
                      status=403)
    assert {s.skill_id for s in tech.skills} == {shop.gas.id, shop.electric.id}


# --- adding resources -------------------------------------------------------------------------------

def test_dispatcher_adds_a_technician_and_equipment(testapp, shop, factory, dbsession):
    person = factory.user("newtech", departments=[shop.service_dept], full_name="Сидоров Антон")
    testapp.login(shop.dispatcher.login)
    form = testapp.get(RESOURCES + "/add?kind=technician")
    assert "Сидоров Антон" in form.text and "Павлов Иван" not in form.text  # already on the board
    added = testapp.post_csrf(RESOURCES + "/add", {
        "kind": "technician", "user": person.id, "department": shop.service_dept.id,
        "territory": shop.south.id, "group": shop.team.id}, status=303)
    resource = dbsession.scalar(sa.select(Resource).where(Resource.user_id == person.id))
    assert (resource.kind, resource.name, resource.territory_id) == (
        "technician", "Сидоров Антон", shop.south.id)
    page = added.follow()
    assert "nothing can be planned" in page.text  # no working hours yet

    testapp.post_csrf(RESOURCES + "/add", {
        "kind": "equipment", "name": "Подъёмник", "equipment_type": "lift",
        "department": shop.service_dept.id}, status=303)
    lift = dbsession.scalar(sa.select(Resource).where(Resource.name == "Подъёмник"))
    assert (lift.kind, lift.equipment_type, lift.user_id) == ("equipment", "lift", None)


def test_a_second_resource_for_one_person_is_refused(testapp, shop, dbsession):
    testapp.login(shop.dispatcher.login)
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Resource))
    page = testapp.post_csrf(RESOURCES + "/add", {
        "kind": "technician", "user": shop.techs[0].user_id,
        "department": shop.service_dept.id}, status=400)
    assert "Павлов Иван is already on the board" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Resource)) == before


def test_the_unique_index_refuses_a_second_resource_the_check_did_not_see(shop, dbsession,
                                                                          monkeypatch):
    """Two managers adding one person at the same instant: both checks see nobody, the index
    refuses the second, who is told as clearly, and the transaction goes on (a savepoint)."""
    person = shop.techs[0].user
    check = manage._refuse_second
    calls = []

    def check_that_saw_nothing_the_first_time(dbsession, person):
        calls.append(person)
        if len(calls) > 1:
            check(dbsession, person)

    monkeypatch.setattr(manage, "_refuse_second", check_that_saw_nothing_the_first_time)
    with pytest.raises(UserError, match="already on the board"):
        manage.save_resource(dbsession, shop.dispatcher, None, kind="technician",
                             user_id=person.id, department_id=shop.service_dept.id)
    assert len(calls) == 2
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Resource).where(
        Resource.user_id == person.id)) == 1
    assert shop.techs[1].name == "Никитин Олег"  # the session still works


def test_bad_resource_forms_say_what_is_wrong(testapp, shop, dbsession):
    testapp.login(shop.dispatcher.login)
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Resource))
    cases = [
        ({"kind": "equipment", "name": "Фургон", "department": shop.service_dept.id},
         "Give the equipment"),
        ({"kind": "equipment", "name": "Фургон", "equipment_type": "van"},
         "Choose the resource"),
        ({"kind": "equipment", "name": "Фургон", "equipment_type": "van", "department": "99999"},
         "Choose the resource"),
        ({"kind": "technician", "user": "99999", "department": shop.service_dept.id},
         "Choose the person from the list"),
        ({"kind": "technician", "department": shop.service_dept.id},
         "Choose the person from the list"),
        ({"kind": "equipment", "name": "x" * 201, "equipment_type": "van",
          "department": shop.service_dept.id}, "At most 200 characters"),
        ({"kind": "equipment", "name": "Фургон", "equipment_type": "van",
          "department": shop.service_dept.id, "group": "99999"}, "Choose a group from the list"),
    ]
    retired = shop.add(Territory(name="Закрытая", active=False))
    cases.append(({"kind": "equipment", "name": "Фургон", "equipment_type": "van",
                   "department": shop.service_dept.id, "territory": retired.id}, "is retired"))
    for form, message in cases:
        page = testapp.post_csrf(RESOURCES + "/add", form, status=400)
        assert message in page.text, (form, message)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Resource)) == before


def test_without_the_token_nothing_is_posted(testapp, shop):
    testapp.login(shop.dispatcher.login)
    testapp.post(f"{RESOURCES}/{shop.techs[0].id}/hours", {"zone": "Europe/Moscow"},
                 status=400)
    assert shop.techs[0].hours["week"]["mon"] == ["09:00-13:00", "14:00-18:00"]


def test_unknown_resources_are_not_found(testapp, shop):
    testapp.login(shop.dispatcher.login)
    for key in ("999999", "abc", "-1", "%C2%B2", "99999999999999999999"):
        testapp.get(f"{RESOURCES}/{key}", status=404)
    testapp.post_csrf(f"{RESOURCES}/999999/skill", {"skill": shop.gas.id}, status=404)


# --- who may change a resource ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["dispatcher", "head", "director"])
def test_those_who_manage_the_department_change_its_resource(testapp, shop, factory, who):
    user = {"dispatcher": shop.dispatcher, "head": shop.head,
            "director": factory.user("boss", roles=["director"],
                                     departments=[shop.sales_dept])}[who]
    tech = shop.techs[1]
    testapp.login(user.login)
    assert "save-details" in testapp.get(f"{RESOURCES}/{tech.id}").text
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/edit", {
        "kind": "technician", "name": "Никитин О.", "department": shop.service_dept.id,
        "territory": shop.south.id, "group": "", "active": "1"}, status=303)
    assert (tech.name, tech.territory_id, tech.group_id) == ("Никитин О.", shop.south.id, None)


def test_head_of_another_department_may_not_change_it(testapp, shop, factory, dbsession):
    other = factory.user("saleshead", roles=["dept_head"], departments=[shop.sales_dept])
    tech = shop.techs[1]
    testapp.login(other.login)
    assert "save-details" not in testapp.get(f"{RESOURCES}/{tech.id}").text
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/edit", {
        "kind": "technician", "name": "Взлом", "department": shop.sales_dept.id}, status=403)
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/skill", {"skill": shop.gas.id, "level": "5",
                                                       "expires": "2040-01-01"}, status=403)
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/hours", {"zone": "Europe/Moscow"}, status=403)
    # Nor put a resource into the service department from his own page.
    page = testapp.post_csrf(RESOURCES + "/add", {
        "kind": "equipment", "name": "Фургон", "equipment_type": "van",
        "department": shop.service_dept.id}, status=400)
    assert "You may not manage resources of that department" in page.text
    assert tech.name == "Никитин Олег" and len(tech.skills) == 1
    # In his own department he may.
    testapp.post_csrf(RESOURCES + "/add", {
        "kind": "equipment", "name": "Фургон", "equipment_type": "van",
        "department": shop.sales_dept.id}, status=303)
    assert dbsession.scalar(sa.select(Resource.department_id).where(
        Resource.name == "Фургон")) == shop.sales_dept.id


def test_head_may_not_move_his_resource_to_a_department_he_does_not_manage(testapp, shop):
    tech = shop.techs[1]
    testapp.login(shop.head.login)
    page = testapp.post_csrf(f"{RESOURCES}/{tech.id}/edit", {
        "kind": "technician", "name": tech.name, "department": shop.sales_dept.id,
        "active": "1"}, status=400)
    assert "You may not manage resources of that department" in page.text
    assert tech.department_id == shop.service_dept.id


def test_retiring_a_resource_flags_its_planned_jobs(testapp, shop):
    tech = shop.techs[1]
    job = planned(shop, tech)
    testapp.login(shop.dispatcher.login)
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/edit", {
        "kind": "technician", "name": tech.name, "department": shop.service_dept.id},
        status=303)  # the box "on the board" left unchecked
    assert tech.active is False
    assert "inactive" in job.flagged


# --- skills ---------------------------------------------------------------------------------------

def test_skills_are_given_changed_and_taken(testapp, shop):
    tech = shop.techs[1]
    expires = local_today() + dt.timedelta(days=200)
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/skill"
    testapp.post_csrf(url, {"skill": shop.gas.id, "level": "4", "expires": expires.isoformat()},
                      status=303)
    held = {s.skill_id: s for s in tech.skills}
    assert (held[shop.gas.id].level, held[shop.gas.id].certificate_expires) == (4, expires)
    testapp.post_csrf(url, {"skill": shop.electric.id, "level": "5", "expires": "2040-01-01"},
                      status=303)
    held = {s.skill_id: s for s in tech.skills}
    # Electrics needs no certificate: no date is kept for it.
    assert (held[shop.electric.id].level, held[shop.electric.id].certificate_expires) == (5, None)
    testapp.post_csrf(url, {"skill": shop.electric.id, "remove": "1"}, status=303)
    assert {s.skill_id for s in tech.skills} == {shop.gas.id}


def test_bad_skill_input_is_refused_with_a_message(testapp, shop):
    tech = shop.techs[1]
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/skill"
    for form, message in [
        ({"skill": shop.gas.id, "level": "3"}, "needs a certificate"),
        ({"skill": shop.gas.id, "level": "3", "expires": "31.02.2030"}, "is not a date"),
        ({"skill": "99999", "level": "3"}, "Choose a skill from the list"),
        ({"skill": "junk", "level": "3"}, "Choose a skill from the list"),
        ({"skill": shop.electric.id, "level": "9"}, "A level is 1"),
        ({"skill": shop.electric.id, "level": "-1"}, "A level is 1"),
    ]:
        assert message in flashed(testapp.post_csrf(url, form)), form
    assert [(s.skill_id, s.level) for s in tech.skills] == [(shop.electric.id, 2)]
    # Equipment has no skills.
    van = f"{RESOURCES}/{shop.van.id}/skill"
    assert "Only technicians have skills" in flashed(
        testapp.post_csrf(van, {"skill": shop.electric.id, "level": "2"}))


def test_expired_and_expiring_certificates_are_highlighted(testapp, shop):
    tech = shop.techs[0]
    gas = next(s for s in tech.skills if s.skill_id == shop.gas.id)
    testapp.login(shop.dispatcher.login)
    gas.certificate_expires = local_today() - dt.timedelta(days=1)
    shop.db.flush()
    page = testapp.get(f"{RESOURCES}/{tech.id}")
    assert "table-danger" in page.text and "expired" in page.text
    gas.certificate_expires = local_today() + dt.timedelta(days=10)
    shop.db.flush()
    page = testapp.get(f"{RESOURCES}/{tech.id}")
    assert "table-warning" in page.text and "expires soon" in page.text


def test_a_skill_lowered_or_taken_flags_the_jobs_that_need_it(testapp, shop):
    tech = shop.techs[0]
    job = planned(shop, tech, skills=[(shop.gas, 3)])
    expires = next(s for s in tech.skills if s.skill_id == shop.gas.id).certificate_expires
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/skill"
    testapp.post_csrf(url, {"skill": shop.gas.id, "level": "2", "expires": expires.isoformat()},
                      status=303)
    assert "skill" in job.flagged
    page = testapp.get(f"{RESOURCES}/{tech.id}")  # the page says which jobs to re-plan
    assert f'data-job="{job.number}"' in page.text
    assert "a technician lacks a skill or its certificate" in page.text
    testapp.post_csrf(url, {"skill": shop.gas.id, "level": "4", "expires": expires.isoformat()},
                      status=303)
    assert job.flagged == ""
    assert f'data-job="{job.number}"' not in testapp.get(f"{RESOURCES}/{tech.id}").text
    # A certificate that now runs out before the job.
    testapp.post_csrf(url, {"skill": shop.gas.id, "level": "4",
                            "expires": local_today().isoformat()}, status=303)
    assert "skill" in job.flagged
    testapp.post_csrf(url, {"skill": shop.gas.id, "level": "4", "expires": expires.isoformat()},
                      status=303)
    testapp.post_csrf(url, {"skill": shop.gas.id, "remove": "1"}, status=303)
    assert "skill" in job.flagged


# --- working hours ---------------------------------------------------------------------------------

def week(**days) -> dict:
    form = {f"day_{d}": "" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    form.update({f"day_{d}": v for d, v in days.items()})
    return form


def test_the_working_week_is_stored(testapp, shop):
    tech = shop.techs[2]
    testapp.login(shop.head.login)
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/hours", {
        "zone": "Asia/Yekaterinburg", **week(mon="08:00-12:00,13:00-17:00", sat="10:00-14:00")},
        status=303)
    assert tech.hours["zone"] == "Asia/Yekaterinburg"
    assert tech.hours["week"]["mon"] == ["08:00-12:00", "13:00-17:00"]
    assert tech.hours["week"]["sat"] == ["10:00-14:00"]
    assert tech.hours["week"]["tue"] == []
    page = testapp.get(f"{RESOURCES}/{tech.id}")
    assert 'value="08:00-12:00, 13:00-17:00"' in page.text


def test_an_empty_week_is_allowed_with_a_warning(testapp, shop):
    tech = shop.techs[2]
    job = planned(shop, tech)
    testapp.login(shop.dispatcher.login)
    page = flashed(testapp.post_csrf(f"{RESOURCES}/{tech.id}/hours",
                                     {"zone": "Europe/Moscow", **week()}))
    assert "nothing can be planned" in page
    assert tech.hours == {"zone": "Europe/Moscow", "week": {}}
    assert "no_hours" in job.flagged


def test_new_hours_flag_the_jobs_now_outside_them(testapp, shop):
    tech = shop.techs[2]
    job = planned(shop, tech)  # Monday 10:00-12:00
    testapp.login(shop.dispatcher.login)
    testapp.post_csrf(f"{RESOURCES}/{tech.id}/hours",
                      {"zone": "Europe/Moscow", **week(mon="14:00-18:00")}, status=303)
    assert "hours" in job.flagged


def test_bad_hours_are_refused_next_to_the_day_and_nothing_changes(testapp, shop):
    tech = shop.techs[2]
    before = dict(tech.hours)
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/hours"
    for form, field, message in [
        ({"zone": "Europe/Moscow", **week(tue="9 to 5")}, "h-tue", "is not a working interval"),
        ({"zone": "Europe/Moscow", **week(mon="18:00-09:00")}, "h-mon", "must end after"),
        ({"zone": "Europe/Moscow", **week(sun="25:00-26:00")}, "h-sun", "between 00:00 and 24:00"),
        ({"zone": "Europe/Moscow", **week(mon="09:00-13:00, 12:00-18:00")}, "h-mon", "overlap"),
        ({"zone": "Mars/Olympus", **week(mon="09:00-18:00")}, "h-zone", "Unknown time zone"),
        ({"zone": "../../etc/passwd", **week()}, "h-zone", "Unknown time zone"),
        ({"zone": "Europe/Moscow", **week(mon="0" * 300)}, "h-mon", "At most 200 characters"),
    ]:
        page = testapp.post_csrf(url, form, status=400)
        assert message in page.text, form
        assert f'is-invalid" id="{field}"' in page.text, form
        if field != "h-zone":  # what was typed is shown again
            assert form[f"day_{field[2:]}"][:50] in page.text
    assert tech.hours == before


# --- time off -------------------------------------------------------------------------------------

def test_time_off_is_added_in_the_resources_zone_and_removed(testapp, shop, dbsession):
    tech = shop.techs[0]
    day = next_weekday()
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/time-off"
    testapp.post_csrf(url, {"kind": "sick", "starts_at": f"{day.isoformat()}T09:00",
                            "ends_at": f"{day.isoformat()}T13:00", "note": "Врач"}, status=303)
    off = dbsession.scalar(sa.select(TimeOff).where(TimeOff.resource_id == tech.id))
    assert (off.kind, off.starts_at, off.ends_at, off.note) == (
        "sick", msk(day, 9), msk(day, 13), "Врач")
    # A date alone is a whole day: until the end of that day.
    testapp.post_csrf(url, {"kind": "time_off", "starts_at": day.isoformat(),
                            "ends_at": day.isoformat()}, status=303)
    whole = dbsession.scalar(sa.select(TimeOff).where(TimeOff.resource_id == tech.id,
                                                      TimeOff.kind == "time_off"))
    assert (whole.starts_at, whole.ends_at) == (msk(day, 0), msk(day + dt.timedelta(days=1), 0))
    assert f"{day.isoformat()} 09:00" in testapp.get(f"{RESOURCES}/{tech.id}").text
    testapp.post_csrf(url, {"remove": str(off.id)}, status=303)
    assert dbsession.get(TimeOff, off.id) is None


def test_time_off_over_a_planned_job_flags_it_and_removing_it_clears_the_flag(testapp, shop,
                                                                               dbsession):
    tech = shop.techs[1]
    job = planned(shop, tech)
    day = job.starts_at.astimezone(msk(next_weekday(), 0).tzinfo).date()
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/time-off"
    testapp.post_csrf(url, {"kind": "sick", "starts_at": day.isoformat(),
                            "ends_at": day.isoformat()}, status=303)
    assert "time_off" in job.flagged
    off = dbsession.scalar(sa.select(TimeOff).where(TimeOff.resource_id == tech.id))
    testapp.post_csrf(url, {"remove": str(off.id)}, status=303)
    assert job.flagged == ""


def test_bad_time_off_is_refused(testapp, shop, dbsession):
    tech = shop.techs[0]
    testapp.login(shop.dispatcher.login)
    url = f"{RESOURCES}/{tech.id}/time-off"
    for form, field, message in [
        ({"kind": "sick", "starts_at": "2031-01-06T10:00", "ends_at": "2031-01-06T09:00"},
         "t-end", "The end must come after the start"),
        ({"kind": "sick", "starts_at": "2031-01-06T10:00", "ends_at": "2031-01-06T10:00"},
         "t-end", "The end must come after the start"),
        ({"kind": "sick", "starts_at": "tomorrow", "ends_at": "2031-01-06"}, "t-start",
         "is not a date"),
        ({"kind": "sick", "starts_at": "2031-01-06T25:99", "ends_at": "2031-01-07"}, "t-start",
         "is not a date"),
        ({"kind": "holiday", "starts_at": "2031-01-06", "ends_at": "2031-01-07"}, "t-kind",
         "Choose what kind"),
        ({"kind": "sick", "starts_at": "", "ends_at": "2031-01-07"}, "t-start", "Give the start"),
        ({"kind": "sick", "starts_at": "2031-01-06", "ends_at": "2099-01-07"}, "t-end",
         "five years"),
        ({"kind": "sick", "starts_at": "2031-01-06", "ends_at": "2031-01-07", "note": "x" * 501},
         "t-note", "At most 500 characters"),
    ]:
        page = testapp.post_csrf(url, form, status=400)
        assert message in page.text, form
        assert f'is-invalid" id="{field}"' in page.text or (
            f'is-invalid" type="datetime-local" id="{field}"' in page.text), form
    # Another resource's time off is not removed through this one.
    other = TimeOff(resource_id=shop.techs[1].id, kind="sick", starts_at=msk(next_weekday(), 9),
                    ends_at=msk(next_weekday(), 10))
    dbsession.add(other)
    dbsession.flush()
    testapp.post_csrf(url, {"remove": str(other.id)}, status=303)
    testapp.post_csrf(url, {"remove": "junk"}, status=303)
    assert dbsession.get(TimeOff, other.id) is not None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(TimeOff).where(
        TimeOff.resource_id == tech.id)) == 0


# --- the settings ---------------------------------------------------------------------------------

def test_dispatcher_keeps_the_catalog(testapp, shop, dbsession):
    testapp.login(shop.dispatcher.login)
    testapp.post_csrf(SETTINGS + "/skill", {"name": "Сварка", "certified": "1"}, status=303)
    welding = dbsession.scalar(sa.select(Skill).where(Skill.name == "Сварка"))
    assert welding.certified and welding.active
    testapp.post_csrf(SETTINGS + "/territory", {"name": "Центр"}, status=303)
    assert dbsession.scalar(sa.select(Territory).where(Territory.name == "Центр")) is not None
    testapp.post_csrf(SETTINGS + "/service", {"name": "Монтаж котла", "duration": "240",
                                              "equipment_type": "van", "price": "12 500,50"},
                      status=303)
    service = dbsession.scalar(sa.select(Service).where(Service.name == "Монтаж котла"))
    assert (service.duration_minutes, service.equipment_type, service.price) == (
        240, "van", Decimal("12500.50"))
    testapp.post_csrf(SETTINGS + "/service-skill", {"id": service.id, "skill": welding.id,
                                                    "level": "3"}, status=303)
    assert [(s.skill_id, s.min_level) for s in service.skills] == [(welding.id, 3)]
    testapp.post_csrf(SETTINGS + "/service-skill", {"id": service.id, "skill": welding.id,
                                                    "remove": "1"}, status=303)
    assert service.skills == []
    # Retired, not deleted: the jobs that name it keep it.
    testapp.post_csrf(SETTINGS + "/service", {"id": service.id, "name": "Монтаж котла",
                                              "duration": "240", "price": "1"}, status=303)
    assert service.active is False and dbsession.get(Service, service.id) is not None
    testapp.post_csrf(SETTINGS + "/skill", {"id": welding.id, "name": "Сварка"}, status=303)
    assert welding.active is False and welding.certified is False
    page = testapp.get(SETTINGS)
    assert "Монтаж котла" in page.text and "Сварка" in page.text


def test_bad_catalog_input_is_refused_with_a_message(testapp, shop, dbsession):
    testapp.login(shop.dispatcher.login)
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Service))
    for form, message in [
        ({"name": "Монтаж", "duration": "0"}, "A duration is 1 minute"),
        ({"name": "Монтаж", "duration": "abc"}, "A duration is 1 minute"),
        ({"name": "Монтаж", "duration": "99999999"}, "A duration is 1 minute"),
        ({"name": "Монтаж", "duration": "60", "price": "дорого"}, "is not a price"),
        ({"name": "Монтаж", "duration": "60", "price": "-5"}, "is not a price"),
        ({"name": "Монтаж", "duration": "60", "price": "1e400"}, "is not a price"),
        ({"name": "Монтаж", "duration": "60", "price": "NaN"}, "is not a price"),
        ({"name": "   ", "duration": "60"}, "Give the service a name"),
        ({"name": "Обслуживание  котла", "duration": "60"}, "Another service has this name"),
        ({"id": "99999", "name": "Монтаж", "duration": "60"}, "Saved"),  # a gone id: a new one
    ]:
        assert message in flashed(testapp.post_csrf(SETTINGS + "/service", form)), form
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Service)) == before + 1
    for url, form, message in [
        ("/skill", {"name": "Электрика"}, "Another skill has this name"),
        ("/skill", {"name": ""}, "Give the skill a name"),
        ("/skill", {"id": "99999", "name": "Новое"}, "It was removed meanwhile"),
        ("/territory", {"name": " Север "}, "Another territory has this name"),
        ("/service-skill", {"id": "99999", "skill": shop.gas.id, "level": "2"},
         "no longer in the catalog"),
        ("/service-skill", {"id": shop.boiler_service.id, "skill": "99999", "level": "2"},
         "Choose a skill from the list"),
        ("/service-skill", {"id": shop.boiler_service.id, "skill": shop.gas.id, "level": "6"},
         "A level is 1"),
        ("/group", {"name": "Бригада 1", "kind": "group", "department": shop.service_dept.id},
         "Another group or crew has this name"),
        ("/group", {"name": "Бригада 2", "kind": "legion", "department": shop.service_dept.id},
         "Choose a group or a crew"),
        ("/member", {"id": shop.crew.id, "resource": "99999"}, "Choose a technician"),
        ("/member", {"id": "99999", "resource": shop.van.id}, "It was removed meanwhile"),
    ]:
        assert message in flashed(testapp.post_csrf(SETTINGS + url, form)), (url, form)
    assert [(s.skill_id, s.min_level) for s in shop.boiler_service.skills] == [(shop.gas.id, 3)]


def test_hostile_names_are_shown_escaped(testapp, shop, dbsession, factory):
    testapp.login(shop.dispatcher.login)
    testapp.post_csrf(SETTINGS + "/territory", {"name": HOSTILE}, status=303)
    testapp.post_csrf(SETTINGS + "/skill", {"name": HOSTILE + "1"}, status=303)
    testapp.post_csrf(SETTINGS + "/service", {"name": HOSTILE + "2", "duration": "30",
                                              "equipment_type": HOSTILE}, status=303)
    testapp.post_csrf(RESOURCES + "/add", {"kind": "equipment", "name": HOSTILE + "3",
                                           "equipment_type": HOSTILE,
                                           "department": shop.service_dept.id}, status=303)
    resource = dbsession.scalar(sa.select(Resource).where(Resource.name == HOSTILE + "3"))
    testapp.post_csrf(f"{RESOURCES}/{resource.id}/time-off", {
        "kind": "unavailable", "starts_at": "2031-01-06", "ends_at": "2031-01-07",
        "note": HOSTILE}, status=303)
    resource.skills = []
    shop.techs[0].territory_id = dbsession.scalar(sa.select(Territory.id).where(
        Territory.name == HOSTILE))
    dbsession.flush()
    clerk = factory.user("clerk", departments=[shop.sales_dept])
    for who in (shop.dispatcher, clerk):  # the forms, and the read-only pages
        testapp.login(who.login)
        for url in (SETTINGS, RESOURCES, f"{RESOURCES}/{resource.id}",
                    f"{RESOURCES}/{shop.techs[0].id}",
                    RESOURCES + "?" + urlencode({"q": HOSTILE})):
            page = testapp.get(url)
            assert "<script>alert" not in page.text, (who.login, url)
            assert "&lt;script&gt;alert" in page.text, (who.login, url)


def test_who_may_change_the_settings(testapp, shop, factory, dbsession):
    director = factory.user("boss", roles=["director"], departments=[shop.sales_dept])
    other_head = factory.user("saleshead", roles=["dept_head"], departments=[shop.sales_dept])
    employee = factory.user("clerk", departments=[shop.service_dept])

    # Everyone with resource.view sees the catalog; only managers see its forms.
    testapp.login(employee.login)
    page = testapp.get(SETTINGS)
    assert "Обслуживание котла" in page.text and "service-form" not in page.text
    for url, form in [("/skill", {"name": "A"}), ("/territory", {"name": "B"}),
                      ("/service", {"name": "C", "duration": "30"}),
                      ("/group", {"name": "D", "kind": "group",
                                  "department": shop.service_dept.id}),
                      ("/member", {"id": shop.crew.id, "resource": shop.van.id})]:
        testapp.post_csrf(SETTINGS + url, form, status=403)

    # The catalog, skills and territories serve every department: managers over all of them.
    testapp.login(director.login)
    testapp.post_csrf(SETTINGS + "/territory", {"name": "Запад"}, status=303)
    for head in (shop.head, other_head):
        testapp.login(head.login)
        assert "service-form" not in testapp.get(SETTINGS).text
        testapp.post_csrf(SETTINGS + "/territory", {"name": "Восток"}, status=403)
        testapp.post_csrf(SETTINGS + "/service-skill", {"id": shop.boiler_service.id,
                                                        "skill": shop.gas.id, "remove": "1"},
                          status=403)
    assert dbsession.scalar(sa.select(Territory).where(Territory.name == "Восток")) is None
    assert len(shop.boiler_service.skills) == 1

    # Groups and crews belong to a department: its head manages them, another head does not.
    testapp.login(shop.head.login)
    testapp.post_csrf(SETTINGS + "/group", {"name": "Бригада 2", "kind": "crew",
                                            "department": shop.service_dept.id}, status=303)
    crew2 = dbsession.scalar(sa.select(ResourceGroup).where(ResourceGroup.name == "Бригада 2"))
    assert (crew2.kind, crew2.department_id) == ("crew", shop.service_dept.id)
    testapp.post_csrf(SETTINGS + "/member", {"id": crew2.id, "resource": shop.techs[2].id},
                      status=303)
    assert shop.techs[2].group_id == crew2.id
    testapp.login(other_head.login)
    testapp.post_csrf(SETTINGS + "/group", {"id": crew2.id, "name": "Чужая", "kind": "group",
                                            "department": shop.sales_dept.id}, status=403)
    testapp.post_csrf(SETTINGS + "/member", {"id": crew2.id, "resource": shop.techs[2].id,
                                             "remove": "1"}, status=403)
    assert "You may not manage resources of that department" in flashed(testapp.post_csrf(
        SETTINGS + "/group", {"name": "Чужая", "kind": "group",
                              "department": shop.service_dept.id}))
    assert (crew2.name, shop.techs[2].group_id) == ("Бригада 2", crew2.id)


def test_members_join_and_leave_a_crew(testapp, shop):
    testapp.login(shop.dispatcher.login)
    url = SETTINGS + "/member"
    testapp.post_csrf(url, {"id": shop.crew.id, "resource": shop.techs[0].id}, status=303)
    testapp.post_csrf(url, {"id": shop.crew.id, "resource": shop.van.id}, status=303)
    assert shop.techs[0].group_id == shop.van.group_id == shop.crew.id
    page = testapp.get(f"{SETTINGS}?group={shop.crew.id}")
    assert f'data-member="{shop.van.id}"' in page.text
    testapp.post_csrf(url, {"id": shop.crew.id, "resource": shop.van.id, "remove": "1"},
                      status=303)
    assert shop.van.group_id is None
    # A retired crew takes nobody.
    shop.crew.active = False
    shop.db.flush()
    assert "is retired" in flashed(testapp.post_csrf(url, {"id": shop.crew.id,
                                                           "resource": shop.van.id}))


def test_settings_and_pages_render_for_every_role(testapp, shop, factory):
    """No page of these breaks for anyone who may open it (a smoke test of the templates)."""
    shop.add(ServiceSkill(service_id=shop.boiler_service.id, skill_id=shop.electric.id))
    people = [shop.dispatcher, shop.head, factory.user("clerk", departments=[shop.sales_dept]),
              shop.techs[0].user, factory.user("boss", roles=["director"],
                                               departments=[shop.sales_dept])]
    for person in people:
        testapp.login(person.login)
        for url in (RESOURCES, f"{RESOURCES}/{shop.techs[0].id}", f"{RESOURCES}/{shop.van.id}",
                    SETTINGS, f"{SETTINGS}?service={shop.boiler_service.id}",
                    f"{SETTINGS}?group={shop.crew.id}", f"{SETTINGS}?service=x&group=99999"):
            assert testapp.get(url).status_int == 200, (person.login, url)



# --- generated hostile values at every form --------------------------------------------------------

def test_generated_values_at_every_form_of_these_pages(testapp, dbsession, factory, shop):
    admin = factory.user("root", roles=["admin"])
    testapp.login(admin.login)
    shop.add(TimeOff(resource_id=shop.techs[0].id, kind="sick", starts_at=msk(next_weekday(), 9),
                     ends_at=msk(next_weekday(), 10)))
    pages = [RESOURCES + "/add?kind=technician", RESOURCES + "/add?kind=equipment",
             f"{RESOURCES}/{shop.techs[0].id}", f"{RESOURCES}/{shop.van.id}",
             f"{SETTINGS}?service={shop.boiler_service.id}&group={shop.crew.id}"]
    poster = Poster(testapp)
    seen, tried = set(), []
    for url in pages:
        for action, fields in forms_on(testapp.get(url)):
            key = (action.split("?")[0], tuple(sorted({n for n, _v in fields})))
            if key in seen or any(word in action for word in LEAVE_ALONE):
                continue
            seen.add(key)
            tried.append(action)
            hostile_check(dbsession, poster, action, fields)()
    assert len(tried) >= 14, tried
    assert testapp.get(f"{RESOURCES}/{shop.techs[0].id}").status_int == 200
