"""The list of contact persons: search, filters, sorting, pages, segments (issue 3).

/clients/contacts        every contact the user may see (private persons included)
"""
from __future__ import annotations

import math

from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from models.clients import DECISION_LEVELS, Contact
from portal.clients.lists import ContactFilter, contact_query, count_of
from portal.clients.resources import ContactsSection
from portal.clients.rules import DECISION_LABELS
from portal.core.i18n import _
from portal.resources import locate
from views.clients.export import export_url
from views.clients.organizations import PAGE_SIZE, Action, my_segments, page_number


@view_config(context=ContactsSection, renderer="clients/contacts.jinja2", permission="view")
def contact_list(context, request):
    flt = ContactFilter.from_params(request.GET)
    stmt = contact_query(request, flt)
    total = count_of(request.dbsession, stmt)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page_number(request), pages)
    contacts = list(request.dbsession.scalars(
        stmt.options(selectinload(Contact.organization), selectinload(Contact.phones),
                     selectinload(Contact.emails))
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    for contact in contacts:
        locate(request, contact)
    base = request.resource_url(context)
    return {
        "title": _("Contact persons"),
        "flt": flt,
        "contacts": contacts,
        "total": total,
        "page": page,
        "pages": pages,
        "url_for_page": lambda p: base + "?" + flt.query_string(page=p),
        "decision_levels": [(k, DECISION_LABELS[k]) for k in DECISION_LEVELS],
        "decision_labels": DECISION_LABELS,
        "segments": my_segments(request, "contacts"),
        "segment_url": lambda s: base + ("?" + s.query if s.query else ""),
        "current_query": flt.query_string(),
        "may_add": request.has_permission("add", context),
        "exports": contact_exports(request),
        "sorts": [("", _("By relevance") if flt.q else _("Name A–Z")), ("-name", _("Name Z–A")),
                  ("-created", _("Newest first"))] + ([("name", _("Name A–Z"))] if flt.q else []),
    }


def contact_exports(request) -> list[Action]:
    """"Excel" and "CSV" of the filtered list, for those who may export clients."""
    if not request.has_permission("export", request.root["clients"]):
        return []
    return [Action(_("Excel"), export_url(request, "contacts", "xlsx"), "file-earmark-excel",
                   "btn-outline-success", "export-xlsx"),
            Action(_("CSV"), export_url(request, "contacts", "csv"), "filetype-csv",
                   "btn-outline-secondary", "export-csv")]
