"""Export of the client lists: /clients/export?list=organizations|contacts|interactions&format=csv|xlsx
plus the list's own filters (the same query string as the list page).

Needs organization.export; the rows are narrowed to its scope (portal/clients/export.py).
"""
from __future__ import annotations

from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response
from pyramid.view import view_config

from portal.clients.export import FORMATS, LISTS, content_type, export
from portal.clients.resources import Clients
from portal.core.i18n import _
from views.clients.organizations import Action, list_action

# Parameters that belong to the list page, not to its filter.
NOT_FILTERS = ("page", "list", "format")


def export_url(request, list_name: str, fmt: str, params=None) -> str:
    """The export of `list_name` with the filters in `params` (default: the current query)."""
    params = request.GET if params is None else params
    query = [(k, v) for k, v in params.items() if k not in NOT_FILTERS and v != ""]
    query += [("list", list_name), ("format", fmt)]
    return request.resource_url(request.root["clients"], "export") + "?" + urlencode(query)


@view_config(context=Clients, name="export", permission="export")
def export_list(context, request):
    list_name = request.GET.get("list", "organizations")
    fmt = request.GET.get("format", "xlsx")
    if list_name not in LISTS or fmt not in FORMATS:
        raise HTTPBadRequest(request.translate(_("Unknown list or file format.")))
    body, filename = export(request, list_name, fmt, request.GET)
    return Response(body=body, content_type=content_type(fmt),
                    charset="utf-8" if fmt == "csv" else None,
                    content_disposition=f'attachment; filename="{filename}"')


@list_action
def export_actions(request, clients) -> list[Action]:
    """"Export" buttons on the organization list: the filtered list as Excel or CSV."""
    if not request.has_permission("export", clients):
        return []
    return [Action(_("Excel"), export_url(request, "organizations", "xlsx"),
                   "file-earmark-excel", "btn-outline-success", "export-xlsx"),
            Action(_("CSV"), export_url(request, "organizations", "csv"),
                   "filetype-csv", "btn-outline-secondary", "export-csv")]
