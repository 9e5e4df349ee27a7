"""/dispatch/report: the service head's report over a period (this week by default) with
filters by territory and group: utilization per technician and per group, jobs by state and
territory, on-time arrival and first-time fix by territory; each table with a chart, and each
exportable as CSV or XLSX (`?format=csv|xlsx&table=technicians|groups|states|quality` with the
same settings). The figures are portal/dispatch/report.py's."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.response import Response
from pyramid.view import view_config

from models.dispatch import ResourceGroup, Territory
from portal.clients.export import content_type, write_csv, write_xlsx
from portal.core.i18n import _, format_date, local_today
from portal.core.parsing import parse_date, parse_int
from portal.dispatch.report import (
    Filters,
    jobs_by_state,
    quality,
    states_present,
    utilization,
)
from portal.dispatch.resources import DispatchReports
from portal.security.filters import best_scope
from workflows.job import JOB

MAX_DAYS = 366
ISO = ("%Y-%m-%d",)
CHART_ROWS = 30
TABLES = ("technicians", "groups", "states", "quality")
FORMATS = ("csv", "xlsx")
BOOKED, FREE = "#3d5afe", "#c9d1e3"
ON_TIME, LATE = "#2e9d5b", "#f0a52a"
FIXED, AGAIN = "#2e9d5b", "#dc3545"
STATE_COLORS = {"unscheduled": "#adb5bd", "scheduled": "#9fb3ff", "dispatched": "#3d5afe",
                "in_progress": "#f0a52a", "completed": "#2e9d5b", "on_hold": "#7b61ff",
                "cancelled": "#dc3545"}


# --- the settings in the query string -----------------------------------------------------------

def presets(today: dt.date) -> list[tuple[str, object, dt.date, dt.date]]:
    monday = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    last_month_end = month_start - dt.timedelta(days=1)
    return [
        ("week", _("This week"), monday, monday + dt.timedelta(days=6)),
        ("last_week", _("Last week"), monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        ("month", _("This month"), month_start, next_month - dt.timedelta(days=1)),
        ("last_month", _("Last month"), last_month_end.replace(day=1), last_month_end),
    ]


def _chosen(request, name: str, model, errors: dict, message) -> int | None:
    """An id of `model` from the query string: None when blank; an error when it names no row."""
    text = (request.GET.get(name) or "").strip()
    if not text:
        return None
    value = parse_int(text)
    if value is None or request.dbsession.get(model, value) is None:
        errors[name] = message
        return None
    return value


def params(request) -> dict:
    """The period and filters from the query string, and what is wrong with them."""
    today = local_today(request)
    get = request.GET
    errors: dict = {}
    options = {key: (lo, hi) for key, _t, lo, hi in presets(today)}
    start, end = options["week"]
    if get.get("from") or get.get("to"):
        start_in = parse_date(get.get("from", ""), ISO)
        end_in = parse_date(get.get("to", ""), ISO)
        example = today.isoformat()
        if get.get("from") and start_in is None:
            errors["from"] = _("Enter a date such as ${example}.", mapping={"example": example})
        if get.get("to") and end_in is None:
            errors["to"] = _("Enter a date such as ${example}.", mapping={"example": example})
        start, end = start_in or start, end_in or end
        if not errors and start > end:
            errors["to"] = _("The end of the period is before its start.")
        elif not errors and (end - start).days >= MAX_DAYS:
            errors["to"] = _("Choose a period of at most a year.")
    elif get.get("period") in options:
        start, end = options[get["period"]]
    preset = next((k for k, (lo, hi) in options.items() if (lo, hi) == (start, end)), "")
    territory = _chosen(request, "territory", Territory, errors,
                        _("Unknown territory: choose one from the list."))
    group = _chosen(request, "group", ResourceGroup, errors,
                    _("Unknown group: choose one from the list."))
    zone = request.user_timezone
    bounds = (dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC),
              dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC))
    return {"start": start, "end": end, "preset": preset, "errors": errors,
            "territory": territory, "group": group,
            "filters": Filters(*bounds, territory_id=territory, group_id=group)}


def _state_title(state: str):
    found = JOB.states.get(state)
    return found.title if found is not None else state


# --- the tables, as the page shows them and as files --------------------------------------------

def _hours(minutes: int | None) -> float | str:
    return "" if minutes is None else round(minutes / 60, 1)


def _pct(share: float | None) -> float | str:
    return "" if share is None else round(100 * share, 1)


def tables(request, figures: dict, table: str) -> tuple[str, list[str], list[list]]:
    """The title, headers and rows of one table, for a file."""
    tr = request.translate
    util, states, state_total, qual, qual_total = (
        figures["utilization"], figures["states"], figures["state_total"], figures["quality"],
        figures["quality_total"])
    no_group, no_territory = tr(_("No group")), tr(_("No territory"))
    if table == "technicians":
        headers = [tr(_("Technician")), tr(_("Group")), tr(_("Working hours")),
                   tr(_("Booked hours")), tr(_("Utilization, %"))]
        groups = {g.key: g.name for g in util.groups}
        rows = [[r.name, groups.get(r.group_id) or no_group, _hours(r.working), _hours(r.booked),
                 _pct(r.share)] for r in util.technicians]
        rows.append([tr(_("Total")), "", _hours(util.total.working), _hours(util.total.booked),
                     _pct(util.total.share)])
        return tr(_("Utilization of technicians")), headers, rows
    if table == "groups":
        headers = [tr(_("Group")), tr(_("Technicians")), tr(_("Working hours")),
                   tr(_("Booked hours")), tr(_("Utilization, %"))]
        rows = [[g.name or no_group, g.members, _hours(g.working), _hours(g.booked), _pct(g.share)]
                for g in [*util.groups, util.total]]
        rows[-1][0] = tr(_("Total"))
        return tr(_("Utilization of groups")), headers, rows
    if table == "states":
        shown = states_present(state_total)
        headers = [tr(_("Territory")), *[tr(_state_title(s)) for s in shown], tr(_("Total"))]
        rows = [[r.name or no_territory, *[r.states.get(s, 0) for s in shown], r.total]
                for r in [*states, state_total]]
        rows[-1][0] = tr(_("Total"))
        return tr(_("Jobs by state and territory")), headers, rows
    headers = [tr(_("Territory")), tr(_("Started")), tr(_("Arrived on time")),
               tr(_("On time, %")), tr(_("Completed")), tr(_("Completed, fix stated")),
               tr(_("Fixed the first time")), tr(_("First-time fix, %"))]
    rows = [[r.name or no_territory, r.started, r.on_time, _pct(r.on_time_share), r.completed,
             r.fix_known, r.fixed_first_time, _pct(r.first_time_fix_share)]
            for r in [*qual, qual_total]]
    rows[-1][0] = tr(_("Total"))
    return tr(_("On-time arrival and first-time fix")), headers, rows


def export(request, p: dict, figures: dict | None) -> Response:
    fmt, table = request.GET.get("format"), request.GET.get("table", "technicians")
    if fmt not in FORMATS:
        raise HTTPBadRequest(request.translate(_("Unknown file format.")))
    if table not in TABLES:
        raise HTTPBadRequest(request.translate(_("Unknown table: choose technicians, groups, "
                                                 "states or quality.")))
    if figures is None:
        return Response(status=400, content_type="text/plain", charset="utf-8",
                        text=" ".join(request.translate(e) for e in p["errors"].values()))
    title, headers, rows = tables(request, figures, table)
    filename = f"dispatch-{table}-{p['start'].isoformat()}-{p['end'].isoformat()}.{fmt}"
    if fmt == "xlsx":
        body = write_xlsx(title, headers, rows, [36] + [14] * (len(headers) - 1),
                          preamble=[[title, f"{p['start'].isoformat()} — {p['end'].isoformat()}"],
                                    []])
    else:
        body = write_csv(headers, rows)
    return Response(body=body, content_type=content_type(fmt),
                    charset="utf-8" if fmt == "csv" else None,
                    content_disposition=f'attachment; filename="{filename}"')


# --- the page -----------------------------------------------------------------------------------

def _charts(request, figures: dict) -> dict[str, str]:
    tr = request.translate
    util = figures["utilization"]
    techs = util.technicians[:CHART_ROWS]
    charts = {"utilization": {
        "labels": [r.name for r in techs],
        "datasets": [
            {"label": tr(_("Booked hours")), "data": [_hours(r.booked) for r in techs],
             "backgroundColor": BOOKED},
            {"label": tr(_("Free hours")), "data": [_hours(r.free) for r in techs],
             "backgroundColor": FREE},
        ]}}
    no_territory = tr(_("No territory"))
    rows = figures["states"][:CHART_ROWS]
    charts["states"] = {
        "labels": [r.name or no_territory for r in rows],
        "datasets": [{"label": tr(_state_title(s)), "data": [r.states.get(s, 0) for r in rows],
                      "backgroundColor": STATE_COLORS.get(s, "#adb5bd")}
                     for s in states_present(figures["state_total"])]}
    rows = figures["quality"][:CHART_ROWS]
    labels = [r.name or no_territory for r in rows]
    charts["arrival"] = {"labels": labels, "datasets": [
        {"label": tr(_("Arrived on time")), "data": [r.on_time for r in rows],
         "backgroundColor": ON_TIME},
        {"label": tr(_("Late")), "data": [r.late for r in rows], "backgroundColor": LATE}]}
    charts["fix"] = {"labels": labels, "datasets": [
        {"label": tr(_("Fixed the first time")), "data": [r.fixed_first_time for r in rows],
         "backgroundColor": FIXED},
        {"label": tr(_("Another visit needed")), "data": [r.another_visit for r in rows],
         "backgroundColor": AGAIN}]}
    return {name: json.dumps(chart, ensure_ascii=False) for name, chart in charts.items()}


def _scope_note(scope: str | None):
    if scope == "department":
        return _("You see the jobs and technicians of your departments.")
    if scope == "own":
        return _("You see your own jobs.")
    return None


@view_config(context=DispatchReports, renderer="dispatch/report.jinja2", permission="dispatch")
def report_page(context, request):
    p = params(request)
    figures = None
    if not p["errors"]:
        f = p["filters"]
        states, state_total = jobs_by_state(request, f)
        qual, qual_total = quality(request, f)
        figures = {"utilization": utilization(request, f), "states": states,
                   "state_total": state_total, "quality": qual, "quality_total": qual_total}
    if request.GET.get("format"):
        return export(request, p, figures)
    if p["errors"]:
        request.response.status_int = 400
    query = {"from": p["start"].isoformat(), "to": p["end"].isoformat(),
             "territory": p["territory"] or "", "group": p["group"] or ""}
    base = request.resource_url(context)

    def url(**changes) -> str:
        merged = {k: v for k, v in {**query, **changes}.items() if v not in (None, "")}
        return f"{base}?{urlencode(merged)}"

    db = request.dbsession
    territories = db.scalars(sa.select(Territory).where(
        sa.or_(Territory.active.is_(True), Territory.id == (p["territory"] or -1)))
        .order_by(Territory.name)).all()
    groups = db.scalars(sa.select(ResourceGroup).where(
        sa.or_(ResourceGroup.active.is_(True), ResourceGroup.id == (p["group"] or -1)))
        .order_by(ResourceGroup.name)).all()
    return {
        "title": _("Service report"),
        "p": p,
        "figures": figures,
        "charts": _charts(request, figures) if figures else {},
        "chart_rows": CHART_ROWS,
        "presets": presets(local_today(request)),
        "url": url,
        "export_url": lambda table, fmt: url(table=table, format=fmt),
        "period_text": f"{format_date(request, p['start'])} — {format_date(request, p['end'])}",
        "territories": territories,
        "groups": groups,
        "group_names": {g.key: g.name for g in figures["utilization"].groups} if figures else {},
        "state_title": _state_title,
        "state_colors": STATE_COLORS,
        "states_shown": states_present(figures["state_total"]) if figures else [],
        "scope_note": _scope_note(best_scope(request, "report", "dispatch")),
        "dispatch_url": request.resource_url(context.__parent__),
    }
