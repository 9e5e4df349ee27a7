"""My day's main block, as data: my interactions planned for today or earlier and not done,
grouped by kind (calls, meetings, e-mail and fax, letters and visits), the most overdue first;
and the user's day in UTC (`day_bounds`, `today_start`), which the list and the call-attempt
counters share. The page is views/interactions/day.py.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pyramid.i18n import TranslationString
from sqlalchemy.orm import aliased

from models.clients import Contact, Interaction, InteractionAttempt, Organization, Phone
from models.meta import joined_strings, utcnow
from models.people import User
from portal.clients.rules import INTERACTION_KIND_ICONS
from portal.core.i18n import _, local_today, zone_of
from portal.security.filters import filter_key, sql_filter


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


class DayItem(NamedTuple):
    """What the block reads of an interaction of the day: columns, not an ORM record (My day is
    everyone's home page; the forms a row unfolds load the record itself)."""

    id: int
    kind: str
    direction: str
    planned_at: dt.datetime
    organization_id: int | None
    contact_id: int | None
    author_id: int | None
    subject: str | None
    color: str | None
    version: int


DAY_ITEM_COLUMNS = (Interaction.id, Interaction.kind, Interaction.direction,
                    Interaction.planned_at, Interaction.organization_id, Interaction.contact_id,
                    Interaction.author_id, Interaction.subject, Interaction.color,
                    Interaction.version)


@dataclass
class DayGroup:
    key: str
    title: TranslationString
    icon: str
    items: list[DayItem]
    total: int
    overdue: int
    facts: dict = field(default_factory=dict)  # {interaction id: DayFacts}


def local_day_bounds(zone: ZoneInfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a day in time zone `zone`."""
    start = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).replace(tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def day_bounds(request, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a local day of the user."""
    return local_day_bounds(request.user_timezone, day)


def today_start(request) -> dt.datetime:
    """When the user's today began (UTC): the day's counters count from then."""
    return day_bounds(request, local_today(request))[0]


def today_start_of(user: User) -> dt.datetime:
    """When today began for `user`, in their time zone (UTC)."""
    zone = zone_of(user)
    return local_day_bounds(zone, dt.datetime.now(zone).date())[0]


def sees_own(request) -> bool:
    """Whether the user may see the interactions they are responsible for: any scope of
    interaction.view does (own ⊂ department ⊂ all)."""
    identity = request.identity
    return identity.is_admin or any(
        role in identity.roles for role, _scope in request.role_matrix.roles_with(
            Interaction.security_type, "view"))


@dataclass(frozen=True)
class DayFacts:
    """What a row of the block shows beyond the interaction: the number to dial and today's
    call attempts ("outcome,outcome,..."), read as columns of the rows' statement."""

    phone: str
    attempts: dict[str, int]
    # Whether the viewer may open the organization and the contact (the SQL filter of their
    # lists, which agrees with the records' ACL): the links are drawn without asking the ACL.
    may_open: tuple[bool, bool] | None = None
    # What the row prints of the organization, the contact, the author and the step before,
    # read as columns of the same statement (no ORM objects for them: My day is everyone's
    # home page). None: not read (a row alone reads them from its interaction).
    names: DayNames | None = None


@dataclass(frozen=True)
class DayNames:
    organization: str | None  # the organization's name (None: no organization)
    contact: tuple[int | None, str] | None  # (its organization's id, full name)
    author: str | None  # who planned it
    parent_text: str  # the result of the step before


# The step before, joined for its result (made once: an alias made for each request makes
# the statement's columns costly to build).
PARENT = aliased(Interaction, name="parent_step")


def first_phone(owner_column, owner_id) -> sa.ScalarSelect:
    return (sa.select(Phone.number).where(owner_column == owner_id)
            .order_by(Phone.sort_order, Phone.id).limit(1).scalar_subquery())


# The block's statements, made once for each set of SQL filters (the viewer's rights) rather
# than on every request: making them (and their cache keys) cost more than running them. The
# key is what decides the filters (`filter_key`), so two viewers share statements only when
# their filters are the same; bounded (cleared when full).
DAY_STATEMENTS: dict[tuple, DayStatements] = {}
DAY_STATEMENTS_KEPT = 512


@dataclass(frozen=True)
class DayStatements:
    """my_day's statements, with the bound parameters "user_id", "end", "now", "since" and
    (rows_of_ids) "ids"."""

    counts: sa.Select  # user_id, end, now
    walk: sa.Select  # user_id, end
    rows_of_mine: sa.Select  # user_id, end, since
    rows_of_ids: sa.Select  # ids, since


def day_statements(mine_filter, org_filter, contact_filter) -> DayStatements:
    user = sa.bindparam("user_id", type_=sa.Integer)
    end = sa.bindparam("end", type_=Interaction.planned_at.type)
    now = sa.bindparam("now", type_=Interaction.planned_at.type)
    since = sa.bindparam("since", type_=InteractionAttempt.at.type)
    mine = [Interaction.responsible_id == user, Interaction.done_at.is_(None),
            Interaction.planned_at < end]
    if mine_filter is not None:
        mine.append(mine_filter)
    late_case = sa.func.sum(sa.case((Interaction.planned_at < now, 1), else_=0))
    tried = (sa.select(joined_strings(InteractionAttempt.outcome, ","))
             .where(InteractionAttempt.interaction_id == Interaction.id,
                    InteractionAttempt.at >= since).correlate(Interaction).scalar_subquery())
    phone = sa.func.coalesce(first_phone(Phone.contact_id, Interaction.contact_id),
                             first_phone(Phone.organization_id, Interaction.organization_id))
    may_open = [sa.select(model.id).where(model.id == column, where)
                .correlate(Interaction).exists()
                for model, column, where in ((Organization, Interaction.organization_id,
                                              org_filter),
                                             (Contact, Interaction.contact_id, contact_filter))]
    # The organization's and contact's names, the author's and the step before's result as
    # columns of outer joins (by primary key), not as four joined-loaded ORM objects per row.
    rows = (sa.select(*DAY_ITEM_COLUMNS, phone, tried, *may_open, Organization.name,
                      Contact.organization_id, Contact.full_name, User.full_name,
                      PARENT.result_text)
            .outerjoin(Organization, Organization.id == Interaction.organization_id)
            .outerjoin(Contact, Contact.id == Interaction.contact_id)
            .outerjoin(User, User.id == Interaction.author_id)
            .outerjoin(PARENT, PARENT.id == Interaction.parent_id)
            .order_by(Interaction.planned_at, Interaction.kind, Interaction.id))
    return DayStatements(
        counts=sa.select(Interaction.kind, sa.func.count(), late_case).where(*mine)
        .group_by(Interaction.kind),
        walk=sa.select(Interaction.id, Interaction.kind).where(*mine)
        .order_by(Interaction.planned_at, Interaction.kind, Interaction.id)
        .execution_options(yield_per=100),
        rows_of_mine=rows.where(*mine),
        rows_of_ids=rows.where(Interaction.id.in_(sa.bindparam("ids", expanding=True))))


def statements_for(request, filter_mine: bool) -> DayStatements:
    """The block's statements for the viewer's filters (`filter_mine`: whether the interactions
    themselves are filtered too), made once for each set of them."""
    key = (filter_key(request, Interaction, "view") if filter_mine else None,
           filter_key(request, Organization, "view"), filter_key(request, Contact, "view"))
    found = DAY_STATEMENTS.get(key)
    if found is None:
        if len(DAY_STATEMENTS) >= DAY_STATEMENTS_KEPT:
            DAY_STATEMENTS.clear()
        found = DAY_STATEMENTS[key] = day_statements(
            sql_filter(request, Interaction, "view") if filter_mine else None,
            sql_filter(request, Organization, "view"), sql_filter(request, Contact, "view"))
    return found


def my_day(request, user_id: int, *, end: dt.datetime, now: dt.datetime | None = None,
           per_group: int = 10) -> list[DayGroup]:
    """My interactions to do, planned before `end` (the end of today), not done; grouped by kind,
    oldest (most overdue) first.

    The rows are DayItems (columns), not ORM records. Everything runs on the index
    (responsible_id, done_at, planned_at, kind), index-only: the
    counts by kind; when more than a page, one walk in the index's own order (planned_at, kind,
    id) that stops as soon as every group has its first rows. (Asking for each group's first
    rows with `kind IN (...)` instead lets SQLite walk every open interaction of everyone by
    time, ix_interactions_state_time, to avoid a sort.) Then the rows, with their organization,
    contact, the number to dial and today's call attempts, in one statement. The statements are
    made once for each set of the viewer's filters (`statements_for`).
    """
    # Columns only: the statements run on the session's connection, without the ORM's
    # execution (what is pending is flushed first, as the session's own execute would).
    session = request.dbsession
    session.flush()
    db = session.connection()
    now = now or utcnow()
    statements = statements_for(
        request, user_id != request.identity.user.id or not sees_own(request))
    group_of = {kind: spec.key for spec in DAY_GROUPS for kind in spec.kinds}
    counts: dict[str, tuple[int, int]] = {}
    for kind, n, n_late in db.execute(statements.counts,
                                      {"user_id": user_id, "end": end, "now": now}):
        key = group_of.get(kind, DAY_GROUPS[-1].key)
        old = counts.get(key, (0, 0))
        counts[key] = (old[0] + n, old[1] + int(n_late or 0))
    total = sum(n for n, _late in counts.values())
    if not total:
        return []
    since = today_start(request)
    if total <= per_group:
        rows = db.execute(statements.rows_of_mine,
                          {"user_id": user_id, "end": end, "since": since}).all()
    else:
        missing = {key: min(n, per_group) for key, (n, _late) in counts.items()}
        ids: list[int] = []
        result = db.execute(statements.walk, {"user_id": user_id, "end": end})
        try:
            for row in result:
                key = group_of.get(row.kind, DAY_GROUPS[-1].key)
                if missing.get(key):
                    ids.append(row.id)
                    missing[key] -= 1
                    if not any(missing.values()):
                        break
        finally:
            result.close()
        rows = db.execute(statements.rows_of_ids, {"ids": ids, "since": since}).all()
    wanted: dict[str, list[DayItem]] = {}
    facts: dict[int, DayFacts] = {}
    width = len(DAY_ITEM_COLUMNS)
    for row in rows:
        item = DayItem(*row[:width])
        (number, outcomes, org_open, contact_open, org_name, contact_org, contact_name,
         author_name, parent_text) = row[width:]
        wanted.setdefault(group_of.get(item.kind, DAY_GROUPS[-1].key), []).append(item)
        names = DayNames(
            org_name if item.organization_id is not None else None,
            (contact_org, contact_name) if item.contact_id is not None else None,
            author_name if item.author_id is not None else None, parent_text or "")
        facts[item.id] = DayFacts(number or "", dict(Counter(outcomes.split(",")))
                                  if outcomes else {}, (bool(org_open), bool(contact_open)),
                                  names)
    return [DayGroup(spec.key, spec.title, spec.icon, wanted[spec.key], *counts[spec.key],
                     facts=facts)
            for spec in DAY_GROUPS if spec.key in wanted]


def phone_of(item: Interaction) -> str:
    """The number to dial: the contact's first phone, else the organization's."""
    for owner in (item.contact, item.organization):
        if owner is not None and owner.phones:
            return owner.phones[0].number
    return ""


def kind_icon(kind: str) -> str:
    return INTERACTION_KIND_ICONS.get(kind, "chat")
