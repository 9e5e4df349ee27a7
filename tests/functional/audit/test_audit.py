"""The audit log: every change in words, with its author, and undo."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy_continuum import version_class, versioning_manager

from models.people import Membership, User
from models.roles import RoleGrant
from portal.audit.log import history_for
from portal.security.login import hash_password


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def last_transaction_id(dbsession, model=User) -> int:
    return dbsession.scalar(sa.select(sa.func.max(version_class(model).transaction_id)))


@pytest.fixture
def admin(login_as, dbsession):
    user = login_as("admin", full_name="Смирнов Алексей")
    commit_point(dbsession)
    return user


@pytest.fixture
def popova(factory, dbsession, admin):
    sales = factory.department("Отдел продаж")
    user = factory.user(login="popova", full_name="Попова Анна", position="Менеджер",
                        departments=[sales])
    commit_point(dbsession)
    return user


def as_admin_change(dbsession, admin, change) -> int:
    """Make a change the way a request by `admin` would; returns its audit transaction id."""
    dbsession.info["actor_id"] = admin.id
    change()
    commit_point(dbsession)
    return dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))


def entry(page, transaction_id: int):
    return page.html.find(attrs={"data-transaction": str(transaction_id)})


def test_audit_lists_a_change_of_a_person_in_words_with_its_author(testapp, dbsession, admin,
                                                                     popova):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    page = testapp.get("/admin/audit")
    item = entry(page, tx)
    text = " ".join(item.text.split())
    assert "Changed person Попова Анна" in text
    assert "position: “Менеджер” “Старший менеджер”" in text
    assert "Смирнов Алексей" in item.find(class_="audit-author").text
    newest = page.html.find(id="audit-entries").find("li")
    assert newest["data-transaction"] == str(tx)


def test_creation_membership_and_role_grant_are_told_in_words(testapp, dbsession, admin, popova,
                                                              factory):
    sales = popova.departments[0]
    created = last_transaction_id(dbsession)
    tx = as_admin_change(dbsession, admin, lambda: dbsession.add(
        RoleGrant(role=factory.role("sales"), department=sales)))
    page = testapp.get("/admin/audit")
    assert "Created person Попова Анна (login popova)" in entry(page, created).text
    assert "Added member Попова Анна to Отдел продаж" in entry(page, created).text
    assert "Granted role Sales manager to department Отдел продаж" in entry(page, tx).text

    membership = popova.memberships[0]
    tx = as_admin_change(dbsession, admin, lambda: (popova.memberships.remove(membership),
                                                    dbsession.delete(membership)))
    page = testapp.get("/admin/audit")
    assert "Removed member Попова Анна from Отдел продаж" in entry(page, tx).text


def test_password_hashes_never_appear(testapp, dbsession, admin, popova):
    old_hash = popova.password_hash
    tx = as_admin_change(dbsession, admin,
                         lambda: setattr(popova, "password_hash", hash_password("another-pass-2")))
    for url in ("/admin/audit", f"/admin/audit/{tx}", "/admin/audit?table=users"):
        page = testapp.get(url)
        assert "Changed the password of Попова Анна" in page.text
        assert popova.password_hash not in page.text and old_hash not in page.text
        assert "$argon2" not in page.text


def test_undo_restores_a_changed_position_and_is_itself_audited(testapp, dbsession, admin, popova):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    testapp.post_csrf(f"/admin/audit/{tx}/revert", status=303)
    dbsession.expire_all()
    assert dbsession.get(User, popova.id).position == "Менеджер"

    page = testapp.get("/admin/audit")
    newest = page.html.find(id="audit-entries").find("li")
    assert int(newest["data-transaction"]) > tx
    text = " ".join(newest.text.split())
    assert "Changed person Попова Анна" in text
    assert "position: “Старший менеджер” “Менеджер”" in text
    assert "Смирнов Алексей" in text


def test_undo_keeps_later_changes_to_other_fields(testapp, dbsession, admin, popova):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    as_admin_change(dbsession, admin, lambda: setattr(popova, "phone", "+7 900 000-00-01"))
    testapp.post_csrf(f"/admin/audit/{tx}/revert", status=303)
    dbsession.expire_all()
    user = dbsession.get(User, popova.id)
    assert (user.position, user.phone) == ("Менеджер", "+7 900 000-00-01")


def test_undo_of_a_removal_brings_the_member_back_and_undo_of_a_grant_withdraws_it(
        testapp, dbsession, admin, popova, factory):
    sales = popova.departments[0]
    membership = popova.memberships[0]
    removed = as_admin_change(dbsession, admin, lambda: (popova.memberships.remove(membership),
                                                         dbsession.delete(membership)))
    testapp.post_csrf(f"/admin/audit/{removed}/revert", status=303)
    assert dbsession.scalar(sa.select(Membership).where(
        Membership.user_id == popova.id, Membership.department_id == sales.id)) is not None

    commit_point(dbsession)
    granted = as_admin_change(dbsession, admin, lambda: dbsession.add(
        RoleGrant(role=factory.role("sales"), user=popova)))
    testapp.post_csrf(f"/admin/audit/{granted}/revert", status=303)
    assert dbsession.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == popova.id)) is None


def test_undo_that_would_clash_is_refused_with_a_clear_message(testapp, dbsession, admin, popova,
                                                               factory):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "login", "popova.a"))
    factory.user(login="popova", full_name="Попов Борис")
    commit_point(dbsession)
    page = testapp.post_csrf(f"/admin/audit/{tx}/revert", status=400)
    problem = page.html.find(id="revert-problem").text
    assert "The login “popova” is now used by Попов Борис" in problem
    dbsession.expire_all()
    assert dbsession.get(User, popova.id).login == "popova.a"


def test_undoing_twice_says_there_is_nothing_to_undo(testapp, dbsession, admin, popova):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    testapp.post_csrf(f"/admin/audit/{tx}/revert", status=303)
    commit_point(dbsession)
    page = testapp.post_csrf(f"/admin/audit/{tx}/revert", status=400)
    assert "Nothing to undo" in page.html.find(id="revert-problem").text


def test_log_filters_by_kind_of_object_and_by_author(testapp, dbsession, admin, popova, factory):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    role_tx = as_admin_change(dbsession, admin,
                              lambda: setattr(factory.role("sales"), "title", "Seller"))
    page = testapp.get("/admin/audit", {"table": "roles"})
    assert entry(page, role_tx) is not None and entry(page, tx) is None
    page = testapp.get("/admin/audit", {"author": str(admin.id)})
    assert entry(page, role_tx) is not None and entry(page, tx) is not None
    page = testapp.get("/admin/audit", {"author": "system"})
    assert entry(page, tx) is None


def test_history_for_one_person_in_words(dbsession, admin, popova):
    as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    entries = history_for(dbsession, popova)
    messages = [c.message.interpolate() for e in entries for c in e.changes]
    assert messages[0] == "Changed person Попова Анна"
    assert "Created person Попова Анна (login popova)" in messages
    assert any(m.startswith("Added member Попова Анна to") for m in messages)
    assert entries[0].author.id == admin.id


def test_non_admins_may_not_see_or_undo_the_log(testapp, dbsession, login_as, admin, popova):
    tx = as_admin_change(dbsession, admin, lambda: setattr(popova, "position", "Старший менеджер"))
    login_as("director")
    testapp.get("/admin/audit", status=403)
    testapp.get(f"/admin/audit/{tx}", status=403)
    testapp.post_csrf(f"/admin/audit/{tx}/revert", status=403)
    dbsession.expire_all()
    assert dbsession.get(User, popova.id).position == "Старший менеджер"


def test_unknown_change_is_not_found(testapp, admin):
    testapp.get("/admin/audit/99999999", status=404)
    testapp.post_csrf("/admin/audit/99999999/revert", status=404)
    assert re.search(r"Audit log", testapp.get("/admin/audit").text)


def test_undo_of_a_role_deletion_brings_back_the_role_and_its_permissions(testapp, dbsession,
                                                                          admin):
    from models.roles import Role, RolePermission

    dbsession.add(Role(name="auditor", title="Auditor", permissions=[
        RolePermission(type="organization", permission="view", scope="all"),
        RolePermission(type="report", permission="activity", scope="department")]))
    commit_point(dbsession)
    testapp.post_csrf("/admin/roles/auditor/delete", status=303)
    commit_point(dbsession)
    deleted = last_transaction_id(dbsession, Role)
    page = testapp.get(f"/admin/audit/{deleted}")
    assert "Deleted role Auditor (auditor)" in page.text
    assert "Took the permission “See organizations” away from role Auditor" in page.text

    testapp.post_csrf(f"/admin/audit/{deleted}/revert", status=303)
    dbsession.expire_all()
    role = dbsession.scalar(sa.select(Role).where(Role.name == "auditor"))
    assert role.scope_of("organization", "view") == "all"
    assert role.scope_of("report", "activity") == "department"


def test_undoing_the_creation_of_someone_referred_to_since_is_refused(testapp, dbsession, admin,
                                                                     popova, factory):
    created = last_transaction_id(dbsession)
    as_admin_change(dbsession, admin, lambda: dbsession.add(
        RoleGrant(role=factory.role("sales"), user=popova)))
    page = testapp.post_csrf(f"/admin/audit/{created}/revert", status=400)
    problem = " ".join(page.html.find(id="revert-problem").text.split())
    assert "Undoing would delete the person Попова Анна" in problem
    assert "Role grants" in problem
    assert dbsession.get(User, popova.id) is not None


def test_undo_that_would_leave_no_administrator_is_refused(testapp, dbsession, admin, factory):
    successor = factory.user(login="successor")
    commit_point(dbsession)
    granted = as_admin_change(dbsession, admin, lambda: dbsession.add(
        RoleGrant(role=factory.role("admin"), user=successor)))
    own_grant = dbsession.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == admin.id))
    as_admin_change(dbsession, admin, lambda: dbsession.delete(own_grant))
    testapp.login("successor")
    page = testapp.post_csrf(f"/admin/audit/{granted}/revert", status=400)
    assert "without an active administrator" in page.html.find(id="revert-problem").text


def test_person_page_shows_its_change_history_in_words(testapp, factory, login_as, dbsession):
    from sqlalchemy_continuum import versioning_manager

    login_as("admin")
    person = factory.user(full_name="Тарасова Ксения", position="Секретарь")
    dbsession.flush()
    versioning_manager.clear(dbsession)
    person.position = "Секретарь руководителя"
    dbsession.flush()
    page = testapp.get(f"/admin/users/{person.id}")
    history = page.html.select_one("#change-history").text
    assert "Секретарь руководителя" in history and "Тарасова Ксения" in history
    assert "password_hash" not in page.text


def test_department_page_shows_its_change_history(testapp, factory, login_as):
    login_as("admin")
    dept = factory.department("Отдел логистики")
    page = testapp.get(f"/admin/departments/{dept.id}")
    assert "Отдел логистики" in page.html.select_one("#change-history").text
