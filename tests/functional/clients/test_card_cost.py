"""What the client card costs does not grow with the client (issue 11): it asks for rights and
writes addresses a fixed number of times whatever the number of contact persons, files and
timeline items, asks each right once, and its statements of the contact persons and of their
phones and e-mails are built once and reused (only their parameters change). On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path

import pytest
from pyramid.request import Request
from sqlalchemy import event

from models.clients import Address, ImportantDate, Phone
from tests.functional.clients.test_timeline_kinds import card  # noqa: F401
from tests.functional.dispatch.shop import shop  # noqa: F401

PDF = b"%PDF-1.4 contract body"
ROOT = str(Path(__file__).parents[3]) + "/"


@pytest.fixture
def files_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "portal.files_dir", str(tmp_path))
    return tmp_path


@pytest.fixture
def rich(card, clients, dbsession, testapp, files_dir):
    """The client of every kind of timeline item, with requisites, a dated event and a file."""
    org, me = card["org"], card["me"]
    org.phones.append(Phone(number="+7 495 123-45-67", sort_order=0))
    org.addresses.append(Address(kind="legal", city="Москва", text="ул. Ленина, 1"))
    org.important_dates.append(ImportantDate(title="День рождения фирмы",
                                             date=dt.date(2001, 5, 9), yearly=True))
    dbsession.flush()
    testapp.login(me.login)
    grow(rich_state := {"org": org, "me": me, "n": 0}, clients, testapp)
    return rich_state


def grow(state, clients, testapp, by: int = 1) -> None:
    """`by` more contact persons (each with a phone and an e-mail), interactions and files."""
    org, me = state["org"], state["me"]
    for _ in range(by):
        state["n"] += 1
        n = state["n"]
        contact = clients.contact(f"Петров{n} Пётр", organization=org,
                                  phones=[f"+7 916 000-00-{n:02d}"], emails=[f"p{n}@example.ru"])
        clients.interaction(responsible=me, organization=org, contact=contact,
                            subject=f"Звонок {n}")
        testapp.post(f"/clients/{org.id}/@@attach", {"csrf_token": testapp.csrf_token()},
                     upload_files=[("file", f"Договор {n}.pdf", PDF)], status=303)


def card_calls(testapp, org, monkeypatch) -> tuple[Counter, Counter]:
    """(rights asked: (asking module, permission, context) → times, addresses written:
    context's type → times)."""
    rights: Counter = Counter()
    urls: Counter = Counter()
    has_permission, resource_url = Request.has_permission, Request.resource_url

    def asking(self, permission, context=None):
        asker = sys._getframe(1).f_code.co_filename.removeprefix(ROOT)
        rights[asker, permission, id(context if context is not None else self.context)] += 1
        return has_permission(self, permission, context)

    def writing(self, resource, *elements, **kw):
        urls[type(resource).__name__] += 1
        return resource_url(self, resource, *elements, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(Request, "has_permission", asking)
        patch.setattr(Request, "resource_url", writing)
        page = testapp.get(f"/clients/{org.id}")
    assert page.html.select(".contact-row") and page.html.select(".client-file")
    return rights, urls


def test_the_card_asks_rights_and_writes_addresses_as_often_however_big_the_client(
        testapp, dbsession, clients, rich, monkeypatch):
    org = rich["org"]
    small_rights, small_urls = card_calls(testapp, org, monkeypatch)
    grow(rich, clients, testapp, by=3)
    dbsession.expire_all()
    big_rights, big_urls = card_calls(testapp, org, monkeypatch)
    assert sum(big_rights.values()) == sum(small_rights.values()), (small_rights, big_rights)
    assert big_urls == small_urls


def test_the_card_asks_each_of_its_rights_once(testapp, rich, monkeypatch):
    """Editing the client and attaching files are one question; the interaction list's link
    and its "planned" link another."""
    rights, _ = card_calls(testapp, rich["org"], monkeypatch)
    card = {key: times for key, times in rights.items() if key[0] == "views/clients/card.py"}
    assert sorted(permission for _, permission, _ in card) == [
        "add", "edit", "merge", "view", "view_terms"], rights
    assert set(card.values()) == {1}, rights


def test_the_contacts_and_contact_points_statements_are_built_once_and_reused(
        testapp, dbsession, clients, rich):
    org = rich["org"]
    seen: list[list] = []

    def record(state):
        sql = str(state.statement)
        if sql.startswith(("SELECT phones.", "SELECT emails.")) or (
                sql.startswith("SELECT contacts.") and not state.is_relationship_load):
            seen[-1].append(state.statement)

    for more in (0, 2):
        grow(rich, clients, testapp, by=more)
        dbsession.expire_all()
        seen.append([])
        event.listen(dbsession, "do_orm_execute", record)
        try:
            page = testapp.get(f"/clients/{org.id}")
        finally:
            event.remove(dbsession, "do_orm_execute", record)
    first, second = seen
    assert len(first) == len(second) == 3, seen  # the contacts, their phones and e-mails
    assert all(a is b for a, b in zip(first, second, strict=True)), seen
    # Reused, they still find each one's own: the client's and the newest contact's phone.
    assert "+7 495 123-45-67" in page.text and f"+7 916 000-00-{rich['n']:02d}" in page.text
