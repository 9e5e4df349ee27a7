"""Client records in the database: search documents, security columns, optimistic locking, merge."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError
from sqlalchemy.orm.exc import StaleDataError

from models import search
from models.clients import (
    Classifier,
    ClientMerge,
    Contact,
    ContactEmployment,
    Interaction,
    Organization,
    Phone,
    organization_document,
)


def found(dbsession, kind, q):
    hits = search.hits(dbsession, kind, q)
    if hits is None:
        return []
    model = search.KINDS[kind].model
    return list(dbsession.scalars(
        sa.select(model).join(hits, hits.c.object_id == model.id).order_by(hits.c.rank, model.id)))


# --- search ---------------------------------------------------------------------------------------

def test_organization_is_found_by_name_in_any_case_of_cyrillic(dbsession, clients):
    org = clients.organization("ООО «Прогресс-Строй»", legal_name="Общество с ограниченной "
                               "ответственностью «Прогресс-Строй»")
    clients.organization("ООО «Ромашка»")
    assert found(dbsession, "organization", "прогресс") == [org]
    assert found(dbsession, "organization", "ПРОГРЕСС строй") == [org]
    assert found(dbsession, "organization", "Общество ОГРАНИЧ") == [org]


def test_legal_forms_are_not_search_words(dbsession, clients):
    org = clients.organization("ООО «Ромашка»", legal_name="ООО «Ромашка-М»")
    clients.organization("АО «Василёк»")
    assert found(dbsession, "organization", "ООО Ромашка") == [org]
    assert search.hits(dbsession, "organization", "ооо") is None


def test_organization_is_found_by_inn_phone_email_notes_and_contact_name(dbsession, clients):
    inn = clients.inn()
    org = clients.organization("Альфа", inn=inn, phones=["8 (495) 123-45-67"],
                               emails=["Office@Alfa-Trade.ru"], notes="Поставки цемента")
    clients.contact("Сидорова Мария Петровна", organization=org)
    for q in (inn, "74951234567", "4951234567", "123 45 67", "office@alfa-trade.ru",
              "alfa-trade", "цемент", "сидорова"):
        assert found(dbsession, "organization", q) == [org], q


def test_contact_is_found_by_name_phone_and_organization(dbsession, clients):
    org = clients.organization("Бета Логистик")
    contact = clients.contact("Ёлкина Анна", organization=org, phones=["+7 916 555-44-33"])
    assert found(dbsession, "contact", "елкина") == [contact]
    assert found(dbsession, "contact", "ЁЛКИНА") == [contact]
    assert found(dbsession, "contact", "9165554433") == [contact]
    assert found(dbsession, "contact", "бета") == [contact]


def test_search_documents_follow_changes_and_deletions(dbsession, clients):
    org = clients.organization("Гамма")
    org.name = "Дельта"
    dbsession.flush()
    assert found(dbsession, "organization", "гамма") == []
    assert found(dbsession, "organization", "дельта") == [org]
    org.phones.append(Phone(number="+7 812 000-11-22"))
    dbsession.flush()
    assert found(dbsession, "organization", "78120001122") == [org]
    org.phones.clear()
    dbsession.flush()
    assert found(dbsession, "organization", "78120001122") == []
    dbsession.delete(org)
    dbsession.flush()
    assert found(dbsession, "organization", "дельта") == []


def test_renaming_an_organization_refreshes_its_contacts_and_moving_a_contact_both_orgs(
        dbsession, clients):
    a = clients.organization("Эпсилон")
    b = clients.organization("Зета")
    contact = clients.contact("Карпов Олег", organization=a)
    a.name = "Эта"
    dbsession.flush()
    assert found(dbsession, "contact", "эта") == [contact]
    contact.organization_id = b.id
    dbsession.flush()
    assert found(dbsession, "organization", "карпов") == [b]


def test_russian_stemming_on_postgresql_prefixes_on_sqlite(dbsession, clients):
    org = clients.organization("Прогресс", notes="работаем с поставщиками металла")
    # Another form of the same words finds it on both databases (stemming or prefix).
    assert found(dbsession, "organization", "поставщик") == [org]
    if dbsession.get_bind().dialect.name == "postgresql":
        assert found(dbsession, "organization", "прогресса") == [org]
        assert found(dbsession, "organization", "металлы") == [org]


def test_many_matches_are_found_without_ranking_them(dbsession, clients):
    b = clients.organization("Бета Звезда")
    a = clients.organization("Альфа Звезда")
    clients.organization("Гамма Луна")
    match = search.match(dbsession, "organization", "звезда", rank_limit=1)
    assert match.count == 2 and match.ranked is None
    ids = set(dbsession.scalars(sa.select(Organization.id).where(Organization.id.in_(match.ids))))
    assert ids == {a.id, b.id}
    assert search.match(dbsession, "organization", "звезда").ranked is not None


def test_a_list_with_many_matches_is_sorted_by_name(testapp, login_as, clients, monkeypatch):
    login_as("director")
    for name in ("Яблоко Сад", "Абрикос Сад", "Малина Сад"):
        clients.organization(name)
    monkeypatch.setattr(search, "RANK_LIMIT", 1)
    monkeypatch.setattr(search.match, "__defaults__", (1,))
    page = testapp.get("/clients", {"q": "сад"})
    assert page.text.index("Абрикос") < page.text.index("Малина") < page.text.index("Яблоко")
    assert "Found: 3" in page.text


def test_search_kinds_have_their_own_codes(monkeypatch):
    # Two kinds with one code refuse to start, like two kinds of one name. (The registries are
    # swapped: a kind applied before the conflict is found must not reach later tests.)
    monkeypatch.setattr(search.index, "KINDS", {})
    monkeypatch.setattr(search.index, "INDEXED", {})
    config = Configurator()
    search.register(config, "organization", Organization, organization_document, code=1)
    search.register(config, "something", object, lambda obj: ("", ""), code=1)
    with pytest.raises(ConfigurationConflictError):
        config.commit()
    with pytest.raises(ValueError):
        search.register(Configurator(), "something", object, lambda obj: ("", ""), code=900)


def test_a_query_without_words_matches_nothing(dbsession, clients):
    clients.organization("Йота")
    assert search.hits(dbsession, "organization", " !!! ") is None


def test_reindex_rebuilds_documents_of_rows_inserted_with_core(dbsession, clients):
    dbsession.execute(sa.insert(Organization.__table__), [
        {"name": "Каппа", "name_key": "каппа", "inn": "", "kpp": "", "kind": "client",
         "stage": "interest", "legal_name": "", "website": "", "notes": "", "tags": "",
         "version": 1}])
    assert found(dbsession, "organization", "каппа") == []
    search.reindex(dbsession, ["organization"])
    assert [o.name for o in found(dbsession, "organization", "каппа")] == ["Каппа"]


# --- security columns -------------------------------------------------------------------------------

def test_contacts_follow_their_organizations_department_and_manager(dbsession, clients, factory):
    sales, other = factory.department("Sales"), factory.department("Other")
    popova = factory.user(departments=[sales])
    lebedev = factory.user(departments=[other])
    org = clients.organization("Лямбда", manager=popova)
    contact = clients.contact("Жуков Пётр", organization=org)
    assert (contact.department_id, contact.manager_id) == (sales.id, popova.id)
    org.manager = lebedev
    org.department = other
    dbsession.flush()
    assert (contact.department_id, contact.manager_id) == (other.id, lebedev.id)


def test_interaction_belongs_to_its_organizations_department_else_the_responsibles(
        dbsession, clients, factory):
    sales, office = factory.department("Sales"), factory.department("Office")
    manager = factory.user(departments=[sales])
    secretary = factory.user(departments=[office])
    org = clients.organization("Мю", manager=manager)
    planned = clients.interaction(responsible=secretary, organization=org)
    own = clients.interaction(responsible=secretary)
    assert planned.department_id == sales.id
    assert own.department_id == office.id
    assert set(planned.security_owners()) == {secretary.id}


# --- optimistic locking ----------------------------------------------------------------------------

def test_a_stale_organization_update_is_refused(dbsession, clients):
    org = clients.organization("Ню")
    assert org.version == 1
    org.notes = "first"
    dbsession.flush()
    assert org.version == 2
    # Someone else saved meanwhile: the row is at version 3 now.
    dbsession.execute(sa.update(Organization.__table__).where(Organization.id == org.id)
                      .values(version=3))
    org.notes = "second"
    with pytest.raises(StaleDataError):
        dbsession.flush()
    dbsession.rollback()


# --- merge -------------------------------------------------------------------------------------------

def test_merging_organizations_keeps_contacts_interactions_and_fills_gaps(dbsession, clients, factory):
    from portal.clients.merge import merge_organizations

    user = factory.user()
    inn = clients.inn()
    keep = clients.organization("Кси", phones=["+7 495 111-11-11"], tags="опт")
    other = clients.organization("КСИ ООО", inn=inn, website="https://xi.example",
                                 phones=["8 495 111-11-11", "+7 495 222-22-22"], tags="vip",
                                 notes="важный клиент")
    contact = clients.contact("Орлов Илья", organization=other)
    call = clients.interaction(responsible=user, organization=other)
    other_id = other.id
    merge_organizations(dbsession, keep, other, user_id=user.id)
    dbsession.expire_all()
    assert dbsession.get(Organization, other_id) is None
    assert keep.inn == inn and keep.website == "https://xi.example"
    assert keep.tag_list == ["опт", "vip"] and "важный клиент" in keep.notes
    assert sorted(p.normalized for p in keep.phones) == ["74951111111", "74952222222"]
    assert contact.organization_id == keep.id
    assert dbsession.get(Interaction, call.id).organization_id == keep.id
    job = dbsession.scalar(sa.select(ContactEmployment).where(ContactEmployment.contact_id == contact.id))
    assert job.organization_id == keep.id
    merge = dbsession.scalar(sa.select(ClientMerge).where(ClientMerge.merged_id == other_id))
    assert (merge.kind, merge.kept_id, merge.merged_name) == ("organization", keep.id, "КСИ ООО")
    assert found(dbsession, "organization", "орлов") == [keep]


def test_merging_contacts_moves_phones_jobs_and_interactions(dbsession, clients, factory):
    from portal.clients.merge import merge_contacts

    user = factory.user()
    org = clients.organization("Омикрон")
    keep = clients.contact("Петров Пётр", phones=["+7 916 000-00-01"])
    other = clients.contact("Петров П.", organization=org, phones=["+7 916 000-00-02"],
                            birthday=dt.date(1980, 5, 1))
    meeting = clients.interaction(responsible=user, contact=other, kind="meeting")
    merge_contacts(dbsession, keep, other, user_id=user.id)
    dbsession.expire_all()
    assert keep.organization_id == org.id and keep.birthday == dt.date(1980, 5, 1)
    assert len(keep.phones) == 2 and len(keep.employments) == 1
    assert dbsession.get(Interaction, meeting.id).contact_id == keep.id
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Contact)
                            .where(Contact.full_name == "Петров П.")) == 0


def test_default_classifier_lists_are_seeded(dbsession):
    lists = dict(dbsession.execute(sa.select(Classifier.list, sa.func.count())
                                   .group_by(Classifier.list)).all())
    assert set(lists) == {"industry", "region", "group", "category", "source", "interaction_result",
                          "deal_lost_reason", "client_lost_reason"}
