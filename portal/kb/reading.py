"""Reading an article: each reader counted once, and their answer to "was this helpful?"."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models.kb import Article, ArticleFeedback, ArticleRead
from models.meta import utcnow
from models.people import User
from portal.kb.schemas import FEEDBACK_MAX


def _insert_ignore(dbsession, table, values: dict) -> int:
    """INSERT … ON CONFLICT DO NOTHING; the number of rows inserted (0 or 1)."""
    dialect = postgresql if dbsession.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING tells whether a row went in (rowcount is -1 on PostgreSQL with RETURNING).
    result = dbsession.execute(dialect.insert(table).values(**values).on_conflict_do_nothing()
                               .returning(table.c.id))
    return 1 if result.first() is not None else 0


def record_read(dbsession, reader: User | None, article: Article) -> ArticleRead | None:
    """Count `reader` among the article's readers (once per person); their reading."""
    if reader is None:
        return None
    if _insert_ignore(dbsession, ArticleRead.__table__, {"article_id": article.id, "user_id": reader.id,
                                                         "first_read_at": utcnow()}):
        dbsession.execute(sa.update(Article.__table__).where(Article.__table__.c.id == article.id)
                          .values(read_count=Article.__table__.c.read_count + 1))
    return dbsession.scalar(sa.select(ArticleRead).where(ArticleRead.article_id == article.id,
                                                         ArticleRead.user_id == reader.id))


def give_feedback(dbsession, reader: User, article: Article, helpful: bool,
                  comment: str = "") -> ArticleFeedback:
    """Record (or change) the reader's answer to "was this helpful?" and recount."""
    feedback = dbsession.scalar(sa.select(ArticleFeedback).where(
        ArticleFeedback.article_id == article.id, ArticleFeedback.user_id == reader.id))
    if feedback is None:
        feedback = ArticleFeedback(article_id=article.id, user_id=reader.id, helpful=helpful)
        dbsession.add(feedback)
    feedback.helpful = helpful
    feedback.comment = (comment or "").strip()[:FEEDBACK_MAX]
    feedback.created_at = utcnow()
    dbsession.flush()
    counts = dict(dbsession.execute(sa.select(ArticleFeedback.helpful, sa.func.count()).where(
        ArticleFeedback.article_id == article.id).group_by(ArticleFeedback.helpful)).all())
    dbsession.execute(sa.update(Article.__table__).where(Article.__table__.c.id == article.id).values(
        helpful_yes=counts.get(True, 0), helpful_no=counts.get(False, 0)))
    dbsession.expire(article, ["helpful_yes", "helpful_no"])
    return feedback
