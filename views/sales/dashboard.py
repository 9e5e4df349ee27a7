"""/sales/dashboard: the director's dashboard — KPIs with traffic lights, each opening its report
(portal/sales/dashboard.py computes them over what the viewer may report on)."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent
from pyramid.view import view_config

from portal.core.i18n import _, babel_locale
from portal.sales.dashboard import GREEN, RED, YELLOW, dashboard
from portal.sales.resources import Dashboard

LIGHTS = {GREEN: ("text-bg-success", _("Good")), YELLOW: ("text-bg-warning", _("Needs attention")),
          RED: ("text-bg-danger", _("Act now"))}


def money_text(request, value) -> str:
    """A sum as the reader writes it: 1 234 567,50 in Russian, 1,234,567.50 in English."""
    return format_decimal(value, format="#,##0.00", locale=babel_locale(request.locale_name))


def shown(request, kpi) -> str:
    """The figure as the reader reads it: 1 234 567,50 and 87,5 % in Russian, 1,234,567.50 and
    87.5% in English; 12; — without data."""
    value = kpi.value
    if value is None:
        return "—"
    if kpi.kind == "money":
        return money_text(request, value)
    if kpi.kind == "percent":
        locale = babel_locale(request.locale_name)
        pattern = locale.percent_formats[None].pattern.replace("0", "0.#", 1)
        return format_percent(Decimal(value) / 100, format=pattern, locale=locale)
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
    mapping = {key: money_text(request, value) if isinstance(value, Decimal) else value
               for key, value in kpi.extra.items()}
    return request.localizer.translate(message, mapping=mapping)


@view_config(context=Dashboard, renderer="sales/dashboard/index.jinja2", permission="sales")
def dashboard_page(context, request):
    kpis = dashboard(request)
    return {"kpis": kpis, "shown": lambda kpi: shown(request, kpi), "lights": LIGHTS,
            "detail": lambda kpi: detail_of(request, kpi),
            "title": request.translate(_("Director's dashboard"))}
