"""Reading the interaction forms: the main form (log or plan one), the result form with its next
steps, and the reschedule form. Plain HTML forms rather than deform, because their parts depend
on each other (organization → its contacts; any number of next steps; inline in My day); the
rules live in portal/interactions/rules.py.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.clients import Interaction, Organization
from models.meta import utcnow
from models.people import Department, Membership, User
from portal.clients.rules import classifiers
from portal.core.i18n import _
from portal.interactions.rules import (
    MAX_FOLLOW_UPS,
    TEXT_MAX,
    FieldProblem,
    FollowUp,
    NewInteraction,
    Problems,
    clean_subject,
    clean_text,
    next_hour,
    parse_instant,
    resolve_client,
    responsible_user,
    result_entry,
    valid_color,
    valid_direction,
    valid_kind,
)

STEP_KEY = re.compile(r"^steps-(\d{1,2})-(kind|responsible|date|time|subject)$")


def local_parts(request, when: dt.datetime | None) -> tuple[str, str]:
    """A UTC moment as the user's local (date, time) strings for the inputs."""
    if when is None:
        return "", ""
    local = when.astimezone(request.user_timezone)
    return local.date().isoformat(), local.strftime("%H:%M")


# --- choices ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    """Someone to choose: what a choice list shows of a person."""

    id: int
    full_name: str
    position: str = ""
    active: bool = True


@dataclass
class PeopleChoices:
    """"Me" first, then active people by department (who may be given work)."""

    me: User
    groups: list[tuple[str, list[Person]]]


def people_choices(request, keep_id: int | None = None) -> PeopleChoices:
    """Everyone who may be given work, by department: one query of names, no ORM objects
    (thousands of people are listed on the interaction forms and the list's filter)."""
    me = request.identity.user
    rows = request.dbsession.execute(
        sa.select(User.id, User.full_name, User.position, User.active, Department.name)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Department, Department.id == Membership.department_id)
        .where(sa.or_(User.active, User.id == keep_id) if keep_id else User.active)
        .order_by(User.full_name, User.id))
    groups: dict[str, list[Person]] = {}
    for user_id, full_name, position, active, department in rows:
        groups.setdefault(department or "", []).append(
            Person(user_id, full_name, position or "", bool(active)))
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))
    return PeopleChoices(me, ordered)


def result_choices(request, keep_id: int | None = None):
    return classifiers(request.dbsession, "interaction_result", keep_id=keep_id)


# --- next steps ---------------------------------------------------------------------------------

@dataclass
class StepValues:
    kind: str = "call"
    responsible: str = ""
    date: str = ""
    time: str = "10:00"
    subject: str = ""

    @property
    def empty(self) -> bool:
        return not (self.date.strip() or self.subject.strip())


def read_steps(post, me_id: int) -> list[StepValues]:
    rows: dict[int, dict] = {}
    for key, value in post.items():
        match = STEP_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    out = []
    for index in sorted(rows)[:MAX_FOLLOW_UPS]:
        row = rows[index]
        out.append(StepValues(kind=row.get("kind") or "call",
                              responsible=row.get("responsible") or str(me_id),
                              date=row.get("date", ""), time=row.get("time", ""),
                              subject=row.get("subject", "")))
    return out


def blank_step(request) -> StepValues:
    return StepValues(responsible=str(request.identity.user.id))


def parse_steps(request, steps: list[StepValues], problems: dict) -> list[FollowUp]:
    """The filled-in next steps as FollowUps; problems keyed steps-<i>-<field>."""
    out = []
    zone = request.user_timezone
    for i, step in enumerate(steps):
        if step.empty:
            continue
        prefix = f"steps-{i}-"
        try:
            kind = valid_kind(step.kind)
        except FieldProblem as p:
            problems[prefix + "kind"] = p.message
            kind = "call"
        try:
            who = responsible_user(request.dbsession, step.responsible)
        except FieldProblem as p:
            problems[prefix + "responsible"] = p.message
            who = None
        try:
            subject = clean_subject(step.subject)
        except FieldProblem as p:
            problems[prefix + "subject"] = p.message
            subject = ""
        try:
            when = parse_instant(step.date, step.time, zone, prefix)
        except Problems as p:
            problems.update(p.problems)
            when = None
        if who is not None and when is not None:
            out.append(FollowUp(kind=kind, responsible=who, planned_at=when, subject=subject))
    return out


# --- the result form ----------------------------------------------------------------------------

@dataclass
class ResultValues:
    result: str = ""
    result_text: str = ""
    version: str = ""
    steps: list[StepValues] = field(default_factory=list)


def result_values(request, item: Interaction) -> ResultValues:
    return ResultValues(result=str(item.result_id or ""), result_text=item.result_text or "",
                        version=str(item.version), steps=[blank_step(request)])


def read_result(request, item: Interaction, post):
    """The posted result form → (values to show again, {field: problem}, parsed or None)."""
    me = request.identity.user
    values = ResultValues(result=post.get("result", ""), result_text=post.get("result_text", ""),
                          version=post.get("version", ""), steps=read_steps(post, me.id))
    problems: dict = {}
    try:
        result = result_entry(request.dbsession, values.result, keep_id=item.result_id)
    except FieldProblem as p:
        problems["result"] = p.message
        result = None
    try:
        text = clean_text(values.result_text, TEXT_MAX, _("The result"))
    except FieldProblem as p:
        problems["result_text"] = p.message
        text = ""
    steps = parse_steps(request, values.steps, problems)
    if not values.steps:
        values.steps = [blank_step(request)]
    parsed = None if problems else (result, text, steps)
    return values, problems, parsed


# --- the main form ------------------------------------------------------------------------------

@dataclass
class FormValues:
    mode: str = "log"  # "log": it happened (done); "plan": to do
    kind: str = "call"
    direction: str = "out"
    organization: str = ""
    organization_name: str = ""
    contact: str = ""
    subject: str = ""
    text: str = ""
    date: str = ""
    time: str = ""
    responsible: str = ""
    color: str = ""
    result: str = ""
    result_text: str = ""
    version: str = ""
    steps: list[StepValues] = field(default_factory=list)


def new_values(request, get) -> FormValues:
    """Defaults of the add form, from the query (?organization=…&contact=…&kind=…&mode=plan)."""
    me = request.identity.user
    mode = "plan" if get.get("mode") == "plan" else "log"
    now = utcnow()
    when = now if mode == "log" else next_hour(now, request.user_timezone)
    date, time = local_parts(request, when)
    kind = get.get("kind") if get.get("kind") in dict(_kind_items()) else "call"
    values = FormValues(mode=mode, kind=kind, direction=get.get("direction") or "out",
                        organization=_digits(get.get("organization")),
                        contact=_digits(get.get("contact")), date=date, time=time,
                        responsible=_digits(get.get("responsible")) or str(me.id),
                        subject=get.get("subject", "")[:300],
                        steps=[blank_step(request)] if mode == "log" else [])
    return values


def _kind_items():
    from portal.clients.rules import INTERACTION_KIND_LABELS

    return INTERACTION_KIND_LABELS.items()


def _digits(value) -> str:
    value = str(value or "").strip()
    return value if value.isdigit() and len(value) < 12 else ""


def edit_values(request, item: Interaction) -> FormValues:
    date, time = local_parts(request, item.done_at or item.planned_at)
    return FormValues(
        mode="log" if item.done else "plan", kind=item.kind, direction=item.direction,
        organization=str(item.organization_id or ""),
        organization_name=item.organization.name if item.organization else "",
        contact=str(item.contact_id or ""), subject=item.subject, text=item.text, date=date,
        time=time, responsible=str(item.responsible_id or ""), color=item.color,
        result=str(item.result_id or ""), result_text=item.result_text,
        version=str(item.version))


def read_form(request, post, item: Interaction | None = None):
    """The posted main form → (values, problems, NewInteraction or None)."""
    me = request.identity.user
    values = FormValues(
        mode="plan" if post.get("mode") == "plan" else "log", kind=post.get("kind", ""),
        direction=post.get("direction", "out"), organization=post.get("organization", "").strip(),
        organization_name=post.get("organization_name", ""), contact=post.get("contact", ""),
        subject=post.get("subject", ""), text=post.get("text", ""), date=post.get("date", ""),
        time=post.get("time", ""), responsible=post.get("responsible", "") or str(me.id),
        color=post.get("color", ""), result=post.get("result", ""),
        result_text=post.get("result_text", ""), version=post.get("version", ""),
        steps=read_steps(post, me.id) if item is None else [])
    if item is not None:
        values.mode = "log" if item.done else "plan"
    problems: dict = {}

    def check(name, fn, *args):
        try:
            return fn(*args)
        except FieldProblem as p:
            problems[name] = p.message
            return None

    kind = check("kind", valid_kind, values.kind)
    direction = check("direction", valid_direction, values.direction)
    color = check("color", valid_color, values.color)
    subject = check("subject", clean_subject, values.subject)
    text = check("text", clean_text, values.text, TEXT_MAX, _("The text"))
    responsible = None
    if item is not None and values.responsible == str(item.responsible_id or ""):
        responsible = item.responsible  # unchanged: kept even if deactivated since
    else:
        responsible = check("responsible", responsible_user, request.dbsession,
                            values.responsible)
    org = contact = None
    # The typed name is what counts; the id the type-ahead filled in must still match it.
    org_id, typed = values.organization, " ".join(values.organization_name.split())
    if org_id and typed:
        chosen = request.dbsession.get(Organization, int(org_id)) if org_id.isdigit() \
            and len(org_id) < 12 else None
        if chosen is None or " ".join(chosen.name.split()) != typed:
            org_id = ""
    elif not typed:
        org_id = ""
    if not org_id and typed:
        org_id = _organization_by_name(request, typed, problems)
    try:
        org, contact = resolve_client(request, org_id, values.contact, keep=item)
    except Problems as p:
        for name, message in p.problems.items():
            problems.setdefault(name, message)
    if org is not None:
        values.organization, values.organization_name = str(org.id), org.name
    when = None
    try:
        when = parse_instant(values.date, values.time, request.user_timezone)
    except Problems as p:
        problems.update(p.problems)
    done = values.mode == "log"
    result = check("result", result_entry, request.dbsession, values.result,
                   item.result_id if item else None) if done else None
    result_text = check("result_text", clean_text, values.result_text, TEXT_MAX,
                        _("The result")) if done else ""
    if done and when is not None and when > utcnow() + dt.timedelta(minutes=5):
        problems["date"] = _("What happened cannot be in the future: choose “Plan” to plan it.")
    steps = parse_steps(request, values.steps, problems) if done and item is None else []
    if item is None and not values.steps and done:
        values.steps = [blank_step(request)]
    if problems:
        return values, problems, None
    data = NewInteraction(
        kind=kind, direction=direction, organization=org, contact=contact, subject=subject,
        text=text, responsible=responsible, planned_at=when, done_at=when if done else None,
        result=result, result_text=result_text or "", color=color, follow_ups=steps)
    return values, problems, data


def _organization_by_name(request, text: str, problems: dict) -> str:
    """Without JavaScript the organization is typed: take it when exactly one matches."""
    from views.interactions.pick import find_organizations

    found = find_organizations(request, text, limit=2)
    if len(found) == 1:
        return str(found[0].id)
    if not found:
        problems["organization"] = _("No organization you may see matches “${text}”.",
                                     mapping={"text": text[:100]})
    else:
        problems["organization"] = _("Several organizations match “${text}”: type more of the "
                                     "name or the INN.", mapping={"text": text[:100]})
    return ""
