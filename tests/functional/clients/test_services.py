"""The services that change client records and interactions run without a web request (a
session, the person acting, the application registry where someone must be told), as the API,
the ticker and imports will call them."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from models.clients import ClientFile, Contact, Interaction, InteractionAttempt
from models.errors import EditConflict, UserError
from models.meta import utcnow
from models.notifications import Notification
from portal.clients.files import attach, detach
from portal.clients.forms import (
    CONTACT_TEXT,
    ORGANIZATION_TEXT,
    ChildRows,
    ContactForm,
    OrganizationForm,
)
from portal.clients.records import (
    InvalidForm,
    UnconfirmedDuplicates,
    save_contact,
    save_organization,
)
from portal.interactions.rules import (
    FollowUp,
    NewInteraction,
    Problems,
    create_interaction,
    log_attempt,
    record_result,
)


def blank(keys) -> dict:
    return dict.fromkeys(keys, "")


def test_an_organization_is_saved_checked_and_guarded_without_a_request(dbsession, factory,
                                                                       clients):
    me = factory.user(roles=["sales"])
    inn = clients.inn()
    form = OrganizationForm(values={**blank(ORGANIZATION_TEXT), "name": "Сервисная",
                                    "inn": inn, "manager_id": str(me.id)},
                            rows=ChildRows(phones=[{"kind": "work", "number": "+7 495 700-00-01"}]))
    org = save_organization(dbsession, me, None, form, may_terms=False)
    assert (org.name, org.inn, org.created_by_id) == ("Сервисная", inn, me.id)
    assert org.department_id == me.memberships[0].department_id
    assert [p.normalized for p in org.phones] == ["74957000001"]

    again = OrganizationForm(values={**blank(ORGANIZATION_TEXT), "name": "Другая",
                                     "inn": inn})
    with pytest.raises(InvalidForm) as refused:
        save_organization(dbsession, me, None, again, may_terms=False)
    assert refused.value.inn_owner is org and set(refused.value.errors) == {"inn"}
    assert isinstance(refused.value, UserError) and refused.value.field == "inn"

    same_phone = OrganizationForm(values={**blank(ORGANIZATION_TEXT), "name": "Третья"},
                                  rows=ChildRows(phones=[{"kind": "work",
                                                          "number": "8 495 700 00 01"}]))
    with pytest.raises(UnconfirmedDuplicates) as found:
        save_organization(dbsession, me, None, same_phone, may_terms=False)
    assert [d.obj for d in found.value.duplicates] == [org]
    same_phone.confirmed = str(org.id)
    assert save_organization(dbsession, me, None, same_phone, may_terms=False).id != org.id

    stale = OrganizationForm.from_record(org)
    stale.version = org.version - 1 if org.version > 1 else org.version + 1
    stale.values["notes"] = "моё"
    with pytest.raises(EditConflict) as conflict:
        save_organization(dbsession, me, org, stale, may_terms=False)
    assert conflict.value.record is org and ("notes", "", "моё") in conflict.value.fields


def test_a_contact_of_an_organization_starts_a_job_there(dbsession, factory, clients):
    me = factory.user(roles=["sales"])
    org = clients.organization("Работодатель", manager=me)
    form = ContactForm(values={**blank(CONTACT_TEXT), "full_name": "Петров Пётр",
                               "position": "Инженер"})
    contact = save_contact(dbsession, me, None, form, org)
    assert contact.organization_id == org.id and contact.created_by_id == me.id
    assert [(j.organization_id, j.position) for j in contact.employments] == [(org.id, "Инженер")]
    with pytest.raises(InvalidForm) as refused:
        save_contact(dbsession, me, None, ContactForm(values=blank(CONTACT_TEXT)), None)
    assert set(refused.value.errors) == {"full_name"}
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Contact)) == 1


def test_an_interaction_is_planned_tried_and_done_without_a_request(app, dbsession, factory,
                                                                    clients):
    secretary = factory.user(roles=["sales"], full_name="Секретарь Сервисов")
    manager = factory.user(roles=["sales"])
    org = clients.organization("Клиент сервиса", manager=manager)
    soon = utcnow() + dt.timedelta(hours=2)
    item = create_interaction(dbsession, secretary, NewInteraction(
        kind="call", direction="out", organization=org, contact=None, subject="Перезвонить",
        text="", responsible=manager, planned_at=soon), registry=app.registry)
    assert (item.author_id, item.responsible_id, item.department_id) == (
        secretary.id, manager.id, org.department_id)
    told = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == manager.id)).all()
    assert len(told) == 1 and "Секретарь Сервисов" in told[0].title

    assert log_attempt(dbsession, manager, item, "no_answer") == 1
    assert log_attempt(dbsession, manager, item, "no_answer") == 2
    with pytest.raises(Problems) as refused:
        log_attempt(dbsession, manager, item, "maybe")
    assert set(refused.value.problems) == {"outcome"}

    made = record_result(dbsession, manager, item, registry=app.registry, result=None,
                         result_text="Договорились о встрече", version=item.version,
                         follow_ups=[FollowUp(kind="meeting", responsible=manager,
                                              planned_at=soon + dt.timedelta(days=1))])
    assert item.done and [m.parent_id for m in made] == [item.id]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(InteractionAttempt).where(
        InteractionAttempt.interaction_id == item.id)) == 2
    with pytest.raises(EditConflict):
        record_result(dbsession, manager, made[0], registry=app.registry, result=None,
                      result_text="", version=made[0].version + 1)
    assert dbsession.get(Interaction, made[0].id).done_at is None


def test_a_file_is_attached_and_detached_without_a_request(app, dbsession, factory, clients,
                                                          tmp_path):
    me = factory.user(roles=["sales"])
    org = clients.organization("С файлами", manager=me)
    settings = {**app.registry.settings, "portal.files_dir": str(tmp_path)}
    item = attach(dbsession, me, settings, org, "договор.txt", io.BytesIO(b"text of a contract"))
    assert (item.organization_id, item.uploaded_by_id, item.size) == (org.id, me.id, 18)
    assert detach(dbsession, item) == "договор.txt"
    assert dbsession.get(ClientFile, item.id) is None
