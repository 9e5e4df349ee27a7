"""A client lost and won back (issue 15, point 8), from the client card:

    /clients/17/@@lost      GET: the form (day, reason from the "client_lost_reason" list,
                            note); POST: mark the client lost (organization.edit)
    /clients/17/@@win-back  POST: the client buys again (organization.edit)

The rules are portal/sales/churn.py's; the churn report is /sales/reports/@@churn."""
from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from models.clients import Organization
from models.errors import UserError
from portal.core.forms import DateText, Reference
from portal.core.i18n import _, local_today
from portal.sales import churn as service
from views.clients.organizations import Action, card_action
from views.forms import FormProblems, read_form


class LostForm(colander.Schema):
    lost_on = colander.SchemaNode(DateText(), missing=None)
    reason = colander.SchemaNode(Reference(), missing=None)
    note = colander.SchemaNode(colander.String(allow_empty=True), missing="")


def _page(context, request, values=None, errors=None):
    return {"org": context, "reasons": service.lost_reasons(request.dbsession,
                                                            keep=context.lost_reason_id),
            "values": values or {"lost_on": local_today(request).isoformat()},
            "errors": errors or {},
            "title": request.translate(_("Client lost: ${name}", mapping={"name": context.name}))}


@view_config(context=Organization, name="lost", renderer="sales/churn/lost.jinja2",
             permission="edit", request_method="GET")
def lost_form(context, request):
    return _page(context, request)


@view_config(context=Organization, name="lost", renderer="sales/churn/lost.jinja2",
             permission="edit", request_method="POST")
def mark_lost(context, request):
    translate = request.translate
    try:
        form = read_form(LostForm(), request.POST)
        service.mark_lost(request.dbsession, request.identity.user, context,
                          lost_on=form["lost_on"], today=local_today(request),
                          reason_id=form["reason"], note=form["note"])
    except FormProblems as problems:
        request.response.status = 400
        return _page(context, request, dict(request.POST),
                     {k: translate(v) for k, v in problems.errors.items()})
    except UserError as error:
        request.response.status = 400
        return _page(context, request, dict(request.POST),
                     {error.field or "lost_on": translate(error.message)})
    request.session.flash(translate(_("The client is marked lost.")))
    return HTTPFound(request.resource_url(context))


@view_config(context=Organization, name="win-back", permission="edit", request_method="POST")
def win_back(context, request):
    translate = request.translate
    try:
        service.win_back(request.dbsession, request.identity.user, context)
    except UserError as error:
        request.session.flash(translate(error.message), "error")
    else:
        request.session.flash(translate(_("Welcome back: the client is no longer marked lost.")))
    return HTTPFound(request.resource_url(context))


# --- the client card's "Client lost" ------------------------------------------------------------

@card_action
def client_card_lost(request, org: Organization) -> list[Action]:
    """For those who may edit the client: "Client lost…", or, once lost, a warning button that
    opens the page with "Won back"."""
    if not request.has_permission("edit", org):
        return []
    if org.lost_on is not None:
        return [Action(_("Lost client"), request.resource_url(org, "@@lost"),
                       icon="person-dash", css="btn-warning", id="client-lost")]
    return [Action(_("Client lost…"), request.resource_url(org, "@@lost"), icon="person-dash",
                   id="client-lost")]
