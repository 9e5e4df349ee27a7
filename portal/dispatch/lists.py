"""The job list and the job form's side of the rules: the tabs (unscheduled, planned, today, in
progress, flagged, done, all) with search and filters, each one query filtered in SQL by what
the user may see; the choices a job form offers (territories, services, skills, service teams)
and the check that what a form names exists and may be seen; changing a job's details.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from models import search
from models.clients import Contact, Organization
from models.dispatch import (
    PRIORITIES,
    STATES,
    Job,
    JobAssignment,
    JobService,
    JobSkill,
    Resource,
    Service,
    Skill,
    Territory,
)
from models.errors import UserError
from models.people import Department
from models.tickets import Ticket
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.dispatch.resources import NUMBER
from portal.dispatch.security import visible_jobs
from portal.dispatch.service import (
    MAX_DURATION,
    PRIORITY_TITLES,
    TEXT_MAX,
    TITLE_MAX,
    plan,
    recheck_jobs,
    services_skills,
)
from portal.security.filters import sql_filter
from portal.tickets.security import visible_tickets

PAGE_SIZE = 50
COUNT_CAP = 10_000
TABS = {
    "unscheduled": _("Unscheduled"),
    "planned": _("Planned"),
    "today": _("Today"),
    "in_progress": _("In progress"),
    "flagged": _("Flagged"),
    "done": _("Done"),
    "all": _("All"),
}
PLANNED = ("scheduled", "dispatched")
DONE = ("completed", "cancelled")


@dataclass
class Filters:
    tab: str = "unscheduled"
    q: str = ""
    territory: int | None = None
    priority: int | None = None
    state: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params, default_tab: str = "unscheduled") -> Filters:
        tab = params.get("tab", default_tab)
        state = params.get("state", "")
        priority = parse_int(params.get("priority", ""))
        return cls(
            tab=tab if tab in TABS else default_tab,
            q=" ".join(str(params.get("q", "")).split())[:200],
            territory=parse_int(params.get("territory", "")),
            priority=priority if priority in PRIORITIES else None,
            state=state if state in STATES else "",
            page=max(1, min(parse_int(params.get("page", "1")) or 1, 10_000)),
        )

    def params(self, **changes) -> dict:
        values = {"tab": self.tab, "q": self.q, "territory": self.territory,
                  "priority": self.priority, "state": self.state, "page": self.page, **changes}
        return {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}


def day_bounds(now: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The person's today, in UTC: [midnight, next midnight) of their zone."""
    day = now.astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    return start, end


def job_query(request, f: Filters, now: dt.datetime, zone: ZoneInfo) -> sa.Select:
    """The jobs of the tab `f.tab` the user may see, filtered and in the tab's order: the pane's
    most urgent first, the planned ones by start, the done ones newest first."""
    stmt = sa.select(Job).where(visible_jobs(request))
    if f.tab == "unscheduled":
        stmt = stmt.where(Job.state == "unscheduled")
        order = (Job.priority.desc(), Job.latest_finish.is_(None), Job.latest_finish, Job.id)
    elif f.tab == "planned":
        stmt = stmt.where(Job.state.in_(PLANNED))
        order = (Job.starts_at, Job.id)
    elif f.tab == "today":
        start, end = day_bounds(now, zone)
        stmt = stmt.where(Job.starts_at < end, Job.ends_at > start)
        order = (Job.starts_at, Job.id)
    elif f.tab == "in_progress":
        stmt = stmt.where(Job.state == "in_progress")
        order = (Job.starts_at, Job.id)
    elif f.tab == "flagged":
        stmt = stmt.where(Job.flagged != "", Job.state.in_(PLANNED))
        order = (Job.starts_at, Job.id)
    elif f.tab == "done":
        stmt = stmt.where(Job.state.in_(DONE))
        order = (Job.updated_at.desc(), Job.id.desc())
    else:
        order = (Job.id.desc(),)
    if f.q:
        stmt = stmt.where(search_clause(request.dbsession, f.q))
    if f.territory:
        stmt = stmt.where(Job.territory_id == f.territory)
    if f.priority is not None:
        stmt = stmt.where(Job.priority == f.priority)
    if f.state:
        stmt = stmt.where(Job.state == f.state)
    return stmt.order_by(*order)


def search_clause(dbsession, q: str):
    """WHERE of the jobs found by `q`: its number, or every word beginning a word of its
    number, title or address (the shared search index)."""
    number = NUMBER.match(q.upper())
    ids = search.ids_of(dbsession, "job", q)
    found = Job.id.in_(ids) if ids is not None else sa.false()
    return sa.or_(Job.number == q.upper(), found) if number else found


def with_details(stmt: sa.Select) -> sa.Select:
    """What a list row shows besides the job, read with it."""
    return stmt.options(joinedload(Job.organization), joinedload(Job.territory),
                        selectinload(Job.assignments).joinedload(JobAssignment.resource))


def count_of(dbsession, stmt: sa.Select, cap: int = COUNT_CAP) -> int:
    """Rows of `stmt`, counting at most `cap` + 1."""
    inner = stmt.with_only_columns(Job.id).order_by(None).limit(cap + 1).subquery()
    return dbsession.scalar(sa.select(sa.func.count()).select_from(inner))


def jobs_of(request, *, ticket_id: int | None = None, limit: int = 20) -> list[Job]:
    """The jobs of a ticket the user may see, newest first."""
    return list(request.dbsession.scalars(
        sa.select(Job).where(Job.ticket_id == ticket_id, visible_jobs(request))
        .order_by(Job.id.desc()).limit(limit)))


# --- what a job form offers --------------------------------------------------------------------

def territory_choices(dbsession) -> list[Territory]:
    return list(dbsession.scalars(sa.select(Territory).where(Territory.active)
                                  .order_by(Territory.name)))


def service_choices(dbsession) -> list[Service]:
    return list(dbsession.scalars(sa.select(Service).where(Service.active).order_by(Service.name)))


def skill_choices(dbsession) -> list[Skill]:
    return list(dbsession.scalars(sa.select(Skill).where(Skill.active).order_by(Skill.name)))


def equipment_types(dbsession) -> list[str]:
    """The types of the equipment on the board ("van", "lift")."""
    return list(dbsession.scalars(
        sa.select(Resource.equipment_type).where(Resource.kind == "equipment", Resource.active,
                                                 Resource.equipment_type != "")
        .distinct().order_by(Resource.equipment_type)))


def team_choices(dbsession) -> list[Department]:
    """The service teams: departments with resources on the board."""
    ids = sa.select(Resource.department_id).where(Resource.active,
                                                  Resource.department_id.is_not(None))
    return list(dbsession.scalars(sa.select(Department).where(Department.id.in_(ids))
                                  .order_by(Department.name)))


def default_team(request, teams: list[Department]) -> int | None:
    """The person's own service team, else the only one (else none: they choose)."""
    mine = request.identity.department_ids if request.identity else frozenset()
    own = [t.id for t in teams if t.id in mine]
    if own:
        return own[0]
    return teams[0].id if len(teams) == 1 else None


def organization_address(dbsession, org: Organization | None) -> str:
    """The organization's address on one line (the site of a new job, unless given)."""
    if org is None:
        return ""
    for address in sorted(org.addresses, key=lambda a: (a.kind != "actual", a.sort_order, a.id)):
        if address.one_line:
            return address.one_line
    return ""


def visible(request, model, id_: int | None):
    """The row of `model` with that id if the user may see it, else None."""
    if id_ is None:
        return None
    return request.dbsession.scalar(sa.select(model).where(
        model.id == id_, sql_filter(request, model, "view")))


def visible_ticket(request, id_: int | None) -> Ticket | None:
    if id_ is None:
        return None
    return request.dbsession.scalar(sa.select(Ticket).where(Ticket.id == id_,
                                                            visible_tickets(request)))


@dataclass
class Refs:
    """What a job form names, checked: the client, the contact, the ticket, the team."""

    organization: Organization | None = None
    contact: Contact | None = None
    ticket: Ticket | None = None
    problems: dict = field(default_factory=dict)


def check_refs(request, *, organization_id=None, contact_id=None, ticket_id=None) -> Refs:
    """The client, contact and ticket a form names, each one the user may see; a name that
    does not exist (or is hidden from them) is a problem of its field, never shown."""
    refs = Refs()
    refs.organization = visible(request, Organization, organization_id)
    if organization_id is not None and refs.organization is None:
        refs.problems["organization"] = _("That client does not exist, or you may not see it.")
    refs.contact = visible(request, Contact, contact_id)
    if contact_id is not None and refs.contact is None:
        refs.problems["contact"] = _("That contact does not exist, or you may not see it.")
    elif (refs.contact is not None and refs.organization is not None
          and refs.contact.organization_id != refs.organization.id):
        refs.problems["contact"] = _("That contact is not of this client.")
    refs.ticket = visible_ticket(request, ticket_id)
    if ticket_id is not None and refs.ticket is None:
        refs.problems["ticket"] = _("That ticket does not exist, or you may not see it.")
    return refs


def check_choices(dbsession, *, territory_id=None, department_id=None, service_ids=(),
                  skills=()) -> dict:
    """{field: problem} for a territory, a team, services or skills that are not there."""
    problems = {}
    if territory_id is not None and dbsession.get(Territory, territory_id) is None:
        problems["territory"] = _("That territory does not exist.")
    if department_id is None:
        problems["department"] = _("Choose the service team that does the job.")
    elif department_id not in {t.id for t in team_choices(dbsession)}:
        problems["department"] = _("That is not a service team.")
    ids = sorted(set(service_ids))
    if ids and len(dbsession.scalars(sa.select(Service.id).where(
            Service.id.in_(ids), Service.active)).all()) != len(ids):
        problems["services"] = _("That service is not in the catalog.")
    skill_ids = sorted({s for s, _level in skills})
    if skill_ids and len(dbsession.scalars(sa.select(Skill.id).where(
            Skill.id.in_(skill_ids))).all()) != len(skill_ids):
        problems["skills"] = _("That skill does not exist.")
    if any(not 1 <= level <= 5 for _s, level in skills):
        problems["skills"] = _("A skill level is from 1 to 5.")
    return problems


# --- changing a job's details ------------------------------------------------------------------

@dataclass
class JobDetails:
    """A job's details as its edit form gives them."""

    title: str
    description: str = ""
    site_address: str = ""
    contact_id: int | None = None
    territory_id: int | None = None
    priority: int = 1
    duration_minutes: int = 60
    earliest_start: dt.datetime | None = None
    latest_finish: dt.datetime | None = None
    service_ids: list[int] = field(default_factory=list)
    skills: list[tuple[int, int]] = field(default_factory=list)


def update_job(dbsession, actor, job: Job, data: JobDetails, *, reason: str = "",
               revision: int | None = None, now: dt.datetime, registry=None) -> bool:
    """Change a job's details. A new duration of a planned job is a change of plan (plan() with
    the same start and resources: every constraint, the history); new skills of a planned job
    flag it if its technicians lack them. Raises UserError (PlanRefused for the plan) before
    anything changed. True when something changed."""
    title = " ".join((data.title or "").split())[:TITLE_MAX]
    if not title:
        raise UserError(_("Say what the job is."), "title")
    if data.priority not in PRIORITY_TITLES:
        raise UserError(_("Unknown priority."), "priority")
    if not 0 < data.duration_minutes <= MAX_DURATION:
        raise UserError(_("A job lasts from one minute to fourteen days."), "duration_minutes")
    if data.earliest_start and data.latest_finish and data.latest_finish <= data.earliest_start:
        raise UserError(_("The window closes before it opens."), "latest_finish")
    if (data.latest_finish is not None and data.latest_finish != job.latest_finish
            and data.latest_finish <= now):
        raise UserError(_("The window has already passed: give a later “done by”."),
                        "latest_finish")
    if not job.is_open:
        raise UserError(_("A finished or cancelled job is not changed any more."), "title")
    needed = services_skills(dbsession, data.service_ids)
    for skill_id, level in data.skills:
        needed[skill_id] = max(needed.get(skill_id, 0), level)
    old_skills = {(s.skill_id, s.min_level) for s in job.skills}
    changed = False
    planned = job.state in PLANNED and job.starts_at is not None
    if data.duration_minutes != job.duration_minutes:
        if job.starts_at is not None and not planned:
            raise UserError(_("The job is under way: its duration is not changed any more."),
                            "duration_minutes")
        if planned:
            plan(dbsession, actor, job, job.resource_ids, job.starts_at,
                 job.starts_at + dt.timedelta(minutes=data.duration_minutes), reason=reason,
                 revision=revision, now=now, registry=registry)
        else:
            job.duration_minutes = data.duration_minutes
        changed = True
    values = {"description": (data.description or "")[:TEXT_MAX],
              "site_address": " ".join((data.site_address or "").split())[:500],
              "contact_id": data.contact_id, "territory_id": data.territory_id,
              "priority": data.priority, "earliest_start": data.earliest_start,
              "latest_finish": data.latest_finish}
    for name, value in values.items():
        if getattr(job, name) != value:
            setattr(job, name, value)
            changed = True
    if title != job.title:
        changed = True
    job.set_title(title)  # the search text holds the address too
    if sorted(set(data.service_ids)) != sorted(s.service_id for s in job.services):
        keep = {s.service_id: s for s in job.services}
        job.services = [keep.get(i) or JobService(service_id=i) for i in sorted(set(data.service_ids))]
        changed = True
    if set(needed.items()) != old_skills:
        keep_skills = {s.skill_id: s for s in job.skills}
        rows = []
        for skill_id, level in sorted(needed.items()):
            row = keep_skills.get(skill_id) or JobSkill(skill_id=skill_id)
            row.min_level = level
            rows.append(row)
        job.skills = rows
        changed = True
        dbsession.flush()
        if planned:
            recheck_jobs(dbsession, job.resource_ids, now=now)
    if changed:
        job.updated_at = now
    dbsession.flush()
    return changed
