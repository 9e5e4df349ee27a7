"""What every page builds (issue 11): SQL filters and the statements made on them are made once
for each set of rights and kept for the requests of viewers who hold those rights, never used
for a viewer with other rights, whoever came first.

- `portal.security.filters.sql_filter` keeps its clause by `filter_key` (the scope, the
  departments, the owner, the departments of local grants).
- My day's birthdays and colleagues statement (views/home.py) is kept by the key of the
  viewer's directory filter.
- A client card encodes its timeline links' "came_from" once (views.interactions.helpers'
  url_maker), and its files statement is built once (portal.clients.files).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.clients import Interaction, Organization
from models.roles import RoleGrant
from portal.security import filters
from portal.security.filters import filter_key, sql_filter
from tests.clock import local_at, local_today
from tests.functional.people.test_people import department_scoped_role, without_employee_role


def test_viewers_with_the_same_rights_share_one_clause_and_others_get_their_own(
        factory, request_for, dbsession, monkeypatch):
    monkeypatch.setattr(filters, "_CLAUSES", filters.Kept(4096))
    north, south = factory.department("Север"), factory.department("Юг")
    anna = factory.user("anna", roles=["sales"], departments=[north])
    boris = factory.user("boris", roles=["sales"], departments=[north])
    clara = factory.user("clara", roles=["sales"], departments=[south])
    orgs = {who.login: Organization(name=f"ООО «{who.login}»", manager=who,
                                    department=who.memberships[0].department)
            for who in (anna, clara)}
    dbsession.add_all(orgs.values())
    dbsession.flush()
    a, b, c = (request_for(who) for who in (anna, boris, clara))
    shared = sql_filter(a, Organization, "view")
    again = request_for(anna)
    assert filter_key(again, Organization, "view") == filter_key(a, Organization, "view")
    assert sql_filter(again, Organization, "view") is shared  # made once, then kept
    # The department scope names the owner too: a colleague's key and clause are their own.
    assert filter_key(b, Organization, "view") != filter_key(a, Organization, "view")
    theirs = sql_filter(c, Organization, "view")
    assert theirs is not shared

    def names(clause):
        return set(dbsession.scalars(sa.select(Organization.name).where(
            clause, Organization.id.in_([o.id for o in orgs.values()]))))

    # Each kept clause is still its viewer's own: Clara, asking after Anna, sees only hers.
    assert names(theirs) == {"ООО «clara»"} and names(shared) == {"ООО «anna»"}
    assert names(sql_filter(b, Organization, "view")) == {"ООО «anna»"}
    assert sql_filter(request_for(factory.user(roles=["admin"])), Organization, "view") \
        is sa.true()


def test_my_days_people_statement_is_made_once_per_set_of_rights(
        testapp, factory, dbsession, monkeypatch):
    """Two viewers who may see everyone share the statement; a viewer whose directory is her
    own department gets her own, and does not hear of the other department's birthday although
    a viewer who may see it opened My day first."""
    from views import home

    monkeypatch.setattr(home, "_PEOPLE_STATEMENTS", {})
    narrow = department_scoped_role(dbsession, factory, "narrow")
    mine, other = factory.department("Свой отдел"), factory.department("Чужой отдел")
    wide_one, wide_two = factory.user("wide1"), factory.user("wide2")
    without_employee_role(dbsession, mine, other)
    me = factory.user("viewer", departments=[mine])
    dbsession.add(RoleGrant(role=narrow, user=me))
    today = local_today()
    factory.user("nearby", full_name="Коллега Свой", departments=[mine], birthday=today)
    factory.user("faraway", full_name="Коллега Чужой", departments=[other], birthday=today)
    dbsession.flush()
    for who in (wide_one, wide_two):
        testapp.login(who.login)
        birthdays = testapp.get("/").html.select_one("#home-birthdays").text
        assert "Коллега Свой" in birthdays and "Коллега Чужой" in birthdays
    assert len(home._PEOPLE_STATEMENTS) == 1
    testapp.login(me.login)
    birthdays = testapp.get("/").html.select_one("#home-birthdays").text
    assert "Коллега Свой" in birthdays and "Коллега Чужой" not in birthdays
    assert len(home._PEOPLE_STATEMENTS) == 2


def test_a_client_card_encodes_its_came_from_once_and_reuses_its_files_statement(
        testapp, factory, dbsession, monkeypatch):
    """The timeline's links all carry the same "came_from": it is encoded once per page, not
    once per link; the files statement is built once, not on every card."""
    from portal.clients import files
    from views.interactions import helpers

    monkeypatch.setattr(files, "_FILES_STATEMENTS", {})
    encoded = []
    real = helpers.urlencode
    monkeypatch.setattr(helpers, "urlencode", lambda *a, **kw: encoded.append(a) or real(*a, **kw))
    manager = factory.user("popova", roles=["sales"])
    org = Organization(name="ООО «Вектор»", manager=manager,
                       department=manager.memberships[0].department)
    dbsession.add(org)
    dbsession.flush()
    dbsession.add_all([Interaction(kind="call", responsible=manager, author=manager,
                                   organization=org, subject=f"Звонок {n}",
                                   planned_at=local_at(local_today() + dt.timedelta(days=n), 9))
                       for n in (1, 2, 3)])
    dbsession.flush()
    testapp.login(manager.login)
    for _ in range(2):
        page = testapp.get(f"/clients/{org.id}/")
        links = [a["href"] for a in page.html.select("a[href*='/reschedule?']")]
        assert len(links) == 3
        assert all(link.endswith(f"?came_from=%2Fclients%2F{org.id}%2F") for link in links)
    assert len([a for a in encoded if a[0] == {"came_from": f"/clients/{org.id}/"}]) == 2
    assert len(files._FILES_STATEMENTS) == 1
