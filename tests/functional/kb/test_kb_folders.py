"""Folders: the tree by address, creating, renaming, moving (never into itself), deleting."""
from __future__ import annotations

import sqlalchemy as sa

from models.kb import KbFolder
from tests.functional.kb.conftest import url_of


def test_traversal_finds_folders_then_articles_by_address(testapp, login_as, kb, dbsession):
    login_as("employee")
    top = kb.folder("IT", slug="it")
    sub = kb.folder("Network", parent=top, slug="network")
    deeper = kb.folder("VPN", parent=sub, slug="vpn")
    article = kb.article(deeper, "Connect from home", slug="connect-from-home")
    page = testapp.get("/kb/it/network/vpn/connect-from-home/")
    assert "Connect from home" in page.text
    assert "/kb/it/network/vpn/" in page.text  # the breadcrumb
    testapp.get("/kb/it/network/vpn/", status=200)
    testapp.get("/kb/it/vpn/", status=404)
    testapp.get("/kb/nowhere/", status=404)
    assert url_of(dbsession, article) == "/kb/it/network/vpn/connect-from-home/"


def test_admin_creates_a_top_level_folder_with_an_address_from_the_title(testapp, login_as, dbsession):
    login_as("admin")
    testapp.post_csrf("/kb/add-folder", {"title": "Служба поддержки", "slug": "", "description": "",
                                         "save": "save"}, status=302)
    folder = dbsession.scalar(sa.select(KbFolder).where(KbFolder.title == "Служба поддержки"))
    assert folder.slug == "sluzhba-podderzhki" and folder.parent_id is None
    testapp.get("/kb/sluzhba-podderzhki/", status=200)


def test_employees_cannot_create_folders_editors_create_sub_folders(testapp, factory, kb, dbsession):
    folder = kb.folder("Support", slug="support")
    editor = factory.user("editor")
    factory.user("plain")
    kb.share(folder, "editor", user=editor)
    testapp.login("plain")
    testapp.get("/kb/add-folder", status=403)
    testapp.get("/kb/support/add-folder", status=403)
    testapp.login("editor")
    testapp.get("/kb/add-folder", status=403)
    testapp.post_csrf("/kb/support/add-folder", {"title": "Printers", "slug": "printers", "description": "",
                                                 "save": "save"}, status=302)
    assert testapp.get("/kb/support/printers/").status_int == 200


def test_an_address_that_collides_or_is_malformed_is_refused(testapp, login_as, kb, dbsession):
    login_as("admin")
    folder = kb.folder("Support", slug="support")
    kb.folder("Printers", parent=folder, slug="printers")
    kb.article(folder, "VPN", slug="vpn")
    for slug, message in (("printers", "already used here by “Printers”"),
                          ("vpn", "already used here by “VPN”"),
                          ("Bad Slug!", "small Latin letters"),
                          ("edit", "reserved")):
        page = testapp.post_csrf("/kb/support/add-folder", {"title": "X", "slug": slug, "description": "",
                                                            "save": "save"}, status=400)
        assert message in page.text, slug
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(KbFolder)
                            .where(KbFolder.parent_id == folder.id)) == 1


def test_renaming_a_folder_changes_its_address(testapp, login_as, kb, dbsession):
    login_as("admin")
    folder = kb.folder("Old", slug="old")
    kb.article(folder, "Inside", slug="inside")
    testapp.post_csrf("/kb/old/edit", {"title": "New title", "slug": "new", "description": "About it",
                                       "save": "save"}, status=302)
    assert folder.title == "New title" and folder.description == "About it"
    testapp.get("/kb/new/inside/", status=200)
    testapp.get("/kb/old/", status=404)


def test_moving_a_folder_into_itself_or_below_it_is_refused(testapp, login_as, kb, dbsession):
    login_as("admin")
    a = kb.folder("A", slug="a")
    b = kb.folder("B", parent=a, slug="b")
    c = kb.folder("C", parent=b, slug="c")
    page = testapp.post_csrf("/kb/a/move", {"target": str(a.id)}, status=400)
    assert "cannot be moved into itself" in page.text
    page = testapp.post_csrf("/kb/a/move", {"target": str(c.id)}, status=400)
    assert "into one of its own sub-folders" in page.text
    assert a.parent_id is None


def test_moving_a_folder_takes_its_articles_along(testapp, login_as, kb, dbsession):
    login_as("admin")
    a = kb.folder("A", slug="a")
    b = kb.folder("B", slug="b")
    kb.folder("Twin", parent=b, slug="twin")
    moved = kb.folder("Twin", parent=a, slug="twin")
    kb.article(moved, "Doc", slug="doc")
    page = testapp.post_csrf("/kb/a/twin/move", {"target": str(b.id)}, status=400)
    assert "already used there" in page.text
    moved.slug = "twin-2"
    dbsession.flush()
    testapp.post_csrf("/kb/a/twin-2/move", {"target": str(b.id)}, status=303)
    assert moved.parent_id == b.id
    testapp.get("/kb/b/twin-2/doc/", status=200)
    testapp.post_csrf("/kb/b/twin-2/move", {"target": ""}, status=303)
    testapp.get("/kb/twin-2/doc/", status=200)


def test_an_editor_moves_only_where_they_may_add_folders(testapp, factory, kb, dbsession):
    mine = kb.folder("Mine", slug="mine")
    theirs = kb.folder("Theirs", slug="theirs")
    sub = kb.folder("Sub", parent=mine, slug="sub")
    editor = factory.user("editor")
    kb.share(mine, "editor", user=editor)
    testapp.login("editor")
    page = testapp.post_csrf("/kb/mine/sub/move", {"target": str(theirs.id)}, status=400)
    assert "cannot add folders there" in page.text
    page = testapp.post_csrf("/kb/mine/sub/move", {"target": ""}, status=400)
    assert "top level" in page.text
    assert sub.parent_id == mine.id


def test_only_an_empty_folder_is_deleted(testapp, login_as, kb, dbsession):
    login_as("admin")
    full = kb.folder("Full", slug="full")
    kb.article(full, "Doc")
    empty = kb.folder("Empty", slug="empty")
    testapp.post_csrf("/kb/full/delete", {}, status=303)
    assert dbsession.get(KbFolder, full.id) is not None
    assert "holds articles" in testapp.get("/kb/full/edit").text
    testapp.post_csrf("/kb/empty/delete", {}, status=303)
    assert dbsession.get(KbFolder, empty.id) is None
