"""Hand-over when someone leaves or changes job (issue 14, point 2): /admin/users/{id}/handover
lists what a person holds and passes it, all or per group, to colleagues in one audited,
revertible change."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.calendar import Event
from models.clients import Contact, Organization
from models.meta import utcnow
from models.notifications import Notification
from models.roles import LocalRoleGrant
from models.tasks import Task
from models.tickets import Queue, QueueAgent, Ticket


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def last_transaction_id(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))


class Holder:
    """A person who holds one or more of everything, and the colleagues around them."""

    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.sales = factory.department("Продажи")
        self.leaver = factory.user("leaver", departments=[self.sales], full_name="Уходящий Пётр")
        self.colleague = factory.user("colleague", departments=[self.sales],
                                      full_name="Коллегова Анна")
        self.other = factory.user("other", departments=[self.sales], full_name="Другов Иван")
        self.sales.head_id = self.leaver.id
        db = dbsession
        self.tasks = []
        for title in ("Позвонить в «Ромашку»", "Подготовить КП"):
            task = Task(author_id=self.other.id, assignee_id=self.leaver.id,
                        department_id=self.sales.id, state="open")
            task.set_title(title)
            db.add(task)
            self.tasks.append(task)
        self.done_task = Task(author_id=self.other.id, assignee_id=self.leaver.id, state="done")
        self.done_task.set_title("Сделанная задача")
        db.add(self.done_task)
        self.org = Organization(name="ООО «Ромашка»", manager_id=self.leaver.id,
                                department_id=self.sales.id)
        db.add(self.org)
        db.flush()
        self.org_contact = Contact(full_name="Иванов Иван", organization_id=self.org.id)
        self.own_contact = Contact(full_name="Частный Клиент", manager_id=self.leaver.id,
                                   department_id=self.sales.id)
        db.add_all([self.org_contact, self.own_contact])
        start = utcnow() + dt.timedelta(days=3)
        self.event = self.make_event("Планёрка", start)
        self.past_event = self.make_event("Прошлая планёрка", utcnow() - dt.timedelta(days=3))
        self.queue = Queue(name=f"Поддержка {uuid.uuid4().hex[:6]}", department_id=self.sales.id,
                           lead_id=self.leaver.id)
        db.add(self.queue)
        db.flush()
        db.add(QueueAgent(queue_id=self.queue.id, user_id=self.leaver.id))
        self.ticket = Ticket(number=f"T-H-{self.queue.id}", subject="Не печатает принтер",
                             queue_id=self.queue.id, department_id=self.sales.id,
                             assignee_id=self.leaver.id, state="assigned")
        db.add(self.ticket)
        editor = factory.role("editor")
        self.grant = LocalRoleGrant(container_type="department", container_id=self.sales.id,
                                    role_id=editor.id, user_id=self.leaver.id)
        db.add(self.grant)
        db.flush()

    def make_event(self, title, start):
        event = Event(title=title, start_at=start, end_at=start + dt.timedelta(hours=1),
                      series_end_at=start + dt.timedelta(hours=1), organizer_id=self.leaver.id,
                      ical_uid=f"{uuid.uuid4()}@test")
        self.db.add(event)
        self.db.flush()
        return event

    def refresh(self):
        self.db.expire_all()


@pytest.fixture
def admin(login_as, dbsession):
    user = login_as("admin", full_name="Смирнов Алексей")
    commit_point(dbsession)
    return user


@pytest.fixture
def holder(dbsession, factory, admin):
    made = Holder(dbsession, factory)
    commit_point(dbsession)
    return made


def url(user, view="handover") -> str:
    return f"/admin/users/{user.id}/{view}"


def counts(page) -> dict[str, int]:
    return {li["data-group"]: int(li["data-count"])
            for li in page.html.select("#holdings [data-group]")}


# --- what is listed -----------------------------------------------------------------------------

def test_page_lists_everything_the_person_holds_with_counts_and_first_items(testapp, holder):
    page = testapp.get(url(holder.leaver))
    assert counts(page) == {"tasks": 2, "clients": 2, "events": 1, "departments": 1,
                            "queues": 2, "tickets": 1, "local_roles": 1, "jobs": 0}
    text = page.html.select_one("#holdings").text
    assert "Позвонить в «Ромашку»" in text and "Сделанная задача" not in text  # open ones only
    assert "Планёрка" in text and "Прошлая планёрка" not in text  # future events only
    assert "ООО «Ромашка»" in text and "Частный Клиент" in text
    assert "Иванов Иван" not in text  # a contact of an organization follows it
    # The colleague picker offers active people, not the person handing over.
    options = {o["value"] for o in page.html.select("#to-all option")}
    assert str(holder.colleague.id) in options and str(holder.leaver.id) not in options


def test_page_renders_in_russian(testapp, holder):
    page = testapp.get(url(holder.leaver), headers={"Accept-Language": "ru"})
    assert page.html.find("html")["lang"].startswith("ru")
    assert "${" not in page.text


# --- what is passed -----------------------------------------------------------------------------

def test_hand_over_everything_to_one_colleague(testapp, dbsession, holder):
    testapp.post_csrf(url(holder.leaver), {"to_all": holder.colleague.id}, status=303)
    holder.refresh()
    new = holder.colleague.id
    assert [t.assignee_id for t in holder.tasks] == [new, new]
    assert holder.done_task.assignee_id == holder.leaver.id  # history stays
    assert holder.org.manager_id == new
    assert holder.org_contact.manager_id == new  # follows its organization
    assert holder.own_contact.manager_id == new
    assert holder.event.organizer_id == new
    assert holder.past_event.organizer_id == holder.leaver.id
    assert holder.sales.head_id == new
    assert holder.queue.lead_id == new
    assert dbsession.scalar(sa.select(QueueAgent.user_id).where(
        QueueAgent.queue_id == holder.queue.id)) == new
    assert holder.ticket.assignee_id == new
    assert holder.grant.user_id == new
    page = testapp.get(url(holder.leaver))
    assert set(counts(page).values()) == {0}
    # The colleague is told what they got, in a message id rendered when read.
    note = dbsession.scalar(sa.select(Notification).where(Notification.user_id == new)
                            .order_by(Notification.id.desc()))
    assert note is not None and "Уходящий Пётр" in note.title
    assert note.message and "open task" in (note.body or "")


def test_each_group_can_go_to_its_own_colleague_or_stay(testapp, holder):
    testapp.post_csrf(url(holder.leaver), {
        "to_all": holder.colleague.id, "to_tasks": holder.other.id, "to_departments": "keep",
    }, status=303)
    holder.refresh()
    assert {t.assignee_id for t in holder.tasks} == {holder.other.id}
    assert holder.org.manager_id == holder.colleague.id
    assert holder.sales.head_id == holder.leaver.id  # kept


def test_a_group_without_a_colleague_stays(testapp, holder):
    testapp.post_csrf(url(holder.leaver), {"to_clients": holder.other.id}, status=303)
    holder.refresh()
    assert holder.org.manager_id == holder.other.id
    assert {t.assignee_id for t in holder.tasks} == {holder.leaver.id}
    assert holder.event.organizer_id == holder.leaver.id


def test_hand_over_and_deactivate_flags_the_department_left_without_a_head(testapp, holder):
    page = testapp.post_csrf(url(holder.leaver), {
        "to_all": holder.colleague.id, "to_departments": "keep", "deactivate": "1"}, status=303)
    page = page.follow()  # (before expiring the test's session: the flash is not flushed yet)
    holder.refresh()
    assert holder.leaver.state == "deactivated"
    assert "has no active head" in page.text
    assert holder.sales.name in page.html.select_one("#headless").text
    link = page.html.select_one(f"#headless [data-dept='{holder.sales.id}'] a")
    assert link["href"].endswith(f"/admin/departments/{holder.sales.id}/edit")


def test_revert_in_the_audit_log_restores_everything(testapp, dbsession, holder):
    testapp.post_csrf(url(holder.leaver), {"to_all": holder.colleague.id}, status=303)
    commit_point(dbsession)
    tx = last_transaction_id(dbsession)
    testapp.post_csrf(f"/admin/audit/{tx}/revert", status=303)
    holder.refresh()
    old = holder.leaver.id
    assert [t.assignee_id for t in holder.tasks] == [old, old]
    assert holder.org.manager_id == old
    assert holder.own_contact.manager_id == old
    assert holder.event.organizer_id == old
    assert holder.sales.head_id == old
    assert holder.grant.user_id == old
    # Ticket queues and tickets too (portal/tickets/audit.py registers their tables).
    assert holder.queue.lead_id == old
    assert dbsession.scalar(sa.select(QueueAgent.user_id).where(
        QueueAgent.queue_id == holder.queue.id)) == old
    assert holder.ticket.assignee_id == old


# --- refusals: nothing half-written -------------------------------------------------------------

def unchanged(holder) -> None:
    holder.refresh()
    old = holder.leaver.id
    assert {t.assignee_id for t in holder.tasks} == {old}
    assert holder.org.manager_id == old
    assert holder.sales.head_id == old
    assert holder.queue.lead_id == old
    assert holder.leaver.state == "active"


def test_a_deactivated_colleague_is_refused(testapp, dbsession, holder):
    holder.other.state = "deactivated"
    dbsession.flush()
    page = testapp.post_csrf(url(holder.leaver), {
        "to_all": holder.colleague.id, "to_events": holder.other.id}, status=400)
    assert "deactivated" in page.html.select_one("#page-error").text
    unchanged(holder)


@pytest.mark.parametrize("value", ["99999999", "abc", "-1", "²"])
def test_unknown_or_malformed_colleague_is_refused(testapp, holder, value):
    testapp.post_csrf(url(holder.leaver), {"to_tasks": value, "to_all": holder.colleague.id},
                      status=400)
    testapp.post_csrf(url(holder.leaver), {"to_all": value}, status=400)
    unchanged(holder)


def test_handing_over_to_oneself_or_to_nobody_is_refused(testapp, holder):
    page = testapp.post_csrf(url(holder.leaver), {"to_all": holder.leaver.id}, status=400)
    assert "someone other" in page.text
    testapp.post_csrf(url(holder.leaver), {}, status=400)
    testapp.post_csrf(url(holder.leaver), {"to_all": holder.colleague.id, "deactivate": "1",
                                           "to_events": "keep", "to_tasks": "0"}, status=400)
    unchanged(holder)


def test_unknown_person_is_not_found(testapp, admin):
    testapp.get("/admin/users/99999999/handover", status=404)
    testapp.get("/admin/users/x/handover", status=404)


# --- who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["employee", "dept_head"])
def test_only_administrators_may_hand_over(testapp, factory, login_as, dbsession, role):
    holder = Holder(dbsession, factory)
    login_as(role)
    testapp.get(url(holder.leaver), status=403)
    testapp.post_csrf(url(holder.leaver), {"to_all": holder.colleague.id}, status=403)
    unchanged(holder)


def test_department_head_of_the_person_may_not_either(testapp, factory, login_as, dbsession):
    holder = Holder(dbsession, factory)
    head = login_as("dept_head", departments=[holder.sales])
    holder.sales.head_id = head.id
    dbsession.flush()
    testapp.get(url(holder.leaver), status=403)


def test_the_persons_page_warns_before_deactivating_someone_who_still_holds_work(testapp,
                                                                                 holder,
                                                                                 factory):
    page = testapp.get(f"/admin/users/{holder.leaver.id}")
    assert page.html.select_one("#holds-work") is not None
    assert page.html.select_one("#hand-over-link")["href"].endswith(url(holder.leaver))
    idle = factory.user("idle-person")
    page = testapp.get(f"/admin/users/{idle.id}")
    assert page.html.select_one("#holds-work") is None
