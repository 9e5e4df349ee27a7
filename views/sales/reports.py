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
from functools import lru_cache
from math import ceil
from urllib.parse import urlencode

import venusian
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response
from pyramid.view import view_config

from models.errors import UserError
from portal.clients.export import content_type, write_csv, write_xlsx
from portal.core.i18n import _, babel_locale, format_date, translate_deep
from portal.core.parsing import parse_int
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
# Rows of one table on the page; a longer one is paged there (?page<n>=k), whole in the export.
PAGE_ROWS = 100
# A table after the first one longer than this (a report's detail under its summaries) is
# shown collapsed, with its row count, unless one of its pages was asked for.
COLLAPSE_ROWS = 30
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
    return {"title": _("Sales reports"),
            "reports": [{"name": info.name, "icon": info.icon, "title": text(request, info.title),
                         "description": text(request, info.description),
                         "url": request.resource_url(context, "@@" + info.name)}
                        for info in reports_open_to(request, context)]}


# --- a report -----------------------------------------------------------------------------------

class NumberFormat:
    """Numbers in one language, as Babel's patterns "#,##0.00", "#,##0.###" and "#,##0" give
    them, without Babel per number: Babel's symbols are read once per language, then each
    number is Python's format() with its separators swapped by a translate table (Babel took
    ~125 µs a cell: 4 s for plan vs fact's 2,880 rows). A figure rounded to zero has no sign."""

    def __init__(self, locale_name: str):
        locale = babel_locale(locale_name)
        symbols = locale.number_symbols[locale.default_numbering_system]
        self.table = str.maketrans({",": symbols["group"], ".": symbols["decimal"],
                                    "-": symbols["minusSign"]})
        self.percent_sign = "\u00a0" + symbols["percentSign"]

    @staticmethod
    def _number(value):
        # A float as its shortest repr (Babel's way: 2.675 -> 2.68, not 2.67).
        return Decimal(repr(value)) if isinstance(value, float) else value

    def _format(self, value, spec: str) -> str:
        text = format(self._number(value), spec)
        if text.startswith("-") and not text.strip("-0.,"):
            text = text[1:]  # -0.00
        return text.translate(self.table)

    def money(self, value) -> str:
        return self._format(value, ",.2f")

    def qty(self, value) -> str:
        text = format(self._number(value), ",.3f").rstrip("0").rstrip(".")
        if text.startswith("-") and not text.strip("-0.,"):
            text = text[1:]
        return text.translate(self.table)

    def int(self, value) -> str:
        return self._format(value, ",.0f")

    def percent(self, value) -> str:
        return self._format(value, ",.2f") + self.percent_sign


@lru_cache(maxsize=8)
def number_format(locale_name: str) -> NumberFormat:
    return NumberFormat(locale_name)


def cell_text(request, column: Column, value, numbers: NumberFormat | None = None) -> str:
    """A value as the page shows it, in the person's language."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind in NUMERIC:
        numbers = numbers or number_format(request.locale_name)
        return getattr(numbers, kind)(value)
    if kind == "date":
        return format_date(request, value)
    if kind == "month" and isinstance(value, int):
        return month_label(request, value)
    return text(request, value)


def text(request, value) -> str:
    """A title, label or note in the person's language: a translation string translated, any
    other value as it is; nothing (None, "", an empty msgid) is "" -- never the catalog's
    header, which is what gettext answers for an empty message."""
    if value is None or value == "" or str(value) == "":
        return ""
    if hasattr(value, "domain"):
        return translate_deep(request.localizer, value)
    return str(value)



def page_of(request, n: int, rows: int) -> tuple[int, int]:
    """(page, pages) of the n-th table (1-based) of the page: ?page<n>=k, PAGE_ROWS rows each."""
    pages = max(1, ceil(rows / PAGE_ROWS))
    page = parse_int(request.GET.get(f"page{n}") or "1", 10**6) or 1
    return min(max(page, 1), pages), pages


def shown_tables(request, result: ReportResult, url=None) -> list[dict]:
    """The tables with the cells of the page formatted: {"title", "columns", "rows", "totals",
    and the pager}. A table longer than PAGE_ROWS rows is shown a page at a time (the export
    holds every row); only the rows shown are formatted. A long table after the first is
    "collapsed" (COLLAPSE_ROWS)."""
    numbers = number_format(request.locale_name)
    out = []
    for n, table in enumerate(result.tables, 1):
        kinds = [(c.key, c.kind in NUMERIC, c) for c in table.columns]

        def line(row, kinds=kinds):
            cells = []
            for key, num, column in kinds:
                value = row.get(key)
                cells.append({"text": cell_text(request, column, value, numbers), "num": num,
                              "negative": isinstance(value, int | float | Decimal)
                              and value < 0})
            return cells

        page, pages = page_of(request, n, len(table.rows))
        first = (page - 1) * PAGE_ROWS
        rows = table.rows[first:first + PAGE_ROWS]
        param = f"page{n}"
        out.append({"title": text(request, table.title),
                    "columns": [{"title": text(request, c.title), "num": c.kind in NUMERIC,
                                 "key": c.key} for c in table.columns],
                    "rows": [line(r) for r in rows],
                    "totals": line(table.totals) if table.totals is not None else None,
                    "page": page, "pages": pages, "param": param,
                    "collapsed": n > 1 and len(table.rows) > COLLAPSE_ROWS
                    and param not in request.GET,
                    "first": numbers.int(first + 1), "last": numbers.int(first + len(rows)),
                    "count": numbers.int(len(table.rows)),
                    "page_url": (lambda p, param=param: url(**{param: p})) if url else None})
    return out


def chart_json(request, chart: dict | None) -> str | None:
    """The chart for the page's data-chart attribute; each dataset gets a colour."""
    if not chart or not chart.get("labels"):
        return None
    datasets = []
    doughnut = chart.get("type") == "doughnut"
    for i, data in enumerate(chart.get("datasets", [])):
        data = dict(data)
        data["label"] = text(request, data.get("label"))
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
    out["labels"] = [text(request, label) for label in chart["labels"]]
    out["datasets"] = datasets
    return json.dumps(out, ensure_ascii=False)


def export_response(request, info: SalesReport, filters: Filters, result: ReportResult,
                    fmt: str) -> Response:
    """The report's tables in one CSV or XLSX sheet: each table under its title, its totals
    last; the period on top of the XLSX sheet."""
    title = text(request, info.title)
    period = f"{filters.period_start.isoformat()} — {filters.period_end.isoformat()}"
    headers: list = []
    body: list[list] = []
    for n, table in enumerate(result.tables):
        header = [text(request, c.title) for c in table.columns]
        if n == 0:
            headers = header
            if table.title is not None and len(result.tables) > 1:
                body.append([text(request, table.title)])
        else:
            body += [[], [text(request, table.title)] if table.title is not None else [],
                     header]
        for row in table.rows:
            body.append([export_value(c, row.get(c.key)) for c in table.columns])
        if table.totals is not None:
            body.append([text(request, v) if i == 0 and hasattr(v, "domain") else
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
                            text=" ".join(text(request, e) for e in errors.values()))
        return export_response(request, info, filters, result, fmt)
    if errors:
        request.response.status_int = 400
    shown = filters or Filters(*default_period(request, info.default_period))
    query = shown.query() if not errors else {
        k: v for k, v in request.GET.items() if k != "format" and isinstance(v, str)}
    pages = {k: v for k, v in request.GET.items()
             if k.startswith("page") and k[4:].isdigit() and isinstance(v, str)}
    base = request.resource_url(context, "@@" + info.name)

    def url(**changes) -> str:
        """The page with other filters or another page of a table (the pages of the other
        tables kept); with a format, the export of the filters."""
        kept = {} if "format" in changes else pages
        merged = {k: v for k, v in {**query, **kept, **changes}.items() if v not in (None, "")}
        return f"{base}?{urlencode(merged)}"

    chart = chart_json(request, result.chart) if result is not None else None
    organization = None
    if "organization" in info.filters and shown.organization_id is not None:
        organization = organization_names(request, [shown.organization_id]).get(
            shown.organization_id)
    return {
        "title": info.title,
        "info": info,
        "report_title": text(request, info.title),
        "description": text(request, info.description),
        "tr": lambda value: text(request, value),
        "filters": shown,
        "errors": errors,
        "raw": {k: request.GET.get(k, "") for k in ("from", "to", *FILTER_LABELS)},
        "choices": filter_choices(request, info),
        "filter_labels": FILTER_LABELS,
        "all_labels": ALL_LABELS,
        "organization": organization,
        "tables": shown_tables(request, result, url) if result is not None else [],
        "notes": [text(request, n) for n in result.notes if text(request, n)]
        if result is not None else [],
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
