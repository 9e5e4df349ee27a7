"""The screens that manage what the dispatcher's board plans with.

    /dispatch/resources            technicians and equipment: search, filters, 50 a page
                                   (resource.view, filtered in SQL); "Add technician" and
                                   "Add equipment" (resource.manage) → @@add?kind=…
    /dispatch/resources/17         one resource: details, skills with levels and certificates,
                                   the working week, time off (view; changes: manage on the row)
    /dispatch/settings             the service catalog, skills, territories, groups and crews

Who changes what. A resource is changed by whoever may `manage` it (its ACL: the role matrix
for "resource", department scope = its department), and put only in a department where they
could manage it. The settings shared by every department — the catalog, skills and
territories — need resource.manage over all departments (dispatchers, directors); a group or
crew belongs to a department and follows the resource rule, as do its members.

Small forms answer with a redirect and a flashed message; the details form is shown again with
the problems next to its fields.
"""
from __future__ import annotations

import datetime as dt
from math import ceil
from urllib.parse import urlencode

import colander
import sqlalchemy as sa
from babel.dates import get_day_names
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload

from models.dispatch import (
    RESOURCE_KINDS,
    TIME_OFF_KINDS,
    Resource,
    ResourceGroup,
    ResourceSkill,
    Service,
    ServiceSkill,
    Skill,
    Territory,
)
from models.errors import UserError
from models.meta import utcnow
from models.people import Department, User, fold
from portal.core.forms import DateText, flag_field, id_field, read_fields, schema_of, squeezed, text
from portal.core.i18n import (
    _,
    babel_locale,
    local_today,
    timezone_choices,
    timezone_label,
    timezone_options,
    zone_named,
)
from portal.core.parsing import local_moment, parse_int
from portal.dispatch import manage
from portal.dispatch.resources import DispatchSettings, Resources
from portal.dispatch.security import visible_resources
from portal.dispatch.service import flag_titles
from portal.resources import locate
from portal.security.filters import best_scope
from portal.tickets.hours import DAYS

PAGE_SIZE = 50
# A certificate expiring within this many days is shown as a warning.
EXPIRING_DAYS = 30
KIND_TITLES = {"technician": _("Technician"), "equipment": _("Equipment")}
GROUP_KIND_TITLES = {"group": _("Group"), "crew": _("Crew")}
TIME_OFF_TITLES = {"time_off": _("Time off"), "sick": _("Sick leave"), "training": _("Training"),
                   "unavailable": _("Unavailable (repair, service)")}


# --- who may change what ----------------------------------------------------------------------------

def may_manage_in(request, department_id: int | None) -> bool:
    """Whether the user could manage a resource of that department (its ACL decides: a probe
    row of that department, placed in the tree, is asked)."""
    probe = Resource(kind="equipment", department_id=department_id)
    probe.__parent__, probe.__name__ = request.root["dispatch"]["resources"], "new"
    return bool(request.has_permission("manage", probe))


def manageable_departments(request, keep: int | None = None) -> list[Department]:
    """The departments the user may put a resource or a group in (and `keep`, the current one)."""
    rows = request.dbsession.scalars(sa.select(Department).order_by(Department.name))
    return [d for d in rows if d.id == keep or may_manage_in(request, d.id)]


def may_manage_catalog(request) -> bool:
    """The catalog, skills and territories serve every department: resource.manage over all."""
    return best_scope(request, "resource", "manage") == "all"


def must(allowed: bool) -> None:
    if not allowed:
        raise HTTPForbidden()


def flash_error(request, error: UserError) -> None:
    request.session.flash(request.translate(error.message), "error")


def back(request, context, anchor: str = "", **query) -> HTTPSeeOther:
    url = request.resource_url(context, query=query) if query else request.resource_url(context)
    return HTTPSeeOther(url + (f"#{anchor}" if anchor else ""))


def nav(request, current: str) -> dict:
    """The small navigation of these pages."""
    dispatch = request.root["dispatch"]
    return {"nav_current": current,
            "nav_resources": request.resource_url(dispatch["resources"]),
            "nav_settings": request.resource_url(dispatch["settings"])}


def choices(request) -> dict:
    db = request.dbsession
    return {
        "territories": list(db.scalars(sa.select(Territory).order_by(Territory.name))),
        "groups": list(db.scalars(sa.select(ResourceGroup).order_by(ResourceGroup.name))),
        "skills": list(db.scalars(sa.select(Skill).order_by(Skill.name))),
        "kind_titles": KIND_TITLES,
        "group_kind_titles": GROUP_KIND_TITLES,
    }


# --- the list --------------------------------------------------------------------------------------

class Filters:
    def __init__(self, params):
        kind = params.get("kind", "")
        self.q = " ".join(str(params.get("q", "")).split())[:200]
        self.kind = kind if kind in RESOURCE_KINDS else ""
        self.territory = parse_int(params.get("territory", ""))
        self.group = parse_int(params.get("group", ""))
        self.skill = parse_int(params.get("skill", ""))
        self.retired = params.get("retired", "") == "1"
        self.page = max(1, min(parse_int(params.get("page", "1")) or 1, 10_000))

    def params(self, **changes) -> dict:
        values = {"q": self.q, "kind": self.kind, "territory": self.territory,
                  "group": self.group, "skill": self.skill,
                  "retired": "1" if self.retired else "", "page": self.page, **changes}
        return {k: v for k, v in values.items() if v not in (None, "") and not (k == "page"
                                                                               and v == 1)}

    @property
    def any(self) -> bool:
        return bool(self.q or self.kind or self.territory or self.group or self.skill
                    or self.retired)

    def where(self, stmt):
        if self.q:
            stmt = stmt.where(Resource.search_text.contains(fold(self.q), autoescape=True))
        if self.kind:
            stmt = stmt.where(Resource.kind == self.kind)
        if self.territory is not None:
            stmt = stmt.where(Resource.territory_id == self.territory)
        if self.group is not None:
            stmt = stmt.where(Resource.group_id == self.group)
        if self.skill is not None:
            stmt = stmt.where(Resource.id.in_(sa.select(ResourceSkill.resource_id)
                                              .where(ResourceSkill.skill_id == self.skill)))
        if not self.retired:
            stmt = stmt.where(Resource.active)
        return stmt


@view_config(context=Resources, renderer="dispatch/manage/list.jinja2", permission="view",
             request_method="GET")
def resource_list(request):
    db = request.dbsession
    f = Filters(request.GET)
    stmt = f.where(sa.select(Resource).where(visible_resources(request, "view")))
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(f.page, pages)
    rows = db.scalars(
        stmt.options(joinedload(Resource.group), joinedload(Resource.territory),
                     joinedload(Resource.department),
                     selectinload(Resource.skills).joinedload(ResourceSkill.skill))
        .order_by(Resource.active.desc(), Resource.name, Resource.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).unique().all()
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        changes.setdefault("page", 1)
        query = urlencode(f.params(**changes))
        return f"{base}?{query}" if query else base

    return {
        "title": _("Technicians and equipment"),
        "f": f,
        "resources": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "page_url": lambda p: url(page=p),
        "reset_url": base,
        "may_manage": request.has_permission("manage", request.context),
        "has_hours": manage.has_hours,
        **choices(request),
        **nav(request, "resources"),
    }


# --- adding one ------------------------------------------------------------------------------------

def resource_schema():
    return schema_of(
        text(squeezed(12), name="kind"), text(squeezed(200), name="name"), id_field("user"),
        text(squeezed(100), name="equipment_type"), id_field("department"), id_field("group"),
        id_field("territory"), flag_field("active"))


def people_without_resource(request) -> list[User]:
    taken = sa.select(Resource.user_id).where(Resource.user_id.is_not(None))
    return list(request.dbsession.scalars(
        sa.select(User).where(User.active, User.id.not_in(taken)).order_by(User.full_name)))


def read_resource(request, resource: Resource | None):
    """The details form read and saved: (resource, {}) or (None, problems) with what was typed."""
    values, problems = read_fields(resource_schema(), request.POST)
    if problems:
        return None, problems, values
    department = values["department"]
    moved = resource is None or department != resource.department_id
    if department is not None and moved and not may_manage_in(request, department):
        problems["department"] = _("You may not manage resources of that department.")
        return None, problems, values
    group = request.dbsession.get(ResourceGroup, values["group"]) if values["group"] else None
    if group is not None and (resource is None or group.id != resource.group_id) and not (
            may_manage_in(request, group.department_id)):
        problems["group"] = _("You may not manage that group.")
        return None, problems, values
    try:
        saved = manage.save_resource(
            request.dbsession, request.identity.user, resource, kind=values["kind"],
            name=values["name"], user_id=values["user"], equipment_type=values["equipment_type"],
            department_id=department, group_id=values["group"],
            territory_id=values["territory"], active=values["active"])
    except UserError as error:
        problems[error.field or "name"] = error.message
        return None, problems, values
    return saved, {}, values


@view_config(context=Resources, name="add", renderer="dispatch/manage/add.jinja2",
             permission="manage")
def add_resource(request):
    kind = request.params.get("kind", "technician")
    kind = kind if kind in RESOURCE_KINDS else "technician"
    problems: dict = {}
    values: dict = {}
    if request.method == "POST":
        resource, problems, values = read_resource(request, None)
        if resource is not None:
            request.session.flash(request.translate(_("“${name}” is added. Give it its working "
                                                      "hours and skills.",
                                                      mapping={"name": resource.name})))
            return HTTPSeeOther(request.resource_url(locate(request, resource)))
        request.response.status = 400
    departments = manageable_departments(request)
    return {
        "title": _("Add technician") if kind == "technician" else _("Add equipment"),
        "kind": kind,
        "v": values,
        "problems": problems,
        "people": people_without_resource(request) if kind == "technician" else [],
        "departments": departments,
        **choices(request),
        **nav(request, "resources"),
    }


# --- one resource ------------------------------------------------------------------------------------

def resource_page(request, resource: Resource, problems=None, values=None, *,
                  form: str = "details") -> dict:
    """The resource's page; `form` names the form whose `problems` and typed `values` it shows
    again ("details", "hours" or "time_off")."""
    db = request.dbsession
    zone = manage.zone_of(resource)
    names = get_day_names("wide", locale=babel_locale(request.locale_name))
    today = local_today(request)
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    may = request.has_permission("manage", resource)
    since = utcnow() - dt.timedelta(days=1)
    held = {s.skill_id for s in resource.skills}
    return {
        "title": resource.name,
        "resource": resource,
        "may_manage": may,
        "zone": zone,
        "zone_label": timezone_label(request, zone),
        "zones": timezone_options(request, timezone_choices()),
        "week": (resource.hours or {}).get("week") or {},
        "has_hours": manage.has_hours(resource),
        "days": [(d, names[i].capitalize()) for i, d in enumerate(DAYS)],
        "skill_state": {s.id: ("expired" if s.certificate_expires and s.certificate_expires < today
                               else "expiring" if s.certificate_expires
                               and s.certificate_expires <= soon else "")
                        for s in resource.skills},
        "new_skills": [s for s in db.scalars(sa.select(Skill).where(Skill.active)
                                             .order_by(Skill.name)) if s.id not in held],
        "time_off": manage.time_off_of(db, resource, since),
        "flagged": [(job, flag_titles(job), request.has_permission("view", locate(request, job)))
                    for job in manage.flagged_jobs(db, resource, utcnow())] if may else [],
        "local": lambda moment: moment.astimezone(zone_named(zone)).strftime(
            "%Y-%m-%d %H:%M"),
        "time_off_kinds": [(k, TIME_OFF_TITLES[k]) for k in TIME_OFF_KINDS],
        "time_off_titles": TIME_OFF_TITLES,
        "departments": manageable_departments(request, resource.department_id) if may else [],
        "problems": (problems or {}) if form == "details" else {},
        "v": (values or {}) if form == "details" else {},
        "hours_problems": (problems or {}) if form == "hours" else {},
        "hours_v": (values or {}) if form == "hours" else {},
        "off_problems": (problems or {}) if form == "time_off" else {},
        "off_v": (values or {}) if form == "time_off" else {},
        **choices(request),
        **nav(request, "resources"),
    }


def shown_again(request, resource: Resource, form: str, problems: dict, values: dict) -> dict:
    """The page again with a form's problems next to its fields (400)."""
    request.response.status = 400
    return resource_page(request, resource, problems, values, form=form)


@view_config(context=Resource, renderer="dispatch/manage/resource.jinja2", permission="view",
             request_method="GET")
def resource_view(request):
    return resource_page(request, request.context)


@view_config(context=Resource, name="edit", renderer="dispatch/manage/resource.jinja2",
             permission="manage", request_method="POST")
def resource_edit(request):
    resource, problems, values = read_resource(request, request.context)
    if resource is None:
        return shown_again(request, request.context, "details", problems, values)
    request.session.flash(request.translate(_("Saved.")))
    return back(request, resource)


SKILL_OF_RESOURCE = schema_of(id_field("skill"), id_field("level"),
                              colander.SchemaNode(DateText(), name="expires", missing=None))


@view_config(context=Resource, name="skill", permission="manage", request_method="POST")
def resource_skill(request):
    resource = request.context
    if request.POST.get("remove"):
        manage.remove_resource_skill(request.dbsession, request.identity.user, resource,
                                     parse_int(request.POST.get("skill", "")))
        return back(request, resource, "skills")
    values, problems = read_fields(SKILL_OF_RESOURCE, request.POST)
    try:
        if problems:
            raise UserError(next(iter(problems.values())), next(iter(problems)))
        manage.set_resource_skill(request.dbsession, request.identity.user, resource,
                                  skill_id=values["skill"], level=values["level"],
                                  expires=values["expires"])
    except UserError as error:
        flash_error(request, error)
    else:
        request.session.flash(request.translate(_("Saved.")))
    return back(request, resource, "skills")


HOURS = schema_of(text(squeezed(64), name="zone"),
                  *(text(squeezed(200), name=f"day_{d}") for d in DAYS))


@view_config(context=Resource, name="hours", renderer="dispatch/manage/resource.jinja2",
             permission="manage", request_method="POST")
def resource_hours(request):
    resource = request.context
    values, problems = read_fields(HOURS, request.POST)
    if not problems:
        try:
            hours = manage.set_hours(request.dbsession, request.identity.user, resource,
                                     zone=values["zone"],
                                     days={d: values[f"day_{d}"] for d in DAYS})
        except UserError as error:
            # The calendar names "week.mon"; the form's field is "day_mon".
            problems[(error.field or "week").replace("week.", "day_")] = error.message
    if problems:
        return shown_again(request, resource, "hours", problems, values)
    if not hours.get("week"):
        request.session.flash(request.translate(_(
            "Saved, with no working hours: nothing can be planned for “${name}”.",
            mapping={"name": resource.name})), "warning")
    else:
        request.session.flash(request.translate(_("Saved.")))
    return back(request, resource, "hours")


TIME_OFF = schema_of(text(squeezed(20), name="kind"), text(squeezed(40), name="starts_at"),
                     text(squeezed(40), name="ends_at"), text(squeezed(500), name="note"))


@view_config(context=Resource, name="time-off", renderer="dispatch/manage/resource.jinja2",
             permission="manage", request_method="POST")
def resource_time_off(request):
    resource = request.context
    user = request.identity.user
    if request.POST.get("remove"):
        manage.remove_time_off(request.dbsession, user, resource,
                               parse_int(request.POST.get("remove", "")))
        return back(request, resource, "time-off")
    values, problems = read_fields(TIME_OFF, request.POST)
    zone = zone_named(manage.zone_of(resource))
    if not problems:
        try:
            manage.add_time_off(
                request.dbsession, user, resource, kind=values["kind"],
                starts_at=local_moment(values["starts_at"], zone, "starts_at"),
                ends_at=local_moment(values["ends_at"], zone, "ends_at", end=True),
                note=values["note"])
        except UserError as error:
            problems[error.field or "starts_at"] = error.message
    if problems:
        return shown_again(request, resource, "time_off", problems, values)
    request.session.flash(request.translate(_("Saved.")))
    return back(request, resource, "time-off")


# --- the settings ----------------------------------------------------------------------------------

def settings_page(request) -> dict:
    db = request.dbsession
    service_id = parse_int(request.GET.get("service", ""))
    group_id = parse_int(request.GET.get("group", ""))
    edit = db.get(Service, service_id) if service_id is not None else None
    group = db.get(ResourceGroup, group_id) if group_id is not None else None
    may_group = {g.id: may_manage_in(request, g.department_id)
                 for g in db.scalars(sa.select(ResourceGroup))}
    members = []
    candidates = []
    if group is not None:
        members = list(db.scalars(sa.select(Resource).where(Resource.group_id == group.id)
                                  .order_by(Resource.name)))
        if may_group.get(group.id):
            candidates = list(db.scalars(
                sa.select(Resource).where(Resource.active, visible_resources(request, "manage"),
                                          sa.or_(Resource.group_id.is_(None),
                                                 Resource.group_id != group.id))
                .order_by(Resource.name).limit(500)))
    return {
        "title": _("Services and settings"),
        "services": list(db.scalars(sa.select(Service).options(
            selectinload(Service.skills).joinedload(ServiceSkill.skill)).order_by(Service.name))),
        "edit": edit,
        "group": group,
        "members": members,
        "candidates": candidates,
        "may_catalog": may_manage_catalog(request),
        "may_group": may_group,
        "may_groups": request.has_permission("manage", request.context),
        "departments": manageable_departments(request),
        "all_departments": {d.id: d.name for d in db.scalars(sa.select(Department))},
        **choices(request),
        **nav(request, "settings"),
    }


@view_config(context=DispatchSettings, renderer="dispatch/manage/settings.jinja2",
             permission="view", request_method="GET")
def settings_view(request):
    return settings_page(request)


SERVICE = schema_of(text(squeezed(200), name="name"), text(squeezed(20), name="duration"),
                    text(squeezed(100), name="equipment_type"), text(squeezed(30), name="price"),
                    flag_field("active"))


@view_config(context=DispatchSettings, name="service", permission="manage",
             request_method="POST")
def service_save(request):
    must(may_manage_catalog(request))
    db = request.dbsession
    service_id = parse_int(request.POST.get("id", ""))
    service = db.get(Service, service_id) if service_id is not None else None
    values, problems = read_fields(SERVICE, request.POST)
    try:
        if problems:
            raise UserError(next(iter(problems.values())), next(iter(problems)))
        duration = parse_int(values["duration"], maximum=10**9)
        service = manage.save_service(
            db, request.identity.user, service, name=values["name"],
            duration_minutes=duration, equipment_type=values["equipment_type"],
            price=manage.parse_price(values["price"]),
            active=values["active"] or service is None)
    except UserError as error:
        flash_error(request, error)
        return back(request, request.context, "services",
                    **({"service": service.id} if service is not None else {}))
    request.session.flash(request.translate(_("Saved.")))
    return back(request, request.context, "services", service=service.id)


SERVICE_SKILL = schema_of(id_field("id"), id_field("skill"), id_field("level"))


@view_config(context=DispatchSettings, name="service-skill", permission="manage",
             request_method="POST")
def service_skill(request):
    must(may_manage_catalog(request))
    db = request.dbsession
    values, _problems = read_fields(SERVICE_SKILL, request.POST)
    service = db.get(Service, values["id"]) if values["id"] is not None else None
    if service is None:
        request.session.flash(request.translate(_("That service is no longer in the catalog.")),
                              "error")
        return back(request, request.context, "services")
    if request.POST.get("remove"):
        manage.remove_service_skill(db, request.identity.user, service, values["skill"])
    else:
        try:
            manage.set_service_skill(db, request.identity.user, service,
                                     skill_id=values["skill"], min_level=values["level"])
        except UserError as error:
            flash_error(request, error)
    return back(request, request.context, "services", service=service.id)


NAMED = schema_of(id_field("id"), text(squeezed(200), name="name"), flag_field("certified"),
                  flag_field("active"), text(squeezed(10), name="kind"), id_field("department"))


def _named_row(request, model, anchor: str):
    """The row a small settings form names by `id` (None: a new one), or a redirect saying it is
    gone."""
    values, problems = read_fields(NAMED, request.POST)
    row = None
    if values["id"] is not None:
        row = request.dbsession.get(model, values["id"])
        if row is None:
            request.session.flash(request.translate(_("It was removed meanwhile.")), "error")
            return values, problems, None, back(request, request.context, anchor)
    return values, problems, row, None


@view_config(context=DispatchSettings, name="skill", permission="manage", request_method="POST")
def skill_save(request):
    must(may_manage_catalog(request))
    values, problems, skill, gone = _named_row(request, Skill, "skills")
    if gone is not None:
        return gone
    try:
        if problems:
            raise UserError(next(iter(problems.values())), next(iter(problems)))
        manage.save_skill(request.dbsession, request.identity.user, skill, name=values["name"],
                          certified=values["certified"], active=values["active"] or skill is None)
    except UserError as error:
        flash_error(request, error)
    else:
        request.session.flash(request.translate(_("Saved.")))
    return back(request, request.context, "skills")


@view_config(context=DispatchSettings, name="territory", permission="manage",
             request_method="POST")
def territory_save(request):
    must(may_manage_catalog(request))
    values, problems, territory, gone = _named_row(request, Territory, "territories")
    if gone is not None:
        return gone
    try:
        if problems:
            raise UserError(next(iter(problems.values())), next(iter(problems)))
        manage.save_territory(request.dbsession, request.identity.user, territory,
                              name=values["name"], active=values["active"] or territory is None)
    except UserError as error:
        flash_error(request, error)
    else:
        request.session.flash(request.translate(_("Saved.")))
    return back(request, request.context, "territories")


@view_config(context=DispatchSettings, name="group", permission="manage", request_method="POST")
def group_save(request):
    values, problems, group, gone = _named_row(request, ResourceGroup, "groups")
    if gone is not None:
        return gone
    # Both the group's department and the one it moves to must be the manager's.
    must(group is None or may_manage_in(request, group.department_id))
    if values["department"] is not None and not may_manage_in(request, values["department"]):
        problems["department"] = _("You may not manage resources of that department.")
    try:
        if problems:
            raise UserError(next(iter(problems.values())), next(iter(problems)))
        group = manage.save_group(request.dbsession, request.identity.user, group,
                                  name=values["name"], kind=values["kind"],
                                  department_id=values["department"],
                                  active=values["active"] or group is None)
    except UserError as error:
        flash_error(request, error)
        return back(request, request.context, "groups")
    request.session.flash(request.translate(_("Saved.")))
    return back(request, request.context, "groups", group=group.id)


MEMBER = schema_of(id_field("id"), id_field("resource"))


@view_config(context=DispatchSettings, name="member", permission="manage", request_method="POST")
def group_member(request):
    db = request.dbsession
    values, _problems = read_fields(MEMBER, request.POST)
    group = db.get(ResourceGroup, values["id"]) if values["id"] is not None else None
    if group is None:
        request.session.flash(request.translate(_("It was removed meanwhile.")), "error")
        return back(request, request.context, "groups")
    must(may_manage_in(request, group.department_id))
    resource = db.get(Resource, values["resource"]) if values["resource"] is not None else None
    try:
        if resource is None:
            raise UserError(_("Choose a technician or a piece of equipment from the list."),
                            "resource")
        must(request.has_permission("manage", locate(request, resource)))
        if request.POST.get("remove"):
            manage.remove_member(db, request.identity.user, group, resource)
        else:
            manage.add_member(db, request.identity.user, group, resource)
    except UserError as error:
        flash_error(request, error)
    return back(request, request.context, "groups", group=group.id)
