"""The job pages (views/dispatch/jobs.py, job.py): the list with its tabs, search and filters; a
new job from the list, from a ticket and from a client card; the job's page with its plan and
history; editing it; find-a-slot and booking a candidate, a refusal with its reasons and the
override with a reason, a stale revision; back to the pane. On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from models.booking import ResourceBooking
from models.clients import Address, Contact
from models.dispatch import Job, JobChange, job_key
from portal.dispatch.service import plan
from tests.clock import local_at, local_today
from tests.functional.core.test_hostile_forms import (
    HOSTILE,
    Poster,
    changed_tables,
    forms_on,
    refused,
    snapshot,
    with_values,
)
from tests.functional.core.test_hostile_forms import values as hostile_values
from tests.functional.dispatch.shop import msk, next_weekday, shop  # noqa: F401
from tests.functional.tickets.desk import desk  # noqa: F401


def local_input(day: dt.date, hour: int) -> str:
    """What the browser's date-and-time input sends for `day` at `hour` (Moscow, the tests')."""
    return f"{day.isoformat()}T{hour:02d}:00"


def newest_job(dbsession) -> Job:
    return dbsession.scalar(sa.select(Job).order_by(Job.id.desc()).limit(1))


def job_count(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Job))


def planned(shop, dbsession, job, day, hour=10, resource=None):
    plan(dbsession, shop.dispatcher, job, [(resource or shop.techs[1]).id], msk(day, hour))
    return job


# --- a new job ---------------------------------------------------------------------------------

def test_a_dispatcher_registers_a_job_with_every_field(testapp, dbsession, shop):
    contact = Contact(full_name="Смирнова Анна", organization_id=shop.client.id,
                      department_id=shop.sales_dept.id)
    dbsession.add(contact)
    dbsession.flush()
    day = next_weekday(weekday=2)
    testapp.login(shop.dispatcher.login)
    form = testapp.get("/dispatch/jobs/add").forms["job-form"]
    form["organization"] = str(shop.client.id)
    form["title"] = "Котёл  не греет"
    form["description"] = "Ошибка E01.\nКлиент ждёт с утра."
    form["site_address"] = "Москва, ул. Ленина, 5"
    form["territory"] = str(shop.south.id)
    form["services"] = [str(shop.boiler_service.id)]
    form.fields["skill"][0].value = str(shop.electric.id)
    form.fields["skill_level"][0].value = "2"
    form["technicians_needed"] = "2"
    form["equipment_type"] = "van"
    form["earliest_start"] = local_input(day, 9)
    form["latest_finish"] = local_input(day, 18)
    form["priority"] = "3"
    page = form.submit(status=303).follow()
    job = newest_job(dbsession)
    assert job.number in page.text and "Котёл не греет" in page.text
    assert (job.organization_id, job.site_address, job.territory_id, job.priority) == (
        shop.client.id, "Москва, ул. Ленина, 5", shop.south.id, 3)
    assert (job.duration_minutes, job.technicians_needed, job.equipment_type) == (120, 2, "van")
    assert job.description == "Ошибка E01.\nКлиент ждёт с утра."
    assert [s.service_id for s in job.services] == [shop.boiler_service.id]
    assert {(s.skill_id, s.min_level) for s in job.skills} == {(shop.gas.id, 3),
                                                                (shop.electric.id, 2)}
    # The window was typed in the dispatcher's zone (Moscow) and is stored in UTC.
    assert (job.earliest_start, job.latest_finish) == (local_at(day, 9), local_at(day, 18))
    assert (job.department_id, job.author_id, job.state) == (
        shop.service_dept.id, shop.dispatcher.id, "unscheduled")
    # The contact is picked among the client's own.
    form = testapp.get(f"/dispatch/jobs/add?organization={shop.client.id}").forms["job-form"]
    assert form["contact"].options[1][0] == str(contact.id)


def test_the_site_address_defaults_to_the_clients(testapp, dbsession, shop):
    dbsession.add(Address(organization_id=shop.client.id, city="Тула", text="ул. Мира, 1"))
    dbsession.flush()
    dbsession.expire(shop.client)
    testapp.login(shop.dispatcher.login)
    form = testapp.get(f"/dispatch/jobs/add?organization={shop.client.id}").forms["job-form"]
    assert form["site_address"].value == "Тула, ул. Мира, 1"
    assert form["department"].value == str(shop.service_dept.id)


@pytest.mark.parametrize("fields, message", [
    ({"latest_finish": "yesterday"}, "The window has already passed"),
    ({"earliest_start": "day 15", "latest_finish": "day 10"}, "The window closes before it opens"),
    ({"duration": str(14 * 24 * 60 + 1)}, "A job lasts from one minute to fourteen days"),
    ({"duration": "an hour"}, "Give the duration in minutes"),
    ({"services": "999999"}, "That service is not in the catalog"),
    ({"organization": "999999"}, "That client does not exist, or you may not see it"),
    ({"ticket": "999999"}, "That ticket does not exist, or you may not see it"),
    ({"territory": "999999"}, "That territory does not exist"),
    ({"skill": "999999", "skill_level": "2"}, "That skill does not exist"),
    ({"skill": "GAS", "skill_level": "2"}, "That skill does not exist"),
    ({"earliest_start": "31.02.2030 10:00"}, "is not a date and time"),
    ({"title": "  "}, "Say what the job is"),
    ({"technicians_needed": "0"}, "A job needs from one to ten technicians"),
])
def test_a_bad_job_is_refused_with_a_clear_message_and_nothing_stored(testapp, dbsession, shop,
                                                                     fields, message):
    day = next_weekday()
    yesterday = local_today() - dt.timedelta(days=1)
    when = {"yesterday": local_input(yesterday, 12), "day 15": local_input(day, 15),
            "day 10": local_input(day, 10)}
    params = {"title": "Работа", "department": str(shop.service_dept.id)}
    params.update({k: when.get(v, v) for k, v in fields.items()})
    before = job_count(dbsession)
    testapp.login(shop.dispatcher.login)
    page = testapp.post_csrf("/dispatch/jobs/add", params, status=400)
    assert message in page.text
    assert job_count(dbsession) == before


def test_hostile_text_is_shown_as_text(testapp, dbsession, shop):
    testapp.login(shop.dispatcher.login)
    testapp.post_csrf("/dispatch/jobs/add", {
        "title": "<script>alert(1)</script>", "description": "<img src=x onerror=alert(2)>",
        "site_address": "\"><b>улица</b>", "department": str(shop.service_dept.id)}, status=303)
    job = newest_job(dbsession)
    page = testapp.get(f"/dispatch/jobs/{job.number}")
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text
    assert "<img src=x" not in page.text and "<b>улица</b>" not in page.text
    listing = testapp.get("/dispatch/jobs?tab=all")
    assert "<script>alert(1)" not in listing.text and job.number in listing.text


def test_support_sends_a_technician_for_a_ticket(testapp, dbsession, shop, desk):
    ticket = desk.ticket(subject="Течёт котёл", description="Вода под котлом.", priority=2,
                         organization_id=shop.client.id)
    agent = desk.agents[0]
    testapp.login(agent.login)
    page = testapp.get(f"/tickets/{ticket.number}")
    send = page.html.select_one("#send-technician")
    assert send is not None
    form = testapp.get(send["href"]).forms["job-form"]
    assert (form["title"].value, form["description"].value) == ("Течёт котёл", "Вода под котлом.")
    assert (form["ticket"].value, form["organization"].value, form["priority"].value) == (
        str(ticket.id), str(shop.client.id), "2")
    form["department"] = str(shop.service_dept.id)
    form.submit(status=303)
    job = newest_job(dbsession)
    assert (job.ticket_id, job.organization_id, job.title, job.priority) == (
        ticket.id, shop.client.id, "Течёт котёл", 2)
    # The ticket shows its job and its state; the job links its ticket.
    page = testapp.get(f"/tickets/{ticket.number}")
    link = page.html.select_one(f"#ticket-job-{job.number}")
    assert link is not None and "Unscheduled" in link.text
    testapp.login(shop.dispatcher.login)
    page = testapp.get(f"/dispatch/jobs/{job.number}")
    assert page.html.select_one("#job-ticket")["href"].rstrip("/").endswith(
        f"/tickets/{ticket.number}")


def test_no_send_a_technician_button_without_job_add(testapp, shop, desk, factory):
    ticket = desk.ticket(subject="Не печатает")
    seller = factory.user("seller", roles=["sales"], departments=[desk.support])
    testapp.login(seller.login)
    page = testapp.get(f"/tickets/{ticket.number}")
    assert page.html.select_one("#send-technician") is None
    testapp.get(f"/dispatch/jobs/add?ticket={ticket.id}", status=403)


def test_a_new_job_from_the_client_card_and_the_card_shows_it(testapp, dbsession, shop):
    testapp.login(shop.dispatcher.login)
    card = testapp.get(f"/clients/{shop.client.id}")
    button = card.html.select_one("#new-job")
    assert button is not None
    form = testapp.get(button["href"]).forms["job-form"]
    assert form["organization"].value == str(shop.client.id)
    form["title"] = "Замена счётчика"
    form.submit(status=303)
    job = newest_job(dbsession)
    assert job.organization_id == shop.client.id
    card = testapp.get(f"/clients/{shop.client.id}")
    assert f"Service job {job.number}: Замена счётчика" in card.text


# --- the list ------------------------------------------------------------------------------------

def test_the_list_tabs_search_and_filters(testapp, dbsession, shop):
    day = next_weekday()
    waiting = shop.job("Ждёт плана", priority=3, site_address="ул. Садовая, 7")
    booked = planned(shop, dbsession, shop.job("В плане"), day)
    south = shop.job("На юге", territory_id=shop.south.id)
    done = shop.job("Сделана", state="completed")
    testapp.login(shop.dispatcher.login)

    def numbers(url, **params):
        page = testapp.get(url, params)
        return [li["data-job"] for li in page.html.select("#jobs li[data-job]")]

    assert numbers("/dispatch/jobs")[:1] == [waiting.number]  # the pane: most urgent first
    assert booked.number not in numbers("/dispatch/jobs")
    assert numbers("/dispatch/jobs?tab=planned") == [booked.number]
    assert numbers("/dispatch/jobs?tab=done") == [done.number]
    assert set(numbers("/dispatch/jobs?tab=all")) >= {waiting.number, booked.number,
                                                       south.number, done.number}
    assert numbers(f"/dispatch/jobs?tab=all&territory={shop.south.id}") == [south.number]
    assert numbers("/dispatch/jobs?tab=all&priority=3") == [waiting.number]
    assert numbers("/dispatch/jobs?tab=all&state=completed") == [done.number]
    assert numbers("/dispatch/jobs", tab="all", q="садовая") == [waiting.number]
    assert numbers(f"/dispatch/jobs?tab=all&q={booked.number}") == [booked.number]
    # Nonsense in the query string is ignored, never a 500.
    testapp.get("/dispatch/jobs?tab=nope&page=-3&territory=x&priority=77&state=<b>", status=200)


def test_today_is_the_persons_today(testapp, dbsession, shop):
    """A job planned for today in Moscow is in "today", whatever the hour in UTC."""
    today = local_today()
    job = shop.job("Сегодня")
    # Straight to the columns: the tab is about the plan's time, not the rules of planning.
    job.state, job.starts_at, job.ends_at = "scheduled", local_at(today, 0, 30), local_at(today, 1)
    tomorrow = shop.job("Завтра", state="scheduled", starts_at=local_at(today + dt.timedelta(days=1), 0, 30),
                        ends_at=local_at(today + dt.timedelta(days=1), 1))
    dbsession.flush()
    testapp.login(shop.dispatcher.login)
    page = testapp.get("/dispatch/jobs?tab=today")
    assert job.number in page.text and tomorrow.number not in page.text


def test_jobs_are_found_by_the_header_search(testapp, shop, factory):
    job = shop.job("Протечка в котельной", site_address="пр. Мира, 12")
    testapp.login(shop.dispatcher.login)
    assert job.number in testapp.get("/search", {"q": "котельной"}).text
    assert job.number in testapp.get("/search", {"q": job.number}).text
    testapp.login(factory.user("nobody").login)
    assert job.number not in testapp.get("/search", {"q": "котельной"}).text


# --- a job's page: find a slot, book, refuse, override, back to the pane ---------------------

def test_find_a_slot_and_book_it(testapp, dbsession, shop):
    job = shop.job("Проверка проводки", skills=[(shop.electric, 2)])
    testapp.login(shop.dispatcher.login)
    page = testapp.get(f"/dispatch/jobs/{job.number}/slots")
    slots = page.html.select("#slots li[data-slot]")
    assert slots
    form = page.forms[[k for k, f in page.forms.items() if f.action.endswith("/book")][0]]
    names = slots[0].text
    assert "Павлов" in names or "Никитин" in names  # only those with electrics ≥ 2
    page = form.submit(status=303).follow()
    dbsession.refresh(job)
    assert job.state == "scheduled" and job.starts_at is not None and len(job.assignments) == 1
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(job.id))) == 1
    assert "put on the board" in page.text and page.html.select_one("#unplan") is not None
    # Back to the pane: unscheduled again, its resources free, the history says so.
    page = page.forms["unplan-form"].submit(status=303).follow()
    dbsession.refresh(job)
    assert (job.state, job.starts_at, job.assignments) == ("unscheduled", None, [])
    assert "taken off the board" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(job.id))) == 0


def test_a_refused_slot_says_why_and_a_reason_overrides_the_hours(testapp, dbsession, shop):
    job = shop.job("Выходной вызов")
    saturday = next_weekday(weekday=5)
    params = {"resource": str(shop.techs[0].id), "start": msk(saturday, 10).isoformat(),
              "revision": str(job.revision)}
    testapp.login(shop.dispatcher.login)
    page = testapp.post_csrf(f"/dispatch/jobs/{job.number}/book", params, status=409)
    assert "outside Павлов Иван's working hours" in page.html.select_one("#plan-refused").text
    assert page.html.select_one("#override-form") is not None
    dbsession.refresh(job)
    assert job.state == "unscheduled"
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/book",
                      {**params, "reason": "Клиент просил в субботу"}, status=303)
    dbsession.refresh(job)
    assert (job.state, job.override_reason) == ("scheduled", "Клиент просил в субботу")
    page = testapp.get(f"/dispatch/jobs/{job.number}")
    assert "Клиент просил в субботу" in page.text


def test_a_hard_refusal_offers_no_override(testapp, dbsession, shop):
    job = shop.job("Котёл", skills=[(shop.gas, 3)])
    monday = next_weekday(weekday=0)
    testapp.login(shop.dispatcher.login)
    page = testapp.post_csrf(f"/dispatch/jobs/{job.number}/book", {
        "resource": str(shop.techs[2].id), "start": msk(monday, 10).isoformat(),
        "reason": "очень надо"}, status=409)
    assert "lacks “Газовые котлы” at level 3" in page.text
    assert page.html.select_one("#override-form") is None
    dbsession.refresh(job)
    assert job.state == "unscheduled"
    # Garbage in the booking form is a message, never a 500.
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/book", {"resource": "x", "start": "soon"},
                      status=303)
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/book", {
        "resource": str(shop.techs[0].id), "start": "2030-01-01T10:00"}, status=303)


def test_a_stale_revision_is_told_and_changes_nothing(testapp, dbsession, shop):
    job = shop.job("Двое диспетчеров")
    monday = next_weekday(weekday=0)
    seen = job.revision
    planned(shop, dbsession, job, monday, 10, shop.techs[0])  # another dispatcher, a moment ago
    testapp.login(shop.dispatcher.login)
    page = testapp.post_csrf(f"/dispatch/jobs/{job.number}/book", {
        "resource": str(shop.techs[1].id), "start": msk(monday, 15).isoformat(),
        "revision": str(seen)}, status=409)
    assert "Someone else changed this job a moment ago" in page.text
    dbsession.refresh(job)
    assert job.starts_at == msk(monday, 10) and job.resource_ids == [shop.techs[0].id]
    page = testapp.post_csrf(f"/dispatch/jobs/{job.number}/unplan", {"revision": str(seen)},
                             status=303).follow()
    assert "Someone else changed this job a moment ago" in page.text
    dbsession.refresh(job)
    assert job.state == "scheduled"


def test_the_history_shows_moves_with_who_when_and_from_what(testapp, dbsession, shop):
    job = shop.job("Переносы")
    monday = next_weekday(weekday=0)
    planned(shop, dbsession, job, monday, 10, shop.techs[0])
    plan(dbsession, shop.dispatcher, job, [shop.techs[1].id], msk(monday, 15))
    testapp.login(shop.dispatcher.login)
    page = testapp.get(f"/dispatch/jobs/{job.number}")
    history = page.html.select_one("#job-history").text
    assert "put on the board" in history and "moved and reassigned" in history
    assert "Павлов Иван" in history and "Никитин Олег" in history and "Егоров Павел" in history


def test_workflow_steps_on_the_page_and_unschedule_frees_the_resources(testapp, dbsession, shop):
    job = planned(shop, dbsession, shop.job("Шаги"), next_weekday(weekday=0))
    testapp.login(shop.dispatcher.login)
    page = testapp.get(f"/dispatch/jobs/{job.number}")
    buttons = {b["value"] for b in page.html.select("#job-steps button[name=name]")}
    assert "dispatch" in buttons and "schedule" not in buttons and "unschedule" not in buttons
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/transition", {"name": "dispatch"}, status=303)
    dbsession.refresh(job)
    assert job.state == "dispatched"
    # A hand-made "unschedule" goes through unplan(): the bookings go too.
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/transition", {"name": "unschedule"},
                      status=303)
    dbsession.refresh(job)
    assert (job.state, job.assignments) == ("unscheduled", [])
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
        ResourceBooking.holder == job_key(job.id))) == 0
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/transition", {"name": "schedule"}, status=303)
    dbsession.refresh(job)
    assert job.state == "unscheduled"
    testapp.post_csrf(f"/dispatch/jobs/{job.number}/transition",
                      {"name": "hold", "comment": "Ждём запчасть"}, status=303)
    dbsession.refresh(job)
    assert job.state == "on_hold"
    assert "Ждём запчасть" in testapp.get(f"/dispatch/jobs/{job.number}").text


# --- editing ---------------------------------------------------------------------------------------

def test_editing_details_and_a_longer_planned_job_goes_through_the_plan(testapp, dbsession, shop):
    monday = next_weekday(weekday=0)
    job = planned(shop, dbsession, shop.job("Старое название"), monday, 10, shop.techs[1])
    testapp.login(shop.dispatcher.login)
    form = testapp.get(f"/dispatch/jobs/{job.number}/edit").forms["job-edit-form"]
    assert form["title"].value == "Старое название" and form["duration"].value == "60"
    form["title"] = "Новое название"
    form["duration"] = "90"
    form["priority"] = "2"
    form["services"] = [str(shop.boiler_service.id)]
    form["latest_finish"] = local_input(monday, 17)
    form.submit(status=303)
    dbsession.refresh(job)
    assert (job.title, job.priority, job.duration_minutes) == ("Новое название", 2, 90)
    assert (job.starts_at, job.ends_at) == (msk(monday, 10), msk(monday, 11, 30))
    assert job.latest_finish == local_at(monday, 17)
    change = dbsession.scalar(sa.select(JobChange).where(JobChange.job_id == job.id)
                              .order_by(JobChange.id.desc()).limit(1))
    assert (change.action, change.old_ends_at, change.new_ends_at) == (
        "move", msk(monday, 11), msk(monday, 11, 30))
    # The boiler service needs gas at level 3, which Nikitin lacks: the plan is flagged.
    assert "skill" in job.flagged
    page = testapp.get(f"/dispatch/jobs/{job.number}")
    assert "duration changed" in page.text and page.html.select_one("#job-flags") is not None


def test_a_longer_job_that_no_longer_fits_is_refused_and_nothing_changes(testapp, dbsession, shop):
    monday = next_weekday(weekday=0)
    job = planned(shop, dbsession, shop.job("До обеда"), monday, 12, shop.techs[1])
    testapp.login(shop.dispatcher.login)
    form = testapp.get(f"/dispatch/jobs/{job.number}/edit").forms["job-edit-form"]
    form["title"] = "Переименована"
    form["duration"] = "120"  # 12:00–14:00 crosses the lunch break
    page = form.submit(status=409)
    assert "outside Никитин Олег's working hours" in page.html.select_one("#plan-refused").text
    dbsession.refresh(job)
    assert (job.title, job.duration_minutes, job.ends_at) == ("До обеда", 60, msk(monday, 13))
    form = page.forms["job-edit-form"]
    form["reason"] = "Клиент согласен"
    form.submit(status=303)
    dbsession.refresh(job)
    assert (job.title, job.ends_at, job.override_reason) == (
        "Переименована", msk(monday, 14), "Клиент согласен")


def test_a_bad_edit_is_refused_with_its_field(testapp, dbsession, shop):
    job = shop.job("Правка")
    testapp.login(shop.dispatcher.login)
    page = testapp.post_csrf(f"/dispatch/jobs/{job.number}/edit", {
        "title": "Правка", "duration": "0", "contact": "999999"}, status=400)
    assert "A job lasts from one minute to fourteen days" in page.text
    assert "That contact does not exist, or you may not see it" in page.text
    dbsession.refresh(job)
    assert job.duration_minutes == 60


# --- hostile input at the job forms --------------------------------------------------------------

JOB_FIELDS = ("title", "description", "site_address", "organization", "contact", "territory",
              "department", "services", "skill", "skill_level", "duration", "technicians_needed",
              "equipment_type", "earliest_start", "latest_finish", "priority", "ticket", "reason",
              "revision", "resource", "start", "end")


@given(changes=st.dictionaries(st.sampled_from(JOB_FIELDS), hostile_values, min_size=1,
                               max_size=4))
@HOSTILE
def test_hostile_values_at_the_job_forms_never_give_a_5xx(testapp, dbsession, shop, changes):
    """The new-job form, a job's edit form and the booking form, each sent with some of its
    fields replaced by generated values: never a 5xx, and a refused form stores nothing."""
    job = shop.job("Мишень")
    testapp.login(shop.dispatcher.login)
    poster = Poster(testapp)
    pages = [testapp.get("/dispatch/jobs/add"), testapp.get(f"/dispatch/jobs/{job.number}/edit"),
             testapp.get(f"/dispatch/jobs/{job.number}/slots")]
    forms = [f for page in pages for f in forms_on(page)
             if f[0].endswith(("/add", "/edit", "/book"))]
    assert len(forms) >= 3
    for action, fields in forms[:3]:  # the new job, the edit, the first slot
        before = snapshot(dbsession)
        title = job.title
        answer = poster.post(action, with_values(fields, changes, {}))
        assert answer.status_int < 500, (action, changes)
        if refused(answer):
            assert changed_tables(before, snapshot(dbsession)) == {}, (action, changes)
            dbsession.refresh(job)
            assert job.title == title


def test_an_edit_keeps_a_contact_the_editor_may_not_open(testapp, dbsession, shop):
    contact = Contact(full_name="Скрытый Контакт", organization_id=shop.client.id,
                      department_id=shop.sales_dept.id)
    dbsession.add(contact)
    dbsession.flush()
    job = shop.job("С контактом", contact_id=contact.id)
    testapp.login(shop.head.login)  # the service head: the job's team, not the client's
    form = testapp.get(f"/dispatch/jobs/{job.number}/edit").forms["job-edit-form"]
    form["title"] = "С контактом, исправлено"
    form.submit(status=303)
    dbsession.refresh(job)
    assert (job.title, job.contact_id) == ("С контактом, исправлено", contact.id)


def test_a_job_under_way_keeps_its_duration(testapp, dbsession, shop):
    job = planned(shop, dbsession, shop.job("Уже идёт"), next_weekday(weekday=0), 10,
                  shop.techs[1])
    job.state = "in_progress"
    dbsession.flush()
    testapp.login(shop.dispatcher.login)
    page = testapp.post_csrf(f"/dispatch/jobs/{job.number}/edit", {
        "title": "Уже идёт", "duration": "240"}, status=400)
    assert "The job is under way: its duration is not changed any more." in page.text
    dbsession.refresh(job)
    assert job.duration_minutes == 60


def test_an_edit_shows_only_the_added_skills_and_a_removed_service_takes_its_own(
        testapp, dbsession, shop):
    testapp.login(shop.dispatcher.login)
    testapp.post_csrf("/dispatch/jobs/add", [
        ("title", "Котёл и щиток"), ("department", str(shop.service_dept.id)),
        ("services", str(shop.boiler_service.id)), ("skill", str(shop.electric.id)),
        ("skill_level", "2")], status=303)
    job = newest_job(dbsession)
    form = testapp.get(f"/dispatch/jobs/{job.number}/edit").forms["job-edit-form"]
    assert [f.value for f in form.fields["skill"] if f.value] == [str(shop.electric.id)]
    form["services"] = []
    form.submit(status=303)
    dbsession.expire_all()
    job = dbsession.get(Job, job.id)
    assert [s.service_id for s in job.services] == []
    assert {(s.skill_id, s.min_level) for s in job.skills} == {(shop.electric.id, 2)}
