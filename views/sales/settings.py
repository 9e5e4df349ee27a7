"""/sales/settings: where an administrator sets up sales — pipelines and their stages, the
reasons deals and clients are lost, commission rules, document templates."""
from __future__ import annotations

from pyramid.view import view_config

from portal.core.i18n import _
from portal.sales.resources import SalesSettings


def settings_links(request, context) -> list[dict]:
    """The settings pages in the order an administrator sets sales up."""
    classifiers = request.resource_path(request.root["admin"], "@@classifiers")
    return [
        {"url": request.resource_path(context, "@@pipelines"), "icon": "kanban",
         "title": _("Pipelines and stages"),
         "text": _("A pipeline for each sales channel, its stages and their probabilities.")},
        {"url": classifiers + "?list=deal_lost_reason", "icon": "x-octagon",
         "title": _("Reasons deals are lost"),
         "text": _("The list a manager chooses from when a deal is lost.")},
        {"url": classifiers + "?list=client_lost_reason", "icon": "person-x",
         "title": _("Reasons clients leave"),
         "text": _("The list used when a client is marked lost; the churn report groups by it.")},
        {"url": request.resource_path(context, "@@commission"), "icon": "percent",
         "title": _("Commission rules"),
         "text": _("The managers' percentage of paid revenue for each product group.")},
        {"url": request.resource_path(context, "@@templates"), "icon": "file-earmark-word",
         "title": _("Document templates"),
         "text": _("Proposals, invoices, contracts and shipment instructions in Word, with "
                   "their versions.")},
    ]


@view_config(context=SalesSettings, renderer="sales/settings.jinja2", permission="manage")
def settings_page(context, request):
    return {"title": _("Sales settings"), "links": settings_links(request, context)}
