"""The interface for tickets: suggest articles for a ticket's text, link and unlink them."""
from __future__ import annotations

import pytest
from pyramid.httpexceptions import HTTPForbidden

from portal.kb.links import article_tickets, link_article, suggest_articles, ticket_articles, unlink_article
from tests.functional.tickets.desk import plain_ticket


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
    ticket = plain_ticket(dbsession, factory).id
    first = link_article(request, ticket, a)
    assert link_article(request, ticket, a).id == first.id  # once
    link_article(request, ticket, b)
    # An article the agent may not read cannot be linked; one that became hidden since is
    # not listed.
    with pytest.raises(HTTPForbidden):
        link_article(request, ticket, hidden)
    c = kb.article(it, "C", slug="c")
    link_article(request, ticket, c)
    c.state = "draft"
    dbsession.flush()
    assert [x.slug for x in ticket_articles(request, ticket)] == ["a", "b"]
    assert article_tickets(dbsession, a) == [ticket]
    assert unlink_article(request, ticket, a.id) is True
    assert unlink_article(request, ticket, a.id) is False
    assert [x.slug for x in ticket_articles(request, ticket)] == ["b"]
    # A link to an article the agent may not read (any more) is not theirs to remove.
    with pytest.raises(HTTPForbidden):
        unlink_article(request, ticket, c.id)
    assert article_tickets(dbsession, c) == [ticket]
    assert unlink_article(request_for(factory.user("boss", roles=["admin"])), ticket, c.id) is True


def test_suggestions_find_other_forms_of_the_words_and_leave_out_linked_ones(kb, factory, request_for):
    it = kb.folder("IT", slug="it")
    printer = kb.article(it, "Принтер не печатает", slug="printer",
                         body="Проверьте бумагу и картридж принтера.")
    scanner = kb.article(it, "Сканер и принтер в одном", slug="mfp", body="Многофункциональные устройства.")
    request = request_for(factory.user("agent"))
    text = "Принтеры в бухгалтерии не печатают, картриджи меняли"
    found = [s.article for s in suggest_articles(request, text)]
    assert found[0] == printer and scanner in found
    assert [s.article for s in suggest_articles(request, text, exclude_ids=[printer.id])] == [scanner]
