"""Client records: the organization list with filters and segments, search (issue 3).

/clients                      organizations: filters, sorting, pages, saved segments
/clients/search?q=            full-text search over organizations and contacts
/clients/segments             POST: save the current filter as a named segment (or delete one);
                              the interactions list has its own (/clients/interactions/segments)
The client card, forms, contacts and merging are in views/clients/card.py,
views/clients/forms.py and views/clients/contacts.py.

Other areas add buttons to the list's, the card's and the contact page's header with
`@list_action`, `@card_action` and `@contact_action`: ``fn(request, context) -> list[Action] |
None``.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import NamedTuple

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload

from models import search
from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    STAGES,
    Address,
    Contact,
    Organization,
    Phone,
    SavedSegment,
)
from models.people import Department, Membership, User
from models.registry import Registry, registers
from models.roles import RoleGrant, RolePermission
from portal.clients import segments
from portal.clients.import_fields import flash
from portal.clients.lists import (
    ContactFilter,
    OrganizationFilter,
    contact_query,
    count_of,
    count_of_visible,
    organization_query,
    page_ids,
)
from portal.clients.resources import Clients, contact_url, organization_url
from portal.clients.rules import (
    CLASSIFIER_LIST_LABELS,
    KIND_LABELS,
    STAGE_LABELS,
)
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.resources import locate
from portal.security.filters import sql_filter
from views.search.header import SearchGroup, SearchItem, search_provider

PAGE_SIZE = 50
SEGMENT_AREA = "organizations"


class Action(NamedTuple):
    """A button in a page header; with `menu`, a drop-down button of more actions."""

    title: object
    url: str
    icon: str = "circle"
    css: str = "btn-outline-secondary"
    id: str = ""
    menu: tuple = ()


ActionProvider = Callable[[object, object], list[Action] | None]
LIST_ACTIONS: Registry[ActionProvider] = Registry("organization list actions")
CARD_ACTIONS: Registry[ActionProvider] = Registry("client card actions")
CONTACT_ACTIONS: Registry[ActionProvider] = Registry("contact page actions")


def list_action(fn: ActionProvider) -> ActionProvider:
    """Add buttons to the organization list's header: ``fn(request, clients) -> [Action]``."""
    return registers(LIST_ACTIONS, depth=2)(fn)


def card_action(fn: ActionProvider) -> ActionProvider:
    """Add buttons to the client card's header: ``fn(request, organization) -> [Action]``."""
    return registers(CARD_ACTIONS, depth=2)(fn)


def contact_action(fn: ActionProvider) -> ActionProvider:
    """Add buttons to a contact person's page: ``fn(request, contact) -> [Action]``."""
    return registers(CONTACT_ACTIONS, depth=2)(fn)


def actions_for(providers, request, context) -> list[Action]:
    out: list[Action] = []
    for provider in providers:
        out.extend(provider(request, context) or ())
    return out


# --- helpers shared by the client pages ------------------------------------------------------------

def page_number(request) -> int:
    value = request.GET.get("page", "1")
    number = parse_int(value)
    return max(1, number) if number is not None and number < 10**6 else 1


def manager_choices(dbsession, current: str = "") -> list[User]:
    """People who may be responsible for clients (a role with organization.edit, granted to
    them or their department), and the one the list is filtered by; active ones, by name.

    Found from the roles rather than from the organizations: cheap with 100,000 clients.
    """
    roles = sa.select(RolePermission.role_id).where(RolePermission.type == "organization",
                                                    RolePermission.permission == "edit")
    direct = sa.select(RoleGrant.user_id).where(RoleGrant.role_id.in_(roles),
                                                RoleGrant.user_id.is_not(None))
    by_department = sa.select(Membership.user_id).where(Membership.department_id.in_(
        sa.select(RoleGrant.department_id).where(RoleGrant.role_id.in_(roles),
                                                 RoleGrant.department_id.is_not(None))))
    wanted = sa.or_(User.id.in_(direct), User.id.in_(by_department))
    if parse_int(current) is not None:
        wanted = sa.or_(wanted, User.id == parse_int(current))
    return list(dbsession.scalars(sa.select(User).where(User.active, wanted)
                                  .order_by(User.full_name)))


def chosen_manager(dbsession, chosen: str) -> list[User]:
    """The person the list is filtered by, if it is one ([] for anyone, me or nobody)."""
    number = parse_int(chosen)
    user = dbsession.get(User, number) if number is not None else None
    return [user] if user is not None else []


@view_config(context=Clients, name="manager-options", renderer="clients/_manager_options.jinja2",
             permission="view")
def manager_options(context, request):
    """Every choice of the list's "Responsible manager" filter, asked for by the field."""
    chosen = request.GET.get("chosen", "")[:20]
    return {"managers": manager_choices(request.dbsession, chosen), "chosen": chosen}


def department_choices(dbsession) -> list[Department]:
    return list(dbsession.scalars(sa.select(Department).order_by(Department.sort_order,
                                                                 Department.name)))


def classifier_filters(request) -> list[tuple[str, object, list]]:
    """(parameter, label, entries) of each classifier the list can filter by."""
    lists = request.classifier_lists
    return [(name, CLASSIFIER_LIST_LABELS[name], lists.of(name))
            for name in ORGANIZATION_CLASSIFIERS]


def translated(request, labels: dict) -> dict:
    translate = request.localizer.translate
    return {key: translate(value) for key, value in labels.items()}


def my_segments(request, area: str) -> list[SavedSegment]:
    return list(request.dbsession.scalars(
        sa.select(SavedSegment).where(SavedSegment.user_id == request.identity.user.id,
                                      SavedSegment.area == area)
        .order_by(SavedSegment.name)))


class ListRow(NamedTuple):
    """One organization as the list shows it (read as plain columns: no ORM objects)."""

    id: int
    name: str
    kind: str
    inn: str | None
    legal_name: str | None
    stage: str
    region: str  # the region's title, translated
    manager_name: str | None  # "Ivanov I. I." (None: nobody is responsible)
    manager_initials: str
    phone: str | None  # the first phone: its number, digits and extension
    phone_digits: str | None
    phone_extension: str | None
    city: str  # of the first address


def _first(model, sort_column, column):
    """The first row (by `sort_column`, then id) of `model` about each organization."""
    return (sa.select(column).where(model.organization_id == Organization.id)
            .order_by(sort_column, model.id).limit(1).correlate(Organization).scalar_subquery())


def _list_rows_statement() -> sa.Select:
    """The list's rows of the organizations "ids" (an expanding parameter), in one statement:
    the manager, the first phone and the first address's city included."""
    return (sa.select(Organization.id, Organization.name, Organization.kind, Organization.inn,
                      Organization.legal_name, Organization.stage, Organization.region_id,
                      User.full_name, User.login, Phone.number, Phone.normalized,
                      Phone.extension, _first(Address, Address.sort_order, Address.city))
            .outerjoin(User, User.id == Organization.manager_id)
            .outerjoin(Phone, Phone.id == _first(Phone, Phone.sort_order, Phone.id))
            .where(Organization.id.in_(sa.bindparam("ids", expanding=True))))


# Built once (the list is everyone's page; building a statement costs more than running it).
LIST_ROWS = _list_rows_statement()


def short_name(full_name: str) -> str:
    """"Ivanov Ivan Ivanovich" -> "Ivanov I. I."."""
    parts = full_name.split()
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:3])]) if parts else ""


def list_rows(request, ids: list[int]) -> list[ListRow]:
    """The rows of the organizations `ids`, in that order."""
    if not ids:
        return []
    title, translate = request.classifier_lists.title, request.localizer.translate
    regions: dict[int | None, str] = {}
    found = {}
    for (org_id, name, kind, inn, legal_name, stage, region_id, manager, login, number, digits,
         extension, city) in request.dbsession.execute(LIST_ROWS, {"ids": ids}):
        if region_id not in regions:
            region = title(region_id)
            regions[region_id] = translate(_(region)) if region else ""
        has_manager = login is not None
        initials = User.initials.fget(SimpleNamespace(full_name=manager, login=login)) \
            if has_manager else ""
        found[org_id] = ListRow(org_id, name, kind, inn, legal_name, stage, regions[region_id],
                                short_name(manager) if has_manager else None, initials, number,
                                digits, extension, city or "")
    return [found[i] for i in ids if i in found]


# --- the list -------------------------------------------------------------------------------------

@view_config(context=Clients, renderer="clients/list.jinja2", permission="view")
def organization_list(context, request):
    flt = OrganizationFilter.from_params(request.GET)
    stmt = organization_query(request, flt)
    total, everyone = count_of_visible(request.dbsession, flt, stmt)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page_number(request), pages)
    # The page's ids are chosen by sorting narrow index entries (or walking the name index:
    # page_ids), and only its 50 rows are read, as plain columns: sorting (or making ORM
    # objects of) whole rows costs more.
    window = page_ids(request.dbsession, flt, stmt, total, everyone, (page - 1) * PAGE_SIZE,
                      PAGE_SIZE)
    orgs = list_rows(request, list(request.dbsession.scalars(window)))
    base = request.resource_url(context)
    sorts = [("", _("By relevance") if flt.q else _("By name")), ("name", _("Name A–Z")),
             ("-name", _("Name Z–A")), ("-created", _("Newest first")),
             ("-updated", _("Recently changed"))]
    if not flt.q:
        sorts = sorts[1:]
        sorts[0] = ("", _("Name A–Z"))
    return {
        "title": _("Clients"),
        "flt": flt,
        "orgs": orgs,
        "total": total,
        "page": page,
        "pages": pages,
        "url_for_page": lambda p: base + "?" + flt.query_string(page=p),
        "url": lambda **changes: base + ("?" + flt.query_string(**changes)
                                         if flt.params(**changes) else ""),
        "sorts": sorts,
        "kinds": [(k, KIND_LABELS[k]) for k in ORGANIZATION_KINDS],
        "stages": [(s, STAGE_LABELS[s]) for s in STAGES],
        "kind_labels": KIND_LABELS,
        "stage_labels": STAGE_LABELS,
        # Translated once for the page's rows.
        "kind_names": translated(request, KIND_LABELS),
        "stage_names": translated(request, STAGE_LABELS),
        "base_path": request.resource_path(context),
        # The chosen manager only; the others come when the field is about to be used.
        "managers": chosen_manager(request.dbsession, flt.manager),
        "manager_options_url": request.resource_path(
            context, "@@manager-options", query={"chosen": flt.manager} if flt.manager else None),
        "departments": request.department_tree.choices(),
        "classifier_filters": classifier_filters(request),
        "classifier_title": request.classifier_lists.title,
        "segments": my_segments(request, SEGMENT_AREA),
        "segment_url": lambda s: base + ("?" + s.query if s.query else ""),
        "current_query": flt.query_string(),
        "may_add": request.has_permission("add", context),
        "actions": actions_for(LIST_ACTIONS, request, context),
        "contacts_url": request.resource_url(context["contacts"]),
        "search_url": request.resource_url(context, "search"),
    }


@view_config(context=Clients, name="segments", request_method="POST", permission="view")
def save_segment(context, request):
    """Save the posted query string as a segment of the organization or contact list."""
    area = request.POST.get("area", SEGMENT_AREA)
    area = area if area in ("organizations", "contacts") else SEGMENT_AREA
    back = request.resource_url(context if area == "organizations" else context["contacts"])
    return segment_post(request, area, back)


def segment_post(request, area: str, back: str):
    """Save the posted `query` under the posted `name` as one of the user's segments of the
    list `area` (the same name again replaces it), or delete their segment `delete`; then back
    to the list. Shared by every list with segments (views/interactions/lists.py too)."""
    user = request.identity.user
    delete_id = parse_int(request.POST.get("delete", ""))
    if delete_id is not None:
        name = segments.delete_segment(request.dbsession, user, area, delete_id)
        if name is not None:
            flash(request, _("Segment “${name}” deleted.", mapping={"name": name}))
        return HTTPSeeOther(back)
    name = segments.segment_name(request.POST.get("name", ""))
    query = segments.segment_query(request.POST.get("query", ""))
    if not name:
        flash(request, _("Give the segment a name."), "error")
    elif segments.save_segment(request.dbsession, user, area, name, query):
        flash(request, _("Segment “${name}” saved.", mapping={"name": name}))
    else:
        flash(request, _("Segment “${name}” updated.", mapping={"name": name}))
    return HTTPSeeOther(back + ("?" + query if query else ""))


# --- search ----------------------------------------------------------------------------------------

SEARCH_LIMIT = 20


def _org_detail(request, org: Organization) -> str:
    parts = [request.localizer.translate(KIND_LABELS.get(org.kind, org.kind))]
    if org.inn:
        parts.append(request.localizer.translate(_("INN ${inn}", mapping={"inn": org.inn})))
    if org.phones:
        parts.append(org.phones[0].number)
    if org.manager:
        parts.append(org.manager.full_name)
    return " · ".join(parts)


def _contact_detail(contact: Contact) -> str:
    parts = [contact.position, contact.organization.name if contact.organization else ""]
    if contact.phones:
        parts.append(contact.phones[0].number)
    return " · ".join(p for p in parts if p)


def find_organizations(request, q: str, limit: int) -> tuple[list[Organization], int]:
    stmt = organization_query(request, OrganizationFilter(q=q))
    orgs = list(request.dbsession.scalars(
        stmt.options(selectinload(Organization.phones), joinedload(Organization.manager))
        .limit(limit)))
    total = len(orgs) if len(orgs) < limit else count_of(request.dbsession, stmt)
    return [locate(request, o) for o in orgs], total


def find_contacts(request, q: str, limit: int) -> tuple[list[Contact], int]:
    stmt = contact_query(request, ContactFilter(q=q))
    contacts = list(request.dbsession.scalars(
        stmt.options(selectinload(Contact.phones), joinedload(Contact.organization))
        .limit(limit)))
    total = len(contacts) if len(contacts) < limit else count_of(request.dbsession, stmt)
    return [locate(request, c) for c in contacts], total


def header_matches(request, model, kind: str, q: str, limit: int,
                   options=()) -> tuple[list, int, bool] | None:
    """The header search's few `model` rows matching `q` that the user may view, best first,
    with how many were read and whether more match (`models.search.preview`: cheap however
    common the words); None when `q` has no words to look for."""
    found = search.preview(request.dbsession, kind, q, where=sql_filter(request, model, "view"))
    if found is None:
        return None
    ids = found.ids[:limit]
    rows = {row.id: row for row in request.dbsession.scalars(
        sa.select(model).where(model.id.in_(ids)).options(*options))}
    return [locate(request, rows[i]) for i in ids if i in rows], len(found.ids), found.more


@search_provider
def search_organizations(request, q: str, limit: int) -> SearchGroup | None:
    """The header search's group of organizations (name, INN, phones, e-mails, contacts...)."""
    clients = request.root["clients"]
    if not request.has_permission("view", clients):
        return None
    found = header_matches(request, Organization, "organization", q, limit,
                           (selectinload(Organization.phones), joinedload(Organization.manager)))
    if found is None:  # no words ("ООО" alone): the list's own rules
        found = (*find_organizations(request, q, limit), False)
    orgs, total, more = found
    if not orgs:
        return None
    items = [SearchItem(org.name, organization_url(request, org), _org_detail(request, org),
                        icon="building") for org in orgs]
    return SearchGroup(_("Organizations"), items,
                       request.resource_url(clients, query={"q": q}), total, more)


@search_provider
def search_contacts(request, q: str, limit: int) -> SearchGroup | None:
    """The header search's group of contact persons."""
    section = request.root["clients"]["contacts"]
    if not request.has_permission("view", section):
        return None
    found = header_matches(request, Contact, "contact", q, limit,
                           (selectinload(Contact.phones), joinedload(Contact.organization)))
    if found is None:
        found = (*find_contacts(request, q, limit), False)
    contacts, total, more = found
    if not contacts:
        return None
    items = [SearchItem(c.full_name, contact_url(request, c), _contact_detail(c),
                        icon="person-vcard") for c in contacts]
    return SearchGroup(_("Contact persons"), items, request.resource_url(section, query={"q": q}),
                       total, more)


@view_config(context=Clients, name="search", renderer="clients/search.jinja2", permission="view")
def client_search(context, request):
    q = (request.GET.get("q") or "").strip()[:200]
    orgs, org_total, contacts, contact_total = [], 0, [], 0
    if q:
        orgs, org_total = find_organizations(request, q, SEARCH_LIMIT)
        if request.has_permission("view", context["contacts"]):
            contacts, contact_total = find_contacts(request, q, SEARCH_LIMIT)
    return {
        "title": _("Search clients"),
        "q": q,
        "orgs": orgs,
        "org_total": org_total,
        "contacts": contacts,
        "contact_total": contact_total,
        "org_detail": lambda o: _org_detail(request, o),
        "contact_detail": _contact_detail,
        "orgs_url": request.resource_url(context, query={"q": q}),
        "contacts_url": request.resource_url(context["contacts"], query={"q": q}),
    }
