"""The interface for tickets: suggest articles for a ticket's text, link and unlink them."""
from __future__ import annotations

from portal.kb_links import article_tickets, link_article, suggest_articles, ticket_articles, unlink_article


def test_suggestions_rank_published_articles_the_person_may_read(kb, factory, request_for):
    it = kb.folder("IT", slug="it")
    board = kb.folder("Board", slug="board", restricted=True)
    kb.article(it, "Принтер не печатает", slug="printer",
                         body="Проверьте бумагу и картридж. Перезапустите принтер.")
    kb.article(it, "Настройка VPN", slug="vpn", body="Клиент VPN и пароль.")
    kb.article(it, "Черновик: принтер", slug="draft", state="draft", author=factory.user("writer"),
               body="Принтер картридж")
    kb.article(board, "Принтер директора", slug="boss-printer", body="Картридж принтера директора")
    request = request_for(factory.user("agent"))
    text = "Здравствуйте! У нас принтер в бухгалтерии не печатает, картридж новый. Что делать?"
    found = suggest_articles(request, text, limit=5)
    assert [s.article.slug for s in found] == ["printer"]
    assert found[0].url.endswith("/kb/it/printer/")
    assert "<mark>" in str(found[0].snippet)
    assert suggest_articles(request, "Здравствуйте, спасибо!") == []


def test_linking_articles_to_a_ticket(kb, factory, request_for, dbsession):
    it = kb.folder("IT", slug="it")
    a = kb.article(it, "A", slug="a")
    b = kb.article(it, "B", slug="b")
    hidden = kb.article(it, "Hidden", slug="hidden", state="draft", author=factory.user("writer"))
    request = request_for(factory.user("agent"))
    first = link_article(request, 42, a)
    assert link_article(request, 42, a).id == first.id  # once
    link_article(request, 42, b)
    link_article(request, 42, hidden)
    assert [x.slug for x in ticket_articles(request, 42)] == ["a", "b"]
    assert article_tickets(dbsession, a) == [42]
    assert unlink_article(request, 42, a.id) is True
    assert unlink_article(request, 42, a.id) is False
    assert [x.slug for x in ticket_articles(request, 42)] == ["b"]
