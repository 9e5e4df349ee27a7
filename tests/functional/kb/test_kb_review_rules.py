"""Review rules of a folder (issue 14, point 8): publishing by a second person, changes of
published articles through review or marked "published without review", the reviewers named to
the author, must-read switched on and off in the history, and the rendered comparison."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.kb import ArticleVersion
from models.workflow import WorkflowHistory
from tests.functional.kb.conftest import url_of

LANGUAGES = ("en", "ru")


@pytest.fixture
def docs(factory, kb):
    """A folder "Docs": the "Writers" department edits and reviews there; Anna writes, Boris
    and Vera review; Gleb only reads."""
    writers = factory.department("Writers")
    folder = kb.folder("Docs", slug="docs")
    kb.share(folder, "editor", department=writers)
    kb.share(folder, "reviewer", department=writers)
    return folder, writers


def people(factory, writers, locale):
    anna = factory.user("anna", departments=[writers], full_name="Anna Author", locale=locale)
    boris = factory.user("boris", departments=[writers], full_name="Boris Reviewer", locale=locale)
    vera = factory.user("vera", departments=[writers], full_name="Vera Reviewer", locale=locale)
    gleb = factory.user("gleb", full_name="Gleb Reader", locale=locale)
    return anna, boris, vera, gleb


def transition(testapp, url, name, comment=""):
    return testapp.post_csrf(url + "transition", {"name": name, "comment": comment, "came_from": url},
                             status=303)


def edit_form(article, **fields):
    data = {"title": article.title, "summary": "", "body": article.body, "tags": "", "slug": article.slug,
            "comment": "", "version": str(article.pending_version or article.version)}
    data.update(fields)
    return data


def history_events(page) -> list[str]:
    entries = page.html.find(id="kb-history").find_all("li", attrs={"data-event": True})
    return [li["data-event"] for li in entries]


# --- publishing needs a second person -------------------------------------------------------------

@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_author_cannot_publish_their_own_article_where_a_second_person_is_needed(
        testapp, factory, kb, docs, dbsession, locale):
    folder, writers = docs
    folder.publish_needs_other = True
    anna, *_ = people(factory, writers, locale)
    article = kb.article(folder, "Printers", state="pending", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    page = testapp.get(url)
    # The button is not offered to her, and the page says why.
    assert page.html.find(id="transition-publish") is None
    assert page.html.find(id="needs-other") is not None
    # A direct request is refused with the reason, and nothing changes.
    answer = transition(testapp, url, "publish")
    assert article.state == "pending"
    assert dbsession.scalar(sa.select(sa.func.count()).where(
        WorkflowHistory.object_id == article.id, WorkflowHistory.transition == "publish")) == 0
    assert testapp.get(answer.location).html.find(class_="alert-danger") is not None
    # Someone else with the publish right publishes it.
    testapp.login("boris")
    assert testapp.get(url).html.find(id="transition-publish") is not None
    transition(testapp, url, "publish")
    assert article.state == "published"


def test_without_the_rule_the_author_who_reviews_publishes_their_own_article(
        testapp, factory, kb, docs, dbsession):
    folder, writers = docs
    anna, *_ = people(factory, writers, "en")
    article = kb.article(folder, "Printers", state="pending", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    assert testapp.get(url).html.find(id="transition-publish") is not None
    transition(testapp, url, "publish")
    assert article.state == "published"


# --- changes of published articles ---------------------------------------------------------------

@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_change_of_a_published_article_waits_for_review_where_the_folder_says_so(
        testapp, factory, kb, docs, dbsession, locale):
    folder, writers = docs
    folder.edits_reviewed = True
    anna, *_ = people(factory, writers, locale)
    article = kb.article(folder, "Printers", body="Old text.", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    testapp.post_csrf(url + "edit", edit_form(article, body="New text.", comment="Second floor"), status=303)
    # Readers keep the published text; the change is a version of its own, waiting.
    assert article.body == "Old text." and article.version == 1 and article.pending_version == 2
    pending = dbsession.scalar(sa.select(ArticleVersion).where(
        ArticleVersion.article_id == article.id, ArticleVersion.number == 2))
    assert pending.body == "New text." and pending.review == "in_review"
    testapp.login("gleb")
    page = testapp.get(url)
    assert "Old text." in page.html.find(id="article-body").text
    assert "New text." not in page.text
    # Readers do not see the change before it is published.
    rows = testapp.get(url + "versions").html.find(id="versions").find("tbody").find_all("tr")
    assert [r["data-version"] for r in rows] == ["1"]
    testapp.get(url + "version/2", status=404)
    # The reviewer finds it among what waits for review, publishes it; readers now read it.
    testapp.login("boris")
    assert "Printers" in testapp.get("/kb/").html.find(id="review-queue").text
    page = testapp.get(url)
    assert page.html.find(id="pending-change") is not None
    assert "propose_change" in history_events(page)
    transition(testapp, url, "publish_change")
    assert article.body == "New text." and article.version == 2 and article.pending_version is None
    assert pending.review == ""
    assert "publish_change" in history_events(testapp.get(url))


def test_a_change_sent_back_leaves_the_published_text(testapp, factory, kb, docs, dbsession):
    folder, writers = docs
    folder.edits_reviewed = True
    anna, *_ = people(factory, writers, "en")
    article = kb.article(folder, "Printers", body="Old text.", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    testapp.post_csrf(url + "edit", edit_form(article, body="Wrong text."), status=303)
    testapp.login("boris")
    transition(testapp, url, "reject_change", "Not this floor")
    assert article.body == "Old text." and article.pending_version is None and article.state == "published"
    rejected = dbsession.scalar(sa.select(ArticleVersion).where(
        ArticleVersion.article_id == article.id, ArticleVersion.number == 2))
    assert rejected.review == "rejected"
    # The next change gets a number of its own.
    testapp.login("anna")
    testapp.post_csrf(url + "edit", edit_form(article, body="Right text."), status=303)
    assert article.pending_version == 3


def test_where_a_second_person_is_needed_the_maker_of_a_change_does_not_publish_it(
        testapp, factory, kb, docs, dbsession):
    folder, writers = docs
    folder.publish_needs_other = True  # changes then always go through review
    anna, *_ = people(factory, writers, "en")
    article = kb.article(folder, "Printers", body="Old text.", author=anna)
    url = url_of(dbsession, article)
    testapp.login("boris")
    testapp.post_csrf(url + "edit", edit_form(article, body="Boris's text."), status=303)
    assert article.pending_version == 2
    assert testapp.get(url).html.find(id="transition-publish_change") is None
    transition(testapp, url, "publish_change")
    assert article.body == "Old text."
    testapp.login("anna")  # the article's author may publish a change made by someone else
    transition(testapp, url, "publish_change")
    assert article.body == "Boris's text."


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_change_of_a_published_article_is_published_at_once_and_marked_without_review(
        testapp, factory, kb, docs, dbsession, locale):
    folder, writers = docs
    anna, *_ = people(factory, writers, locale)
    article = kb.article(folder, "Printers", body="Old text.", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    testapp.post_csrf(url + "edit", edit_form(article, body="New text.", comment="Typo"), status=303)
    assert article.body == "New text." and article.version == 2 and article.pending_version is None
    assert "publish_unreviewed" in history_events(testapp.get(url))
    page = testapp.get(url + "versions")
    marked = page.html.find(attrs={"data-review": "unreviewed"})
    assert marked is not None and marked.find_parent("tr")["data-version"] == "2"
    # A draft's change is no publication: nothing to mark.
    draft = kb.article(folder, "Scanners", body="Draft.", author=anna, state="draft")
    testapp.post_csrf(url_of(dbsession, draft) + "edit", edit_form(draft, body="Draft 2."), status=303)
    assert "publish_unreviewed" not in history_events(testapp.get(url_of(dbsession, draft)))


# --- who will review --------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_author_sees_who_will_review(testapp, factory, kb, docs, dbsession, locale):
    folder, writers = docs
    folder.publish_needs_other = True
    anna, *_ = people(factory, writers, locale)
    article = kb.article(folder, "Printers", state="draft", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    new = url_of(dbsession, folder) + "add-article"
    for page in (testapp.get(url + "edit"), testapp.get(url), testapp.get(new)):
        named = page.html.find(id="reviewers").text
        assert "Boris Reviewer" in named and "Vera Reviewer" in named
        assert "Anna Author" not in named  # she may not publish her own article here
        assert "Gleb Reader" not in named
    answer = transition(testapp, url, "submit")
    assert "Boris Reviewer, Vera Reviewer" in testapp.get(answer.location).text


def test_a_folder_nobody_may_publish_in_says_so(testapp, factory, kb, dbsession):
    folder = kb.folder("Empty", slug="empty")
    anna = factory.user("anna")
    kb.share(folder, "editor", user=anna)
    testapp.login("anna")
    page = testapp.get(url_of(dbsession, folder) + "add-article")
    assert "Nobody may publish" in page.html.find(id="reviewers").text


# --- must-read in the history ------------------------------------------------------------------

@pytest.mark.parametrize("locale", LANGUAGES)
def test_turning_must_read_on_and_off_is_in_the_history(testapp, factory, kb, docs, dbsession, locale):
    folder, writers = docs
    anna, *_ = people(factory, writers, locale)
    article = kb.article(folder, "Printers", author=anna)
    url = url_of(dbsession, article)
    testapp.login("anna")
    testapp.post_csrf(url + "edit", edit_form(article, must_read="1",
                                              must_read_department_id=str(writers.id)), status=303)
    assert article.must_read
    testapp.post_csrf(url + "edit", edit_form(article), status=303)
    assert not article.must_read
    page = testapp.get(url)
    assert history_events(page)[:2] == ["must_read_off", "must_read_on"]
    on = page.html.find(id="kb-history").find("li", attrs={"data-event": "must_read_on"})
    assert "Writers" in on.text and "Anna Author" in on.text
    # Saving again without touching it adds nothing.
    testapp.post_csrf(url + "edit", edit_form(article), status=303)
    assert len(history_events(testapp.get(url))) == 2


# --- the rendered comparison ---------------------------------------------------------------------

@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_rendered_comparison_marks_an_inserted_paragraph_and_escapes_html(
        testapp, factory, kb, docs, dbsession, locale):
    folder, writers = docs
    anna, *_ = people(factory, writers, locale)
    article = kb.article(folder, "Printers", body="First paragraph.\n\nLast paragraph.", author=anna,
                         state="draft")
    url = url_of(dbsession, article)
    testapp.login("anna")
    hostile = 'Inserted **bold** <script>alert(1)</script> <img src=x onerror="alert(2)">'
    body = f"First paragraph.\n\n{hostile}\n\nLast paragraph."
    testapp.post_csrf(url + "edit", edit_form(article, body=body), status=303)
    page = testapp.get(url + "diff", {"a": "1", "b": "2", "view": "rendered"})
    shown = page.html.find(id="rendered-diff")
    inserted = shown.find_all("ins")
    assert len(inserted) == 1 and inserted[0].find("p").find("strong").text == "bold"
    assert shown.find("del") is None
    assert "First paragraph." in shown.text and "Last paragraph." in shown.text
    # Raw HTML of the text is shown as text, never as markup.
    assert shown.find("script") is None and shown.find("img") is None
    assert "<script>alert(1)</script>" in inserted[0].text
    assert shown.find(attrs={"onerror": True}) is None
    # The switch leads to the raw Markdown comparison and back.
    assert page.html.find(id="view-rendered")["aria-current"] == "page"
    raw = testapp.get(page.html.find(id="view-markdown")["href"])
    assert raw.html.find(id="rendered-diff") is None and raw.html.find(id="diff") is not None


# --- the folder's settings ----------------------------------------------------------------------

@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_folder_editor_sets_the_review_rules_on_the_folder_form(testapp, factory, kb, docs, dbsession,
                                                                    locale):
    folder, writers = docs
    people(factory, writers, locale)
    testapp.login("anna")
    page = testapp.get("/kb/docs/edit")
    form = page.forms["form"]
    assert form["publish_needs_other"].checked is False and form["edits_reviewed"].checked is False
    form["publish_needs_other"] = True
    form["edits_reviewed"] = True
    form.submit("save", status=302)
    assert folder.publish_needs_other and folder.edits_reviewed
    form = testapp.get("/kb/docs/edit").forms["form"]
    assert form["publish_needs_other"].checked is True
    form["publish_needs_other"] = False
    form.submit("save", status=302)
    assert not folder.publish_needs_other and folder.edits_reviewed
