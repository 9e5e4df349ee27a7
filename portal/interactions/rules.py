"""Rules of interactions (calls, meetings, e-mails, faxes, letters, visits), shared by the web
pages, the API and the CLI. The services that write take the session, the person acting and,
when someone else must be told, the application registry (their notification is in their own
language); none needs a web request:

- `create_interaction` writes one down: planned (to do) or done (logged as it happened), for
  oneself or for a colleague (a secretary plans a call for a sales manager, and back);
- `log_attempt` counts a call attempt with one click: no answer, could not talk, talked (each
  attempt is a row; `attempt_counts` gives today's counters, the rows the whole history);
- `record_result` marks it done with a result and plans the next steps (`plan_follow_ups`:
  new interactions chained by `parent_id`, for oneself or for colleagues);
- `reschedule` moves a planned one to another time;
- `update_interaction` changes it, refusing to overwrite someone else's newer save
  (`Interaction.version`: the form carries the version it was made from; `EditConflict`).

What people type is read by the schemas of portal/interactions/schemas.py with the readers
below (`parse_day`, `parse_time`, `clean_text`, `responsible_user`...); times come in as the
user's local date and time (`local_instant` refuses times that do not exist, as in a
daylight-saving gap) and are stored in UTC. A refusal is a `FieldProblem` (one field) or
`Problems` ({field: message}), both `models.errors.UserError`. My day's groups are
portal/interactions/day.py's.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.clients import (
    ATTEMPT_OUTCOMES,
    COLORS,
    DIRECTIONS,
    INTERACTION_KINDS,
    Classifier,
    Contact,
    Interaction,
    InteractionAttempt,
    Organization,
    interaction_department,
)
from models.errors import EditConflict, UserError
from models.meta import utcnow
from models.notifications import notify_many
from models.people import User
from portal.audit.log import last_change
from portal.clients.rules import INTERACTION_KIND_LABELS
from portal.core.i18n import _
from portal.core.parsing import SkippedTime, parse_date, parse_int
from portal.core.parsing import local_instant as shared_local_instant
from portal.interactions.day import today_start_of
from portal.notifications.messages import When
from portal.notifications.sending import items as notice_items
from portal.notifications.sending import readers
from portal.security.filters import sql_filter

SUBJECT_MAX = Interaction.__table__.c.subject.type.length
TEXT_MAX = 20000
MAX_FOLLOW_UPS = 10
YEAR_MIN, YEAR_MAX = 2000, 2100

ATTEMPTS = ATTEMPT_OUTCOMES
ATTEMPT_LABELS = {"no_answer": _("No answer"), "could_not_talk": _("Could not talk"),
                  "talked": _("Talked")}
ATTEMPT_ICONS = {"no_answer": "telephone-x", "could_not_talk": "telephone-minus",
                 "talked": "telephone-inbound"}


class FieldProblem(UserError):
    """What is wrong with one value people typed (`message`; `field` when the reader knows it)."""


class Problems(UserError):
    """What is wrong with the input: {field: message}. Nothing was changed."""

    def __init__(self, problems: dict):
        field_name, message = next(iter(problems.items()), (None, ""))
        super().__init__(message, field_name)
        self.problems = problems


# --- reading what people type -------------------------------------------------------------------

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y")
TIME_RE = re.compile(r"^(\d{1,2})(?:[:.\s-]?(\d{2}))?$")


def parse_day(text: str | None) -> dt.date:
    """A date as the date picker sends it (2026-03-14) or as people type it (14.03.2026)."""
    value = (text or "").strip()
    if not value:
        raise FieldProblem(_("Enter a date."))
    # Any year is read; one outside YEAR_MIN..YEAR_MAX is refused with its own words.
    day = parse_date(value, DATE_FORMATS, years=(dt.MINYEAR, dt.MAXYEAR))
    if day is None:
        raise FieldProblem(_("“${value}” is not a date: choose it in the calendar or type it as "
                             "31.12.2026.", mapping={"value": value[:40]}))
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise FieldProblem(_("Choose a date between ${first} and ${last}.",
                             mapping={"first": YEAR_MIN, "last": YEAR_MAX}))
    return day


def parse_time(text: str | None) -> dt.time:
    """A time of day: 14:30, 9:05, 14.30 or 1430."""
    value = (text or "").strip()
    if not value:
        raise FieldProblem(_("Enter a time."))
    match = TIME_RE.match(value)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise FieldProblem(_("“${value}” is not a time of day: type it as 14:30.",
                         mapping={"value": value[:40]}))


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC moment of a local date and time (portal.core.parsing.local_instant); a time the
    clocks skip that day is refused in the interaction forms' own words, which name the zone."""
    try:
        return shared_local_instant(day, time, zone)
    except SkippedTime:
        raise FieldProblem(_("${time} does not exist on that day in your time zone (${zone}): "
                             "the clocks are put forward. Choose another time.",
                             mapping={"time": time.strftime("%H:%M"), "zone": str(zone)})
                           ) from None


def clean_text(value: str | None, limit: int, what) -> str:
    """Text as stored: trimmed, line ends normalised; refuses more than `limit` characters."""
    text = (value or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise FieldProblem(_("${what} is too long: ${n} characters, at most ${max} are kept.",
                             mapping={"what": what, "n": len(text), "max": limit}))
    return text


def clean_subject(value: str | None) -> str:
    return clean_text(" ".join((value or "").split()), SUBJECT_MAX, _("The subject"))


def check_code(value: str | None, codes, message) -> str:
    value = (value or "").strip()
    if value not in codes:
        raise FieldProblem(message)
    return value


def valid_kind(value) -> str:
    return check_code(value, INTERACTION_KINDS, _("Choose what it is: a call, a meeting, an "
                                                  "e-mail, a fax, a letter or a visit."))


def valid_direction(value) -> str:
    return check_code(value or "out", DIRECTIONS, _("Choose outgoing or incoming."))


def valid_color(value) -> str:
    return check_code(value or "", COLORS, _("Choose a colour from the list."))


def responsible_user(dbsession, user_id) -> User:
    """The person who will do it: must exist and be active."""
    key = parse_int(user_id)
    user = dbsession.get(User, key) if key is not None else None
    if user is None:
        raise FieldProblem(_("Choose who will do it."))
    if not user.active:
        raise FieldProblem(_("${name} is deactivated and cannot be given new work: choose "
                             "someone else.", mapping={"name": user.full_name}))
    return user


def result_entry(dbsession, result_id, keep_id: int | None = None) -> Classifier | None:
    """An entry of the "interaction_result" list (a retired one only if it is already set)."""
    raw = str(result_id or "").strip()
    if not raw:
        return None
    key = parse_int(raw)
    entry = dbsession.get(Classifier, key) if key is not None else None
    if entry is None or entry.list != "interaction_result" or (
            not entry.active and entry.id != keep_id):
        raise FieldProblem(_("Choose a result from the list."))
    return entry


def _visible(request, model, obj_id: int) -> bool:
    return request.dbsession.scalar(sa.select(model.id).where(
        model.id == obj_id, sql_filter(request, model, "view"))) is not None


def resolve_client(request, organization_id, contact_id, *, keep: Interaction | None = None):
    """The organization and contact an interaction is about, as the user chose them.

    Both must be visible to the user (unless unchanged on an existing interaction); the contact
    must be one of the organization's; a contact alone brings its organization. Raises Problems.
    """
    db = request.dbsession
    problems: dict = {}
    org = contact = None
    oid, cid = parse_int(organization_id), parse_int(contact_id)
    if oid is not None:
        org = db.get(Organization, oid)
        unchanged = keep is not None and keep.organization_id == oid
        if org is None or not (unchanged or _visible(request, Organization, oid)):
            problems["organization"] = _("Choose the organization from the list.")
            org = None
    elif str(organization_id or "").strip():
        problems["organization"] = _("Choose the organization from the list.")
    if cid is not None:
        contact = db.get(Contact, cid)
        unchanged = keep is not None and keep.contact_id == cid
        if contact is None or not (unchanged or _visible(request, Contact, cid)):
            problems["contact"] = _("Choose the contact person from the list.")
            contact = None
    if contact is not None:
        if org is None and oid is None:
            org = contact.organization
        elif org is not None and contact.organization_id != org.id:
            problems["contact"] = _("${person} is not a contact of ${organization}.",
                                    mapping={"person": contact.full_name,
                                             "organization": org.name})
    if org is None and contact is None and "organization" not in problems \
            and "contact" not in problems:
        problems["organization"] = _("Choose the client: an organization or a person.")
    if problems:
        raise Problems(problems)
    return org, contact


# --- writing ------------------------------------------------------------------------------------

@dataclass
class FollowUp:
    """A next step to plan: a new interaction for `responsible` at `planned_at`."""

    kind: str
    responsible: User
    planned_at: dt.datetime
    subject: str = ""
    text: str = ""


@dataclass
class NewInteraction:
    kind: str
    direction: str
    organization: Organization | None
    contact: Contact | None
    subject: str
    text: str
    responsible: User
    planned_at: dt.datetime
    done_at: dt.datetime | None = None
    result: Classifier | None = None
    result_text: str = ""
    color: str = ""
    follow_ups: list[FollowUp] = field(default_factory=list)
    # Tasks for colleagues or departments' queues (portal.interactions.handoff.TaskStep),
    # set after the interaction is written (`hand_over`).
    tasks: list = field(default_factory=list)


def create_interaction(dbsession, actor: User, data: NewInteraction, *, registry,
                       parent: Interaction | None = None) -> Interaction:
    """Write one down (planned, or done when `done_at` is set) and plan its follow-ups; the
    people it is planned for are told (`registry`: the application's, for their language)."""
    item = Interaction(
        kind=data.kind, direction=data.direction, organization=data.organization,
        contact=data.contact, subject=data.subject, text=data.text, author=actor,
        responsible=data.responsible, planned_at=data.planned_at, done_at=data.done_at,
        result=data.result if data.done_at else None,
        result_text=data.result_text if data.done_at else "", color=data.color, parent=parent)
    dbsession.add(item)
    dbsession.flush()
    tell_responsible(dbsession, actor, [item], registry)
    if data.follow_ups:
        plan_follow_ups(dbsession, actor, item, data.follow_ups, registry=registry)
    return item


def plan_follow_ups(dbsession, actor: User, parent: Interaction, steps: list[FollowUp], *,
                    registry) -> list[Interaction]:
    """New interactions after `parent`, about the same client, for whoever must do them."""
    made = []
    for step in steps[:MAX_FOLLOW_UPS]:
        item = Interaction(
            kind=step.kind, direction="out", organization_id=parent.organization_id,
            contact_id=parent.contact_id, subject=step.subject or parent.subject,
            text=step.text, author=actor, responsible=step.responsible,
            planned_at=step.planned_at, parent=parent, color=parent.color)
        dbsession.add(item)
        made.append(item)
    dbsession.flush()
    tell_responsible(dbsession, actor, made, registry)
    return made


def check_version(dbsession, item: Interaction, version) -> None:
    """Refuse to save over a newer version than the one the form was made from: who saved it
    last and when (the audit trail; when it says nothing, the row's own time)."""
    if version is None or str(version) == str(item.version):
        return
    who, at = last_change(dbsession, item)
    raise EditConflict(item, who, at or item.updated_at)


def log_attempt(dbsession, actor: User, item: Interaction, outcome: str) -> int:
    """One call attempt: no answer, could not talk, or talked; returns how many attempts with
    that outcome `actor` has counted today (in their time zone). An attempt is a row of its
    own, so two clicks from two pages both count and neither conflicts with an edit."""
    if outcome not in ATTEMPTS:
        raise Problems({"outcome": _("Choose what happened: no answer, could not talk or "
                                     "talked.")})
    if item.done:
        raise Problems({"outcome": _("This interaction is already done.")})
    dbsession.add(InteractionAttempt(interaction_id=item.id, outcome=outcome, user_id=actor.id,
                                     at=utcnow()))
    dbsession.flush()
    return attempt_counts(dbsession, [item.id], since=today_start_of(actor)).get(
        item.id, {}).get(outcome, 0)


def attempt_counts(dbsession, ids, since: dt.datetime | None = None
                   ) -> dict[int, dict[str, int]]:
    """{interaction id: {outcome: attempts}} of the given interactions, since a moment (today's
    counters) or ever (the history); one query on (interaction_id, at)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    stmt = (sa.select(InteractionAttempt.interaction_id, InteractionAttempt.outcome,
                      sa.func.count())
            .where(InteractionAttempt.interaction_id.in_(ids))
            .group_by(InteractionAttempt.interaction_id, InteractionAttempt.outcome))
    if since is not None:
        stmt = stmt.where(InteractionAttempt.at >= since)
    out: dict[int, dict[str, int]] = {}
    for item_id, outcome, n in dbsession.execute(stmt):
        out.setdefault(item_id, {})[outcome] = n
    return out


def attempt_summary(request, counts: dict[str, int] | None) -> str:
    """“No answer: 2, talked: 1” in the user's language; "" when there were no attempts."""
    tr = request.localizer.translate
    return ", ".join(f"{tr(ATTEMPT_LABELS[o])}: {counts[o]}" for o in ATTEMPTS
                     if counts and counts.get(o))


def record_result(dbsession, actor: User, item: Interaction, *, registry, version=None,
                  result: Classifier | None, result_text: str,
                  done_at: dt.datetime | None = None,
                  follow_ups: list[FollowUp] = ()) -> list[Interaction]:
    """Mark it done with its result, and plan the next steps; returns the new follow-ups."""
    check_version(dbsession, item, version)
    if done_at is not None or item.done_at is None:
        item.done_at = done_at or utcnow()
    item.result = result
    item.result_text = result_text
    if item.kind == "call" and not dbsession.scalar(
            sa.select(InteractionAttempt.id).where(InteractionAttempt.interaction_id == item.id)
            .limit(1)):
        # A result of a call means someone talked, even if nobody clicked "talked".
        dbsession.add(InteractionAttempt(interaction_id=item.id, outcome="talked",
                                         user_id=actor.id, at=item.done_at))
    dbsession.flush()
    if not follow_ups:
        return []
    return plan_follow_ups(dbsession, actor, item, list(follow_ups), registry=registry)


def reschedule(dbsession, item: Interaction, planned_at: dt.datetime, *, version=None) -> None:
    """Move a planned interaction to another time."""
    check_version(dbsession, item, version)
    if item.done:
        raise Problems({"date": _("This interaction is already done: plan a next step instead.")})
    item.planned_at = planned_at
    dbsession.flush()


EDITABLE = ("kind", "direction", "organization", "contact", "subject", "text", "responsible",
            "planned_at", "color", "result", "result_text", "done_at")


def update_interaction(dbsession, actor: User, item: Interaction, *, registry, version,
                       **values) -> bool:
    """Apply the edit form; returns whether anything changed. Raises EditConflict."""
    check_version(dbsession, item, version)
    before = item.responsible_id
    changed = False
    for name, value in values.items():
        if name not in EDITABLE:
            raise TypeError(name)
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    if not item.done:
        item.result, item.result_text = None, ""
    if changed:
        if item.organization is not None or item.contact is not None:
            # The department follows the client (security scope), as on creation.
            item.department_id = None
            item.department_id = interaction_department(dbsession, item)
        dbsession.flush()
        if item.responsible_id != before:
            tell_responsible(dbsession, actor, [item], registry)
    return changed


# --- telling the responsible person -------------------------------------------------------------

def client_name(item: Interaction) -> str:
    parts = [item.organization.name if item.organization else "",
             item.contact.full_name if item.contact else ""]
    return " — ".join(p for p in parts if p)


def tell_responsible(dbsession, actor: User, items: list[Interaction], registry) -> None:
    """Notify the people something was planned for by someone else (read in their language and
    time zone)."""
    items = [i for i in items if i.responsible_id and i.responsible_id != actor.id and not i.done]
    if not items:
        return
    known = readers(dbsession, {i.responsible_id for i in items}, registry)
    out = []
    for item in items:
        title = _("${author} planned for you: ${kind} “${subject}”",
                  mapping={"author": actor.full_name, "kind": INTERACTION_KIND_LABELS[item.kind],
                           "subject": item.subject or client_name(item)})
        body = _("${client}, ${when}.", mapping={"client": client_name(item),
                                                 "when": When(item.planned_at)})
        out.extend(notice_items(dbsession, registry, [item.responsible_id], "interaction_planned",
                                title, body, f"/clients/interactions/{item.id}", known=known))
    notify_many(dbsession, out)


# --- quick times ---------------------------------------------------------------------------------

def next_hour(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    local = now.astimezone(zone)
    return (local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1))


def shifted(now: dt.datetime, zone: ZoneInfo, how: str, keep: dt.time | None = None
            ) -> dt.datetime:
    """Quick reschedule targets: in an hour; tomorrow or next Monday at the same time of day
    (`keep`, else 10:00)."""
    local = now.astimezone(zone)
    if how == "hour":
        return (now + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    if how == "tomorrow":
        day = local.date() + dt.timedelta(days=1)
    elif how == "week":
        day = local.date() + dt.timedelta(days=7 - local.weekday())
    else:
        raise Problems({"date": _("Choose when to move it to.")})
    time = keep if keep is not None and keep != dt.time() else dt.time(10)
    try:
        return local_instant(day, time, zone)
    except FieldProblem:  # the clocks skip that time that day: an hour later
        return local_instant(day, dt.time(min(time.hour + 1, 23), time.minute), zone)
