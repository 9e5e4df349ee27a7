"""Sharing of folders: local roles to people and departments, inherited down the tree unless
blocked, and folders that only the people they are shared with see."""
from __future__ import annotations

import sqlalchemy as sa

from models.roles import LocalRoleGrant
from tests.functional.kb.conftest import url_of


def test_only_admins_open_sharing_by_default(testapp, factory, kb):
    folder = kb.folder("Support", slug="support")
    editor = factory.user("editor")
    kb.share(folder, "editor", user=editor)
    testapp.login("editor")
    testapp.get("/kb/support/sharing", status=403)
    testapp.post_csrf("/kb/support/share", {"role": "editor", "user_id": str(editor.id)}, status=403)
    admin = factory.user("boss", roles=["admin"])
    testapp.login(admin.login)
    page = testapp.get("/kb/support/sharing")
    assert "editor" in page.text and editor.full_name in page.text


def test_sharing_editor_with_a_department_lets_its_members_edit(testapp, factory, kb, dbsession):
    support = factory.department("Support")
    factory.user("agent", departments=[support])
    factory.user("sales")
    folder = kb.folder("Support", slug="support")
    article = kb.article(folder, "Printers")
    admin = factory.user("boss", roles=["admin"])
    testapp.login("agent")
    testapp.get(url_of(dbsession, article) + "edit", status=403)
    testapp.login(admin.login)
    testapp.post_csrf("/kb/support/share", {"role": "editor", "department_id": str(support.id)}, status=303)
    page = testapp.get("/kb/support/sharing")
    assert f'data-holder="department:{support.id}"' in page.text
    testapp.login("agent")
    testapp.get(url_of(dbsession, article) + "edit", status=200)
    testapp.login("sales")
    testapp.get(url_of(dbsession, article) + "edit", status=403)


def test_roles_reach_sub_folders_unless_a_folder_blocks_them(testapp, factory, kb, dbsession):
    editor = factory.user("editor")
    top = kb.folder("Top", slug="top")
    middle = kb.folder("Middle", parent=top, slug="middle")
    bottom = kb.folder("Bottom", parent=middle, slug="bottom")
    kb.share(top, "editor", user=editor)
    article = kb.article(bottom, "Deep")
    testapp.login("editor")
    testapp.get(url_of(dbsession, article) + "edit", status=200)
    middle.block_local_roles = True
    dbsession.flush()
    testapp.get(url_of(dbsession, article) + "edit", status=403)
    # A role shared below the block holds again.
    kb.share(bottom, "editor", user=editor)
    testapp.get(url_of(dbsession, article) + "edit", status=200)


def test_the_sharing_page_shows_inherited_and_local_roles(testapp, factory, kb):
    admin = factory.user("boss", roles=["admin"])
    anna = factory.user("anna", full_name="Anna Petrova")
    top = kb.folder("Top", slug="top")
    kb.folder("Sub", parent=top, slug="sub")
    kb.share(top, "reviewer", user=anna)
    testapp.login(admin.login)
    page = testapp.get("/kb/top/sub/sharing")
    row = page.html.find("tr", {"data-holder": f"user:{anna.id}"})
    assert row.find("td", {"data-role": "reviewer"}).get_text(strip=True) == "inherited"
    page = testapp.get("/kb/top/sharing")
    row = page.html.find("tr", {"data-holder": f"user:{anna.id}"})
    assert "local" in row.find("td", {"data-role": "reviewer"}).get_text()


def test_unsharing_and_blocking_from_the_page(testapp, factory, kb, dbsession):
    admin = factory.user("boss", roles=["admin"])
    anna = factory.user("anna")
    top = kb.folder("Top", slug="top")
    sub = kb.folder("Sub", parent=top, slug="sub")
    grant = kb.share(top, "editor", user=anna)
    testapp.login(admin.login)
    testapp.post_csrf("/kb/top/sub/block-inheritance", {"block": "1"}, status=303)
    assert sub.block_local_roles is True
    page = testapp.post_csrf("/kb/top/sub/unshare", {"grant_id": str(grant.id)}, status=400)
    assert "not shared on this folder" in page.text
    testapp.post_csrf("/kb/top/unshare", {"grant_id": str(grant.id)}, status=303)
    assert dbsession.get(LocalRoleGrant, grant.id) is None


def test_sharing_refuses_roles_that_are_not_sharing_roles(testapp, factory, kb, dbsession):
    admin = factory.user("boss", roles=["admin"])
    anna = factory.user("anna")
    kb.folder("Top", slug="top")
    testapp.login(admin.login)
    page = testapp.post_csrf("/kb/top/share", {"role": "admin", "user_id": str(anna.id)}, status=400)
    assert "Choose a role to share" in page.text
    page = testapp.post_csrf("/kb/top/share", {"role": "editor"}, status=400)
    assert "Choose a person or a department" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(LocalRoleGrant)
                            .where(LocalRoleGrant.container_type == "kb_folder")) == 0


def test_a_restricted_folder_is_seen_only_by_those_it_is_shared_with(testapp, factory, kb, dbsession):
    management = factory.department("Management")
    factory.user("director", departments=[management])
    factory.user("clerk")
    folder = kb.folder("Management", slug="management", restricted=True)
    sub = kb.folder("Plans", parent=folder, slug="plans")
    kb.share(folder, "reader", department=management)
    article = kb.article(sub, "Plan for the year", body="Secret growth plan")
    public = kb.folder("Public", slug="public")
    kb.article(public, "Holidays", body="Growth of holidays")
    testapp.login("clerk")
    testapp.get("/kb/management/", status=403)
    testapp.get(url_of(dbsession, article), status=403)
    assert "Management" not in testapp.get("/kb/").text
    found = testapp.get("/kb/search", {"q": "growth"}).text
    assert "Holidays" in found and "Plan for the year" not in found
    testapp.login("director")
    testapp.get(url_of(dbsession, article), status=200)
    assert 'data-folder="management"' in testapp.get("/kb/").text
    assert "Plan for the year" in testapp.get("/kb/search", {"q": "growth"}).text


def test_an_admin_restricts_a_folder_on_its_sharing_page(testapp, factory, kb, dbsession):
    admin = factory.user("boss", roles=["admin"])
    factory.user("clerk")
    folder = kb.folder("HR", slug="hr")
    testapp.login(admin.login)
    testapp.post_csrf("/kb/hr/restrict", {"restricted": "1"}, status=303)
    assert folder.restricted is True
    testapp.login("clerk")
    testapp.get("/kb/hr/", status=403)


def test_a_folder_that_blocks_inheritance_inside_a_restricted_one_shuts_out_its_readers(
        testapp, factory, kb, dbsession):
    board = factory.department("Board")
    factory.user("member", departments=[board])
    secretary = factory.user("secretary")
    top = kb.folder("Board", slug="board", restricted=True)
    minutes = kb.folder("Minutes", parent=top, slug="minutes")
    kb.share(top, "reader", department=board)
    article = kb.article(minutes, "Minutes of May", slug="may")
    testapp.login("member")
    testapp.get(url_of(dbsession, article), status=200)
    minutes.block_local_roles = True
    kb.share(minutes, "reader", user=secretary)
    testapp.get(url_of(dbsession, article), status=403)
    assert "Minutes of May" not in testapp.get("/kb/search", {"q": "minutes"}).text
    testapp.login("secretary")
    testapp.get(url_of(dbsession, article), status=200)
    testapp.get("/kb/board/", status=403)  # the folder above is still not theirs
