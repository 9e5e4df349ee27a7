"""The messages that follow an action, and the titles made of a message and a name, read in the
reader's language with their placeholders filled (issue 14, point 1): the import finished or
cancelled, a classifier added, or refused because records use it, a client's change history,
a workflow step refused for want of a comment. The crawl (test_crawl_language.py) only follows
GET links; these are what a POST leaves behind."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.clients import Classifier
from models.tasks import Task
from tests.functional.clients.conftest import ClientFactory

IMPORTS = "/clients/imports/"
# Which words each reader must see; the other language's must not show.
WORDS = {
    "en": {"finished": "Import finished: 1 created, 0 updated",
           "cancelled": "The import of “clients.csv” was cancelled.",
           "added": "Added “Радио”.",
           "in_use": "“Радио” is used by 1 records",
           "history": "Change history of ООО «Ромашка»"},
    "ru": {"finished": "Импорт завершён: создано — 1, обновлено — 0",
           "cancelled": "Импорт файла «clients.csv» отменён.",
           "added": "Добавлено «Радио».",
           "in_use": "«Радио» используется в записях (1)",
           "history": "История изменений: ООО «Ромашка»"},
}


def alerts(page) -> list[str]:
    """The texts of the page's flash messages."""
    return [" ".join(a.text.split()).replace(" ×", "") for a in page.html.select("main .alert")]


def assert_reads(texts, lang: str, key: str) -> None:
    joined = " | ".join(texts)
    assert "${" not in joined, joined
    assert WORDS[lang][key] in joined, joined
    other = "ru" if lang == "en" else "en"
    assert WORDS[other][key] not in joined, joined


@pytest.fixture(params=["en", "ru"])
def lang(request):
    return request.param


@pytest.fixture
def importer(login_as, factory, lang):
    """A head of Sales (who may import), reading in `lang`."""
    sales = factory.department("Отдел продаж")
    return login_as("dept_head", departments=[sales], locale=lang)


def upload(testapp):
    data = "Наименование;ИНН\r\nООО «Альфа»;\r\n".encode("utf-8-sig")
    return testapp.post_csrf(IMPORTS, {"target": "organizations"},
                             upload_files=[("file", "clients.csv", data)], status=303).follow()


def test_the_import_finished_reads_in_the_readers_language(testapp, importer, lang):
    page = upload(testapp)
    page = page.forms["mapping-form"].submit("action", value="run", status=303).follow()
    assert_reads(alerts(page), lang, "finished")


def test_a_cancelled_import_reads_in_the_readers_language(testapp, importer, lang):
    page = upload(testapp)
    page = page.forms["cancel-form"].submit("action", value="cancel", status=303).follow()
    assert_reads(alerts(page), lang, "cancelled")


def test_classifier_added_and_in_use_read_in_the_readers_language(testapp, login_as, dbsession, factory,
                                                                    lang):
    login_as("admin", locale=lang)
    page = testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "add",
                                                    "title": "Радио"}, status=303).follow()
    assert_reads(alerts(page), lang, "added")
    radio = dbsession.scalar(sa.select(Classifier).where(Classifier.title == "Радио"))
    ClientFactory(dbsession, factory).organization("ООО «Слушатель»", source_id=radio.id)
    # Records use it: it cannot be deleted (the admin is told to retire it instead).
    page = testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "delete",
                                                    "id": str(radio.id)}, status="*")
    if page.status_int == 303:
        page = page.follow()
    texts = alerts(page) + [" ".join(e.text.split()) for e in page.html.select(".invalid-feedback,"
                                                                                ".text-danger")]
    assert_reads(texts, lang, "in_use")


def test_the_change_history_title_reads_in_the_readers_language(testapp, login_as, dbsession, factory,
                                                                  lang):
    login_as("admin", locale=lang)
    org = ClientFactory(dbsession, factory).organization("ООО «Ромашка»")
    page = testapp.get(f"/clients/{org.id}/history")
    title = page.html.select_one("title").text
    heading = " ".join(page.html.select_one("main h1").text.split())
    assert_reads([title, heading], lang, "history")


def test_a_refused_step_reads_in_the_readers_language(testapp, login_as, dbsession, lang):
    """Cancelling a task without a reason is refused with «Please say why in the comment.»
    (workflows/engine.py), in the reader's language."""
    me = login_as("employee", locale=lang)
    task = Task(author_id=me.id, assignee_id=me.id,
                department_id=me.memberships[0].department_id, due_has_time=True)
    task.set_title("Отчёт")
    dbsession.add(task)
    dbsession.flush()
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "cancel"}, status=303)
    assert task.state == "open"
    text = " ".join(testapp.get(f"/tasks/{task.id}").html.select_one("main").text.split())
    english, russian = "Please say why in the comment.", "объясните причину в комментарии"
    assert (english in text, russian in text) == ((True, False) if lang == "en" else (False, True))
    # A step the workflow does not know («Unknown action…»).
    testapp.post_csrf(f"/tasks/{task.id}/transition", {"name": "fly"}, status="*")
    text = " ".join(testapp.get(f"/tasks/{task.id}").html.select_one("main").text.split())
    english, russian = "Unknown action “fly”.", "Неизвестное действие «fly»."
    assert (english in text, russian in text) == ((True, False) if lang == "en" else (False, True))
