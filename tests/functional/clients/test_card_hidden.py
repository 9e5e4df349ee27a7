"""The client card says how many of the client's calls, meetings and letters the reader may not
see («3 записи скрыты: нет прав») instead of «ничего не записано» (issue 14, point 5), counted in
SQL by the same filter the timeline uses; and its requisites are valid lists (dt/dd only)."""
from __future__ import annotations

import datetime as dt

import pytest
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories

from models.meta import utcnow


def hidden_text(app, lang: str, n: int) -> str:
    """What the card says for `n` hidden records, in `lang` (the catalog's plural forms)."""
    localizer = make_localizer(lang, app.registry.getUtility(ITranslationDirectories))
    return localizer.pluralize("${n} record hidden: no permission",
                               "${n} records hidden: no permission", n,
                               domain="portal").replace("${n}", str(n))


@pytest.fixture
def setup(factory, clients):
    """A supply manager sees every client but only their own interactions (ROLES.md)."""
    team = factory.department("Снабжение")
    viewer = factory.user("viewer", roles=["supply"], departments=[team], full_name="Вера Видящая")
    colleague = factory.user("colleague", departments=[team], full_name="Коля Коллегов")
    org = clients.organization("ООО «Скрытное»", manager=colleague)
    return viewer, colleague, org


def calls(clients, org, responsible, n: int, subject: str):
    done = utcnow() - dt.timedelta(days=1)
    return [clients.interaction(responsible=responsible, organization=org, planned_at=done,
                                done_at=done, subject=f"{subject} {i}") for i in range(n)]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_three_hidden_and_one_visible(testapp, login_as, clients, setup, app, lang):
    viewer, colleague, org = setup
    viewer.locale = lang
    calls(clients, org, colleague, 3, "Чужой звонок")
    calls(clients, org, viewer, 1, "Мой звонок")
    login_as(viewer)
    page = testapp.get(f"/clients/{org.id}")
    shown = page.html.find(id="timeline-list").text
    assert "Мой звонок 0" in shown and "Чужой звонок" not in shown
    note = page.html.find(id="hidden-records")
    assert note["data-hidden"] == "3"
    assert note.text.strip() == hidden_text(app, lang, 3)
    if lang == "en":
        assert note.text.strip() == "3 records hidden: no permission"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_all_hidden_says_so_instead_of_nothing_recorded(testapp, login_as, clients, setup, app,
                                                       lang):
    viewer, colleague, org = setup
    viewer.locale = lang
    calls(clients, org, colleague, 1, "Чужой звонок")
    login_as(viewer)
    page = testapp.get(f"/clients/{org.id}")
    assert page.html.find(id="timeline-list") is None
    box = page.html.find(id="timeline-list-empty")
    assert box["data-hidden"] == "1"
    assert box.text.strip() == hidden_text(app, lang, 1)
    assert "Nothing recorded" not in page.text and "ничего не записано" not in page.text.lower()


def test_who_sees_everything_sees_no_note(testapp, login_as, clients, setup):
    _viewer, colleague, org = setup
    calls(clients, org, colleague, 2, "Звонок")
    login_as("director")
    page = testapp.get(f"/clients/{org.id}")
    assert page.html.find(id="hidden-records") is None
    assert len(page.html.find(id="timeline-list").find_all("li")) == 2


def test_a_client_with_no_interactions_says_nothing_is_recorded(testapp, login_as, setup):
    viewer, _colleague, org = setup
    login_as(viewer)
    page = testapp.get(f"/clients/{org.id}")
    assert page.html.find(id="hidden-records") is None
    assert "Nothing recorded yet" in page.html.find(id="timeline-list-empty").text


def test_the_requisites_lists_hold_only_term_and_description_groups(testapp, login_as, clients,
                                                                   setup):
    _viewer, _colleague, org = setup
    org.website = "https://example.com"
    org.tags = "опт, VIP"
    login_as("director")
    page = testapp.get(f"/clients/{org.id}")
    lists = page.html.find(id="requisites").find_all("dl")
    assert lists
    for dl in lists:
        for child in dl.find_all(recursive=False):
            assert child.name in ("dt", "dd", "div"), child.name
            if child.name == "div":  # a div may only wrap one dt/dd group
                names = [c.name for c in child.find_all(recursive=False)]
                assert names and set(names) <= {"dt", "dd"} and names[0] == "dt", names


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_contact_page_says_so_too(testapp, login_as, clients, setup, app, lang):
    viewer, colleague, org = setup
    viewer.locale = lang
    person = clients.contact("Петров Пётр", organization=org)
    for who, subject in ((colleague, "Чужой"), (colleague, "Чужой"), (viewer, "Мой")):
        clients.interaction(responsible=who, organization=org, contact=person,
                            planned_at=utcnow() - dt.timedelta(days=1),
                            done_at=utcnow() - dt.timedelta(days=1), subject=subject)
    login_as(viewer)
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}/")
    assert "Мой" in page.html.find(id="timeline-list").text
    note = page.html.find(id="hidden-records")
    assert note["data-hidden"] == "2" and note.text.strip() == hidden_text(app, lang, 2)
