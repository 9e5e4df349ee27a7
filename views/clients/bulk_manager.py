"""Bulk "change responsible manager" (issue 14, point 2): /clients/change-manager?<filter>.

The client list's filter (its query string) picks the organizations; the page lists those of
them the user may edit (organization.edit, filtered in SQL), to tick one by one or to take "all
matching the filter"; one POST makes the chosen colleague responsible for them all, in one
transaction (one audit change; contacts of the organizations follow on flush). The rule itself
is portal/people/handover.py's `change_manager`.
"""
from __future__ import annotations

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.clients import Organization
from models.errors import UserError
from models.people import User
from portal.clients.lists import OrganizationFilter, count_of, organization_query
from portal.clients.resources import Clients
from portal.core.forms import IdList, flag_field, id_field, schema_of
from portal.core.i18n import _
from portal.notifications.messages import ngettext
from portal.people.handover import change_manager
from portal.security.filters import sql_filter
from views.clients.organizations import Action, list_action, manager_choices, short_name
from views.forms import FormProblems, read_form

# How many of the matching organizations the page lists to tick (beyond: "all matching").
SHOWN = 200
TEMPLATE = "clients/bulk_manager.jinja2"


def _form_schema():
    return schema_of(colander.SchemaNode(IdList(), name="ids", missing=()),
                     flag_field("all"), id_field("manager"))


def editable(request):
    """The WHERE clause of the organizations the user may edit; HTTPForbidden when none."""
    allowed = sql_filter(request, Organization, "edit")
    if isinstance(allowed, sa.sql.elements.False_):
        raise HTTPForbidden()
    return allowed


def _matching(request, flt: OrganizationFilter, allowed) -> sa.Select:
    return organization_query(request, flt).where(allowed)


@list_action
def change_manager_action(request, clients) -> list[Action]:
    """A "Change manager" button on the organization list (with its current filter)."""
    if isinstance(sql_filter(request, Organization, "edit"), sa.sql.elements.False_):
        return []
    flt = OrganizationFilter.from_params(request.GET)
    query = flt.query_string() if flt.params() else ""
    return [Action(_("Change manager"),
                   request.resource_url(clients, "change-manager") + (f"?{query}" if query else ""),
                   "person-gear", "btn-outline-secondary", "change-manager")]


def page_data(request, flt: OrganizationFilter, allowed, error=None, form=None) -> dict:
    db = request.dbsession
    stmt = _matching(request, flt, allowed)
    total = count_of(db, stmt)
    rows = db.execute(stmt.with_only_columns(Organization.id, Organization.name, User.full_name)
                      .outerjoin(User, User.id == Organization.manager_id).limit(SHOWN)).all()
    base = request.resource_url(request.context)
    query = flt.query_string() if flt.params() else ""
    return {
        "title": _("Change the responsible manager"),
        "rows": [(r[0], r[1], short_name(r[2]) if r[2] else None) for r in rows],
        "total": total,
        "shown": SHOWN,
        "managers": manager_choices(db),
        "list_url": base + (f"?{query}" if query else ""),
        "action": request.resource_url(request.context, "change-manager") + (f"?{query}" if query else ""),
        "error": error,
        "form": form or {},
    }


@view_config(context=Clients, name="change-manager", request_method="GET", renderer=TEMPLATE,
             permission="view")
def change_manager_page(context, request):
    flt = OrganizationFilter.from_params(request.GET)
    return page_data(request, flt, editable(request))


@view_config(context=Clients, name="change-manager", request_method="POST", permission="view")
def change_manager_post(context, request):
    """ids=…&ids=… or all=1 (every editable organization matching the filter in the URL), and
    manager=<person id>."""
    flt = OrganizationFilter.from_params(request.GET)
    allowed = editable(request)
    try:
        form = read_form(_form_schema(), request.POST)
        ids = [] if form["all"] else list(form["ids"])
        refused = len(ids) - _count(request, ids, allowed)
        manager = request.dbsession.get(User, form["manager"]) if form["manager"] is not None else None
        if manager is None:
            raise UserError(_("Choose a manager from the list."), "manager")
        matching = organization_query(request, flt) if form["all"] else None
        count = change_manager(request.dbsession, request.identity.user, manager, ids or None,
                               allowed, matching=matching)
    except (FormProblems, UserError) as problem:
        response = render_to_response(TEMPLATE, page_data(
            request, flt, allowed, problem.message, dict(request.POST)), request=request)
        response.status_int = 400
        return response
    translate = request.translate
    singular, plural, n = ngettext("${name} is now responsible for ${n} more organization.",
                                   "${name} is now responsible for ${n} more organizations.", count)
    request.session.flash(request.localizer.pluralize(
        singular, plural, n, domain="portal", mapping={"name": manager.full_name, "n": n}))
    if refused > 0:
        request.session.flash(translate(_(
            "Left as they were because you may not edit them: ${n}.",
            mapping={"n": refused})), "warning")
    query = flt.query_string() if flt.params() else ""
    return HTTPSeeOther(request.resource_url(context) + (f"?{query}" if query else ""))


def _count(request, ids, allowed) -> int:
    """How many of the organizations `ids` the user may edit."""
    if not ids:
        return 0
    return request.dbsession.scalar(sa.select(sa.func.count()).select_from(Organization).where(
        Organization.id.in_(ids), allowed)) or 0
