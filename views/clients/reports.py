"""The /reports section: its index and the two client reports, each with a chart, a table and
CSV / XLSX export (`?format=csv|xlsx` with the same settings). See portal/clients/reports.py."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response
from pyramid.view import view_config

from models.clients import INTERACTION_KINDS, ORGANIZATION_KINDS
from models.people import Membership, User
from portal.clients.export import content_type, write_csv, write_xlsx
from portal.clients.reports import (
    GROUPS,
    ORGANIZATION_ROWS,
    REPORTS,
    Reports,
    activity,
    advertising,
    department_choices,
)
from portal.clients.rules import INTERACTION_KIND_ICONS, INTERACTION_KIND_LABELS, KIND_LABELS
from portal.core.i18n import _, format_date, local_today
from portal.core.parsing import parse_int
from portal.security.filters import best_scope

MAX_DAYS = 366 * 5
CHART_ROWS = 15
# Chart colours, one per advertising source (cycled) and per state of an interaction.
PALETTE = ["#3d5afe", "#2e9d5b", "#f0a52a", "#e4572e", "#7b61ff", "#17a2b8", "#d63384",
           "#6f8f3a", "#fd7e14", "#5c6bc0", "#20c997", "#adb5bd"]
DONE, OPEN, OVERDUE = "#2e9d5b", "#9fb3ff", "#dc3545"


# --- the period and filters in the query string -------------------------------------------------

def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value) -> int | None:
    value = (value or "").strip()
    return parse_int(value)


def presets(today: dt.date) -> list[tuple[str, object, dt.date, dt.date]]:
    month_start = today.replace(day=1)
    last_month_end = month_start - dt.timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return [
        ("month", _("This month"), month_start, today),
        ("last_month", _("Last month"), last_month_end.replace(day=1), last_month_end),
        ("quarter", _("This quarter"), quarter_start, today),
        ("year", _("This year"), today.replace(month=1, day=1), today),
        ("12m", _("Last 12 months"), (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1),
         today),
    ]


def period(request, default: str = "year") -> dict:
    """from/to (or a preset) from the query string, and the problems with them."""
    today = local_today(request)
    get = request.GET
    errors = {}
    options = {key: (lo, hi) for key, _t, lo, hi in presets(today)}
    preset = get.get("period", "")
    if get.get("from") or get.get("to"):
        start, end = _date(get.get("from", "")), _date(get.get("to", ""))
        example = today.isoformat()
        if get.get("from") and start is None:
            errors["from"] = _("Enter a date such as ${example}.", mapping={"example": example})
        if get.get("to") and end is None:
            errors["to"] = _("Enter a date such as ${example}.", mapping={"example": example})
        start = start or options[default][0]
        end = end or today
        preset = next((k for k, (lo, hi) in options.items() if (lo, hi) == (start, end)), "")
        if not errors and start > end:
            errors["to"] = _("The end of the period is before its start.")
        elif not errors and (end - start).days > MAX_DAYS:
            errors["to"] = _("Choose a period of at most five years.")
    else:
        preset = preset if preset in options else default
        start, end = options[preset]
    return {"start": start, "end": end, "preset": preset, "errors": errors}


def _scope_note(scope: str | None, what: str):
    if scope == "own":
        return (_("You see the clients you are responsible for.") if what == "clients"
                else _("You see the interactions you are responsible for or wrote."))
    if scope == "department":
        return (_("You see the clients of your departments.") if what == "clients"
                else _("You see the interactions of your departments."))
    return None


def _base(request, p: dict, info, query: dict) -> dict:
    base = request.resource_url(request.context, info.name)

    def url(**changes) -> str:
        merged = {k: v for k, v in {**query, **changes}.items() if v not in (None, "")}
        return f"{base}?{urlencode(merged)}"

    return {
        "info": info,
        "p": p,
        "presets": presets(local_today(request)),
        "url": url,
        "export_url": lambda fmt: url(format=fmt),
        "period_text": f"{format_date(request, p['start'])} — {format_date(request, p['end'])}",
        "reports_url": request.resource_url(request.context),
        "query": query,
    }


def _export(request, name: str, p: dict, title: str, headers: list, rows: list) -> Response:
    fmt = request.GET.get("format")
    if fmt not in ("csv", "xlsx"):
        raise HTTPBadRequest(request.translate(_("Unknown file format.")))
    if p["errors"]:
        return Response(status=400, content_type="text/plain", charset="utf-8",
                        text=" ".join(request.translate(e) for e in p["errors"].values()))
    period_text = f"{p['start'].isoformat()} — {p['end'].isoformat()}"
    filename = f"{name}-{p['start'].isoformat()}-{p['end'].isoformat()}.{fmt}"
    if fmt == "xlsx":
        body = write_xlsx(title, headers, rows, [40] + [14] * (len(headers) - 1),
                          preamble=[[title, period_text], []])
    else:
        body = write_csv(headers, rows)
    return Response(body=body, content_type=content_type(fmt),
                    charset="utf-8" if fmt == "csv" else None,
                    content_disposition=f'attachment; filename="{filename}"')


def _pct(value: float | None) -> str | float:
    return round(value, 1) if value is not None else ""


# --- the index ----------------------------------------------------------------------------------

@view_config(context=Reports, renderer="clients_reports/index.jinja2", permission="view")
def reports_index(context, request):
    reports = [info for info in sorted(REPORTS.values(), key=lambda i: i.order)
               if request.has_permission(info.permission, context)]
    return {"title": _("Reports"), "reports": reports,
            "report_url": lambda info: request.resource_url(context, info.name)}


# --- advertising effectiveness -----------------------------------------------------------------

@view_config(context=Reports, name="advertising", renderer="clients_reports/advertising.jinja2",
             permission="advertising")
def advertising_report(context, request):
    p = period(request)
    scope = best_scope(request, "report", "advertising")
    kind = request.GET.get("kind", "")
    kind = kind if kind in ORGANIZATION_KINDS or kind == "all" else ""
    departments = department_choices(request, scope)
    dept = _int(request.GET.get("dept"))
    dept = dept if any(d.id == dept for d in departments) else None
    rows, total = ([], None) if p["errors"] else advertising(
        request, p["start"], p["end"], kind=kind, department_id=dept)
    tr = request.translate
    if request.GET.get("format"):
        headers = [tr(_("Advertising source")), tr(_("New clients")), tr(_("Share, %")),
                   tr(_("Buying now")), tr(_("Conversion, %"))]
        body = [[r.title, r.clients, _pct(r.share), r.buying, _pct(r.conversion)]
                for r in rows]
        if total is not None:
            body.append([total.title, total.clients, _pct(total.share), total.buying,
                         _pct(total.conversion)])
        return _export(request, "advertising", p, tr(_("Advertising effectiveness")), headers, body)
    if p["errors"]:
        request.response.status_int = 400
    query = {"from": p["start"].isoformat(), "to": p["end"].isoformat(), "kind": kind,
             "dept": dept or ""}
    charted = [r for r in rows if r.clients]
    chart = {"labels": [r.title for r in charted],
             "datasets": [{"data": [r.clients for r in charted],
                           "backgroundColor": [PALETTE[i % len(PALETTE)] if r.source_id else "#c9ced8"
                                               for i, r in enumerate(charted)]}]}
    best = max((r for r in rows if r.source_id and r.clients), key=lambda r: r.clients, default=None)
    best_conversion = max((r for r in rows if r.source_id and r.clients >= 3),
                          key=lambda r: r.conversion or 0, default=None)
    return {
        **_base(request, p, REPORTS["advertising"], query),
        "title": _("Advertising effectiveness"),
        "rows": rows,
        "total": total,
        "best": best,
        "best_conversion": best_conversion,
        "colors": {r.source_id: c for r, c in zip(charted, chart["datasets"][0]["backgroundColor"],
                                                   strict=True)},
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "has_chart": bool(charted),
        "scope_note": _scope_note(scope, "clients"),
        "kind": kind,
        "kinds": [(k, KIND_LABELS[k]) for k in ORGANIZATION_KINDS],
        "departments": departments,
        "dept": dept,
    }


# --- activity -----------------------------------------------------------------------------------

def employee_choices(request, scope: str | None) -> list[User]:
    if scope == "all":
        stmt = sa.select(User).where(User.state == "active")
    elif scope == "department":
        members = sa.select(Membership.user_id).where(
            Membership.department_id.in_(sorted(request.identity.dept_scope_ids) or [-1]))
        stmt = sa.select(User).where(User.state == "active", User.id.in_(members))
    else:
        return []
    return list(request.dbsession.scalars(stmt.order_by(User.full_name).limit(500)))


@view_config(context=Reports, name="activity", renderer="clients_reports/activity.jinja2",
             permission="activity")
def activity_report(context, request):
    p = period(request, default="month")
    scope = best_scope(request, "report", "activity")
    get = request.GET
    group = get.get("by") if get.get("by") in GROUPS else "employee"
    kind = get.get("kind") if get.get("kind") in INTERACTION_KINDS else ""
    departments = department_choices(request, scope)
    dept = _int(get.get("dept"))
    dept = dept if any(d.id == dept for d in departments) else None
    employees = employee_choices(request, scope)
    employee = _int(get.get("employee"))
    employee = employee if any(u.id == employee for u in employees) else None
    # The page shows the first rows; an export has them all.
    rows, total, count = ([], None, 0) if p["errors"] else activity(
        request, p["start"], p["end"], group, kind=kind, department_id=dept, employee_id=employee,
        limit=None if get.get("format") else ORGANIZATION_ROWS)
    tr = request.translate
    kinds_shown = [k for k in INTERACTION_KINDS if total is not None and total.kinds.get(k)]
    group_title = {"employee": _("Employee"), "organization": _("Organization"),
                   "kind": _("Kind")}[group]
    if get.get("format"):
        headers = [tr(group_title), tr(_("Planned")), tr(_("Done")), tr(_("Still ahead")),
                   tr(_("Overdue")), tr(_("Done, %")), tr(_("Done in the period"))]
        if group != "kind":
            headers += [tr(INTERACTION_KIND_LABELS[k]) for k in kinds_shown]
        body = []
        for r in [*rows, *([total] if total is not None else [])]:
            line = [r.name, r.planned, r.done, r.open, r.overdue, _pct(r.done_share),
                    r.done_in_period]
            if group != "kind":
                line += [r.kinds.get(k, 0) for k in kinds_shown]
            body.append(line)
        return _export(request, "activity", p, tr(_("Activity")), headers, body)
    if p["errors"]:
        request.response.status_int = 400
    query = {"from": p["start"].isoformat(), "to": p["end"].isoformat(), "by": group,
             "kind": kind, "dept": dept or "", "employee": employee or ""}
    charted = rows[:CHART_ROWS]
    chart = {
        "labels": [r.name for r in charted],
        "datasets": [
            {"label": tr(_("Done")), "data": [r.done for r in charted], "backgroundColor": DONE},
            {"label": tr(_("Still ahead")), "data": [r.open for r in charted],
             "backgroundColor": OPEN},
            {"label": tr(_("Overdue")), "data": [r.overdue for r in charted],
             "backgroundColor": OVERDUE},
        ],
    }
    return {
        **_base(request, p, REPORTS["activity"], query),
        "title": _("Activity"),
        "rows": rows[:ORGANIZATION_ROWS],
        "more": max(0, count - ORGANIZATION_ROWS),
        "total": total,
        "group": group,
        "groups": [("employee", _("Employee")), ("organization", _("Organization")),
                   ("kind", _("Kind"))],
        "group_title": group_title,
        "kind": kind,
        "kinds": [(k, INTERACTION_KIND_LABELS[k]) for k in INTERACTION_KINDS],
        "kinds_shown": kinds_shown if group != "kind" else [],
        "kind_labels": INTERACTION_KIND_LABELS,
        "kind_icons": INTERACTION_KIND_ICONS,
        "departments": departments,
        "dept": dept,
        "employees": employees,
        "employee": employee,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "chart_rows": len(charted),
        "scope_note": _scope_note(scope, "interactions"),
        "colors": {"done": DONE, "open": OPEN, "overdue": OVERDUE},
    }
