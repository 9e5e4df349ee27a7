"""Reading: readers counted once, "was this helpful?", most read and recent lists, must-read
with notifications, confirmation and the report of who has not read it yet."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from models.kb import ArticleFeedback, ArticleRead
from models.notifications import Notification
from models.people import User
from portal.core.i18n import zone_of
from portal.core.mail import localizer_for
from portal.kb.articles import ArticleInput, restore_version, update_article
from portal.kb.must_read import notify_must_read
from portal.notifications.messages import render_notice
from tests.functional.kb.conftest import url_of


def test_each_reader_is_counted_once(testapp, factory, kb, dbsession):
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", slug="vpn")
    for login in ("ann", "bob"):
        factory.user(login)
        testapp.login(login)
        testapp.get("/kb/it/vpn/")
        testapp.get("/kb/it/vpn/")
    dbsession.refresh(article)
    assert article.read_count == 2


def test_was_it_helpful_counts_one_answer_per_person(testapp, factory, kb, dbsession):
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", slug="vpn")
    factory.user("ann")
    bob = factory.user("bob")
    testapp.login("ann")
    testapp.post_csrf("/kb/it/vpn/feedback", {"helpful": "yes"}, status=303)
    testapp.post_csrf("/kb/it/vpn/feedback", {"helpful": "no"}, status=303)  # changed her mind
    testapp.login("bob")
    form = testapp.get("/kb/it/vpn/").forms["feedback-form"]
    form["comment"] = "The server address is missing."
    form.submit("helpful", value="no", status=303)
    dbsession.refresh(article)
    assert (article.helpful_yes, article.helpful_no) == (0, 2)
    page = testapp.get("/kb/it/vpn/")
    assert "0 found it helpful, 2 did not" in page.text
    assert page.html.find(id="feedback-comment")["value"] == "The server address is missing."
    comment = dbsession.scalar(sa.select(ArticleFeedback.comment).where(ArticleFeedback.user_id == bob.id))
    assert comment == "The server address is missing."


def test_the_home_page_lists_most_read_and_recently_updated(testapp, factory, kb, dbsession):
    folder = kb.folder("IT", slug="it")
    popular = kb.article(folder, "Popular one", slug="popular")
    kb.article(folder, "Quiet one", slug="quiet")
    kb.article(folder, "Hidden draft", slug="hidden", state="draft", author=factory.user("writer"))
    popular.read_count = 50
    dbsession.flush()
    factory.user("ann")
    testapp.login("ann")
    page = testapp.get("/kb/")
    assert page.html.find(id="popular").find("a").text == "Popular one"
    recent = page.html.find(id="recent").text
    assert "Quiet one" in recent and "Hidden draft" not in recent


def test_must_read_notifies_the_department_and_reports_who_has_not_confirmed(testapp, factory, kb, dbsession):
    sales = factory.department("Sales")
    east = factory.department("Sales East", parent=sales)
    ann = factory.user("ann", departments=[sales])
    bob = factory.user("bob", departments=[east])
    carl = factory.user("carl")  # another department: not concerned
    author = factory.user("author", departments=[sales])
    reviewer = factory.user("reviewer")
    folder = kb.folder("Rules", slug="rules")
    kb.share(folder, "reviewer", user=reviewer)
    article = kb.article(folder, "Discount rules", slug="discounts", state="pending", author=author,
                         must_read=True, must_read_department=sales)
    testapp.login("reviewer")
    testapp.post_csrf("/kb/rules/discounts/transition", {"name": "publish"}, status=303)
    told = set(dbsession.scalars(sa.select(Notification.user_id).where(Notification.kind == "kb_must_read")))
    assert {ann.id, bob.id, author.id} <= told and carl.id not in told

    testapp.login("bob")
    page = testapp.get("/kb/rules/discounts/")
    assert page.html.find(id="must-read-banner") is not None
    assert "Discount rules" in testapp.get("/kb/").html.find(id="must-read").text
    testapp.post_csrf("/kb/rules/discounts/confirm", {}, status=303)
    read = dbsession.scalar(sa.select(ArticleRead).where(ArticleRead.user_id == bob.id))
    assert read.confirmed_at is not None and read.confirmed_version == article.version
    assert testapp.get("/kb/rules/discounts/").html.find(id="must-read-done") is not None
    assert testapp.get("/kb/").html.find(id="must-read") is None
    testapp.login("carl")
    assert testapp.get("/kb/rules/discounts/").html.find(id="must-read-banner") is None

    testapp.login("author")
    report = testapp.get("/kb/rules/discounts/readers")
    assert report.html.find(id="stat-total").text == "3"
    assert report.html.find(id="stat-confirmed").text == "1"
    rows = report.html.find(id="readers").find_all("tr", attrs={"data-login": True})
    pending = [tr["data-login"] for tr in rows]
    assert sorted(pending) == ["ann", "author"]
    confirmed = testapp.get("/kb/rules/discounts/readers", {"show": "confirmed"})
    assert [tr["data-login"] for tr in confirmed.html.find_all("tr", attrs={"data-login": True})] == ["bob"]
    # A reminder goes to exactly those who have not confirmed: Ann and the author, not Bob.
    def told():
        return Counter(dbsession.scalars(sa.select(Notification.user_id)
                                         .where(Notification.kind == "kb_must_read")))

    before = told()
    page = testapp.post_csrf("/kb/rules/discounts/remind", {}, status=303).follow()
    assert "Reminder sent to 2 people." in page.text
    assert told() - before == Counter({ann.id: 1, author.id: 1})
    testapp.login("carl")
    testapp.get("/kb/rules/discounts/readers", status=403)


def test_must_read_for_everyone_in_a_restricted_folder_reaches_only_its_readers(factory, kb, dbsession,
                                                                                request_for):
    board = factory.department("Board")
    member = factory.user("member", departments=[board])
    outsider = factory.user("outsider")
    folder = kb.folder("Board", slug="board", restricted=True)
    kb.share(folder, "reader", department=board)
    article = kb.article(folder, "Strategy", must_read=True)
    request = request_for(factory.user("boss", roles=["admin"]))
    request.root["kb"]
    notify_must_read(request, article)
    told = set(dbsession.scalars(sa.select(Notification.user_id).where(Notification.kind == "kb_must_read")))
    assert member.id in told and outsider.id not in told


def test_notifications_are_written_in_the_readers_language(app, testapp, factory, kb, dbsession,
                                                           request_for):
    ru = factory.user("ivan", locale="ru")
    en = factory.user("john", locale="en")
    folder = kb.folder("Rules", slug="rules")
    article = kb.article(folder, "Правила", must_read=True)
    notify_must_read(request_for(factory.user("boss", roles=["admin"])), article)
    notes = {n.user_id: tuple(render_notice(n, localizer_for(app.registry, reader.locale), zone_of(reader)))
             for n in dbsession.scalars(sa.select(Notification).where(Notification.kind == "kb_must_read"))
             for reader in (dbsession.get(User, n.user_id),)}
    assert notes[en.id] == ("Must read: Правила",
                            "Please read this article and confirm that you have read it.")
    assert notes[ru.id] == ("Обязательно к прочтению: Правила",
                            "Прочитайте эту статью и подтвердите, что ознакомились с ней.")
    assert url_of(dbsession, article) == "/kb/rules/" + article.slug + "/"


def test_my_day_asks_to_read_and_to_review(testapp, factory, kb, dbsession):
    folder = kb.folder("Rules", slug="rules")
    reviewer = factory.user("reviewer")
    kb.share(folder, "reviewer", user=reviewer)
    kb.article(folder, "Fire safety", slug="fire", must_read=True)
    kb.article(folder, "Waiting one", slug="waiting", state="pending", author=factory.user("author"))
    testapp.login("reviewer")
    block = testapp.get("/").html.find(id="kb-day")
    assert "Fire safety" in block.text and "Waiting for your review" in block.text
    testapp.post_csrf("/kb/rules/fire/confirm", {}, status=303)
    block = testapp.get("/").html.find(id="kb-day")
    assert "Fire safety" not in block.text
    factory.user("someone")
    testapp.login("someone")
    testapp.post_csrf("/kb/rules/fire/confirm", {}, status=303)
    assert testapp.get("/").html.find(id="kb-day") is None


def test_an_editor_makes_a_published_article_a_must_read_for_everyone(testapp, factory, kb, dbsession):
    folder = kb.folder("Rules", slug="rules")
    editor = factory.user("editor")
    kb.share(folder, "editor", user=editor)
    first, second = factory.user("first"), factory.user("second")
    gone = factory.user("gone")
    gone.state = "deactivated"
    article = kb.article(folder, "Fire safety", slug="fire")
    dbsession.flush()
    testapp.login("editor")
    testapp.post_csrf("/kb/rules/fire/edit", {"title": "Fire safety", "body": article.body, "slug": "fire",
                                              "must_read": "1", "must_read_department_id": "",
                                              "version": "1"}, status=303)
    told = set(dbsession.scalars(sa.select(Notification.user_id).where(Notification.kind == "kb_must_read")))
    assert {first.id, second.id, editor.id} <= told and gone.id not in told
    assert article.must_read_department_id is None and article.must_read_at is not None
    # Saving again does not tell them twice.
    testapp.post_csrf("/kb/rules/fire/edit", {"title": "Fire safety", "body": article.body, "slug": "fire",
                                              "must_read": "1", "version": "1"}, status=303)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == first.id)) == 1
    testapp.login("first")
    report = testapp.get("/kb/rules/fire/readers", status=403)
    assert report.status_int == 403
    testapp.login("editor")
    report = testapp.get("/kb/rules/fire/readers")
    assert int(report.html.find(id="stat-total").text) >= 3
    assert report.html.find("tr", attrs={"data-login": "gone"}) is None


def _must_read_notes(dbsession, user):
    return list(dbsession.scalars(sa.select(Notification.title).where(
        Notification.user_id == user.id, Notification.kind == "kb_must_read").order_by(Notification.id)))


def test_a_changed_must_read_is_confirmed_again(testapp, factory, kb, dbsession):
    folder = kb.folder("Rules", slug="rules")
    editor = factory.user("editor")
    kb.share(folder, "editor", user=editor)
    ann, bob = factory.user("ann"), factory.user("bob")
    article = kb.article(folder, "Fire safety", slug="fire", body="Exit by the stairs.", must_read=True)
    testapp.login("ann")
    testapp.post_csrf("/kb/rules/fire/confirm", {}, status=303)
    assert testapp.get("/kb/rules/fire/").html.find(id="must-read-done") is not None

    testapp.login("editor")
    testapp.post_csrf("/kb/rules/fire/edit", {"title": "Fire safety", "body": "Exit by the east stairs.",
                                              "slug": "fire", "must_read": "1", "version": "1"}, status=303)
    assert article.version == 2
    # Ann confirmed the old text: told once; Bob, who has not confirmed anything, is not told again.
    assert _must_read_notes(dbsession, ann) == ["Changed, please read again: Fire safety"]
    assert _must_read_notes(dbsession, bob) == []
    report = testapp.get("/kb/rules/fire/readers")
    assert report.html.find(id="stat-confirmed").text == "0"
    assert report.html.find("tr", attrs={"data-login": "ann"}).find(attrs={"data-earlier": "1"}) is not None
    # A second change before she confirmed again does not tell her twice.
    testapp.post_csrf("/kb/rules/fire/edit", {"title": "Fire safety", "body": "Exit by the west stairs.",
                                              "slug": "fire", "must_read": "1", "version": "2"}, status=303)
    assert len(_must_read_notes(dbsession, ann)) == 1

    testapp.login("ann")
    page = testapp.get("/kb/rules/fire/")
    assert "has changed since you confirmed it" in page.html.find(id="must-read-banner").text
    assert page.html.find(id="must-read-done") is None
    assert "Fire safety" in testapp.get("/kb/").html.find(id="must-read").text
    testapp.post_csrf("/kb/rules/fire/confirm", {}, status=303)
    read = dbsession.scalar(sa.select(ArticleRead).where(ArticleRead.user_id == ann.id))
    assert read.confirmed_version == 3
    assert testapp.get("/kb/rules/fire/").html.find(id="must-read-done") is not None
    testapp.login("editor")
    assert testapp.get("/kb/rules/fire/readers").html.find(id="stat-confirmed").text == "1"
    # Saving without a change of text asks nobody again.
    testapp.post_csrf("/kb/rules/fire/edit", {"title": "Fire safety", "body": "Exit by the west stairs.",
                                              "slug": "fire", "must_read": "1", "version": "3"}, status=303)
    assert len(_must_read_notes(dbsession, ann)) == 1
    assert testapp.get("/kb/rules/fire/readers").html.find(id="stat-confirmed").text == "1"


def test_a_restored_version_of_a_must_read_is_confirmed_again(testapp, factory, kb, dbsession, request_for):
    folder = kb.folder("Rules", slug="rules")
    ann = factory.user("ann")
    article = kb.article(folder, "Fire safety", slug="fire", body="Old text.", must_read=True)
    admin = request_for(factory.user("boss", roles=["admin"]))
    update_article(admin, article, ArticleInput(title="Fire safety", body="New text.", must_read=True))
    testapp.login("ann")
    testapp.post_csrf("/kb/rules/fire/confirm", {}, status=303)
    restore_version(admin, article, 1)
    assert article.version == 3 and article.body == "Old text."
    assert _must_read_notes(dbsession, ann) == ["Changed, please read again: Fire safety"]
    assert testapp.get("/kb/rules/fire/").html.find(id="must-read-banner") is not None


def test_only_the_folders_editors_ask_everyone_to_read(testapp, factory, kb, dbsession):
    sales = factory.department("Sales")
    folder = kb.folder("Rules", slug="rules")
    author = factory.user("author", departments=[sales])
    editor = factory.user("editor")
    kb.share(folder, "editor", user=editor)
    article = kb.article(folder, "Discounts", slug="discounts", state="draft", author=author)
    testapp.login("author")
    edit = testapp.get("/kb/rules/discounts/edit")
    assert "Everyone" not in edit.html.find(id="must_read_department_id").text
    page = testapp.post_csrf("/kb/rules/discounts/edit", {"title": "Discounts", "body": article.body,
                                                          "must_read": "1", "must_read_department_id": "",
                                                          "version": "1"}, status=400)
    assert "Only the folder’s editors" in page.html.find(id="error-must_read").text
    assert not article.must_read
    page = testapp.post_csrf("/kb/rules/add-article", {"title": "Bonuses", "body": "Text.", "must_read": "1",
                                                       "must_read_department_id": ""}, status=400)
    assert "Only the folder’s editors" in page.text
    # Their own department is theirs to ask.
    testapp.post_csrf("/kb/rules/discounts/edit", {"title": "Discounts", "body": article.body,
                                                   "must_read": "1", "must_read_department_id": str(sales.id),
                                                   "version": "1"}, status=303)
    assert article.must_read and article.must_read_department_id == sales.id
    testapp.login("editor")
    assert "Everyone" in testapp.get("/kb/rules/discounts/edit").html.find(id="must_read_department_id").text
    testapp.post_csrf("/kb/rules/discounts/edit", {"title": "Discounts", "body": article.body,
                                                   "must_read": "1", "must_read_department_id": "",
                                                   "version": "1"}, status=303)
    assert article.must_read and article.must_read_department_id is None
    # The author may still save their draft once an editor asked everyone to read it.
    testapp.login("author")
    testapp.post_csrf("/kb/rules/discounts/edit", {"title": "Discounts", "body": "Other text.",
                                                   "must_read": "1", "must_read_department_id": "",
                                                   "version": "1"}, status=303)
    assert article.body == "Other text."


def test_department_heads_and_directors_see_who_has_not_confirmed(testapp, factory, kb, dbsession, login_as):
    sales = factory.department("Sales")
    east = factory.department("Sales East", parent=sales)
    support = factory.department("Support")
    factory.user("ann", departments=[sales])
    factory.user("bob", departments=[east])
    factory.user("sue", departments=[support])
    folder = kb.folder("Rules", slug="rules")
    kb.article(folder, "Fire safety", slug="fire", must_read=True)
    kb.article(folder, "Discounts", slug="discounts", must_read=True, must_read_department=support)
    kb.article(folder, "Not a must-read", slug="plain")
    testapp.login("ann")
    testapp.post_csrf("/kb/rules/fire/confirm", {}, status=303)

    head = factory.user("head", roles=["dept_head"], departments=[sales])
    login_as(head)
    report = testapp.get("/kb/rules/fire/readers", {"show": "all"})
    assert {tr["data-login"] for tr in report.html.find_all("tr", attrs={"data-login": True})} == {
        "ann", "bob", "head"}
    assert report.html.find(id="own-departments") is not None
    assert report.html.find(id="stat-confirmed").text == "1"
    overview = testapp.get("/kb/must-read")
    rows = {tr["data-article"]: tr for tr in overview.html.find(id="must-read-report").find_all(
        "tr", attrs={"data-article": True})}
    assert set(rows) == {"fire"}  # nobody of Sales must read the support rules
    fire = rows["fire"]
    assert [fire.find(attrs={attr: True}).text
            for attr in ("data-total", "data-confirmed", "data-outstanding")] \
        == ["3", "1", "2"]
    assert "must-read-report-link" in testapp.get("/kb/").text
    csv = testapp.get("/kb/must-read-export", {"format": "csv"})
    assert csv.content_type == "text/csv"
    lines = csv.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Article;Folder") and lines[1] == "Fire safety;Rules;Everyone;" + \
        lines[1].split(";")[3] + ";3;1;2" and len(lines) == 2
    xlsx = testapp.get("/kb/must-read-export", {"format": "xlsx"})
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(xlsx.body)).active
    assert [c.value for c in sheet[2]][-3:] == [3, 1, 2]
    # The reminder reaches only the head's unconfirmed people.
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Notification))
    testapp.post_csrf("/kb/rules/fire/remind", {}, status=303)
    told = set(dbsession.scalars(sa.select(User.login).join(Notification, Notification.user_id == User.id)
                                 .where(Notification.kind == "kb_must_read")))
    assert told == {"bob", "head"}
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Notification)) == before + 2

    director = factory.user("director", roles=["director"], departments=[factory.department("Board")])
    login_as(director)
    report = testapp.get("/kb/rules/fire/readers", {"show": "all"})
    assert report.html.find(id="own-departments") is None
    assert {"ann", "bob", "sue", "head", "director"} <= {
        tr["data-login"] for tr in report.html.find_all("tr", attrs={"data-login": True})}
    report = testapp.get("/kb/must-read").html.find(id="must-read-report")
    rows = report.find_all("tr", attrs={"data-article": True})
    assert {tr["data-article"] for tr in rows} == {"fire", "discounts"}

    login_as("employee")
    testapp.get("/kb/must-read", status=403)
    testapp.get("/kb/must-read-export", {"format": "csv"}, status=403)
    testapp.get("/kb/rules/fire/readers", status=403)
    testapp.post_csrf("/kb/rules/fire/remind", {}, status=403)
    assert "must-read-report-link" not in testapp.get("/kb/").text
