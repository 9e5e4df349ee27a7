"""The interaction forms as the pages show them: the main form (log or plan one), the result
form with its next steps, the reschedule form. Their own templates rather than deform's, because
their parts depend on each other (organization → its contacts; any number of next steps;
inline in My day); what was typed is kept as text (`FormValues`, `ResultValues`) to show again
next to its errors, and read through the schemas of portal/interactions/schemas.py; which
client it is about is resolved for the user (`rules.resolve_client`: those they may see).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import colander
import sqlalchemy as sa

from models.clients import Interaction, Organization
from models.meta import utcnow
from models.people import Department, Membership, User
from portal.clients.rules import INTERACTION_KIND_LABELS, classifiers
from portal.core.forms import read
from portal.core.i18n import _, local_today
from portal.core.parsing import parse_int
from portal.interactions.day import day_bounds
from portal.interactions.handoff import (
    TASK,
    PlannedStep,
    TaskStep,
    check_task_steps,
    client_manager,
    planned_to_close,
    queues,
)
from portal.interactions.lists import find_organizations
from portal.interactions.rules import (
    MAX_FOLLOW_UPS,
    FollowUp,
    NewInteraction,
    Problems,
    next_hour,
    resolve_client,
)
from portal.interactions.schemas import (
    interaction_schema,
    reschedule_schema,
    result_schema,
    when_of,
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
    """"Me" first (after the client's responsible manager, when known), then active people by
    department (who may be given work); for next steps, the departments' queues (a task)."""

    me: User
    groups: list[tuple[str, list[Person]]]
    manager: Person | None = None
    queues: list[tuple[int, str]] = field(default_factory=list)

    def for_client(self, request, organization_id, contact_id) -> PeopleChoices:
        """With the client's manager offered first and the queues a task may go to."""
        manager = client_manager(request.dbsession, parse_int(organization_id),
                                 parse_int(contact_id))
        if manager is not None:
            self.manager = Person(manager.id, manager.full_name, manager.position or "")
        self.queues = queues(request.dbsession)
        return self


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


def steps_cstruct(steps: list[StepValues]) -> list:
    """The next steps as the schemas read them: an empty step is no step (colander.null)."""
    return [colander.null if step.empty else
            {"kind": step.kind, "responsible": step.responsible, "subject": step.subject,
             "date": step.date, "time": step.time} for step in steps]


def follow_ups(request, steps: list[dict]) -> list[FollowUp]:
    """The next steps a schema read that are interactions, as FollowUps at their moments in
    the user's time zone."""
    zone = request.user_timezone
    return [FollowUp(kind=step["kind"], responsible=step["responsible"],
                     planned_at=when_of(step, zone), subject=step["subject"])
            for step in steps if step["kind"] != TASK]


def task_steps(request, typed: list[StepValues], steps: list[dict], problems: dict
               ) -> list[TaskStep]:
    """The next steps a schema read that are tasks; those the user may not set are refused
    next to their "who" (`problems`, keyed by the step's position in the form)."""
    positions = [i for i, step in enumerate(typed) if not step.empty]
    out, where = [], []
    for position, step in zip(positions, steps, strict=False):
        if step["kind"] == TASK:
            out.append(TaskStep(step["subject"], step["responsible"], step["date"],
                                step["time"]))
            where.append(position)
    for index, message in check_task_steps(request, out).items():
        problems[f"steps-{where[index]}-responsible"] = message
    return out


def _bind(request, schema: colander.SchemaNode, item: Interaction | None = None):
    return schema.bind(dbsession=request.dbsession, zone=request.user_timezone, keep=item,
                       now=utcnow())


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
    clean, problems = read(_bind(request, result_schema(), item), {
        "result": values.result, "result_text": values.result_text,
        "steps": steps_cstruct(values.steps)})
    if not values.steps:
        values.steps = [blank_step(request)]
    if problems:
        return values, problems, None
    tasks = task_steps(request, values.steps, clean["steps"], problems)
    if problems:
        return values, problems, None
    return values, problems, (clean["result"], clean["result_text"],
                              follow_ups(request, clean["steps"]), tasks)


def read_reschedule(request, item: Interaction, post):
    """The posted reschedule form → (values to show again, {field: problem}, the UTC moment or
    None)."""
    form = {"date": post.get("date", ""), "time": post.get("time", ""),
            "version": post.get("version", "")}
    clean, problems = read(_bind(request, reschedule_schema(), item), form)
    return form, problems, None if problems else when_of(clean, request.user_timezone)


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
    close_planned: str = ""  # the planned step the call fulfils, ticked to mark it done
    planned: PlannedStep | None = None  # the one offered (None: none to offer)


def offer_planned(request, values: FormValues, posted: bool = False) -> None:
    """Offer to mark done the planned step a call being logged fulfils: ticked by default when
    it is the user's own, planned for today or earlier; as posted when the form comes back."""
    values.planned = None
    if values.mode != "log":
        return
    planned = planned_to_close(request, parse_int(values.organization),
                               parse_int(values.contact), values.kind or None)
    if planned is None:
        return
    values.planned = planned
    if not posted:
        _start, end = day_bounds(request, local_today(request))
        values.close_planned = str(planned.id) if planned.checked_for(
            request.identity.user.id, end) else ""


def new_values(request, get) -> FormValues:
    """Defaults of the add form, from the query (?organization=…&contact=…&kind=…&mode=plan)."""
    me = request.identity.user
    mode = "plan" if get.get("mode") == "plan" else "log"
    now = utcnow()
    when = now if mode == "log" else next_hour(now, request.user_timezone)
    date, time = local_parts(request, when)
    kind = get.get("kind") if get.get("kind") in INTERACTION_KIND_LABELS else "call"
    values = FormValues(mode=mode, kind=kind, direction=get.get("direction") or "out",
                        organization=_digits(get.get("organization")),
                        contact=_digits(get.get("contact")), date=date, time=time,
                        responsible=_digits(get.get("responsible")) or str(me.id),
                        subject=get.get("subject", "")[:300],
                        steps=[blank_step(request)] if mode == "log" else [])
    return values


def _digits(value) -> str:
    """An id from the query string, as the form's inputs hold it ("" when it is none)."""
    value = str(value or "").strip()
    return value if parse_int(value) is not None else ""


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
        steps=read_steps(post, me.id) if item is None else [],
        close_planned=post.get("close_planned", "") if item is None else "")
    if item is not None:
        values.mode = "log" if item.done else "plan"
    done = values.mode == "log"
    # A planned interaction has no result yet; next steps are planned only with a new one.
    clean, problems = read(_bind(request, interaction_schema(), item), {
        "mode": values.mode, "kind": values.kind, "direction": values.direction,
        "color": values.color, "subject": values.subject, "text": values.text,
        "responsible": values.responsible, "date": values.date, "time": values.time,
        "result": values.result if done else "", "result_text": values.result_text if done else "",
        "steps": steps_cstruct(values.steps) if done and item is None else []})
    org = contact = None
    # The typed name is what counts; the id the type-ahead filled in must still match it.
    org_id, typed = values.organization, " ".join(values.organization_name.split())
    if org_id and typed:
        chosen_id = parse_int(org_id)
        chosen = request.dbsession.get(Organization, chosen_id) if chosen_id is not None else None
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
    if item is None and not values.steps and done:
        values.steps = [blank_step(request)]
    if item is None and post.get("planned_offered"):
        # The planned step offered when the form was shown, with the box as it was posted.
        offer_planned(request, values, posted=True)
    if problems:
        return values, problems, None
    tasks = task_steps(request, values.steps, clean["steps"], problems) if done and \
        item is None else []
    if problems:
        return values, problems, None
    when = when_of(clean, request.user_timezone)
    data = NewInteraction(
        kind=clean["kind"], direction=clean["direction"], organization=org, contact=contact,
        subject=clean["subject"], text=clean["text"], responsible=clean["responsible"],
        planned_at=when, done_at=when if done else None, result=clean["result"],
        result_text=clean["result_text"], color=clean["color"],
        follow_ups=follow_ups(request, clean["steps"]), tasks=tasks)
    return values, problems, data


def _organization_by_name(request, text: str, problems: dict) -> str:
    """Without JavaScript the organization is typed: take it when exactly one matches."""
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
