"""Managing what the board plans with: resources (technicians and equipment), their skills,
working weeks and time off; and the settings behind them — territories, skills, groups and
crews, the service catalog.

Every function takes `(dbsession, actor, ...)`: the pages, the coming API and imports run the
same rules. Whether the actor may do it at all is the caller's business (the row's ACL, the
settings' scope: views/dispatch/manage.py); here are the rules of the data, broken ones raised
as `UserError(message, field)`.

Nothing in use is deleted: a resource, a territory, a skill, a group or a service is retired
(`active=False`) and stays on the jobs and history that name it. What is attached to one
resource (a skill, a stretch of time off) is removed outright.

Planned jobs follow their resources: a change that can make a planned job invalid (a skill
removed or lowered, a certificate's date changed, time off added, the working week changed, a
resource retired) ends with `recheck_jobs`, which flags the future jobs it broke (and clears
the flag of those a change made valid again: a skill given back, time off removed).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from models.dispatch import (
    DEFAULT_ZONE,
    GROUP_KINDS,
    RESOURCE_KINDS,
    TIME_OFF_KINDS,
    Job,
    JobAssignment,
    Resource,
    ResourceGroup,
    ResourceSkill,
    Service,
    ServiceSkill,
    Skill,
    Territory,
    TimeOff,
)
from models.errors import UserError
from models.people import Department, User
from portal.core.i18n import _
from portal.dispatch.service import recheck_jobs
from portal.tickets.hours import DAYS, BusinessHours

LEVELS = range(1, 6)
# A service takes a minute to a fortnight of work; a time off lasts at most five years.
MAX_DURATION_MINUTES = 14 * 24 * 60
MAX_TIME_OFF = dt.timedelta(days=5 * 366)
MAX_PRICE = Decimal("9999999999.99")


def _name(text: str | None, limit: int = 200) -> str:
    return " ".join((text or "").split())[:limit]


def _get(dbsession, model, row_id: int | None, message, field: str, *, required: bool = False):
    """The row `row_id` of `model`; None when none is chosen (refused if `required`); a
    UserError naming `field` when the id names nothing."""
    if row_id is None:
        if required:
            raise UserError(message, field)
        return None
    row = dbsession.get(model, row_id)
    if row is None:
        raise UserError(message, field)
    return row


# --- resources --------------------------------------------------------------------------------

def save_resource(dbsession, actor: User, resource: Resource | None, *, kind: str,
                  name: str = "", user_id: int | None = None, equipment_type: str = "",
                  department_id: int | None = None, group_id: int | None = None,
                  territory_id: int | None = None, active: bool = True) -> Resource:
    """Create a resource (`resource` None) or change one. A technician is an employee: the
    person is chosen once, and one person is one resource at most (the unique index refuses a
    second even when two managers add the same person at the same instant). Its name is the
    person's unless another is given. Equipment needs a name and a type ("van")."""
    if resource is not None:
        kind = resource.kind  # a technician does not turn into a van
    if kind not in RESOURCE_KINDS:
        raise UserError(_("Choose a technician or a piece of equipment."), "kind")
    person = None
    if kind == "technician":
        if resource is not None:
            person = resource.user
        else:
            person = _get(dbsession, User, user_id, _("Choose the person from the list."), "user",
                          required=True)
            if not person.active:
                raise UserError(_("${name} can no longer log in: choose someone who works here.",
                                  mapping={"name": person.full_name}), "user")
            _refuse_second(dbsession, person)
    equipment_type = _name(equipment_type, 100) if kind == "equipment" else ""
    name = _name(name) or (person.full_name if person is not None else "")
    if not name:
        raise UserError(_("Give the equipment a name (e.g. “Van A123”)."), "name")
    if kind == "equipment" and not equipment_type:
        raise UserError(_("Give the equipment's type (van, lift, analyser…): services ask for "
                          "it."), "equipment_type")
    department = _get(dbsession, Department, department_id,
                      _("Choose the resource's department."), "department", required=True)
    group = _get(dbsession, ResourceGroup, group_id, _("Choose a group from the list."), "group")
    territory = _get(dbsession, Territory, territory_id, _("Choose a territory from the list."),
                     "territory")
    if group is not None and not group.active and (resource is None
                                                   or group.id != resource.group_id):
        raise UserError(_("“${group}” is retired: restore it first.",
                          mapping={"group": group.name}), "group")
    if territory is not None and not territory.active and (
            resource is None or territory.id != resource.territory_id):
        raise UserError(_("“${name}” is retired.", mapping={"name": territory.name}), "territory")
    new = resource is None
    if new:
        resource = Resource(kind=kind, user_id=person.id if person is not None else None,
                            hours={})
    # Retired or back: its planned jobs are checked again (flagged, or their flag cleared).
    toggled = not new and resource.active != bool(active)
    resource.equipment_type = equipment_type
    resource.set_name(name)
    resource.department_id = department.id
    resource.group_id = group.id if group is not None else None
    resource.territory_id = territory.id if territory is not None else None
    resource.active = bool(active) or new
    if new:
        try:
            # A savepoint: another manager may have added this person a moment ago.
            with dbsession.begin_nested():
                dbsession.add(resource)
                dbsession.flush()
        except sa.exc.IntegrityError:
            _refuse_second(dbsession, person)
            raise
    else:
        dbsession.flush()
    if toggled:
        recheck_jobs(dbsession, [resource.id])
    return resource


def _refuse_second(dbsession, person: User | None) -> None:
    if person is None:
        return
    existing = dbsession.scalar(sa.select(Resource).where(Resource.user_id == person.id))
    if existing is not None:
        raise UserError(_("${name} is already on the board (“${resource}”): a person is one "
                          "resource. Open that one to change it.",
                          mapping={"name": person.full_name, "resource": existing.name}), "user")


# --- skills of a resource -----------------------------------------------------------------------

def set_resource_skill(dbsession, actor: User, resource: Resource, *, skill_id: int | None,
                       level: int | None, expires: dt.date | None) -> ResourceSkill:
    """Give the technician a skill at `level` (1-5), or change its level or certificate date. A
    certified skill needs the certificate's expiry date; others have none."""
    if resource.kind != "technician":
        raise UserError(_("Only technicians have skills; equipment has a type."), "skill")
    skill = _get(dbsession, Skill, skill_id, _("Choose a skill from the list."), "skill",
                 required=True)
    if level not in LEVELS:
        raise UserError(_("A level is 1 (beginner) to 5 (expert)."), "level")
    held = next((s for s in resource.skills if s.skill_id == skill.id), None)
    if held is None and not skill.active:
        raise UserError(_("“${skill}” is retired: it is no longer given.",
                          mapping={"skill": skill.name}), "skill")
    if not skill.certified:
        expires = None
    elif expires is None:
        raise UserError(_("“${skill}” needs a certificate: give the date it expires.",
                          mapping={"skill": skill.name}), "expires")
    if held is None:
        held = ResourceSkill(skill_id=skill.id, skill=skill, level=level,
                             certificate_expires=expires)
        resource.skills.append(held)
    held.level, held.certificate_expires = level, expires
    dbsession.flush()
    # Lowered or a date changed: jobs may be flagged; raised or given: flags may clear.
    recheck_jobs(dbsession, [resource.id])
    return held


def remove_resource_skill(dbsession, actor: User, resource: Resource, skill_id: int | None) -> bool:
    """Take a skill from the technician (False: they did not have it)."""
    held = next((s for s in resource.skills if s.skill_id == skill_id), None)
    if held is None:
        return False
    resource.skills.remove(held)
    dbsession.flush()
    recheck_jobs(dbsession, [resource.id])
    return True


# --- the working week ------------------------------------------------------------------------------

def week_hours(zone: str, days: dict[str, str], keep: dict | None = None) -> dict:
    """The working week as the form gives it (one line of intervals per weekday, "09:00-13:00,
    14:00-18:00"), checked by the business-hours calendar; the holidays and special working days
    of `keep` (the stored calendar) stay. An empty week is allowed: the resource then has no
    working hours (stored as an empty week in its zone) and nothing can be planned for it.
    Raises UserError naming "zone" or "week.mon" … "week.sun"."""
    keep = keep or {}
    week = {d: days[d] for d in DAYS if (days.get(d) or "").strip()}
    data = {"zone": zone, "week": week, "holidays": keep.get("holidays") or [],
            "workdays": keep.get("workdays") or {}}
    if not week:
        # from_data refuses a calendar without working time: check the zone on a day of it.
        BusinessHours.from_data({"zone": zone, "week": {"mon": "00:00-01:00"}})
        return {"zone": zone, "week": {}}
    return BusinessHours.from_data(data).to_data()


def set_hours(dbsession, actor: User, resource: Resource, *, zone: str,
              days: dict[str, str]) -> dict:
    """Change the resource's working week (see `week_hours`); its planned jobs are checked
    again when it changed."""
    hours = week_hours(zone, days, resource.hours)
    if hours != (resource.hours or {}):
        resource.hours = hours
        dbsession.flush()
        recheck_jobs(dbsession, [resource.id])
    return hours


def flagged_jobs(dbsession, resource: Resource, now: dt.datetime, limit: int = 50) -> list[Job]:
    """The resource's planned jobs still ahead that a change made invalid (soonest first)."""
    return list(dbsession.scalars(
        sa.select(Job).where(
            Job.id.in_(sa.select(JobAssignment.job_id)
                       .where(JobAssignment.resource_id == resource.id)),
            Job.state.in_(("scheduled", "dispatched")), Job.ends_at > now, Job.flagged != "")
        .order_by(Job.starts_at, Job.id).limit(limit)))


def has_hours(resource: Resource) -> bool:
    """Whether anything can be planned within the resource's working week."""
    week = (resource.hours or {}).get("week") or {}
    return any(week.get(d) for d in DAYS)


def zone_of(resource: Resource) -> str:
    return (resource.hours or {}).get("zone") or DEFAULT_ZONE


# --- time off ------------------------------------------------------------------------------

def add_time_off(dbsession, actor: User, resource: Resource, *, starts_at: dt.datetime | None,
                 ends_at: dt.datetime | None, kind: str, note: str = "") -> TimeOff:
    """A stretch [starts_at, ends_at) when the resource cannot work (UTC instants); the planned
    jobs it covers are flagged."""
    if kind not in TIME_OFF_KINDS:
        raise UserError(_("Choose what kind of absence it is."), "kind")
    if starts_at is None:
        raise UserError(_("Give the start."), "starts_at")
    if ends_at is None:
        raise UserError(_("Give the end."), "ends_at")
    if ends_at <= starts_at:
        raise UserError(_("The end must come after the start."), "ends_at")
    if ends_at - starts_at > MAX_TIME_OFF:
        raise UserError(_("At most five years at once, please."), "ends_at")
    off = TimeOff(resource_id=resource.id, kind=kind, starts_at=starts_at, ends_at=ends_at,
                  note=_name(note, 500))
    dbsession.add(off)
    dbsession.flush()
    recheck_jobs(dbsession, [resource.id])
    return off


def remove_time_off(dbsession, actor: User, resource: Resource, time_off_id: int | None) -> bool:
    """Remove a stretch of the resource's time off (False: none of its own by that id)."""
    off = dbsession.get(TimeOff, time_off_id) if time_off_id is not None else None
    if off is None or off.resource_id != resource.id:
        return False
    dbsession.delete(off)
    dbsession.flush()
    recheck_jobs(dbsession, [resource.id])  # the jobs it covered are valid again
    return True


def time_off_of(dbsession, resource: Resource, since: dt.datetime, limit: int = 100) -> list[TimeOff]:
    """The resource's time off that ends after `since`, soonest first."""
    return list(dbsession.scalars(
        sa.select(TimeOff).where(TimeOff.resource_id == resource.id, TimeOff.ends_at > since)
        .order_by(TimeOff.starts_at, TimeOff.id).limit(limit)))


# --- territories, skills, groups and crews -------------------------------------------------------

def _unique_name(dbsession, model, row, name: str, message) -> None:
    clash = dbsession.scalar(sa.select(model.id).where(model.name == name))
    if clash is not None and (row is None or clash != row.id):
        raise UserError(message, "name")


def _saved(dbsession, row, message):
    """Flush a new or renamed row in a savepoint: two managers adding one name at the same
    instant — the unique index refuses the second, who is told as if the check had seen it."""
    try:
        with dbsession.begin_nested():
            dbsession.add(row)
            dbsession.flush()
    except sa.exc.IntegrityError:
        raise UserError(message, "name") from None
    return row


def save_territory(dbsession, actor: User, territory: Territory | None, *, name: str,
                   active: bool = True) -> Territory:
    name = _name(name)
    if not name:
        raise UserError(_("Give the territory a name."), "name")
    taken = _("Another territory has this name.")
    _unique_name(dbsession, Territory, territory, name, taken)
    territory = territory or Territory()
    territory.name, territory.active = name, bool(active)
    return _saved(dbsession, territory, taken)


def save_skill(dbsession, actor: User, skill: Skill | None, *, name: str, certified: bool = False,
               active: bool = True) -> Skill:
    """A skill of the catalog; `certified`: holding it needs a certificate with an expiry date."""
    name = _name(name)
    if not name:
        raise UserError(_("Give the skill a name."), "name")
    taken = _("Another skill has this name.")
    _unique_name(dbsession, Skill, skill, name, taken)
    skill = skill or Skill()
    skill.name, skill.certified, skill.active = name, bool(certified), bool(active)
    return _saved(dbsession, skill, taken)


def save_group(dbsession, actor: User, group: ResourceGroup | None, *, name: str, kind: str,
               department_id: int | None, active: bool = True) -> ResourceGroup:
    """A group of the board's rows (a team) or a crew (booked as a whole)."""
    name = _name(name)
    if not name:
        raise UserError(_("Give the group a name."), "name")
    if kind not in GROUP_KINDS:
        raise UserError(_("Choose a group or a crew."), "kind")
    department = _get(dbsession, Department, department_id,
                      _("Choose the group's department."), "department", required=True)
    taken = _("Another group or crew has this name.")
    _unique_name(dbsession, ResourceGroup, group, name, taken)
    group = group or ResourceGroup()
    group.name, group.kind, group.department_id = name, kind, department.id
    group.active = bool(active)
    return _saved(dbsession, group, taken)


def add_member(dbsession, actor: User, group: ResourceGroup, resource: Resource) -> None:
    """Put the resource in the group or crew (a resource is in one at most: it leaves its
    former one)."""
    if not group.active:
        raise UserError(_("“${group}” is retired: restore it first.",
                          mapping={"group": group.name}), "resource")
    if not resource.active:
        raise UserError(_("“${name}” is retired.", mapping={"name": resource.name}), "resource")
    resource.group_id = group.id
    dbsession.flush()


def remove_member(dbsession, actor: User, group: ResourceGroup, resource: Resource) -> bool:
    if resource.group_id != group.id:
        return False
    resource.group_id = None
    dbsession.flush()
    return True


# --- the service catalog --------------------------------------------------------------------------

def save_service(dbsession, actor: User, service: Service | None, *, name: str,
                 duration_minutes: int | None, equipment_type: str = "",
                 price: Decimal | None = None, active: bool = True) -> Service:
    """An entry of the catalog: how long it takes by default, the type of equipment it needs
    ("" for none), its price."""
    name = _name(name)
    if not name:
        raise UserError(_("Give the service a name."), "name")
    if duration_minutes is None or not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise UserError(_("A duration is 1 minute to 14 days, in minutes."), "duration")
    price = price if price is not None else Decimal(0)
    if not Decimal(0) <= price <= MAX_PRICE:
        raise UserError(_("A price is a sum from 0 up."), "price")
    taken = _("Another service has this name.")
    _unique_name(dbsession, Service, service, name, taken)
    service = service or Service()
    service.name, service.duration_minutes = name, duration_minutes
    service.equipment_type, service.price = _name(equipment_type, 100), price
    service.active = bool(active)
    return _saved(dbsession, service, taken)


def set_service_skill(dbsession, actor: User, service: Service, *, skill_id: int | None,
                      min_level: int | None) -> ServiceSkill:
    """The service needs the skill at `min_level` at least (added, or its level changed)."""
    skill = _get(dbsession, Skill, skill_id, _("Choose a skill from the list."), "skill",
                 required=True)
    if min_level not in LEVELS:
        raise UserError(_("A level is 1 (beginner) to 5 (expert)."), "level")
    needed = next((s for s in service.skills if s.skill_id == skill.id), None)
    if needed is None:
        if not skill.active:
            raise UserError(_("“${skill}” is retired: it is no longer given.",
                              mapping={"skill": skill.name}), "skill")
        needed = ServiceSkill(skill_id=skill.id, skill=skill)
        service.skills.append(needed)
    needed.min_level = min_level
    dbsession.flush()
    return needed


def remove_service_skill(dbsession, actor: User, service: Service, skill_id: int | None) -> bool:
    needed = next((s for s in service.skills if s.skill_id == skill_id), None)
    if needed is None:
        return False
    service.skills.remove(needed)
    dbsession.flush()
    return True


def parse_price(text: str) -> Decimal | None:
    """A price as typed ("4500", "4 500,50"); None when blank; UserError when not a sum."""
    text = "".join((text or "").split()).replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not Decimal(0) <= value <= MAX_PRICE:
        raise UserError(_("“${value}” is not a price: write a sum such as 4500 or 4500.50.",
                          mapping={"value": text[:30]}), "price")
    return value.quantize(Decimal("0.01"))
