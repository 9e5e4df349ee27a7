"""Reviewers deciding on one change of a published article at the same instant (DESIGN.md §9):
of several publishing it or sending it back at once, exactly one decides, the guarded UPDATE of
the article's waiting change deciding; the others are refused and leave nothing behind. Real
commits, one session per thread, all threads released together; on SQLite and on PostgreSQL.
The rows are removed afterwards."""
from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request
from pyramid.scripting import prepare

import models
from models.kb import Article, ArticleVersion, KbFolder
from models.notifications import Notification
from models.people import User
from models.roles import LocalRoleGrant, Role
from models.workflow import WorkflowHistory
from portal.kb.articles import ChangeDecided
from portal.security.principals import identity_for
from tests.conftest import Factory
from workflows.article import ARTICLE
from workflows.engine import WorkflowError

THREADS = 4


@pytest.fixture
def waiting_change(app):
    """A published article of a folder whose changes go through review, a change of it waiting
    (version 2), three reviewers; committed, removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Reviewers {tag}")
        author = people.user(login=f"kw-{tag}")
        reviewers = [people.user(login=f"kr-{tag}-{i}", departments=[dept]) for i in range(3)]
        folder = KbFolder(title=f"Rules {tag}", slug=f"rules-{tag}", edits_reviewed=True)
        db.add(folder)
        db.flush()
        db.add(LocalRoleGrant(container_type="kb_folder", container_id=folder.id, department=dept,
                              role=db.scalar(sa.select(Role).where(Role.name == "reviewer"))))
        article = Article(folder_id=folder.id, slug="a", title=f"Rule {tag}", body="Old.", state="published",
                          author_id=author.id, version=1, pending_version=2)
        db.add(article)
        db.flush()
        db.add_all([ArticleVersion(article_id=article.id, number=1, title=article.title, body="Old.",
                                   author_id=author.id),
                    ArticleVersion(article_id=article.id, number=2, title=article.title, body="New.",
                                   author_id=author.id, review="in_review")])
        db.flush()
        ids = (folder.id, article.id, [r.id for r in reviewers], author.id)
    yield ids
    folder_id, article_id, reviewer_ids, author_id = ids
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.delete(WorkflowHistory.__table__).where(
            WorkflowHistory.object_type == "article", WorkflowHistory.object_id == article_id))
        conn.execute(sa.text("DELETE FROM search_documents WHERE kind = 'article' AND object_id = :id"),
                     {"id": article_id})
        conn.execute(sa.delete(ArticleVersion.__table__).where(ArticleVersion.article_id == article_id))
        conn.execute(sa.delete(Article.__table__).where(Article.id == article_id))
        conn.execute(sa.delete(LocalRoleGrant.__table__).where(
            LocalRoleGrant.container_type == "kb_folder", LocalRoleGrant.container_id == folder_id))
        conn.execute(sa.delete(KbFolder.__table__).where(KbFolder.id == folder_id))
        conn.execute(sa.delete(Notification.__table__).where(
            Notification.user_id.in_([*reviewer_ids, author_id])))


def run_together(app, users: list[int], work):
    """work(request, user) in one thread per user, released at once; (results, errors)."""
    barrier = threading.Barrier(len(users), timeout=30)
    results, errors = [None] * len(users), []

    def one(i):
        request = Request.blank("/", environ={"HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en"})
        env = prepare(request=request, registry=app.registry)
        request.root = env["root"]
        try:
            with request.tm:
                me = request.dbsession.get(User, users[i])
                policy = app.registry.queryUtility(ISecurityPolicy)
                policy.identity_cache.set(request, identity_for(request.dbsession, me,
                                                                request.department_tree))
                barrier.wait()
                results[i] = work(request, me)
        except ChangeDecided:
            results[i] = "refused"
        except WorkflowError as refusal:
            # A reviewer who opens the article after the decision committed finds no change
            # waiting (on SQLite the writers take turns, so on a busy machine one may): refused
            # too, by the workflow's guard rather than the guarded UPDATE.
            if "No change of this article is waiting" in str(refusal):
                results[i] = "refused"
            else:
                errors.append(refusal)
        except BaseException as error:  # a deadlock or an error of the database: the test says so
            errors.append(error)
        finally:
            env["closer"]()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return results, errors


def test_reviewers_deciding_on_one_change_at_once_only_one_decides(app, waiting_change):
    folder_id, article_id, reviewers, _author = waiting_change
    users = [reviewers[i % len(reviewers)] for i in range(THREADS)]

    def decide(request, me):
        # Through the tree, as a page finds it (its ACL needs its folders).
        article = request.root["kb"][request.dbsession.get(KbFolder, folder_id).slug]["a"]
        # Half publish it, half send it back: one decision wins either way.
        name = "publish_change" if me.id % 2 else "reject_change"
        ARTICLE.transition(request, article, name, "No" if name == "reject_change" else "")
        return name

    results, errors = run_together(app, users, decide)
    assert not errors, errors
    decided = [r for r in results if r != "refused"]
    assert len(decided) == 1 and results.count("refused") == THREADS - 1
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        body, version, pending = conn.execute(sa.select(
            Article.body, Article.version, Article.pending_version).where(Article.id == article_id)).one()
        assert pending is None
        assert (body, version) == (("New.", 2) if decided[0] == "publish_change" else ("Old.", 1))
        steps = conn.scalars(sa.select(WorkflowHistory.transition).where(
            WorkflowHistory.object_type == "article", WorkflowHistory.object_id == article_id)).all()
        assert steps == decided
