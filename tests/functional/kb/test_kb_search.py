"""Search: ranked, by word beginnings (and stems on PostgreSQL), snippets, filters, and never
a result the person may not read."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.kb import Article
from portal.kb.search import search


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
    import portal.kb.search

    monkeypatch.setattr(portal.kb.search, "BROAD", 2)
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


# --- one search interface (models/search.py) -----------------------------------------------------

def test_articles_are_documents_of_the_portal_search(dbsession, library):
    from models import search as fts

    vpn = library["vpn"]
    title, body = dbsession.execute(sa.select(fts.SearchDocument.title, fts.SearchDocument.body).where(
        fts.SearchDocument.kind == "article", fts.SearchDocument.object_id == vpn.id)).one()
    # Title and tags weigh most; summary and text follow, folded as the index reads them.
    assert title == "настройка vpn vpn сеть"
    assert body.startswith("подключение к офисной сети из дома установите клиент")
    hits = fts.hits(dbsession, "article", "УСТАНОВ")
    assert [h.object_id for h in dbsession.execute(sa.select(hits))] == [vpn.id]
    # The knowledge base keeps no index of its own any more.
    inspector = sa.inspect(dbsession.connection())
    assert "kb_article_fts" not in inspector.get_table_names()
    assert "search_vector" not in {c["name"] for c in inspector.get_columns("kb_articles")}


def test_other_kinds_in_the_same_index_are_never_taken_for_articles(dbsession, library, request_for, factory):
    from models import search as fts

    vacation = library["vacation"]
    # A document of another kind with the same object id and a word no article has.
    fts.index_documents(dbsession.connection(), "organization", [(vacation.id, "ромашкострой", "")])
    request = request_for(factory.user("reader"))
    assert search(request, "ромашкострой", where=Article.state == "published")[0] == []
    assert search(request, "отпуск", where=Article.state == "published")[0][0].article == vacation


def test_tags_are_found_and_follow_their_changes(dbsession, library, request_for, factory):
    from models.kb import ArticleTag

    vacation = library["vacation"]
    request = request_for(factory.user("reader"))
    where = Article.state == "published"
    assert search(request, "кадры", where=where)[0] == []
    vacation.tag_rows.append(ArticleTag(tag="кадры"))
    dbsession.flush()
    assert [h.article for h in search(request, "кадры", where=where)[0]] == [vacation]
    vacation.tag_rows = [t for t in vacation.tag_rows if t.tag != "кадры"]
    dbsession.flush()
    assert search(request, "кадры", where=where)[0] == []


def test_the_total_counts_only_what_the_person_may_read(testapp, login_as, kb, factory):
    folder = kb.folder("Many", slug="many")
    writer = factory.user("writer")
    for i in range(25):
        kb.article(folder, f"Регламент {i}", slug=f"r{i}")
    for i in range(10):
        kb.article(folder, f"Регламент-черновик {i}", slug=f"d{i}", state="draft", author=writer)
    login_as("employee")
    page = testapp.get("/kb/search", {"q": "регламент"})
    assert "Found: 25" in page.text and len(titles(page)) == 20
    assert len(titles(testapp.get("/kb/search", {"q": "регламент", "page": "2"}))) == 5


def test_snippets_mark_other_forms_of_the_word_on_postgresql(library, request_for, factory, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("stems are PostgreSQL's")
    request = request_for(factory.user("reader"))
    hits, _total = search(request, "отпуском", where=Article.state == "published")
    assert [h.article.slug for h in hits] == ["vacation"]
    assert "<mark>отпуск</mark>" in str(hits[0].snippet)


def test_one_letter_words_match_whole_words_only(dbsession, kb, request_for, factory):
    folder = kb.folder("Letters", slug="letters")
    kb.article(folder, "Витамин", slug="vitamin", body="Про витамины.")
    kb.article(folder, "Буква", slug="letter", body="Буква в слове.")
    request = request_for(factory.user("reader"))
    found = [h.article.slug for h in search(request, "в", where=Article.state == "published")[0]]
    assert "vitamin" not in found


def test_a_folder_filter_on_a_folder_one_may_not_see_reveals_nothing(testapp, login_as, library, kb):
    board = kb.folder("Board secrets", slug="board", restricted=True)
    kb.article(board, "VPN для совета директоров", slug="board-vpn")
    login_as("employee")
    page = testapp.get("/kb/search", {"q": "vpn", "folder": str(board.id)})
    assert "VPN для совета директоров" not in page.text and "Board secrets" not in page.text
    # The filter is ignored: what the person may read is searched.
    assert "Настройка VPN" in titles(page)


def test_other_forms_of_a_word_are_found_on_both_databases(testapp, login_as, kb):
    folder = kb.folder("Office", slug="office")
    kb.article(folder, "Панель управления", slug="panel",
               body="Настройки принтеров меняют в панели управления. Printer drivers are updated.")
    login_as("employee")
    for q in ("настройка", "принтеры", "принтер", "панелью", "printers"):
        assert titles(testapp.get("/kb/search", {"q": q})) == ["Панель управления"], q
    # The other forms are marked in the snippet too.
    snippet = testapp.get("/kb/search", {"q": "настройка"}).html.find(class_="kb-snippet")
    assert snippet.find("mark").text == "Настройки"
