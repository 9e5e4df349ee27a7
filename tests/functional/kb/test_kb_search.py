"""Search: ranked, by word beginnings (and stems on PostgreSQL), snippets, filters, and never
a result the person may not read."""
from __future__ import annotations

import pytest

from models.kb import Article
from portal.kb_search import search


@pytest.fixture
def library(kb, factory):
    it = kb.folder("IT", slug="it")
    network = kb.folder("Network", parent=it, slug="network")
    hr = kb.folder("HR", slug="hr")
    author = factory.user("writer")
    return {
        "it": it, "network": network, "hr": hr, "author": author,
        "vpn": kb.article(network, "Настройка VPN", slug="vpn", tags=["vpn", "сеть"],
                          summary="Подключение к офисной сети из дома",
                          body="Установите клиент и введите адрес сервера vpn.progress.example. "
                               "Remote access for employees."),
        "printer": kb.article(it, "Принтеры в офисе", slug="printers", tags=["принтер"],
                              body="Настройка принтера: откройте панель управления. VPN не нужен."),
        "vacation": kb.article(hr, "Как оформить отпуск", slug="vacation", tags=["отпуск"],
                               body="Заявление на отпуск подают за две недели."),
        "draft": kb.article(it, "Черновик про VPN", slug="draft-vpn", state="draft", author=author,
                            body="Настройка VPN для новых сотрудников."),
    }


def titles(page, id_="results"):
    block = page.html.find(id=id_)
    return [a.text for a in block.find_all("a", class_="kb-title")] if block else []


def test_a_word_beginning_finds_articles_best_first(testapp, login_as, library):
    login_as("employee")
    page = testapp.get("/kb/search", {"q": "настро"})
    # "Настройка VPN" has the word in its title; the printers article only in its text.
    assert titles(page) == ["Настройка VPN", "Принтеры в офисе"]
    assert "Found: 2" in page.text


def test_snippets_highlight_the_matched_words(testapp, login_as, library):
    login_as("employee")
    page = testapp.get("/kb/search", {"q": "заявление"})
    snippet = page.html.find(id="results").find(class_="kb-snippet")
    assert snippet.find("mark").text == "Заявление"


def test_every_word_must_match_and_search_syntax_is_harmless(testapp, login_as, library):
    login_as("employee")
    assert titles(testapp.get("/kb/search", {"q": "настройка принтера"})) == ["Принтеры в офисе"]
    for q in ('"unbalanced', "vpn OR", "NEAR(", "*", "a:b", "'; DROP TABLE kb_articles; --", "()"):
        assert testapp.get("/kb/search", {"q": q}).status_int == 200, q


def test_filters_by_folder_and_tag(testapp, login_as, library):
    login_as("employee")
    it = library["it"]
    page = testapp.get("/kb/search", {"q": "vpn", "folder": str(it.id)})
    assert sorted(titles(page)) == ["Настройка VPN", "Принтеры в офисе"]  # sub-folders too
    page = testapp.get("/kb/search", {"q": "vpn", "folder": str(library["network"].id)})
    assert titles(page) == ["Настройка VPN"]
    page = testapp.get("/kb/search", {"q": "vpn", "tag": "сеть"})
    assert titles(page) == ["Настройка VPN"]
    page = testapp.get("/kb/search", {"tag": "отпуск"})
    assert titles(page) == ["Как оформить отпуск"]


def test_nobody_finds_what_they_may_not_read(testapp, login_as, library, kb, factory):
    secret = kb.folder("Board", slug="board", restricted=True)
    kb.article(secret, "VPN для совета директоров", slug="board-vpn")
    login_as("employee")
    found = titles(testapp.get("/kb/search", {"q": "vpn"}))
    assert "Черновик про VPN" not in found and "VPN для совета директоров" not in found
    assert "Настройка VPN" in found
    # The draft's author finds their draft.
    testapp.login("writer")
    assert "Черновик про VPN" in titles(testapp.get("/kb/search", {"q": "vpn"}))


def test_the_header_search_includes_articles(testapp, login_as, library):
    login_as("employee")
    page = testapp.get("/search", {"q": "отпуск"})
    groups = page.html.find_all("section", class_="search-group")
    kb_group = [g for g in groups if "Knowledge base" in g.find("h2").text]
    assert kb_group and "Как оформить отпуск" in kb_group[0].text
    assert "/kb/hr/vacation/" in str(kb_group[0])
    page = testapp.get("/search", {"q": "черновик"})
    assert "Черновик про VPN" not in page.text


def test_changes_are_found_at_once_and_removed_words_are_not(dbsession, library, request_for, factory):
    vacation = library["vacation"]
    vacation.title = "Больничный лист"
    vacation.body_html = "<p>Справка из поликлиники.</p>"
    dbsession.flush()
    request = request_for(factory.user("reader"))
    where = Article.state == "published"
    assert [h.article.slug for h in search(request, "поликлин", where=where)[0]] == ["vacation"]
    assert search(request, "отпуск оформить", where=where)[0] == []
    dbsession.delete(vacation)
    dbsession.flush()
    assert search(request, "больничный", where=where)[0] == []


def test_a_word_in_another_form_is_found_on_postgresql(dbsession, library, request_for, factory, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("Russian and English stemming is PostgreSQL's (SQLite matches word beginnings)")
    request = request_for(factory.user("reader"))
    where = Article.state == "published"
    # Russian words by their stem ("отпуском" → "отпуск"), English ones too ("employee" → "employe")
    for q, slug in (("отпуском", "vacation"), ("заявлений", "vacation"), ("принтеров", "printers"),
                    ("серверы", "vpn"), ("employee", "vpn"), ("accessing", "vpn")):
        assert slug in [h.article.slug for h in search(request, q, where=where)[0]], q


def test_many_results_are_paginated(testapp, login_as, kb):
    login_as("employee")
    folder = kb.folder("Many", slug="many")
    for i in range(45):
        kb.article(folder, f"Инструкция номер {i}", slug=f"i{i}")
    page = testapp.get("/kb/search", {"q": "инструкция"})
    assert len(titles(page)) == 20 and "Found: 45" in page.text
    page = testapp.get("/kb/search", {"q": "инструкция", "page": "3"})
    assert len(titles(page)) == 5


def test_very_common_words_rank_title_matches_only_and_say_so(testapp, login_as, kb, monkeypatch):
    import portal.kb_search

    monkeypatch.setattr(portal.kb_search, "BROAD", 2)
    login_as("employee")
    folder = kb.folder("Many", slug="many")
    for i in range(3):
        kb.article(folder, f"Заметка {i}", slug=f"n{i}", body="Обращайтесь к менеджеру отдела.")
    kb.article(folder, "Менеджер по продажам", slug="manager", body="Кто это.")
    page = testapp.get("/kb/search", {"q": "менеджер"})
    assert titles(page) == ["Менеджер по продажам"]
    assert page.html.find(id="kb-narrowed") is not None
    # When no title has them, every match is ranked after all.
    page = testapp.get("/kb/search", {"q": "обращайтесь"})
    assert len(titles(page)) == 3 and page.html.find(id="kb-narrowed") is None
