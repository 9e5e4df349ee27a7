"""The dispatcher's board, /dispatch: a resource timeline of the visible range (rows = resources,
bars = jobs, shading = time they do not work), the pane of unscheduled jobs, and the JSON the
board reads and posts (views named on the `Dispatch` context):

    board.json?start&end&territory&skill&group    rows with utilization, bars, shading (view)
    unscheduled.json?q&territory&priority&page    the pane (view)
    plan, unplan                 (POST, dispatch)  put a job on the board, move, resize, take off
    slots.json?job=                                find-a-slot (view of the job)
    autoplan, accept-plan        (POST, dispatch)  a proposal for a range; accepting it
    changes.json?after=<stamp>                     whether anything changed since (the board polls)

Times travel as wall times in the user's zone ("2031-03-03T10:00:00"), as the calendar's widget
shows them. Every change goes through `portal.dispatch.service.plan()`/`unplan()`; a refusal
answers 409 with every problem (`needs_reason`: only problems a reason may override). Bad input
answers 400 (or 403/404) JSON with a message in the user's language, never a 500.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import exception_view_config, view_config

from models.clients import Organization
from models.dispatch import Job, JobChange, Resource, ResourceGroup, ResourceSkill, Skill, Territory
from models.meta import utcnow
from models.people import fold
from models.workflow import WorkflowHistory
from portal.core.i18n import _, local_today
from portal.core.parsing import parse_int
from portal.dispatch import availability, planning
from portal.dispatch.field import resource_of
from portal.dispatch.resources import Dispatch
from portal.dispatch.security import visible_jobs, visible_resources
from portal.dispatch.service import PRIORITY_TITLES, PlanRefused, flag_titles, plan, unplan
from portal.resources import locate
from views.headers import revalidated
from workflows.job import JOB

# The longest range the board asks for at once (a week and a margin; the widget asks per view).
MAX_RANGE = dt.timedelta(days=31)
# Rows on one board; a filter narrows a bigger service.
MAX_RESOURCES = 300
PANE_SIZE = 30
MAX_PLACEMENTS = 1000
PLANNABLE = ("scheduled", "dispatched")
VIEWS = ("resourceTimelineDay", "resourceTimelineWeek")


class BoardError(Exception):
    """Input the board's JSON cannot take: answered as {ok: false, message} with `status`."""

    def __init__(self, message, field: str = "", status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


@exception_view_config(BoardError, renderer="json")
def board_error(exc: BoardError, request):
    request.response.status_int = exc.status
    return {"ok": False, "message": request.translate(exc.message), "field": exc.field}


# --- reading what the board sends ----------------------------------------------------------------

def text_of(params, name: str) -> str:
    """A parameter as text ("" when absent, or when it is not text: a file sent in its place)."""
    value = params.get(name, "")
    return value if isinstance(value, str) else ""


def parse_wall(request, text, field: str) -> dt.datetime:
    """A wall time in the user's zone ("2031-03-03T10:00", or a date) or an ISO instant with its
    offset → an aware UTC instant; anything else → 400."""
    text = (text if isinstance(text, str) else "").strip()[:32]
    try:
        value = dt.datetime.fromisoformat(text)
        if not 2000 <= value.year <= 2200:
            raise ValueError(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=request.user_timezone)
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise BoardError(_("The time is not understood: give a date and time such as "
                           "2031-03-03T10:00."), field) from None


def parse_range(request, params) -> tuple[dt.datetime, dt.datetime]:
    start = parse_wall(request, text_of(params, "start"), "start")
    end = parse_wall(request, text_of(params, "end"), "end")
    if end <= start or end - start > MAX_RANGE:
        raise BoardError(_("The period must end after it starts and last at most 31 days."))
    return start, end


def wall(value: dt.datetime | None, tz) -> str:
    """An instant as the widget shows it: the wall time in the user's zone, no offset."""
    return value.astimezone(tz).isoformat(timespec="seconds")[:19] if value else ""


def optional_id(params, name: str) -> int | None:
    """An optional id filter (?territory=3); present but not an id → 400."""
    text = params.get(name, "")
    if not isinstance(text, str) or not text.strip():
        return None
    value = parse_int(text)
    if value is None:
        raise BoardError(_("“${field}” is not a number.", mapping={"field": name}), name)
    return value


def required_id(params, name: str) -> int:
    value = optional_id(params, name)
    if value is None:
        raise BoardError(_("“${field}” is not a number.", mapping={"field": name}))
    return value


def id_list(text, limit: int = 10) -> list[int]:
    """"3,7" (or a list) → [3, 7]; anything not an id → 400."""
    parts = text if isinstance(text, list) else (text if isinstance(text, str) else "").split(",")
    out = []
    for part in parts[:limit + 1]:
        value = parse_int(part)
        if value is None:
            raise BoardError(_("“${field}” is not a number.", mapping={"field": "resources"}))
        out.append(value)
    if not out or len(out) > limit:
        raise BoardError(_("Choose who does the job."))
    return out


def job_for(request, job_id: int, permission: str = "dispatch") -> Job:
    """The job, placed in the tree; 404 when the person may not see it, 403 when they see it
    but may not `permission` it."""
    job = request.dbsession.get(Job, job_id)
    if job is None or not request.has_permission("view", locate(request, job)):
        raise BoardError(_("There is no such job."), "job", 404)
    if not request.has_permission(permission, job):
        raise BoardError(_("You may not plan this job."), "job", 403)
    return job


def visible_resource_ids(request, ids: list[int]) -> list[int]:
    """The ids, when each is a resource the person may see; else 400."""
    found = set(request.dbsession.scalars(
        sa.select(Resource.id).where(Resource.id.in_(sorted(set(ids))),
                                     visible_resources(request, "view"))))
    if found != set(ids):
        raise BoardError(_("That resource does not exist."))
    return ids


def resource_filter(request, params) -> list:
    """WHERE of the rows: active, visible, and the board's filters (territory, skill, group)."""
    where = [Resource.active, visible_resources(request, "view")]
    territory = optional_id(params, "territory")
    if territory is not None:
        where.append(Resource.territory_id == territory)
    group = optional_id(params, "group")
    if group is not None:
        where.append(Resource.group_id == group)
    skill = optional_id(params, "skill")
    if skill is not None:
        where.append(Resource.id.in_(sa.select(ResourceSkill.resource_id)
                                     .where(ResourceSkill.skill_id == skill)))
    return where


# --- the page --------------------------------------------------------------------------------------

def tz_offset(tz) -> str:
    minutes = int(dt.datetime.now(tz).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@view_config(context=Dispatch, renderer="dispatch/board.jinja2", permission="view")
def board_page(request):
    """The board for those who plan; whoever only sees jobs (a technician, sales) is taken to
    the jobs that are theirs to see: a technician's own day, or the job list."""
    if not request.has_permission("dispatch", request.context):
        if resource_of(request.dbsession, request.identity.user.id) is not None:
            raise HTTPSeeOther(request.resource_url(request.context, "@@my"))
        raise HTTPSeeOther(request.resource_url(request.context["jobs"]))
    db = request.dbsession
    date = request.GET.get("date", "")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        date = local_today(request).isoformat()
    view = request.GET.get("view", "")
    t = request.translate
    here = request.context
    return {
        "title": _("Dispatch board"),
        "date": date,
        "view": view if view in VIEWS else "resourceTimelineDay",
        "territories": db.scalars(sa.select(Territory).where(Territory.active)
                                  .order_by(Territory.name)).all(),
        "skills": db.scalars(sa.select(Skill).where(Skill.active).order_by(Skill.name)).all(),
        "groups": db.scalars(sa.select(ResourceGroup).where(ResourceGroup.active)
                             .order_by(ResourceGroup.name)).all(),
        "priorities": sorted(PRIORITY_TITLES.items(), reverse=True),
        "states": [(name, JOB.states[name].title) for name in
                   ("scheduled", "dispatched", "in_progress", "completed")],
        "config": {
            "date": date, "view": view if view in VIEWS else "resourceTimelineDay",
            "locale": request.locale_name, "offset": tz_offset(request.user_timezone),
            "jobsUrl": request.resource_path(here["jobs"]), **_titles(request),
            "urls": {name: request.resource_path(here, name) for name in (
                "board.json", "unscheduled.json", "plan", "unplan", "slots.json", "autoplan",
                "accept-plan", "changes.json")},
            "text": {
                "today": t(_("Today")), "resourceTimelineDay": t(_("Day")),
                "resourceTimelineWeek": t(_("Week")), "resources": t(_("Resources")),
                "noGroup": t(_("No group")), "noTerritory": t(_("No territory")),
                "saved": t(_("Saved.")), "failed": t(_("The server did not answer; the change "
                                                        "was undone.")),
                "refused": t(_("The change was refused:")), "busy": t(_("Busy")),
                "noSlots": t(_("No free slot in the next two weeks.")),
                "book": t(_("Book")), "placed": t(_("Placed")),
                "unplaced": t(_("Could not be placed")), "nothing": t(_("Nothing to plan.")),
                "minutes": t(_("min")), "more": t(_("More")), "window": t(_("Window")),
                "off": t(_("Time off")), "accepted": t(_("Accepted: ${n}.", mapping={"n": "{n}"})),
                "declined": t(_("Refused: ${n}.", mapping={"n": "{n}"})),
                "loading": t(_("Loading…")), "noJobs": t(_("No unscheduled jobs.")),
                "utilization": t(_("Utilization for the visible range")),
            },
        },
    }


# --- board.json ------------------------------------------------------------------------------------

def _utilization(spans, off, busy, start, end) -> int | None:
    """Booked share (%) of the working time the resource has in the range, time off taken out."""
    work = availability.subtract([(max(s, start), min(e, end)) for s, e in spans], off)
    total = sum((e - s).total_seconds() for s, e in work)
    if total <= 0:
        return None
    # Both sorted by start: walk them together (a week of a hundred rows, every poll).
    booked = 0.0
    i = 0
    for bs, be, _h in busy:
        while i < len(work) and work[i][1] <= bs:
            i += 1
        j = i
        while j < len(work) and work[j][0] < be:
            booked += (min(be, work[j][1]) - max(bs, work[j][0])).total_seconds()
            j += 1
    return round(100 * booked / total)


def job_event(request, row, resource_ids, editable: bool) -> dict:
    """A bar of the board for a job (a row of the jobs query, or a Job). State and priority
    travel as codes: the page has their titles (a week of bars is a thousand of them)."""
    tz = request.user_timezone
    classes = ["job", f"job-{row.state}", f"prio-{row.priority}"]
    flags = [request.translate(f) for f in flag_titles(row)] if row.flagged else []
    if flags:
        classes.append("job-flagged")
    if not editable:
        classes.append("job-locked")
    return {
        "id": f"job:{row.id}",
        "resourceIds": resource_ids,
        "start": wall(row.starts_at, tz),
        "end": wall(row.ends_at, tz),
        "title": f"{'⚠ ' if flags else ''}{row.number} · {row.title}",
        "editable": editable,
        "classNames": classes,
        "extendedProps": {
            "jobId": row.id, "number": row.number, "title": row.title, "state": row.state,
            "priority": row.priority, "revision": row.revision, "flags": flags,
            "address": row.site_address or "", "client": getattr(row, "client", "") or "",
        },
    }


def _titles(request) -> dict:
    """State and priority titles in the user's language, for the page's config."""
    t = request.translate
    return {"states": {k: t(s.title) for k, s in JOB.states.items()},
            "priorities": {str(k): t(v) for k, v in PRIORITY_TITLES.items()}}


@view_config(context=Dispatch, name="board.json", renderer="json", permission="view")
def board_json(request):
    """{resources, events, stamp}: the rows (filtered), their jobs in the range, their shading."""
    revalidated(request)
    db = request.dbsession
    start, end = parse_range(request, request.GET)
    tz = request.user_timezone
    resources = db.execute(
        sa.select(Resource.id, Resource.name, Resource.kind, Resource.hours,
                  Resource.group_id, ResourceGroup.name.label("group"),
                  Resource.territory_id, Territory.name.label("territory"))
        .outerjoin(ResourceGroup, ResourceGroup.id == Resource.group_id)
        .outerjoin(Territory, Territory.id == Resource.territory_id)
        .where(*resource_filter(request, request.GET))
        .order_by(Resource.kind.desc(), Resource.name, Resource.id)
        .limit(MAX_RESOURCES + 1)).all()
    more = len(resources) > MAX_RESOURCES
    resources = resources[:MAX_RESOURCES]
    ids = [r.id for r in resources]
    busy = availability.bookings(db, ids, start, end)
    off = availability.time_off(db, ids, start, end)
    holders: dict[int, list[int]] = defaultdict(list)
    others: dict[tuple, list[int]] = defaultdict(list)
    for rid, spans in busy.items():
        for s, e, holder in spans:
            kind, _sep, number = holder.partition(":")
            if kind == "job" and number.isdigit():
                holders[int(number)].append(rid)
            else:
                others[(s, e, holder)].append(rid)
    events = []
    seen: set[int] = set()
    if holders:
        may = visible_jobs(request, "dispatch")
        rows = db.execute(
            sa.select(Job.id, Job.number, Job.title, Job.state, Job.priority, Job.starts_at,
                      Job.ends_at, Job.flagged, Job.revision, Job.site_address,
                      Organization.name.label("client"),
                      sa.case((may, 1), else_=0).label("may"))
            .outerjoin(Organization, Organization.id == Job.organization_id)
            .where(Job.id.in_(sorted(holders)), visible_jobs(request, "view"))).all()
        for row in rows:
            seen.add(row.id)
            events.append(job_event(request, row, sorted(set(holders[row.id])),
                                    bool(row.may) and row.state in PLANNABLE))
    # What the person may not see of the rows' time: busy, no more.
    busy_title = request.translate(_("Busy"))
    for job_id, rids in holders.items():
        if job_id not in seen:
            span = next(s for s in busy[rids[0]] if s[2] == f"job:{job_id}")
            others[span] = rids
    for (s, e, holder), rids in others.items():
        events.append({"id": f"busy:{holder}:{s.isoformat()}", "resourceIds": sorted(set(rids)),
                       "start": wall(s, tz), "end": wall(e, tz), "title": busy_title,
                       "editable": False, "classNames": ["job", "job-busy"]})
    out_rows = []
    gaps: dict[tuple, list[int]] = defaultdict(list)
    for r in resources:
        spans = availability.working_spans(SimpleResource(r.hours), start, end)
        off_spans = off.get(r.id, [])
        share = _utilization(spans, off_spans, busy.get(r.id, ()), start, end)
        out_rows.append({"id": r.id, "title": r.name, "extendedProps": {
            "kind": r.kind, "groupId": r.group_id, "group": r.group or "",
            "territoryId": r.territory_id, "territory": r.territory or "",
            "utilization": share}})
        cursor = start
        for s, e in spans:
            if s > cursor:
                gaps[(cursor, s)].append(r.id)
            cursor = max(cursor, e)
        if cursor < end:
            gaps[(cursor, end)].append(r.id)
        for s, e in off_spans:
            events.append({"id": f"off:{r.id}:{s.isoformat()}", "resourceIds": [r.id],
                           "start": wall(max(s, start), tz), "end": wall(min(e, end), tz),
                           "display": "background", "classNames": ["time-off"]})
    for n, ((s, e), rids) in enumerate(sorted(gaps.items())):
        events.append({"id": f"closed:{n}", "resourceIds": rids, "start": wall(s, tz),
                       "end": wall(e, tz), "display": "background", "classNames": ["closed"]})
    return {"resources": out_rows, "events": events, "more": more}


class SimpleResource:
    """What `availability.working_spans` reads of a resource: its working week."""

    __slots__ = ("hours",)

    def __init__(self, hours):
        self.hours = hours


# --- the pane -------------------------------------------------------------------------------------

@view_config(context=Dispatch, name="unscheduled.json", renderer="json", permission="view")
def unscheduled_json(request):
    """{jobs, total, more}: unscheduled jobs the person may see, most urgent first."""
    revalidated(request)
    db = request.dbsession
    params = request.GET
    where = [Job.state == "unscheduled", visible_jobs(request, "view")]
    q = fold(" ".join(text_of(params, "q").split())[:100])
    if q:
        where.append(Job.search_text.contains(q, autoescape=True))
    territory = optional_id(params, "territory")
    if territory is not None:
        where.append(Job.territory_id == territory)
    priority = optional_id(params, "priority")
    if priority is not None:
        where.append(Job.priority == priority)
    page = optional_id(params, "page") or 1
    if page > 1000:
        raise BoardError(_("“${field}” is not a number.", mapping={"field": "page"}))
    may = visible_jobs(request, "dispatch")
    rows = db.execute(
        sa.select(Job.id, Job.number, Job.title, Job.priority, Job.duration_minutes,
                  Job.earliest_start, Job.latest_finish, Job.revision, Job.technicians_needed,
                  Job.equipment_type, Job.site_address, Territory.name.label("territory"),
                  Organization.name.label("client"), sa.case((may, 1), else_=0).label("may"),
                  sa.func.count().over().label("total"))
        .outerjoin(Territory, Territory.id == Job.territory_id)
        .outerjoin(Organization, Organization.id == Job.organization_id)
        .where(*where)
        .order_by(Job.priority.desc(), Job.latest_finish.is_(None), Job.latest_finish, Job.id)
        .offset((page - 1) * PANE_SIZE).limit(PANE_SIZE)).all()
    tz = request.user_timezone
    titles = _titles(request)["priorities"]
    jobs_url = request.resource_path(request.root["dispatch"]["jobs"])
    jobs = [{
        "id": r.id, "number": r.number, "title": r.title, "priority": r.priority,
        "priorityTitle": titles.get(str(r.priority), ""),
        "duration": r.duration_minutes, "earliest": wall(r.earliest_start, tz),
        "latest": wall(r.latest_finish, tz), "revision": r.revision,
        "technicians": r.technicians_needed, "equipment": r.equipment_type,
        "territory": r.territory or "", "client": r.client or "", "address": r.site_address,
        "editable": bool(r.may), "url": jobs_url + r.number,
    } for r in rows]
    total = rows[0].total if rows else 0
    return {"jobs": jobs, "total": total, "page": page,
            "more": (page - 1) * PANE_SIZE + len(rows) < total}


# --- changing the plan ------------------------------------------------------------------------------

def problems_json(request, refused: PlanRefused) -> dict:
    return {"ok": False, "needs_reason": refused.needs_reason,
            "problems": [{"code": p.code, "message": request.translate(p.message),
                          "overridable": p.overridable, "warning": p.warning,
                          "resource_id": p.resource_id} for p in refused.problems]}


def _event_of(request, job: Job) -> dict:
    client = job.organization.name if job.organization is not None else ""
    return job_event(request, _JobRow(job, client), sorted(job.resource_ids), True)


class _JobRow:
    """A Job seen as a row of the board's query (its client's name besides)."""

    def __init__(self, job: Job, client: str):
        self._job = job
        self.client = client

    def __getattr__(self, name):
        return getattr(self._job, name)


@view_config(context=Dispatch, name="plan", request_method="POST", renderer="json",
             permission="dispatch")
def plan_view(request):
    """Schedule, move, reassign or resize a job: 200 {ok, job, warnings} or 409 {problems,
    needs_reason}."""
    params = request.POST
    job = job_for(request, required_id(params, "job"))
    resource_ids = visible_resource_ids(request, id_list(text_of(params, "resources")))
    start = parse_wall(request, text_of(params, "start"), "start")
    end = parse_wall(request, text_of(params, "end"), "end") if text_of(params, "end") else None
    revision = optional_id(params, "revision")
    reason = text_of(params, "reason")[:500]
    try:
        warnings = plan(request.dbsession, request.identity.user, job, resource_ids, start, end,
                        reason=reason, revision=revision, registry=request.registry)
    except PlanRefused as refused:
        request.response.status_int = 409
        return problems_json(request, refused)
    return {"ok": True, "job": _event_of(request, job),
            "warnings": [request.translate(w.message) for w in warnings]}


@view_config(context=Dispatch, name="unplan", request_method="POST", renderer="json",
             permission="dispatch")
def unplan_view(request):
    """Take a job off the board, back to the pane."""
    params = request.POST
    job = job_for(request, required_id(params, "job"))
    try:
        unplan(request.dbsession, request.identity.user, job,
               revision=optional_id(params, "revision"), registry=request.registry)
    except PlanRefused as refused:
        request.response.status_int = 409
        return problems_json(request, refused)
    return {"ok": True, "id": job.id, "revision": job.revision}


@view_config(context=Dispatch, name="slots.json", renderer="json", permission="view")
def slots_json(request):
    """Find a slot: the best candidates for the job within two weeks."""
    job = job_for(request, required_id(request.GET, "job"), "view")
    tz = request.user_timezone
    plannable = job.state in ("unscheduled", *PLANNABLE)
    slots = planning.find_slots_for(request.dbsession, job, utcnow(), days=14) if plannable else []
    return {"job": {"id": job.id, "number": job.number, "title": job.title,
                    "revision": job.revision},
            "slots": [{"start": wall(s["start"], tz), "end": wall(s["end"], tz),
                       "resource_ids": s["resource_ids"], "names": s["names"],
                       "utilization": s["utilization"],
                       "territory_match": s["territory_match"]} for s in slots]}


@view_config(context=Dispatch, name="autoplan", request_method="POST", renderer="json",
             permission="dispatch")
def autoplan_view(request):
    """A proposal for the unscheduled jobs of the range on the board's rows; nothing stored."""
    params = request.POST
    start, end = parse_range(request, params)
    db = request.dbsession
    resource_ids = db.scalars(sa.select(Resource.id).where(*resource_filter(request, params))
                              ).all()
    job_where = [Job.state == "unscheduled", visible_jobs(request, "dispatch")]
    territory = optional_id(params, "territory")
    if territory is not None:
        job_where.append(Job.territory_id == territory)
    job_ids = db.scalars(sa.select(Job.id).where(*job_where)).all()
    tz = request.user_timezone
    if not resource_ids or not job_ids:
        return {"placements": [], "unplaced": [], "solver": "", "jobs": 0}
    proposal = planning.propose(db, start, end, utcnow(), resource_ids=resource_ids,
                                job_ids=job_ids, time_limit=8)
    t = request.translate
    return {
        "placements": [{**p, "start": wall(p["start"], tz), "end": wall(p["end"], tz)}
                       for p in proposal["placements"]],
        "unplaced": [{**u, "why": t(u["why"]) if u.get("why") else u.get("reason", "")}
                     for u in proposal["unplaced"]],
        "solver": proposal.get("solver", ""), "jobs": proposal.get("jobs", len(job_ids)),
        "weighted_placed": proposal.get("weighted_placed", 0),
        "seconds": proposal.get("seconds", 0),
    }


@view_config(context=Dispatch, name="accept-plan", request_method="POST", renderer="json",
             permission="dispatch")
def accept_plan(request):
    """Accept a proposal: each placement through plan() (checked again: the world may have moved
    on), each in its own savepoint; {placed, refused} says which went in and why not."""
    try:
        placements = json.loads(text_of(request.POST, "placements") or "[]")
    except (TypeError, ValueError):
        placements = None
    if not isinstance(placements, list) or len(placements) > MAX_PLACEMENTS or not all(
            isinstance(p, dict) for p in placements):
        raise BoardError(_("The proposal is not understood."))
    db = request.dbsession
    placed, refused = [], []
    for item in placements:
        job_id = parse_int(item.get("job_id"))
        if job_id is None:
            raise BoardError(_("The proposal is not understood."))
        try:
            job = job_for(request, job_id)
        except BoardError as error:
            refused.append({"job_id": job_id, "number": "",
                            "problems": [request.translate(error.message)]})
            continue
        resource_ids = visible_resource_ids(request, id_list(item.get("resource_ids")))
        start = parse_wall(request, item.get("start"), "start")
        end = parse_wall(request, item.get("end"), "end")
        revision = parse_int(item.get("revision"))
        try:
            with db.begin_nested():
                plan(db, request.identity.user, job, resource_ids, start, end,
                     revision=revision, registry=request.registry)
        except PlanRefused as no:
            refused.append({"job_id": job.id, "number": job.number, "title": job.title,
                            "problems": [request.translate(p.message) for p in no.problems
                                         if not p.warning]})
            continue
        placed.append({"job_id": job.id, "number": job.number})
    return {"ok": True, "placed": placed, "refused": refused}


# --- what changed -------------------------------------------------------------------------------------

def change_stamp(db) -> str:
    """"<last change of a plan>.<last step of a job's workflow>": any change moves it."""
    changes = sa.select(sa.func.max(JobChange.id)).scalar_subquery()
    steps = (sa.select(sa.func.max(WorkflowHistory.id))
             .where(WorkflowHistory.object_type == "job").scalar_subquery())
    a, b = db.execute(sa.select(changes, steps)).one()
    return f"{a or 0}.{b or 0}"


@view_config(context=Dispatch, name="changes.json", renderer="json", permission="view")
def changes_json(request):
    """{stamp, changed}: the board polls with its last stamp and refetches when it moved."""
    stamp = change_stamp(request.dbsession)
    after = text_of(request.GET, "after")
    return {"stamp": stamp, "changed": bool(after) and after != stamp}

