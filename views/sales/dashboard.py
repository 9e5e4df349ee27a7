"""/sales/dashboard: the director's dashboard — KPIs with traffic lights, each opening its report
(portal/sales/dashboard.py computes them over what the viewer may report on)."""
from __future__ import annotations

from decimal import Decimal

from pyramid.view import view_config

from portal.core.i18n import _
from portal.sales.dashboard import GREEN, RED, YELLOW, dashboard
from portal.sales.documents import money
from portal.sales.resources import Dashboard

LIGHTS = {GREEN: ("text-bg-success", _("Good")), YELLOW: ("text-bg-warning", _("Needs attention")),
          RED: ("text-bg-danger", _("Act now"))}


def shown(kpi) -> str:
    """The figure as people read it: 1 234 567,50, 87,5 %, 12 (— without data)."""
    value = kpi.value
    if value is None:
        return "—"
    if kpi.kind == "money":
        return money(value)
    if kpi.kind == "percent":
        text = f"{Decimal(value):.1f}".replace(".", ",")
        return f"{text[:-2] if text.endswith(',0') else text} %"
    return str(value)


DETAILS = {
    "plan_month": _("Shipped ${fact} of ${plan}"),
    "plan_year": _("Shipped ${fact} of ${plan}"),
    "win_rate": _("Won ${won}, lost ${lost}"),
    "overdue": _("Orders: ${count}"),
    "sla": _("Tickets resolved: ${resolved}"),
    "tickets": _("Past a target: ${breached}"),
}


def detail_of(request, kpi) -> str:
    """The line under a figure, in the reader's language."""
    message = DETAILS.get(kpi.key)
    if message is None:
        return request.translate(kpi.detail) if kpi.detail else ""
    mapping = {key: money(value) if isinstance(value, Decimal) else value
               for key, value in kpi.extra.items()}
    return request.localizer.translate(message, mapping=mapping)


@view_config(context=Dashboard, renderer="sales/dashboard/index.jinja2", permission="sales")
def dashboard_page(context, request):
    kpis = dashboard(request)
    return {"kpis": kpis, "shown": shown, "lights": LIGHTS,
            "detail": lambda kpi: detail_of(request, kpi),
            "title": request.translate(_("Director's dashboard"))}
