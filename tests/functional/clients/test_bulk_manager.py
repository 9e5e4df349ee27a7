"""Bulk "change responsible manager" on the client list (issue 14, point 2): ticked organizations
or all matching the filter get a new manager in one POST; only rows the user may edit change."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.clients import Contact, Organization

URL = "/clients/change-manager"


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


class Book:
    """Two departments, their sellers and a head, and organizations of each."""

    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.north = factory.department("Север")
        self.south = factory.department("Юг")
        self.seller = factory.user("seller", departments=[self.north], roles=["sales"],
                                   full_name="Продавцова Мария")
        self.colleague = factory.user("colleague", departments=[self.north], roles=["sales"],
                                      full_name="Коллегов Олег")
        self.southerner = factory.user("southerner", departments=[self.south], roles=["sales"],
                                       full_name="Южанин Павел")
        self.head = factory.user("head", departments=[self.north], roles=["dept_head"],
                                 full_name="Начальникова Ирина")
        self.mine = [self.org("Альфа", self.seller, self.north), self.org("Бета", self.seller, self.north)]
        self.colleagues = self.org("Гамма", self.colleague, self.north)
        self.southern = self.org("Дельта", self.southerner, self.south)
        self.contact = Contact(full_name="Контактов Иван", organization_id=self.mine[0].id)
        dbsession.add(self.contact)
        dbsession.flush()

    def org(self, name, manager, department):
        org = Organization(name=f"ООО «{name}»", manager_id=manager.id, department_id=department.id)
        self.db.add(org)
        self.db.flush()
        return org

    def managers(self):
        self.db.expire_all()
        return {o.name: o.manager_id for o in self.db.scalars(sa.select(Organization).where(
            Organization.id.in_([o.id for o in (*self.mine, self.colleagues, self.southern)])))}


@pytest.fixture
def book(dbsession, factory):
    return Book(dbsession, factory)


def listed(page) -> set[int]:
    return {int(tr["data-org"]) for tr in page.html.select("#organizations [data-org]")}


def test_page_lists_only_what_the_user_may_edit(testapp, login_as, book):
    login_as(book.seller)
    page = testapp.get(URL)
    assert listed(page) == {o.id for o in book.mine}
    login_as(book.head)
    page = testapp.get(URL)
    assert listed(page) == {o.id for o in book.mine} | {book.colleagues.id}


def test_the_client_list_offers_the_button_with_its_filter(testapp, login_as, book):
    login_as(book.head)
    page = testapp.get("/clients", params={"stage": "attraction"})
    link = page.html.select_one("#change-manager")
    assert link["href"].endswith("/clients/change-manager?stage=attraction")


def test_ticked_organizations_get_the_new_manager_and_their_contacts_follow(
        testapp, login_as, dbsession, book):
    login_as(book.seller)
    testapp.post_csrf(URL, {"manager": book.colleague.id, "ids": [book.mine[0].id]}, status=303)
    managers = book.managers()
    assert managers["ООО «Альфа»"] == book.colleague.id
    assert managers["ООО «Бета»"] == book.seller.id
    assert book.contact.manager_id == book.colleague.id


def test_rows_the_user_may_not_edit_are_left_alone(testapp, login_as, book):
    login_as(book.seller)
    page = testapp.post_csrf(URL, {"manager": book.seller.id,
                                   "ids": [book.colleagues.id, book.southern.id, book.mine[0].id]},
                             status=303).follow()
    managers = book.managers()
    assert managers["ООО «Гамма»"] == book.colleague.id
    assert managers["ООО «Дельта»"] == book.southerner.id
    assert "you may not edit them: 2" in page.text


def test_all_matching_the_filter(testapp, login_as, book):
    login_as(book.head)
    testapp.post_csrf(URL + f"?manager={book.seller.id}",
                      {"manager": book.colleague.id, "all": "1"}, status=303)
    managers = book.managers()
    assert managers["ООО «Альфа»"] == managers["ООО «Бета»"] == book.colleague.id
    assert managers["ООО «Дельта»"] == book.southerner.id  # another department


def test_the_change_is_one_audit_change_that_undo_reverts(testapp, login_as, dbsession, factory,
                                                         book):
    admin = factory.user("boss", roles=["admin"], full_name="Админов Борис")
    commit_point(dbsession)
    login_as(admin)
    testapp.post_csrf(URL, {"manager": book.southerner.id,
                            "ids": [o.id for o in book.mine]}, status=303)
    commit_point(dbsession)
    tx = dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))
    testapp.post_csrf(f"/admin/audit/{tx}/revert", status=303)
    managers = book.managers()
    assert managers["ООО «Альфа»"] == managers["ООО «Бета»"] == book.seller.id


@pytest.mark.parametrize("manager", ["", "99999999", "abc", "-5"])
def test_unknown_manager_is_refused_and_nothing_changes(testapp, login_as, book, manager):
    login_as(book.seller)
    before = book.managers()
    page = testapp.post_csrf(URL, {"manager": manager, "ids": [book.mine[0].id]}, status=400)
    assert page.html.select_one("#page-error")
    assert book.managers() == before


def test_deactivated_manager_is_refused(testapp, login_as, dbsession, book):
    book.colleague.state = "deactivated"
    dbsession.flush()
    login_as(book.seller)
    before = book.managers()
    page = testapp.post_csrf(URL, {"manager": book.colleague.id, "ids": [o.id for o in book.mine]},
                             status=400)
    assert "deactivated" in page.html.select_one("#page-error").text
    assert book.managers() == before


def test_nothing_ticked_is_refused(testapp, login_as, book):
    login_as(book.seller)
    testapp.post_csrf(URL, {"manager": book.colleague.id}, status=400)


def test_who_may_not_edit_any_organization_is_forbidden(testapp, login_as, book):
    login_as("employee")
    testapp.get(URL, status=403)
    testapp.post_csrf(URL, {"manager": book.seller.id, "ids": [book.mine[0].id]}, status=403)
    assert "change-manager" not in testapp.get("/clients", status="*").text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_page_renders_in_both_languages(testapp, login_as, book, language):
    login_as(book.seller)
    page = testapp.get(URL, headers={"Accept-Language": language})
    assert page.html.find("html")["lang"].startswith(language)
    assert "${" not in page.text
