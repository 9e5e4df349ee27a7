"""/sales: the Sales section's own page sends each person where their work is — the director's
dashboard for whoever reports on every sale, else the deal board, else the orders, else the
products, else the plans."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from portal.sales.resources import Sales
from portal.security.filters import best_scope


@view_config(context=Sales, permission="view", request_method="GET")
def sales_section(context, request):
    if best_scope(request, "report", "sales") == "all":
        return HTTPFound(request.resource_url(context["dashboard"]))
    for name, permission, view_name in (("deals", "view", "@@board"), ("orders", "view", ""),
                                        ("products", "view", ""), ("plans", "view", ""),
                                        ("dashboard", "sales", "")):
        child = context[name]
        if request.has_permission(permission, child):
            return HTTPFound(request.resource_url(child, view_name))
    return HTTPFound(request.resource_url(request.root))
