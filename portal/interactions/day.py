"""My day's main block, as data: my interactions planned for today or earlier and not done,
grouped by kind (calls, meetings, e-mail and fax, letters and visits), the most overdue first;
and the user's day in UTC (`day_bounds`, `today_start`), which the list and the call-attempt
counters share. The page is views/interactions/day.py.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pyramid.i18n import TranslationString
from sqlalchemy.orm import joinedload

from models.clients import Contact, Interaction, InteractionAttempt, Organization, Phone
from models.meta import utcnow
from models.people import User
from portal.clients.rules import INTERACTION_KIND_ICONS
from portal.core.i18n import _, local_today, zone_of
from portal.security.filters import sql_filter


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


@dataclass
class DayGroup:
    key: str
    title: TranslationString
    icon: str
    items: list[Interaction]
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


def first_phone(owner_column, owner_id) -> sa.ScalarSelect:
    return (sa.select(Phone.number).where(owner_column == owner_id)
            .order_by(Phone.sort_order, Phone.id).limit(1).scalar_subquery())


def my_day(request, user_id: int, *, end: dt.datetime, now: dt.datetime | None = None,
           per_group: int = 10) -> list[DayGroup]:
    """My interactions to do, planned before `end` (the end of today), not done; grouped by kind,
    oldest (most overdue) first.

    Everything runs on the index (responsible_id, done_at, planned_at, kind), index-only: the
    counts by kind; when more than a page, one walk in the index's own order (planned_at, kind,
    id) that stops as soon as every group has its first rows. (Asking for each group's first
    rows with `kind IN (...)` instead lets SQLite walk every open interaction of everyone by
    time, ix_interactions_state_time, to avoid a sort.) Then the rows, with their organization,
    contact, the number to dial and today's call attempts, in one statement.
    """
    db = request.dbsession
    now = now or utcnow()
    mine = [Interaction.responsible_id == user_id, Interaction.done_at.is_(None),
            Interaction.planned_at < end]
    if user_id != request.identity.user.id or not sees_own(request):
        mine.append(sql_filter(request, Interaction, "view"))
    group_of = {kind: spec.key for spec in DAY_GROUPS for kind in spec.kinds}
    counts: dict[str, tuple[int, int]] = {}
    late_case = sa.func.sum(sa.case((Interaction.planned_at < now, 1), else_=0))
    for kind, n, n_late in db.execute(
            sa.select(Interaction.kind, sa.func.count(), late_case)
            .where(*mine).group_by(Interaction.kind)):
        key = group_of.get(kind, DAY_GROUPS[-1].key)
        old = counts.get(key, (0, 0))
        counts[key] = (old[0] + n, old[1] + int(n_late or 0))
    total = sum(n for n, _late in counts.values())
    if not total:
        return []
    if total <= per_group:
        chosen = sa.and_(*mine)
    else:
        missing = {key: min(n, per_group) for key, (n, _late) in counts.items()}
        ids: list[int] = []
        result = db.execute(
            sa.select(Interaction.id, Interaction.kind).where(*mine)
            .order_by(Interaction.planned_at, Interaction.kind, Interaction.id)
            .execution_options(yield_per=100))
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
        chosen = Interaction.id.in_(ids)
    since = today_start(request)
    tried = (sa.select(sa.func.aggregate_strings(InteractionAttempt.outcome, ","))
             .where(InteractionAttempt.interaction_id == Interaction.id,
                    InteractionAttempt.at >= since).correlate(Interaction).scalar_subquery())
    phone = sa.func.coalesce(first_phone(Phone.contact_id, Interaction.contact_id),
                             first_phone(Phone.organization_id, Interaction.organization_id))
    may_open = [sa.select(model.id).where(model.id == column, sql_filter(request, model, "view"))
                .correlate(Interaction).exists()
                for model, column in ((Organization, Interaction.organization_id),
                                      (Contact, Interaction.contact_id))]
    rows = db.execute(
        sa.select(Interaction, phone, tried, *may_open).where(chosen)
        .order_by(Interaction.planned_at, Interaction.kind, Interaction.id)
        .options(joinedload(Interaction.organization), joinedload(Interaction.contact),
                 joinedload(Interaction.author), joinedload(Interaction.parent))).all()
    wanted: dict[str, list[Interaction]] = {}
    facts: dict[int, DayFacts] = {}
    for item, number, outcomes, org_open, contact_open in rows:
        wanted.setdefault(group_of.get(item.kind, DAY_GROUPS[-1].key), []).append(item)
        facts[item.id] = DayFacts(number or "", dict(Counter(outcomes.split(",")))
                                  if outcomes else {}, (bool(org_open), bool(contact_open)))
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
