"""Rules of interactions (calls, meetings, e-mails, faxes, letters, visits), shared by the web
pages, the API and the CLI.

- `create_interaction` writes one down: planned (to do) or done (logged as it happened), for
  oneself or for a colleague (a secretary plans a call for a sales manager, and back);
- `log_attempt` counts a call attempt with one click: no answer, could not talk, talked (each
  attempt is a row; `attempt_counts` gives today's counters, the rows the whole history);
- `record_result` marks it done with a result and plans the next steps (`plan_follow_ups`:
  new interactions chained by `parent_id`, for oneself or for colleagues);
- `reschedule` moves a planned one to another time;
- `update_interaction` changes it, refusing to overwrite someone else's newer save
  (`Interaction.version`: the form carries the version it was made from);
- `my_day` is the home page's list: my interactions planned for today or earlier, not done.

Times come in as the user's local date and time (`local_instant`: refuses times that do not
exist, as in a daylight-saving gap) and are stored in UTC.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel import dates as babel_dates
from pyramid.i18n import TranslationString
from sqlalchemy.orm import joinedload

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
)
from models.meta import utcnow
from models.people import User
from portal.clients.rules import INTERACTION_KIND_ICONS, INTERACTION_KIND_LABELS
from portal.core.i18n import DEFAULT_TIMEZONE, LANGUAGES, _, local_today
from portal.resources import Container
from portal.security.policy import container_acl, sql_filter

SUBJECT_MAX = Interaction.__table__.c.subject.type.length
TEXT_MAX = 20000
MAX_FOLLOW_UPS = 10
YEAR_MIN, YEAR_MAX = 2000, 2100

ATTEMPTS = ATTEMPT_OUTCOMES
ATTEMPT_LABELS = {"no_answer": _("No answer"), "could_not_talk": _("Could not talk"),
                  "talked": _("Talked")}
ATTEMPT_ICONS = {"no_answer": "telephone-x", "could_not_talk": "telephone-minus",
                 "talked": "telephone-inbound"}


@dataclass(frozen=True)
class DayGroupSpec:
    key: str
    title: TranslationString
    icon: str
    kinds: tuple[str, ...]


# My day's groups, in this order.
DAY_GROUPS = (
    DayGroupSpec("calls", _("Calls"), "telephone", ("call",)),
    DayGroupSpec("meetings", _("Meetings"), "people", ("meeting",)),
    DayGroupSpec("mail", _("E-mail and fax"), "envelope", ("email", "fax")),
    DayGroupSpec("other", _("Letters and visits"), "three-dots", ("letter", "visit")),
)


class Problems(Exception):
    """What is wrong with the input: {field: message}. Nothing was changed."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


class FieldProblem(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Conflict(Exception):
    """Someone saved the interaction after the form was opened: their save is kept."""

    def __init__(self, item: Interaction, who: User | None = None,
                 at: dt.datetime | None = None):
        super().__init__(item)
        self.item, self.who, self.at = item, who, at


# --- the resource tree: /clients/interactions/{id} --------------------------------------------

class Interactions(Container):
    """/clients/interactions: the list, add, My day's fragments; rows by id."""

    def __acl__(self):
        return container_acl(self, "interaction", ("view", "add"))

    def load(self, key):
        if not (key.isdigit() and len(key) < 12):
            return None
        return self.request.dbsession.get(Interaction, int(key))


def interactions_section(request) -> Interactions:
    return request.root["clients"]["interactions"]


def locate(request, item: Interaction) -> Interaction:
    """Give an interaction loaded outside traversal its place (/clients/interactions/{id})."""
    if getattr(item, "__parent__", None) is None:
        item.__parent__ = interactions_section(request)
        item.__name__ = str(item.id)
    return item


def interaction_url(request, item: Interaction, *elements, **kw) -> str:
    return request.resource_url(locate(request, item), *elements, **kw)


# --- reading what people type -------------------------------------------------------------------

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y")
TIME_RE = re.compile(r"^(\d{1,2})(?:[:.\s-]?(\d{2}))?$")


def parse_day(text: str | None) -> dt.date:
    """A date as the date picker sends it (2026-03-14) or as people type it (14.03.2026)."""
    value = (text or "").strip()
    if not value:
        raise FieldProblem(_("Enter a date."))
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if not YEAR_MIN <= day.year <= YEAR_MAX:
            raise FieldProblem(_("Choose a date between ${first} and ${last}.",
                                 mapping={"first": YEAR_MIN, "last": YEAR_MAX}))
        return day
    raise FieldProblem(_("“${value}” is not a date: choose it in the calendar or type it as "
                         "31.12.2026.", mapping={"value": value[:40]}))


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
    """The UTC moment of a local date and time; refuses a time the clocks skip that day."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise FieldProblem(_("${time} does not exist on that day in your time zone (${zone}): the "
                             "clocks are put forward. Choose another time.",
                             mapping={"time": time.strftime("%H:%M"), "zone": str(zone)}))
    return aware.astimezone(dt.UTC)


def parse_instant(day_text: str | None, time_text: str | None, zone: ZoneInfo,
                  prefix: str = "") -> dt.datetime:
    """Local date and time fields → UTC; raises Problems keyed `<prefix>date` / `<prefix>time`."""
    problems = {}
    day = time = None
    try:
        day = parse_day(day_text)
    except FieldProblem as p:
        problems[prefix + "date"] = p.message
    try:
        time = parse_time(time_text)
    except FieldProblem as p:
        problems[prefix + "time"] = p.message
    if problems:
        raise Problems(problems)
    try:
        return local_instant(day, time, zone)
    except FieldProblem as p:
        raise Problems({prefix + "time": p.message}) from None


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


def responsible_user(dbsession, user_id) -> User:
    """The person who will do it: must exist and be active."""
    user = dbsession.get(User, int(user_id)) if str(user_id or "").isdigit() \
        and len(str(user_id)) < 12 else None
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
    entry = dbsession.get(Classifier, int(raw)) if raw.isdigit() and len(raw) < 12 else None
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
    oid = int(organization_id) if str(organization_id or "").isdigit() \
        and len(str(organization_id)) < 12 else None
    cid = int(contact_id) if str(contact_id or "").isdigit() and len(str(contact_id)) < 12 else None
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


def _actor(request) -> User:
    return request.identity.user


def create_interaction(request, data: NewInteraction, parent: Interaction | None = None
                       ) -> Interaction:
    """Write one down (planned, or done when `done_at` is set) and plan its follow-ups."""
    me = _actor(request)
    item = Interaction(
        kind=data.kind, direction=data.direction, organization=data.organization,
        contact=data.contact, subject=data.subject, text=data.text, author=me,
        responsible=data.responsible, planned_at=data.planned_at, done_at=data.done_at,
        result=data.result if data.done_at else None,
        result_text=data.result_text if data.done_at else "", color=data.color, parent=parent)
    request.dbsession.add(item)
    request.dbsession.flush()
    tell_responsible(request, [item])
    if data.follow_ups:
        plan_follow_ups(request, item, data.follow_ups)
    return item


def plan_follow_ups(request, parent: Interaction, steps: list[FollowUp]) -> list[Interaction]:
    """New interactions after `parent`, about the same client, for whoever must do them."""
    me = _actor(request)
    made = []
    for step in steps[:MAX_FOLLOW_UPS]:
        item = Interaction(
            kind=step.kind, direction="out", organization_id=parent.organization_id,
            contact_id=parent.contact_id, subject=step.subject or parent.subject,
            text=step.text, author=me, responsible=step.responsible,
            planned_at=step.planned_at, parent=parent, color=parent.color)
        request.dbsession.add(item)
        made.append(item)
    request.dbsession.flush()
    tell_responsible(request, made)
    return made


def check_version(dbsession, item: Interaction, version) -> None:
    """Refuse to save over a newer version than the one the form was made from."""
    if version is None or str(version) == str(item.version):
        return
    who, at = last_change(dbsession, item)
    raise Conflict(item, who, at)


def last_change(dbsession, item: Interaction) -> tuple[User | None, dt.datetime | None]:
    """Who saved the interaction last, and when (from the audit trail)."""
    from sqlalchemy_continuum import version_class

    from portal.audit.log import transaction_model

    tx = transaction_model()
    versions = version_class(Interaction)
    row = dbsession.execute(
        sa.select(tx.user_id, tx.issued_at).join(versions, versions.transaction_id == tx.id)
        .where(versions.id == item.id).order_by(tx.id.desc()).limit(1)).first()
    if row is None:
        return None, item.updated_at
    user = dbsession.get(User, row.user_id) if row.user_id else None
    at = row.issued_at
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return user, at or item.updated_at


def log_attempt(request, item: Interaction, outcome: str) -> int:
    """One call attempt: no answer, could not talk, or talked; returns how many attempts with
    that outcome the user has counted today. An attempt is a row of its own, so two clicks
    from two pages both count and neither conflicts with an edit of the interaction."""
    if outcome not in ATTEMPTS:
        raise Problems({"outcome": _("Choose what happened: no answer, could not talk or "
                                     "talked.")})
    if item.done:
        raise Problems({"outcome": _("This interaction is already done.")})
    request.dbsession.add(InteractionAttempt(interaction_id=item.id, outcome=outcome,
                                             user_id=_actor(request).id, at=utcnow()))
    request.dbsession.flush()
    return attempt_counts(request.dbsession, [item.id], since=today_start(request)).get(
        item.id, {}).get(outcome, 0)


def today_start(request) -> dt.datetime:
    """When the user's today began (UTC): the day's counters count from then."""
    return day_bounds(request, local_today(request))[0]


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


def record_result(request, item: Interaction, *, version=None, result: Classifier | None,
                  result_text: str, done_at: dt.datetime | None = None,
                  follow_ups: list[FollowUp] = ()) -> list[Interaction]:
    """Mark it done with its result, and plan the next steps; returns the new follow-ups."""
    check_version(request.dbsession, item, version)
    if done_at is not None or item.done_at is None:
        item.done_at = done_at or utcnow()
    item.result = result
    item.result_text = result_text
    if item.kind == "call" and not request.dbsession.scalar(
            sa.select(InteractionAttempt.id).where(InteractionAttempt.interaction_id == item.id)
            .limit(1)):
        # A result of a call means someone talked, even if nobody clicked "talked".
        request.dbsession.add(InteractionAttempt(interaction_id=item.id, outcome="talked",
                                                 user_id=_actor(request).id, at=item.done_at))
    request.dbsession.flush()
    return plan_follow_ups(request, item, list(follow_ups)) if follow_ups else []


def reschedule(request, item: Interaction, planned_at: dt.datetime, *, version=None) -> None:
    """Move a planned interaction to another time."""
    check_version(request.dbsession, item, version)
    if item.done:
        raise Problems({"date": _("This interaction is already done: plan a next step instead.")})
    item.planned_at = planned_at
    request.dbsession.flush()


EDITABLE = ("kind", "direction", "organization", "contact", "subject", "text", "responsible",
            "planned_at", "color", "result", "result_text", "done_at")


def update_interaction(request, item: Interaction, *, version, **values) -> bool:
    """Apply the edit form; returns whether anything changed. Raises Conflict."""
    check_version(request.dbsession, item, version)
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
            from models.clients import interaction_department

            item.department_id = None
            item.department_id = interaction_department(request.dbsession, item)
        request.dbsession.flush()
        if item.responsible_id != before:
            tell_responsible(request, [item])
    return changed


# --- telling the responsible person -------------------------------------------------------------

def client_name(item: Interaction) -> str:
    parts = [item.organization.name if item.organization else "",
             item.contact.full_name if item.contact else ""]
    return " — ".join(p for p in parts if p)


def tell_responsible(request, items: list[Interaction]) -> None:
    """Notify the people something was planned for by someone else, each in their language."""
    from models.notifications import notify_many
    from portal.core.mail import localizer_for, translate

    me = _actor(request)
    items = [i for i in items if i.responsible_id and i.responsible_id != me.id and not i.done]
    if not items:
        return
    readers = {u.id: u for u in request.dbsession.scalars(
        sa.select(User).where(User.id.in_({i.responsible_id for i in items}), User.active))}
    out = []
    for item in items:
        reader = readers.get(item.responsible_id)
        if reader is None:
            continue
        locale = reader.locale if reader.locale in LANGUAGES else None
        localizer = localizer_for(request.registry, locale)
        zone = _zone(reader.timezone)
        when = babel_dates.format_datetime(item.planned_at.astimezone(zone), "medium",
                                           tzinfo=zone, locale=localizer.locale_name)
        title = _("${author} planned for you: ${kind} “${subject}”",
                  mapping={"author": me.full_name, "kind": INTERACTION_KIND_LABELS[item.kind],
                           "subject": item.subject or client_name(item)})
        body = _("${client}, ${when}.", mapping={"client": client_name(item), "when": when})
        out.append((reader.id, translate(localizer, title)[:300], translate(localizer, body),
                    f"/clients/interactions/{item.id}", "interaction_planned", None))
    notify_many(request.dbsession, out)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


# --- My day -------------------------------------------------------------------------------------

@dataclass
class DayGroup:
    key: str
    title: TranslationString
    icon: str
    items: list[Interaction]
    total: int
    overdue: int


def day_bounds(request, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a local day of the user."""
    zone = request.user_timezone
    start = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).replace(tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def sees_own(request) -> bool:
    """Whether the user may see the interactions they are responsible for: any scope of
    interaction.view does (own ⊂ department ⊂ all)."""
    identity = request.identity
    return identity.is_admin or any(
        role in identity.roles for role, _scope in request.role_matrix.roles_with(
            Interaction.security_type, "view"))


def my_day(request, user_id: int, *, end: dt.datetime, now: dt.datetime | None = None,
           per_group: int = 10) -> list[DayGroup]:
    """My interactions to do, planned before `end` (the end of today), not done; grouped by kind,
    oldest (most overdue) first.

    Everything runs on the index (responsible_id, done_at, planned_at, kind), index-only: a
    count; when more than a page, the counts by kind; then one walk in the index's own order
    (planned_at, kind, id) that stops as soon as every group has its first rows. (Asking for
    each group's first rows with `kind IN (...)` instead lets SQLite walk every open
    interaction of everyone by time, ix_interactions_state_time, to avoid a sort.)
    """
    db = request.dbsession
    now = now or utcnow()
    mine = [Interaction.responsible_id == user_id, Interaction.done_at.is_(None),
            Interaction.planned_at < end]
    if user_id != request.identity.user.id or not sees_own(request):
        mine.append(sql_filter(request, Interaction, "view"))
    total = db.scalar(sa.select(sa.func.count()).select_from(Interaction).where(*mine))
    if not total:
        return []
    group_of = {kind: spec.key for spec in DAY_GROUPS for kind in spec.kinds}
    counts: dict[str, tuple[int, int]] = {}
    if total > per_group:
        late_case = sa.func.sum(sa.case((Interaction.planned_at < now, 1), else_=0))
        for kind, n, n_late in db.execute(
                sa.select(Interaction.kind, sa.func.count(), late_case)
                .where(*mine).group_by(Interaction.kind)):
            key = group_of.get(kind, DAY_GROUPS[-1].key)
            old = counts.get(key, (0, 0))
            counts[key] = (old[0] + n, old[1] + int(n_late or 0))
    wanted: dict[str, list[int]] = {}
    missing = {key: min(n, per_group) for key, (n, _late) in counts.items()}
    result = db.execute(
        sa.select(Interaction.id, Interaction.kind, Interaction.planned_at).where(*mine)
        .order_by(Interaction.planned_at, Interaction.kind, Interaction.id)
        .execution_options(yield_per=100))
    try:
        for row in result:
            key = group_of.get(row.kind, DAY_GROUPS[-1].key)
            if total <= per_group:
                wanted.setdefault(key, []).append(row.id)
                n, n_late = counts.get(key, (0, 0))
                counts[key] = (n + 1, n_late + (row.planned_at < now))
                continue
            if missing.get(key):
                wanted.setdefault(key, []).append(row.id)
                missing[key] -= 1
                if not any(missing.values()):
                    break
    finally:
        result.close()
    ids = [i for group in wanted.values() for i in group]
    rows = {i.id: i for i in db.scalars(
        sa.select(Interaction).where(Interaction.id.in_(ids)).options(
            joinedload(Interaction.organization).selectinload(Organization.phones),
            joinedload(Interaction.contact).selectinload(Contact.phones),
            joinedload(Interaction.author), joinedload(Interaction.parent)))}
    return [DayGroup(spec.key, spec.title, spec.icon,
                     [rows[i] for i in wanted[spec.key] if i in rows], *counts[spec.key])
            for spec in DAY_GROUPS if spec.key in wanted]


def phone_of(item: Interaction) -> str:
    """The number to dial: the contact's first phone, else the organization's."""
    for owner in (item.contact, item.organization):
        if owner is not None and owner.phones:
            return owner.phones[0].number
    return ""


def kind_icon(kind: str) -> str:
    return INTERACTION_KIND_ICONS.get(kind, "chat")


def valid_kind(value) -> str:
    return check_code(value, INTERACTION_KINDS, _("Choose what it is: a call, a meeting, an "
                                                  "e-mail, a fax, a letter or a visit."))


def valid_direction(value) -> str:
    return check_code(value or "out", DIRECTIONS, _("Choose outgoing or incoming."))


def valid_color(value) -> str:
    return check_code(value or "", COLORS, _("Choose a colour from the list."))


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
