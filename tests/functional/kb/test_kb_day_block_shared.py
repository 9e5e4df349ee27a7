"""The knowledge base's block of My day costs no more than reading it (issue 11).

Which articles a person may read is the same WHERE for everyone with the same rights on the
same folders: it is made once per generation of the folder tree and of the role matrix (and
per person, roles and local grants), not on every page; the local roles passed down the tree
are walked once per distinct grants; the block's statements are made once per such filter.
What changes the rights (a folder shared with the person, a new restricted folder) gives a new
filter at once.
"""
from __future__ import annotations

import sqlalchemy as sa

from models.kb import Article
from portal.kb import must_read, security
from views.kb.home import _review_count_statement


def readable(dbsession, request) -> set[int]:
    return set(dbsession.scalars(sa.select(Article.id).where(
        security.article_filter(request, "view"))))


def counting(monkeypatch, module, name) -> list:
    calls = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_the_article_filter_is_made_once_for_the_same_rights(kb, factory, request_for,
                                                            monkeypatch):
    folder = kb.folder()
    kb.article(folder, must_read=True)
    reader = factory.user()
    made = counting(monkeypatch, security, "_article_filter")
    first = security.article_filter(request_for(reader), "view")
    second = security.article_filter(request_for(reader), "view")
    assert second is first
    assert len(made) == 1
    # The block's statements are made on the shared filter once too.
    assert (must_read._pending_statement(first, 5) is must_read._pending_statement(second, 5))
    may_review = security.article_filter(request_for(reader), "review")
    assert _review_count_statement(may_review) is _review_count_statement(may_review)


def test_local_roles_are_passed_down_the_tree_once_per_grants(kb, factory, request_for):
    top = kb.folder()
    below = kb.folder(parent=top)
    editor, colleague = factory.user(), factory.user()
    kb.share(top, "editor", user=editor)
    kb.share(top, "editor", user=colleague)

    def local(user):
        request = request_for(user)
        return security.local_roles_by_folder(request, request.identity)

    first = local(editor)
    assert first[top.id] == first[below.id] == {"editor"}
    # The next page, and a colleague with the same grants: the same walk, not a new one.
    assert local(editor) is first
    assert local(colleague) is first


def test_a_folder_shared_with_the_person_opens_at_once(kb, factory, request_for, dbsession):
    secret = kb.folder(restricted=True)
    hidden = kb.article(secret)
    shown = kb.article(kb.folder())
    reader = factory.user()
    before = readable(dbsession, request_for(reader))
    assert shown.id in before and hidden.id not in before
    kb.share(secret, "editor", user=reader)
    assert hidden.id in readable(dbsession, request_for(reader))
    # Someone else with the same roles but no grant still does not see it.
    assert hidden.id not in readable(dbsession, request_for(factory.user()))


def test_a_new_restricted_folder_is_closed_at_once(kb, factory, request_for, dbsession):
    reader = factory.user()
    shown = kb.article(kb.folder())
    assert shown.id in readable(dbsession, request_for(reader))
    later = kb.article(kb.folder(restricted=True))
    assert later.id not in readable(dbsession, request_for(reader))
    assert shown.id in readable(dbsession, request_for(reader))


def test_my_day_lists_the_must_read_twice_the_same(kb, factory, testapp, login_as):
    folder = kb.folder()
    article = kb.article(folder, "Правила безопасности", must_read=True)
    secret = kb.article(kb.folder(restricted=True), "Секретное", must_read=True)
    login_as()
    for _ in range(2):
        page = testapp.get("/").text
        block = page.split('id="kb-day"', 1)[1].split("</ul>", 1)[0]
        assert article.title in block
        assert secret.title not in block
