"""/tasks/report: execution discipline by person or department for any period, with a chart,
and CSV / XLSX export of the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.response import Response
from pyramid.view import view_config

from models.people import Department
from portal.core.i18n import _, format_date, local_today
from portal.core.parsing import parse_date, parse_int
from portal.security.filters import best_scope
from portal.tasks.report import Row, discipline, totals
from portal.tasks.resources import DisciplineReport

MAX_DAYS = 366 * 5
# The browser's date input.
ISO = ("%Y-%m-%d",)
CHART_ROWS = 20


def presets(today: dt.date) -> list[tuple[str, object, dt.date, dt.date]]:
    month_start = today.replace(day=1)
    last_month_end = month_start - dt.timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [
        ("month", _("This month"), month_start, today),
        ("last_month", _("Last month"), last_month_end.replace(day=1), last_month_end),
        ("30", _("Last 30 days"), today - dt.timedelta(days=29), today),
        ("quarter", _("This quarter"), quarter_start, today),
        ("year", _("This year"), today.replace(month=1, day=1), today),
    ]


def params(request) -> dict:
    """The report's settings from the query string, and the problems with them."""
    today = local_today(request)
    get = request.GET
    errors = {}
    preset = get.get("period", "")
    start, end = today.replace(day=1), today
    for key, _title, lo, hi in presets(today):
        if key == preset:
            start, end = lo, hi
    if get.get("from") or get.get("to"):
        start_in, end_in = parse_date(get.get("from", ""), ISO), parse_date(get.get("to", ""), ISO)
        if get.get("from") and start_in is None:
            errors["from"] = _("Enter a date such as ${example}.", mapping={"example": today.isoformat()})
        if get.get("to") and end_in is None:
            errors["to"] = _("Enter a date such as ${example}.", mapping={"example": today.isoformat()})
        start, end = start_in or start, end_in or end
        preset = ""
        if not errors and start > end:
            errors["to"] = _("The end of the period is before its start.")
        elif not errors and (end - start).days > MAX_DAYS:
            errors["to"] = _("Choose a period of at most five years.")
    elif not preset:
        preset = "month"
    group = "department" if get.get("by") == "department" else "person"
    dept = parse_int(get.get("dept", ""))
    return {
        "start": start,
        "end": end,
        "preset": preset,
        "group": group,
        "errors": errors,
        "dept": dept if dept is not None and dept < 10**9 else None,
    }


def compute(request, p: dict) -> tuple[list[Row], Row]:
    if p["errors"]:
        return [], Row(None, "")
    rows = discipline(request, p["start"], p["end"], p["group"], p["dept"])
    return rows, totals(rows)


def row_name(request, row: Row, group: str) -> str:
    if row.key is None:
        return request.translate(_("Not taken from a queue") if group == "person" else _("No department"))
    return row.name


@view_config(context=DisciplineReport, renderer="tasks/report.jinja2", permission="discipline")
def report(request):
    p = params(request)
    rows, total = compute(request, p)
    if p["errors"]:
        request.response.status_int = 400
    base = request.resource_url(request.context)
    query = {
        "from": p["start"].isoformat(),
        "to": p["end"].isoformat(),
        "by": p["group"],
        "dept": p["dept"] or "",
    }

    def url(**changes) -> str:
        merged = {k: v for k, v in {**query, **changes}.items() if v}
        return f"{base}?{urlencode(merged)}"

    chart_rows = rows[:CHART_ROWS]
    tr = request.translate
    chart = {
        "labels": [row_name(request, r, p["group"]) for r in chart_rows],
        "datasets": [
            {
                "label": tr(_("On time")),
                "data": [r.on_time for r in chart_rows],
                "backgroundColor": "#2e9d5b",
            },
            {"label": tr(_("Late")), "data": [r.late for r in chart_rows], "backgroundColor": "#f0a52a"},
            {
                "label": tr(_("Still overdue")),
                "data": [r.overdue for r in chart_rows],
                "backgroundColor": "#dc3545",
            },
            {
                "label": tr(_("Not due yet")),
                "data": [r.pending for r in chart_rows],
                "backgroundColor": "#c9d1e3",
            },
        ],
    }
    scope = best_scope(request, "report", "discipline")
    departments = []
    if scope in ("department", "all"):
        stmt = sa.select(Department).order_by(Department.name)
        if scope == "department":
            stmt = stmt.where(Department.id.in_(sorted(request.identity.dept_scope_ids) or [-1]))
        departments = request.dbsession.scalars(stmt).all()
    return {
        "title": _("Execution discipline"),
        "p": p,
        "rows": rows,
        "total": total,
        "scope": scope,
        "departments": departments,
        "presets": [(k, t, lo, hi) for k, t, lo, hi in presets(local_today(request))],
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "chart_rows": len(chart_rows),
        "url": url,
        "export_url": lambda fmt: request.resource_url(
            request.context, "export", query={**{k: v for k, v in query.items() if v}, "format": fmt}
        ),
        "row_name": lambda r: row_name(request, r, p["group"]),
        "period_text": f"{format_date(request, p['start'])} — {format_date(request, p['end'])}",
        "tasks_url": request.resource_url(request.root["tasks"]),
    }


def table(request, p: dict, rows: list[Row], total: Row) -> list[list]:
    tr = request.translate
    head = [
        tr(_("Person") if p["group"] == "person" else _("Department")),
        tr(_("On time")),
        tr(_("Late")),
        tr(_("Still overdue")),
        tr(_("Not due yet")),
        tr(_("Total")),
        tr(_("On time, %")),
    ]

    def share(r: Row):
        return round(100 * r.on_time_share, 1) if r.on_time_share is not None else ""

    body = [
        [row_name(request, r, p["group"]), r.on_time, r.late, r.overdue, r.pending, r.total, share(r)]
        for r in rows
    ]
    body.append(
        [tr(_("Total")), total.on_time, total.late, total.overdue, total.pending, total.total, share(total)]
    )
    return [head, *body]


@view_config(context=DisciplineReport, name="export", permission="discipline")
def export(request):
    p = params(request)
    if p["errors"]:
        return Response(
            status=400,
            text=" ".join(request.translate(e) for e in p["errors"].values()),
            content_type="text/plain",
        )
    rows, total = compute(request, p)
    data = table(request, p, rows, total)
    name = f"discipline-{p['start'].isoformat()}-{p['end'].isoformat()}"
    if request.GET.get("format") == "xlsx":
        # Loaded when a spreadsheet is asked for (start-up cost: openpyxl is large).
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.active
        sheet.title = request.translate(_("Discipline"))[:31]
        sheet.append(
            [
                request.translate(_("Execution discipline")),
                f"{p['start'].isoformat()} — {p['end'].isoformat()}",
            ]
        )
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        for i, line in enumerate(data):
            sheet.append(line)
            if i == 0 or i == len(data) - 1:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
                    if i == 0:
                        cell.fill = PatternFill("solid", fgColor="E4E9FF")
        sheet.column_dimensions["A"].width = 40
        for col in range(2, 8):
            sheet.column_dimensions[get_column_letter(col)].width = 15
        sheet.freeze_panes = "B4"
        out = io.BytesIO()
        book.save(out)
        return Response(
            body=out.getvalue(),
            content_disposition=f'attachment; filename="{name}.xlsx"',
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerows(data)
    # A byte-order mark so that spreadsheet programs read Cyrillic correctly.
    return Response(
        body=("\ufeff" + text.getvalue()).encode("utf-8"),
        content_disposition=f'attachment; filename="{name}.csv"',
        content_type="text/csv",
        charset="utf-8",
    )
