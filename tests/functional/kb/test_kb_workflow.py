"""Who sees and changes an article in each workflow state, and the review journey."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.notifications import Notification
from models.workflow import WorkflowHistory
from tests.functional.kb.conftest import url_of


@pytest.fixture
def support(factory, kb):
    """A Support folder: the support department edits and reviews there (as in the demo)."""
    dept = factory.department("Support")
    folder = kb.folder("Support", slug="support")
    kb.share(folder, "editor", department=dept)
    kb.share(folder, "reviewer", department=dept)
    return dept, folder


def test_a_draft_is_seen_by_its_author_and_the_folders_editors_only(testapp, factory, kb, support, dbsession):
    dept, folder = support
    author = factory.user("author")
    factory.user("editor", departments=[dept])
    factory.user("other")
    draft = kb.article(folder, "Draft", state="draft", author=author)
    url = url_of(dbsession, draft)
    for login, status in (("author", 200), ("editor", 200), ("other", 403)):
        testapp.login(login)
        testapp.get(url, status=status)
    # The folder lists it to them too, and not to the others.
    testapp.login("other")
    assert "Draft" not in testapp.get(url_of(dbsession, folder) + "?state=all").text
    testapp.login("author")
    assert "Draft" in testapp.get(url_of(dbsession, folder)).text


def test_a_pending_article_is_seen_by_reviewers_too(testapp, factory, kb, dbsession):
    folder = kb.folder("Docs")
    reviewer = factory.user("rev")
    kb.share(folder, "reviewer", user=reviewer)
    factory.user("other")
    pending = kb.article(folder, "Pending", state="pending", author=factory.user("writer"))
    draft = kb.article(folder, "Still a draft", state="draft", author=factory.user("writer2"))
    testapp.login("rev")
    testapp.get(url_of(dbsession, pending), status=200)
    testapp.get(url_of(dbsession, draft), status=403)
    testapp.login("other")
    testapp.get(url_of(dbsession, pending), status=403)


def test_published_is_seen_by_everyone_archived_by_editors_only(testapp, factory, kb, support, dbsession):
    dept, folder = support
    factory.user("editor", departments=[dept])
    factory.user("reader")
    published = kb.article(folder, "Published")
    archived = kb.article(folder, "Archived", state="archived")
    testapp.login("reader")
    testapp.get(url_of(dbsession, published), status=200)
    testapp.get(url_of(dbsession, archived), status=403)
    testapp.login("editor")
    testapp.get(url_of(dbsession, archived), status=200)


def test_the_author_edits_the_draft_but_not_once_submitted(testapp, factory, kb, dbsession):
    folder = kb.folder("Docs")
    author = factory.user("author")
    article = kb.article(folder, "Mine", state="draft", author=author)
    testapp.login("author")
    testapp.get(url_of(dbsession, article) + "edit", status=200)
    article.state = "pending"
    dbsession.flush()
    testapp.get(url_of(dbsession, article) + "edit", status=403)
    article.state = "published"
    dbsession.flush()
    testapp.get(url_of(dbsession, article) + "edit", status=403)


def test_editors_edit_published_articles_other_employees_do_not(testapp, factory, kb, support, dbsession):
    dept, folder = support
    factory.user("editor", departments=[dept])
    factory.user("outsider")
    article = kb.article(folder, "Published")
    testapp.login("editor")
    testapp.get(url_of(dbsession, article) + "edit", status=200)
    testapp.login("outsider")
    testapp.get(url_of(dbsession, article) + "edit", status=403)
    page = testapp.get(url_of(dbsession, article))
    assert "edit-article" not in page.text


def transition(testapp, url, name, comment="", status=303):
    return testapp.post_csrf(url + "transition", {"name": name, "comment": comment, "came_from": url},
                             status=status)


def test_submit_review_publish_journey_with_notifications(testapp, factory, kb, support, dbsession):
    dept, folder = support
    author = factory.user("author")
    reviewer = factory.user("reviewer", departments=[dept])
    article = kb.article(folder, "VPN at home", state="draft", author=author)
    url = url_of(dbsession, article)
    testapp.login("author")
    page = testapp.get(url)
    assert 'value="submit"' in page.text and 'value="publish"' not in page.text
    transition(testapp, url, "submit")
    assert article.state == "pending"
    note = dbsession.scalar(sa.select(Notification).where(Notification.user_id == reviewer.id))
    assert note is not None and "VPN at home" in note.title
    # The link lasts wherever the article goes, and leads to it.
    assert note.url.endswith(f"/kb/@@article/{article.id}")
    testapp.login("reviewer")
    assert testapp.get(note.url, status=303).location.endswith(url)
    testapp.login("author")
    # The author cannot publish their own submission.
    transition(testapp, url, "publish", status=403)
    assert article.state == "pending"

    testapp.login("reviewer")
    page = testapp.get(url)
    assert 'value="publish"' in page.text and 'value="reject"' in page.text
    transition(testapp, url, "publish", "Looks good")
    assert article.state == "published"
    assert article.published_at is not None
    history = dbsession.scalars(sa.select(WorkflowHistory).where(
        WorkflowHistory.object_type == "article", WorkflowHistory.object_id == article.id)
        .order_by(WorkflowHistory.id)).all()
    assert [(h.from_state, h.to_state) for h in history] == [("draft", "pending"), ("pending", "published")]
    assert dbsession.scalar(sa.select(Notification).where(
        Notification.user_id == author.id, Notification.kind == "kb_published")) is not None
    # The review history is shown on the article.
    testapp.login("author")
    page = testapp.get(url)
    assert "Looks good" in page.text and "Pending review" in page.text


def test_rejecting_needs_a_reason_and_tells_the_author(testapp, factory, kb, support, dbsession):
    dept, folder = support
    author = factory.user("author")
    factory.user("reviewer", departments=[dept])
    article = kb.article(folder, "Half done", state="pending", author=author)
    url = url_of(dbsession, article)
    testapp.login("reviewer")
    transition(testapp, url, "reject")
    assert article.state == "pending"
    transition(testapp, url, "reject", "Add the screenshots, please")
    assert article.state == "draft"
    note = dbsession.scalar(sa.select(Notification).where(Notification.user_id == author.id,
                                                          Notification.kind == "kb_rejected"))
    assert note.body == "Add the screenshots, please"


def test_the_author_retracts_a_submission_others_cannot(testapp, factory, kb, dbsession):
    folder = kb.folder("Docs")
    author = factory.user("author")
    factory.user("other")
    article = kb.article(folder, "Oops", state="pending", author=author)
    url = url_of(dbsession, article)
    testapp.login("other")
    transition(testapp, url, "retract", status=403)  # they do not even see it
    testapp.login("author")
    transition(testapp, url, "retract")
    assert article.state == "draft"


def test_reviewers_archive_and_editors_return_to_drafts(testapp, factory, kb, support, dbsession):
    dept, folder = support
    factory.user("team", departments=[dept])
    article = kb.article(folder, "Old")
    url = url_of(dbsession, article)
    testapp.login("team")
    transition(testapp, url, "archive")
    assert article.state == "archived"
    transition(testapp, url, "restore")
    assert article.state == "draft"
