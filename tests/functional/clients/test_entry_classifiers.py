"""Classifier lists as admins and sales people use them (issue 14, point 4): a title shown twice
is refused (the built-in "Moscow" reads «Москва» in Russian), also when two admins add it at the
same instant; a list made required is refused empty by the organization form and the import;
the page's messages are filled in, in the reader's language."""
from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction

import models
import portal.admin.classifiers as admin_classifiers
from models.clients import Classifier, ClassifierList, Organization
from models.errors import UserError
from tests.functional.clients.test_import import csv_bytes, run, upload

THREADS = 6


def region(dbsession, title: str) -> list[Classifier]:
    return list(dbsession.scalars(sa.select(Classifier).where(
        Classifier.list == "region", Classifier.title == title)))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_built_in_moscow_cannot_be_added_again_in_either_language(
        testapp, login_as, dbsession, language):
    login_as("admin", locale=language)
    for typed in ("Москва", "  москва ", "MOSCOW", "Moscow"):
        page = testapp.post_csrf("/admin/classifiers", {"list": "region", "action": "add",
                                                        "title": typed}, status=400)
        assert ("уже есть в этом списке" if language == "ru" else "already in this list") \
            in page.text
        assert "${" not in page.text
    assert region(dbsession, "Москва") == []
    # Renaming another entry to the shown title of the built-in one is refused too.
    tula = admin_classifiers.add_entry(dbsession, "region", "Тула")
    page = testapp.post_csrf("/admin/classifiers", {"list": "region", "action": "rename",
                                                    "id": str(tula.id), "title": "москва"},
                             status=400)
    assert "${" not in page.text
    dbsession.refresh(tula)
    assert tula.title == "Тула"


def test_an_entry_added_in_russian_blocks_the_same_in_another_case(dbsession):
    admin_classifiers.add_entry(dbsession, "source", "Радио")
    with pytest.raises(UserError):
        admin_classifiers.add_entry(dbsession, "source", "РАДИО")
    # The same title in another list is fine.
    admin_classifiers.add_entry(dbsession, "group", "Радио")


def test_the_database_refuses_a_second_shown_title_behind_the_check(dbsession):
    """Without the check, the unique index on the folded title still says no."""
    dbsession.add(Classifier(list="region", title="Тверь", shown_en="тверь", shown_ru="тверь"))
    dbsession.flush()
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(Classifier(list="region", title="ТВЕРЬ", shown_en="тверь",
                                 shown_ru="тверь"))
        dbsession.flush()


def test_entries_seeded_without_keys_get_them_before_the_next_change(dbsession):
    """`portal demo` seeds the lists with plain inserts, after the migration gave the keys."""
    dbsession.execute(sa.insert(Classifier.__table__).values(
        list="region", code="kaliningrad", title="Калининград", sort_order=5, active=True))
    dbsession.execute(sa.insert(Classifier.__table__).values(
        list="region", code="", title="калининград ", sort_order=6, active=True))
    admin_classifiers.add_entry(dbsession, "region", "Псков")
    first, repeat = region(dbsession, "Калининград")[0], region(dbsession, "калининград ")[0]
    assert (first.shown_en, first.shown_ru) == ("калининград", "калининград")
    assert (repeat.shown_en, repeat.shown_ru) == (None, None)  # a repeat keeps none
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(Classifier(list="region", title="КАЛИНИНГРАД", shown_en="калининград",
                                 shown_ru="калининград"))
        dbsession.flush()


@pytest.mark.parametrize("action", ["add", "rename"])
def test_what_slips_past_the_check_is_refused_with_the_same_words(
        testapp, login_as, dbsession, monkeypatch, action):
    """As when another admin saved it a moment after the check: the unique index refuses it,
    the page says so (400, not 500) and the entry keeps its title."""
    monkeypatch.setattr(admin_classifiers, "check_title", lambda *args, **kw: None)
    tula = admin_classifiers.add_entry(dbsession, "region", "Тула")
    login_as("admin")
    post = {"list": "region", "action": action, "title": "Москва"}
    if action == "rename":
        post["id"] = str(tula.id)
    page = testapp.post_csrf("/admin/classifiers", post, status=400)
    assert "“Москва” is already in this list." in page.text
    dbsession.expire_all()
    assert dbsession.get(Classifier, tula.id).title == "Тула"
    assert region(dbsession, "Москва") == []


@pytest.mark.parametrize("language", ["en", "ru"])
def test_classifier_messages_are_filled_in(testapp, login_as, dbsession, language):
    login_as("admin", locale=language)
    quoted = "«Подкаст»" if language == "ru" else "“Подкаст”"
    page = testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "add",
                                                    "title": "Подкаст"}, status=303).follow()
    assert "${" not in page.text and quoted in page.text
    entry = dbsession.scalar(sa.select(Classifier).where(Classifier.title == "Подкаст"))
    testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "toggle",
                                             "id": str(entry.id)}, status=303)
    page = testapp.get("/admin/classifiers", {"list": "source"})
    assert "${" not in page.text and quoted in page.text
    exhibition = dbsession.scalar(sa.select(Classifier).where(Classifier.code == "exhibition"))
    dbsession.add(Organization(name="Посетитель", source_id=exhibition.id))
    dbsession.flush()
    page = testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "delete",
                                                    "id": str(exhibition.id)},
                             status=303).follow()
    assert "${" not in page.text
    assert ("«Выставка» используется в записях (1)" if language == "ru"
            else "“Exhibition” is used by 1 records") in page.text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_required_list_is_refused_empty_by_the_form(testapp, login_as, dbsession, clients,
                                                      language):
    login_as("admin", locale=language)
    page = testapp.get("/admin/classifiers", {"list": "category"})
    form = page.forms["required-form"]
    form.submit(status=303)
    assert dbsession.get(ClassifierList, "category").required
    page = testapp.get("/clients/add")
    form = page.forms["organization-form"]
    form["name"] = "ООО «Без категории»"
    page = form.submit(status=400)
    message = page.html.find(id="e-category_id").text
    if language == "ru":
        assert "категори" in message and "administrator" not in message
    else:
        assert message == "Choose the category: an administrator made it required."
    assert "${" not in page.text
    assert dbsession.scalar(sa.select(Organization).where(
        Organization.name == "ООО «Без категории»")) is None
    category = clients.classifier("category")
    form = page.forms["organization-form"]
    form["category_id"] = str(category.id)
    form.submit(status=303)
    assert dbsession.scalar(sa.select(Organization.category_id).where(
        Organization.name == "ООО «Без категории»")) == category.id
    # And optional again.
    testapp.get("/admin/classifiers", {"list": "category"}).forms["required-form"].submit(
        status=303)
    assert not dbsession.get(ClassifierList, "category").required


def test_a_required_list_is_refused_empty_by_the_import(testapp, login_as, dbsession, clients):
    dbsession.add(ClassifierList(list="region", required=True))
    dbsession.flush()
    login_as("admin")
    data = csv_bytes([["Наименование", "Регион"], ["ООО «Где-то»", ""], ["ООО «В Москве»", "Москва"]])
    page = upload(testapp, "regions.csv", data).follow()
    problems = page.html.find(id="problem-rows").text
    assert "Choose the region: an administrator made it required." in problems
    run(testapp, page)
    names = dbsession.scalars(sa.select(Organization.name).order_by(Organization.id)).all()
    assert "ООО «В Москве»" in names and "ООО «Где-то»" not in names


# --- two admins at the same instant -----------------------------------------------------------

@pytest.fixture
def race_cleanup(app):
    tag = uuid.uuid4().hex[:6]
    yield tag
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.delete(Classifier.__table__).where(Classifier.title.ilike(f"%{tag}%")))


def test_two_admins_adding_the_same_title_at_once_get_one_entry(app, monkeypatch, race_cleanup):
    """Every thread passes the friendly check, then waits for the others before writing: only
    the unique index stands between them and a repeated entry; the others get the check's
    words."""
    tag = race_cleanup
    barrier = threading.Barrier(THREADS, timeout=30)
    original = admin_classifiers.check_title

    def check_then_wait(*args, **kw):
        original(*args, **kw)
        barrier.wait()

    monkeypatch.setattr(admin_classifiers, "check_title", check_then_wait)
    made, refused, errors = [], [], []
    factory = app.registry["dbsession_factory"]

    def add(i):
        tm = transaction.TransactionManager(explicit=True)
        try:
            with tm:
                db = models.get_tm_session(factory, tm)
                title = f"Город {tag}" if i % 2 else f"  ГОРОД   {tag.upper()} "
                try:
                    made.append(admin_classifiers.add_entry(db, "region", " ".join(title.split())).id)
                except UserError as problem:
                    refused.append(str(problem.message))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert errors == []
    assert len(made) == 1 and len(refused) == THREADS - 1
    assert all("is already in this list" in r for r in refused)
    engine = factory.kw["bind"]
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(Classifier.__table__).where(
            Classifier.title.ilike(f"%{tag}%"))).scalar()
    assert stored == 1


@pytest.mark.parametrize("post", [
    {"list": "region", "action": "required", "required": "maybe"},
    {"list": "interaction_result", "action": "required", "required": "true"},
    {"list": "nonsense", "action": "required", "required": "true"},
    {"list": "region", "action": "add", "title": "\x00" * 10},
    {"list": "region", "action": "rename", "id": "99999999999999999999", "title": "x"},
])
def test_hostile_classifier_posts_give_messages_never_500(testapp, login_as, post):
    login_as("admin")
    page = testapp.post_csrf("/admin/classifiers", post, status="*")
    assert page.status_int in (303, 400)
    if page.status_int == 303:
        assert "${" not in page.follow().text
