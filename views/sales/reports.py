"""The sales reports' pages (issue 15, point 5).

    /sales/reports            the registered reports the person may open
    /sales/reports/@@<name>   any registered report (portal/sales/reports/): its filters, its
                              chart (Chart.js: the data in a `data-chart` attribute, read by
                              static/js/charts.js as JSON), its tables;
                              ?format=csv|xlsx exports the same tables with the same filters

One page serves every report: a view per registered name is added when the configuration is
committed (after the areas' includemes filled SALES_REPORTS), with the report's permission.
"""
from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlencode

import venusian
from babel import numbers as babel_numbers
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response
from pyramid.view import view_config

from models.errors import UserError
from portal.clients.export import content_type, write_csv, write_xlsx
from portal.core.i18n import _, babel_locale, format_date
from portal.sales.reports.base import (
    SALES_REPORTS,
    Column,
    Filters,
    ReportResult,
    SalesReport,
    default_period,
    export_value,
    filter_choices,
    month_label,
    organization_names,
    read_filters,
)
from portal.sales.resources import SalesReports
from portal.security.filters import best_scope

FORMATS = ("csv", "xlsx")
# Chart colours, one per dataset (cycled).
PALETTE = ["#3d5afe", "#2e9d5b", "#f0a52a", "#e4572e", "#7b61ff", "#17a2b8", "#d63384",
           "#6f8f3a", "#fd7e14", "#5c6bc0", "#20c997", "#adb5bd"]
NUMERIC = ("money", "qty", "int", "percent")
FILTER_LABELS = {"manager": _("Manager"), "group": _("Product group"),
                 "department": _("Department"), "pipeline": _("Pipeline"),
                 "channel": _("Channel"), "organization": _("Organization")}
ALL_LABELS = {"manager": _("All managers"), "group": _("All product groups"),
              "department": _("All departments"), "pipeline": _("All pipelines"),
              "channel": _("All channels")}


# --- the index ----------------------------------------------------------------------------------

def reports_open_to(request, context) -> list[SalesReport]:
    return [info for info in SALES_REPORTS.values()
            if request.has_permission(info.permission, context)]


@view_config(context=SalesReports, renderer="sales/reports/index.jinja2", permission="sales")
def reports_index(context, request):
    return {"title": _("Sales reports"), "reports": reports_open_to(request, context),
            "report_url": lambda info: request.resource_url(context, "@@" + info.name)}


# --- a report -----------------------------------------------------------------------------------

def cell_text(request, column: Column, value) -> str:
    """A value as the page shows it, in the person's language."""
    if value is None or value == "":
        return ""
    locale = babel_locale(request.locale_name)
    kind = column.kind
    if kind == "money":
        return babel_numbers.format_decimal(value, "#,##0.00", locale=locale)
    if kind == "qty":
        return babel_numbers.format_decimal(value, "#,##0.###", locale=locale)
    if kind == "int":
        return babel_numbers.format_decimal(value, "#,##0", locale=locale)
    if kind == "percent":
        return babel_numbers.format_decimal(value, "#,##0.00", locale=locale) + "\u00a0%"
    if kind == "date":
        return format_date(request, value)
    if kind == "month" and isinstance(value, int):
        return month_label(request, value)
    return request.translate(value) if hasattr(value, "domain") else str(value)


def _title(request, value) -> str:
    if value is None:
        return ""
    return request.translate(value) if hasattr(value, "domain") else str(value)


def shown_tables(request, result: ReportResult) -> list[dict]:
    """The tables with every cell formatted: {"title", "columns", "rows", "totals"}."""
    out = []
    for table in result.tables:
        def line(row, table=table):
            return [{"text": cell_text(request, c, row.get(c.key)),
                     "num": c.kind in NUMERIC,
                     "negative": isinstance(row.get(c.key), int | float | Decimal)
                     and row.get(c.key) < 0} for c in table.columns]
        out.append({"title": _title(request, table.title),
                    "columns": [{"title": _title(request, c.title), "num": c.kind in NUMERIC,
                                 "key": c.key} for c in table.columns],
                    "rows": [line(r) for r in table.rows],
                    "totals": line(table.totals) if table.totals is not None else None})
    return out


def chart_json(request, chart: dict | None) -> str | None:
    """The chart for the page's data-chart attribute; each dataset gets a colour."""
    if not chart or not chart.get("labels"):
        return None
    datasets = []
    doughnut = chart.get("type") == "doughnut"
    for i, data in enumerate(chart.get("datasets", [])):
        data = dict(data)
        data["label"] = _title(request, data.get("label"))
        data["data"] = [float(v) if isinstance(v, Decimal) else (v or 0) for v in data["data"]]
        if doughnut:
            data.setdefault("backgroundColor", [PALETTE[j % len(PALETTE)]
                                                for j in range(len(data["data"]))])
        else:
            data.setdefault("backgroundColor", PALETTE[i % len(PALETTE)])
            data.setdefault("borderColor", PALETTE[i % len(PALETTE)])
        datasets.append(data)
    out = {key: value for key, value in chart.items() if key not in ("labels", "datasets")}
    out["type"] = chart.get("type", "bar")
    out["labels"] = [_title(request, label) for label in chart["labels"]]
    out["datasets"] = datasets
    return json.dumps(out, ensure_ascii=False)


def export_response(request, info: SalesReport, filters: Filters, result: ReportResult,
                    fmt: str) -> Response:
    """The report's tables in one CSV or XLSX sheet: each table under its title, its totals
    last; the period on top of the XLSX sheet."""
    title = _title(request, info.title)
    period = f"{filters.period_start.isoformat()} — {filters.period_end.isoformat()}"
    headers: list = []
    body: list[list] = []
    for n, table in enumerate(result.tables):
        header = [_title(request, c.title) for c in table.columns]
        if n == 0:
            headers = header
            if table.title is not None and len(result.tables) > 1:
                body.append([_title(request, table.title)])
        else:
            body += [[], [_title(request, table.title)] if table.title is not None else [],
                     header]
        for row in table.rows:
            body.append([export_value(c, row.get(c.key)) for c in table.columns])
        if table.totals is not None:
            body.append([_title(request, v) if i == 0 and hasattr(v, "domain") else
                         export_value(c, v)
                         for i, (c, v) in enumerate((c, table.totals.get(c.key))
                                                    for c in table.columns)])
    filename = f"{info.name}-{filters.period_start.isoformat()}-{filters.period_end.isoformat()}"
    if fmt == "xlsx":
        data = write_xlsx(title, headers, body, [32] + [14] * max(len(headers) - 1, 0),
                          preamble=[[title, period], []])
    else:
        data = write_csv(headers, body)
    return Response(body=data, content_type=content_type(fmt),
                    charset="utf-8" if fmt == "csv" else None,
                    content_disposition=f'attachment; filename="{filename}.{fmt}"')


def scope_note(request, info: SalesReport):
    scope = best_scope(request, "report", info.permission)
    if scope == "own":
        return _("You see your own sales only.")
    if scope == "department":
        return _("You see the sales of your departments.")
    return None


def report_page(context, request):
    """Any registered report: /sales/reports/@@<name>[?format=csv|xlsx]."""
    info = SALES_REPORTS[request.view_name]
    fmt = request.GET.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise HTTPBadRequest(request.translate(_("Unknown file format.")))
    errors: dict = {}
    filters = None
    result = None
    try:
        filters = read_filters(request, info)
        result = info.build(request, filters)
    except UserError as error:
        errors[error.field or "form"] = error.message
    if fmt is not None:
        if errors:
            return Response(status=400, content_type="text/plain", charset="utf-8",
                            text=" ".join(request.translate(e) if hasattr(e, "domain") else str(e)
                                          for e in errors.values()))
        return export_response(request, info, filters, result, fmt)
    if errors:
        request.response.status_int = 400
    shown = filters or Filters(*default_period(request, info.default_period))
    query = shown.query() if not errors else {
        k: v for k, v in request.GET.items() if k != "format" and isinstance(v, str)}
    base = request.resource_url(context, "@@" + info.name)

    def url(**changes) -> str:
        merged = {k: v for k, v in {**query, **changes}.items() if v not in (None, "")}
        return f"{base}?{urlencode(merged)}"

    chart = chart_json(request, result.chart) if result is not None else None
    organization = None
    if "organization" in info.filters and shown.organization_id is not None:
        organization = organization_names(request, [shown.organization_id]).get(
            shown.organization_id)
    return {
        "title": info.title,
        "info": info,
        "filters": shown,
        "errors": errors,
        "raw": {k: request.GET.get(k, "") for k in ("from", "to", *FILTER_LABELS)},
        "choices": filter_choices(request, info),
        "filter_labels": FILTER_LABELS,
        "all_labels": ALL_LABELS,
        "organization": organization,
        "tables": shown_tables(request, result) if result is not None else [],
        "notes": result.notes if result is not None else [],
        "chart_json": chart,
        "export_url": lambda f: url(format=f),
        "reports_url": request.resource_url(context),
        "form_url": base,
        "scope_note": scope_note(request, info),
        "period_text": f"{format_date(request, shown.period_start)} — "
                       f"{format_date(request, shown.period_end)}",
    }


def add_report_views(config) -> None:
    """A view /sales/reports/@@<name> for every registered report (run at commit, after the
    areas' registrations: actions may add actions of the same or a later order)."""
    for info in SALES_REPORTS.values():
        config.add_view(report_page, context=SalesReports, name=info.name,
                        permission=info.permission, renderer="sales/reports/report.jinja2")


def _when_scanned(scanner, _name, _ob) -> None:
    config = scanner.config
    config.action(("sales.report_views",), lambda: add_report_views(config), order=0)


venusian.attach(add_report_views, _when_scanned, category="pyramid", depth=0)
