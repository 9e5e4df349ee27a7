"""/dispatch/jobs: the job list (tabs, search, filters) and a new job — from the list, from a
ticket ("Send a technician": prefilled with its client, contact, subject and description) or
from a client card; jobs in the header search."""
from __future__ import annotations

from math import ceil
from urllib.parse import urlencode

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models import search
from models.clients import Contact
from models.dispatch import OPEN_STATES, PRIORITIES, STATES, Job
from models.errors import UserError
from models.meta import utcnow
from portal.core.forms import id_field, lines, read_fields, schema_of, squeezed, text
from portal.core.i18n import _, timezone_label, user_timezone
from portal.core.parsing import local_moment, parse_int
from portal.dispatch.lists import (
    COUNT_CAP,
    PAGE_SIZE,
    TABS,
    Filters,
    check_choices,
    check_refs,
    count_of,
    default_team,
    equipment_types,
    job_query,
    organization_address,
    service_choices,
    skill_choices,
    team_choices,
    territory_choices,
    with_details,
)
from portal.dispatch.resources import NUMBER, Jobs
from portal.dispatch.security import visible_jobs
from portal.dispatch.service import (
    MAX_DURATION,
    PRIORITY_TITLES,
    TEXT_MAX,
    JobInput,
    create_job,
)
from portal.security.filters import sql_filter
from portal.tasks.client_links import pick
from views.search.header import SearchGroup, SearchItem, search_provider
from workflows.job import JOB

SKILL_ROWS = 3
# A field of the service's input → the field of the form that shows its problem.
FORM_FIELDS = {"service_ids": "services", "duration_minutes": "duration", "skills": "skills",
               "latest_finish": "latest_finish", "earliest_start": "earliest_start",
               "technicians_needed": "technicians_needed", "priority": "priority",
               "title": "title"}


STATE_BADGES = {"unscheduled": "text-bg-secondary", "scheduled": "text-bg-info",
                "dispatched": "text-bg-primary", "in_progress": "text-bg-warning",
                "completed": "text-bg-success", "on_hold": "text-bg-light border",
                "cancelled": "text-bg-dark"}
PRIORITY_BADGES = {0: "text-bg-light border", 1: "text-bg-light border", 2: "text-bg-warning",
                   3: "text-bg-danger"}


def job_helpers(request) -> dict:
    """What job templates share: state and priority titles and badge colours."""
    return {
        "state_title": lambda s: JOB.states[s].title if s in JOB.states else s,
        "priority_title": lambda p: PRIORITY_TITLES.get(p, ""),
        "state_badge_class": lambda s: STATE_BADGES.get(s, "text-bg-light border"),
        "priority_badge_class": lambda p: PRIORITY_BADGES.get(p, "text-bg-light border"),
    }


@view_config(context=Jobs, renderer="dispatch/jobs/list.jinja2", permission="view")
def job_list(request):
    db = request.dbsession
    # Planning is asked of /dispatch (the jobs' container lists and adds).
    may_dispatch = request.has_permission("dispatch", request.context.__parent__)
    f = Filters.from_params(request.GET, "unscheduled" if may_dispatch else "planned")
    now = utcnow()
    stmt = job_query(request, f, now, user_timezone(request))
    total = count_of(db, stmt)
    pages = max(1, ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    page = min(f.page, pages)
    jobs = db.scalars(with_details(stmt).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).unique().all()
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        changes.setdefault("page", 1)
        query = urlencode(f.params(**changes))
        return f"{base}?{query}" if query else base

    return {
        "title": _("Service jobs"),
        "f": f,
        "tabs": list(TABS.items()),
        "states": [(s, JOB.states[s].title) for s in STATES],
        "territories": territory_choices(db),
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES, reverse=True)],
        "jobs": jobs,
        "total": total,
        "total_capped": total > COUNT_CAP,
        "count_cap": COUNT_CAP,
        "page": page,
        "pages": pages,
        "url": url,
        "page_url": lambda p: url(page=p),
        "may_add": request.has_permission("add", request.context),
        "board_url": request.resource_url(request.context.__parent__) if may_dispatch else None,
        **job_helpers(request),
    }


def job_schema() -> colander.SchemaNode:
    """The fields of the new-job form (and, but for the client and the ticket, of its edit)."""
    return schema_of(
        text(squeezed(300), name="title"),
        text(lines(TEXT_MAX), name="description"),
        id_field("organization"),
        id_field("contact"),
        text(squeezed(500), name="site_address"),
        id_field("territory"),
        id_field("department"),
        colander.SchemaNode(colander.List(), name="services", missing=[]),
        colander.SchemaNode(colander.List(), name="skill", missing=[]),
        colander.SchemaNode(colander.List(), name="skill_level", missing=[]),
        text(squeezed(10), name="duration"),
        text(squeezed(10), name="technicians_needed"),
        text(squeezed(100), name="equipment_type"),
        text(squeezed(40), name="earliest_start"),
        text(squeezed(40), name="latest_finish"),
        id_field("priority"),
        id_field("ticket"),
        text(squeezed(500), name="reason"),
        id_field("revision"),
    )


def read_job_form(request, params) -> tuple[dict, dict]:
    """The form's values, typed: ids, services, (skill, level) pairs, minutes, instants in the
    person's zone; problems by field."""
    values, problems = read_fields(job_schema(), params)
    zone = user_timezone(request)
    values["service_ids"] = []
    for raw in values.get("services") or []:
        number = parse_int(raw)
        if number is None:
            problems["services"] = _("That service is not in the catalog.")
        elif number not in values["service_ids"]:
            values["service_ids"].append(number)
    skills: dict[int, int] = {}
    levels = values.get("skill_level") or []
    for i, raw in enumerate(values.get("skill") or []):
        if not str(raw).strip():
            continue
        skill_id = parse_int(raw)
        level = parse_int(levels[i]) if i < len(levels) else 1
        if skill_id is None:
            problems["skills"] = _("That skill does not exist.")
        elif level is None or not 1 <= level <= 5:
            problems["skills"] = _("A skill level is from 1 to 5.")
        else:
            skills[skill_id] = max(skills.get(skill_id, 0), level)
    values["skills"] = sorted(skills.items())
    values["duration_minutes"] = None
    if values.get("duration"):
        minutes = parse_int(values["duration"])
        if minutes is None:
            problems["duration"] = _("Give the duration in minutes, e.g. 90.")
        elif not 0 < minutes <= MAX_DURATION:
            problems["duration"] = _("A job lasts from one minute to fourteen days.")
        values["duration_minutes"] = minutes
    crew = values.get("technicians_needed") or "1"
    values["crew"] = parse_int(crew)
    if values["crew"] is None:
        problems["technicians_needed"] = _("A job needs from one to ten technicians.")
    for name in ("earliest_start", "latest_finish"):
        try:
            values[f"{name}_at"] = local_moment(values.get(name, ""), zone, name)
        except UserError as error:
            problems[name] = error.message
            values[f"{name}_at"] = None
    if values.get("priority") is None:
        values["priority"] = 1
    return values, problems


def form_choices(request) -> dict:
    db = request.dbsession
    return {
        "territories": territory_choices(db),
        "services": service_choices(db),
        "skills": skill_choices(db),
        "teams": team_choices(db),
        "equipment": equipment_types(db),
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES)],
        "skill_rows": SKILL_ROWS,
        # The reader's zone, as they read it: the time window is in it.
        "my_zone": timezone_label(request, request.user_timezone.key),
    }


@view_config(context=Jobs, name="add", renderer="dispatch/jobs/add.jinja2", permission="add")
def add_job(request):
    """A new job: from the list, a ticket (?ticket=…) or a client's card
    (?organization=…&contact=…)."""
    posted = request.method == "POST"
    values, problems = read_job_form(request, request.POST if posted else request.GET)
    refs = check_refs(request, organization_id=values.get("organization"),
                      contact_id=values.get("contact"), ticket_id=values.get("ticket"))
    org, contact, ticket = refs.organization, refs.contact, refs.ticket
    teams = team_choices(request.dbsession)
    if not posted:
        # Prefilled from the ticket, then from the client: only what was not given.
        if ticket is not None:
            values["title"] = values.get("title") or ticket.subject
            values["description"] = values.get("description") or ticket.description
            values["priority"] = ticket.priority if ticket.priority in PRIORITIES else 1
            if org is None and ticket.organization_id:
                refs2 = check_refs(request, organization_id=ticket.organization_id,
                                   contact_id=ticket.contact_id)
                org, contact = refs2.organization, refs2.contact
        if contact is not None and org is None and contact.organization_id:
            org = check_refs(request, organization_id=contact.organization_id).organization
        values["site_address"] = values.get("site_address") or organization_address(
            request.dbsession, org)
        values["department"] = values.get("department") or default_team(request, teams)
        return {"title": _("New job"), "v": values, "problems": {}, "organization": org,
                "contact": contact, "ticket": ticket, "contacts": contacts_of(request, org),
                **form_choices(request)}
    problems.update(refs.problems)
    problems.update(check_choices(
        request.dbsession, territory_id=values.get("territory"),
        department_id=values.get("department"), service_ids=values["service_ids"],
        skills=values["skills"]))
    if not problems:
        data = JobInput(
            title=values["title"], department_id=values["department"],
            description=values["description"],
            organization_id=org.id if org else None, contact_id=contact.id if contact else None,
            site_address=values["site_address"], territory_id=values.get("territory"),
            ticket_id=ticket.id if ticket else None, priority=values["priority"],
            duration_minutes=values["duration_minutes"], technicians_needed=values["crew"],
            equipment_type=values["equipment_type"] or None,
            earliest_start=values["earliest_start_at"], latest_finish=values["latest_finish_at"],
            service_ids=values["service_ids"], skills=values["skills"])
        try:
            job = create_job(request.dbsession, request.identity.user, data,
                             registry=request.registry)
        except UserError as error:
            problems[FORM_FIELDS.get(error.field, "title")] = error.message
        else:
            request.session.flash(request.translate(_("Job ${number} is registered.",
                                                      mapping={"number": job.number})))
            return HTTPSeeOther(request.resource_url(request.context, job.number))
    request.response.status = 400
    return {"title": _("New job"), "v": values, "problems": problems, "organization": org,
            "contact": contact, "ticket": ticket, "contacts": contacts_of(request, org),
            **form_choices(request)}


def contacts_of(request, org) -> list[Contact]:
    """The organization's contacts the person may see (the contact select of the form)."""
    if org is None:
        return []
    return list(request.dbsession.scalars(
        sa.select(Contact).where(Contact.organization_id == org.id,
                                 sql_filter(request, Contact, "view"))
        .order_by(Contact.full_name).limit(200)))


@view_config(context=Jobs, name="client-options", renderer="tasks/_link_options.jinja2",
             permission="add")
def client_options(request):
    """<option>s of the organizations (or ?kind=contact: contacts) the person may see, for
    the job form's client picker."""
    kind = "contact" if request.GET.get("kind") == "contact" else "organization"
    return {"options": pick(request, kind, request.GET.get(kind, ""))}


@search_provider
def search_jobs(request, q: str, limit: int) -> SearchGroup | None:
    """Jobs the user may see, by number or the words of their title and address (open ones
    first): the search index's matches, at most a hundred read."""
    section = request.root["dispatch"]["jobs"]
    if not request.has_permission("view", section):
        return None
    db = request.dbsession
    found = search.preview(db, "job", q, where=visible_jobs(request), ranked=False)
    ids = set(found.ids) if found is not None else set()
    wanted = q.strip().upper()
    if NUMBER.match(wanted):
        ids.update(db.scalars(sa.select(Job.id).where(Job.number == wanted, visible_jobs(request))))
    if not ids:
        return None
    rows = db.scalars(
        sa.select(Job).where(Job.id.in_(sorted(ids)))
        .order_by(Job.state.in_(OPEN_STATES).desc(), Job.created_at.desc())
        .limit(limit)).all()
    items = [SearchItem(f"{j.number} {j.title}", request.resource_url(section, j.number),
                        request.translate(JOB.states[j.state].title), icon="truck")
             for j in rows]
    more = request.resource_url(section, query={"tab": "all", "q": q})
    return SearchGroup(_("Service jobs"), items, more, len(ids), found is not None and found.more)
