"""The interface of the knowledge base for tickets (issue 6): link articles to tickets, list a
ticket's articles, and suggest articles for a ticket's text.

The tickets issue calls these functions; it owns the ticket side (its table, its pages, and the
foreign key from ``kb_ticket_links.ticket_id`` to its tickets, added by its migration)::

    from portal.kb.links import link_article, suggest_articles, ticket_articles
    for s in suggest_articles(request, ticket.subject + "\\n" + ticket.body, limit=5):
        s.article, s.url, s.snippet, s.score
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup
from pyramid.httpexceptions import HTTPForbidden

from models.kb import Article, TicketArticleLink
from portal.kb.resources import article_url, locate_article
from portal.kb.search import informative_words, search
from portal.kb.security import article_filter


@dataclass
class Suggestion:
    article: Article
    url: str
    snippet: Markup
    score: float


def suggest_articles(request, text: str, limit: int = 5, exclude_ids=()) -> list[Suggestion]:
    """Published articles the user may read that best answer `text` (a ticket's subject and
    body): ranked full-text search over its informative words, any of them matching."""
    words = informative_words(text)
    if not words:
        return []
    where = sa.and_(Article.state == "published", article_filter(request, "view"))
    if exclude_ids:
        where = sa.and_(where, Article.id.not_in(list(exclude_ids)))
    hits, _total = search(request, words, where=where, limit=limit, any_word=True)
    return [Suggestion(h.article, article_url(request, h.article), h.snippet, h.rank) for h in hits]


def link_article(request, ticket_id: int, article: Article) -> TicketArticleLink:
    """Link `article` to a ticket (once; linking again returns the existing link). Only an
    article the user may read: HTTPForbidden otherwise."""
    if not request.has_permission("view", locate_article(request, article)):
        raise HTTPForbidden()
    db = request.dbsession
    link = db.scalar(sa.select(TicketArticleLink).where(
        TicketArticleLink.ticket_id == ticket_id, TicketArticleLink.article_id == article.id))
    if link is None:
        identity = request.identity
        link = TicketArticleLink(ticket_id=ticket_id, article_id=article.id,
                                 linked_by_id=identity.user.id if identity else None)
        db.add(link)
        db.flush()
    return link


def unlink_article(request, ticket_id: int, article_id: int) -> bool:
    """Remove an article's link from a ticket; whether there was one. As for linking, only an
    article the user may read (HTTPForbidden otherwise): a link one cannot see stays."""
    db = request.dbsession
    article = db.get(Article, article_id)
    if article is None:
        return False
    if not request.has_permission("view", locate_article(request, article)):
        raise HTTPForbidden()
    link = db.scalar(sa.select(TicketArticleLink).where(
        TicketArticleLink.ticket_id == ticket_id, TicketArticleLink.article_id == article_id))
    if link is None:
        return False
    db.delete(link)
    db.flush()
    return True


def ticket_articles(request, ticket_id: int) -> list[Article]:
    """The articles linked to a ticket that the user may see, in the order they were linked."""
    return list(request.dbsession.scalars(
        sa.select(Article).join(TicketArticleLink, TicketArticleLink.article_id == Article.id)
        .where(TicketArticleLink.ticket_id == ticket_id, article_filter(request, "view"))
        .order_by(TicketArticleLink.created_at, TicketArticleLink.id)))


def article_tickets(dbsession, article: Article) -> list[int]:
    """Ids of the tickets an article is linked to (how often it answered a question)."""
    return list(dbsession.scalars(sa.select(TicketArticleLink.ticket_id)
                                  .where(TicketArticleLink.article_id == article.id)
                                  .order_by(TicketArticleLink.ticket_id)))
