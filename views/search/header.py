"""The header search: one box, results grouped by kind (people now; later issues add more).

A later issue adds a group by appending a provider to `SEARCH_PROVIDERS` (or decorating it
with `@search_provider`): a callable ``(request, q, limit) -> SearchGroup | None`` that returns
None when it has nothing to show or the user may not see that kind of thing. It must filter in
SQL with `portal.security.filters.sql_filter` like every listing, and stay cheap however common the
words are: `models.search.preview` reads at most a hundred matches that pass the filter
(the group then says "100+").
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pyramid.view import view_config

from models.people import User
from models.registry import Registry, registers
from portal.core.i18n import _
from portal.resources import Root
from views.people.directory import count_of, directory_query, person_url, with_departments

GROUP_LIMIT = 8
MAX_QUERY = 200


class SearchItem(NamedTuple):
    title: str
    url: str
    detail: str = ""
    initials: str = ""  # shown as an avatar; else `icon` (a bootstrap-icons name)
    icon: str = "file-earmark"


class SearchGroup(NamedTuple):
    """What a provider returns; a plain ``(title, items, more_url)`` tuple is accepted too."""

    title: object  # a TranslationString
    items: list[SearchItem]
    more_url: str | None  # the section's own search for "show all", or None
    total: int | None = None  # how many match in all, when the provider knows
    more: bool = False  # more than `total` match (a preview stops counting: "100+")


SearchProvider = Callable[[object, str, int], SearchGroup | None]
SEARCH_PROVIDERS: Registry[SearchProvider] = Registry("header search groups")


def search_provider(fn: SearchProvider) -> SearchProvider:
    """Register `fn` as a group of the header search (when `config.scan` reaches its module)."""
    return registers(SEARCH_PROVIDERS, depth=2)(fn)


@search_provider
def search_people(request, q: str, limit: int) -> SearchGroup | None:
    """Active people the user may see, by name, login, e-mail or phone (as the directory)."""
    people_section = request.root["people"]
    if not request.has_permission("view", people_section):
        return None
    stmt = directory_query(request, q)
    people = request.dbsession.scalars(
        with_departments(stmt).order_by(User.full_name, User.id).limit(limit)
    ).all()
    if not people:
        return None
    total = len(people)
    if total == limit:
        total = count_of(request.dbsession, stmt)
    more_url = request.resource_url(people_section, query={"q": q})
    items = [
        SearchItem(
            title=u.full_name,
            url=person_url(request, u),
            detail=" · ".join(filter(None, [u.position, ", ".join(d.name for d in u.departments),
                                            u.phone])),
            initials=u.initials,
        )
        for u in people
    ]
    return SearchGroup(_("People"), items, more_url, total)


@view_config(context=Root, name="search", renderer="search/results.jinja2", permission="view")
def search(request):
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    groups = []
    if q:
        for provider in SEARCH_PROVIDERS:
            result = provider(request, q, GROUP_LIMIT)
            if result is not None:
                group = SearchGroup(*result)
                if group.items:
                    groups.append(group)
    return {
        "title": _("Search"),
        "q": q,
        "groups": groups,
        "directory_url": request.resource_url(request.root["people"], query={"q": q} if q else None),
    }
