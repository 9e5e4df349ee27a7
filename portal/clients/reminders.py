"""Reminders of clients' dates, delivered as notifications by `portal tick` (job
"client_reminders").

Whoever is responsible for a client (the organization's or private person's manager; a contact
of an organization follows its organization's manager) hears, N days ahead:
- a contact person's birthday;
- an important date of an organization or a contact (yearly ones every year, others once).
N is their setting `clients.reminder_days` (portal.clients.rules.reminder_days: 3 by default, 0 = on
the day itself); "today" is their own, in their time zone.

Exactly once per person, date and year: the key ("contact-birthday:<id>:<year>",
"date:<id>:<year>") is claimed in `sent_reminders` (unique user_id + key) with INSERT … ON
CONFLICT DO NOTHING RETURNING before the notification is written, in the same transaction; a
second tick running at the same moment waits for the first one's commit and gets nothing back.
Keys already sent are skipped in SQL, so most ticks read nothing.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models.clients import Contact, ImportantDate, Organization, SentReminder, UserSetting
from models.meta import utcnow
from models.notifications import NOTIFICATION_KINDS, notify_many
from models.people import User
from portal.clients.rules import REMINDER_DAYS, SETTING_DEFAULTS
from portal.core.i18n import _, zone_named
from portal.core.ticker import job
from portal.notifications.messages import Joined, When, ngettext, plural
from portal.notifications.sending import items, readers

KIND = "client_dates"
MAX_DAYS = 60
NOTIFICATION_KINDS.setdefault(KIND, _("Birthdays and important dates of my clients"))
NOTIFICATION_KINDS.setdefault("interaction_planned",
                              _("Calls, meetings and letters others plan for me"))


@dataclass(frozen=True)
class Due:
    """One reminder to give: who, under which key, about what."""

    user_id: int
    key: str
    on: dt.date
    days: int
    what: str  # "birthday" | "date"
    name: str  # the contact's name, or the date's title
    owner: str  # the organization (or, for a contact's date, the contact)
    url: str
    note: str = ""
    born: dt.date | None = None


def _days_setting(value: str | None, default: int) -> int:
    try:
        return max(0, min(MAX_DAYS, int(value or "")))
    except ValueError:
        return default


def _occurrence(month_day: int, year: int) -> dt.date:
    month, day = divmod(month_day, 100)
    if month == 2 and day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)  # a 29 February birthday is remembered on the 28th
    return dt.date(year, month, day)


def _window(start: dt.date, days: int) -> dict[int, list[int]]:
    """{year: [month*100+day]} of the days start … start+days (29 Feb joins a common 28 Feb)."""
    out: dict[int, list[int]] = defaultdict(list)
    for i in range(days + 1):
        day = start + dt.timedelta(days=i)
        out[day.year].append(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            out[day.year].append(229)
    return out


def _contact_url(contact_id: int, organization_id: int | None) -> str:
    if organization_id:
        return f"/clients/{organization_id}/contacts/{contact_id}"
    return f"/clients/contacts/{contact_id}"


def _not_sent(user_col, prefix: str, id_col, year: int):
    key = sa.literal(prefix) + sa.cast(id_col, sa.String) + sa.literal(f":{year}")
    return ~sa.exists().where(SentReminder.user_id == user_col, SentReminder.key == key)


def due_reminders(dbsession, now: dt.datetime | None = None) -> list[Due]:
    """Reminders due now and not given yet (nothing is written)."""
    now = now or utcnow()
    default = int(SETTING_DEFAULTS[REMINDER_DAYS])
    special: dict[int, list[int]] = defaultdict(list)
    for user_id, value in dbsession.execute(
            sa.select(UserSetting.user_id, UserSetting.value)
            .where(UserSetting.key == REMINDER_DAYS)):
        days = _days_setting(value, default)
        if days != default:
            special[days].append(user_id)
    others = [u for ids in special.values() for u in ids]
    groups = [(default, lambda col: col.not_in(others) if others else sa.true())]
    groups += [(days, lambda col, ids=ids: col.in_(ids)) for days, ids in special.items()]
    # One day either side of the UTC date covers every time zone; each person's own "today"
    # is checked below.
    start = now.date() - dt.timedelta(days=1)
    found: dict[tuple[int, str], tuple[Due, ZoneInfo, int]] = {}
    for days, managers in groups:
        for year, mds in _window(start, days + 2).items():
            for candidate in _candidates(dbsession, year, mds, managers):
                due = candidate[0]
                found.setdefault((due.user_id, due.key), candidate)
    out = []
    for due, zone, days_ahead in found.values():
        ahead = (due.on - now.astimezone(zone).date()).days
        if 0 <= ahead <= days_ahead:
            out.append(replace(due, days=ahead))
    return sorted(out, key=lambda d: (d.user_id, d.on, d.key))


def _candidates(dbsession, year: int, mds: list[int], managers):
    """(Due, reader's zone, their N) for birthdays and dates on these month-days of `year`."""
    settings = sa.select(UserSetting.value).where(
        UserSetting.user_id == User.id, UserSetting.key == REMINDER_DAYS).scalar_subquery()
    default = int(SETTING_DEFAULTS[REMINDER_DAYS])
    org = aliased(Organization)
    # Contacts' birthdays.
    rows = dbsession.execute(
        sa.select(Contact.id, Contact.full_name, Contact.birthday, Contact.birth_md,
                  Contact.organization_id, org.name, User.id, User.timezone, settings)
        .join(User, User.id == Contact.manager_id)
        .outerjoin(org, org.id == Contact.organization_id)
        .where(Contact.birth_md.in_(mds), User.active, managers(Contact.manager_id),
               _not_sent(Contact.manager_id, "contact-birthday:", Contact.id, year)))
    for cid, name, born, md, org_id, org_name, uid, zone, value in rows:
        yield (Due(uid, f"contact-birthday:{cid}:{year}", _occurrence(md, year), 0, "birthday",
                   name, org_name or "", _contact_url(cid, org_id), born=born),
               zone_named(zone), _days_setting(value, default))
    # Important dates of organizations, then of contacts.
    for owner_model in (Organization, Contact):
        is_org = owner_model is Organization
        owner_fk = ImportantDate.organization_id if is_org else ImportantDate.contact_id
        owner_name = Organization.name if is_org else Contact.full_name
        org_of_owner = Organization.id if is_org else Contact.organization_id
        rows = dbsession.execute(
            sa.select(ImportantDate.id, ImportantDate.title, ImportantDate.date, ImportantDate.md,
                      ImportantDate.yearly, ImportantDate.note, owner_model.id, owner_name,
                      org_of_owner, User.id, User.timezone, settings)
            .join(owner_model, owner_model.id == owner_fk)
            .join(User, User.id == owner_model.manager_id)
            .where(ImportantDate.md.in_(mds), User.active, managers(owner_model.manager_id),
                   _not_sent(owner_model.manager_id, "date:", ImportantDate.id, year)))
        for did, title, on, md, yearly, note, owner_id, name, org_id, uid, zone, value in rows:
            when = _occurrence(md, year)
            if not yearly and on != when:
                continue
            url = f"/clients/{owner_id}" if is_org else _contact_url(owner_id, org_id)
            yield (Due(uid, f"date:{did}:{year}", when, 0, "date", title, name, url,
                       note=note or ""), zone_named(zone), _days_setting(value, default))


def claim(dbsession, dues: list[Due]) -> list[Due]:
    """Mark these reminders sent; return the ones this call marked (others were given already
    or are being given by another tick at this moment)."""
    if not dues:
        return []
    if dbsession.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    won: set[tuple[int, str]] = set()
    for start in range(0, len(dues), 500):
        chunk = dues[start:start + 500]
        stmt = (insert(SentReminder)
                .values([{"user_id": d.user_id, "key": d.key, "sent_at": now} for d in chunk])
                .on_conflict_do_nothing(index_elements=["user_id", "key"])
                .returning(SentReminder.user_id, SentReminder.key))
        won.update((u, k) for u, k in dbsession.execute(stmt))
    return [d for d in dues if (d.user_id, d.key) in won]


def message(due: Due) -> tuple:
    """The notification's title and body, read in each reader's language when shown."""
    day = When(None, False, due.on, year=False)
    if due.what == "birthday":
        if due.days == 0:
            title = _("Today is the birthday of ${name}", mapping={"name": due.name})
        elif due.days == 1:
            title = _("Tomorrow is the birthday of ${name}", mapping={"name": due.name})
        else:
            title = plural(ngettext("${name} has a birthday in ${n} day",
                                    "${name} has a birthday in ${n} days", due.days),
                           {"name": due.name})
        parts: list = [day]
        if due.born is not None and 1900 < due.born.year < due.on.year:
            parts.append(_("turns ${age}", mapping={"age": due.on.year - due.born.year}))
        parts.append(due.owner or _("private person"))
        return title, Joined(tuple(parts), " · ")
    if due.days == 0:
        title = _("Today: ${title} (${owner})", mapping={"title": due.name, "owner": due.owner})
    elif due.days == 1:
        title = _("Tomorrow: ${title} (${owner})", mapping={"title": due.name, "owner": due.owner})
    else:
        title = plural(ngettext("In ${n} day: ${title} (${owner})",
                                "In ${n} days: ${title} (${owner})", due.days),
                       {"title": due.name, "owner": due.owner})
    return title, Joined((day, due.note), " · ")


def send_reminders(dbsession, registry, now: dt.datetime | None = None) -> int:
    """Give the reminders that are due; returns how many were given."""
    dues = claim(dbsession, due_reminders(dbsession, now))
    if not dues:
        return 0
    known = readers(dbsession, {d.user_id for d in dues}, registry)
    out = []
    for due in dues:
        title, body = message(due)
        out.extend(items(dbsession, registry, [due.user_id], KIND, title, body, due.url,
                         known=known))
    notify_many(dbsession, out)
    return len(out)


@job("client_reminders")
def client_reminders(request) -> int:
    return send_reminders(request.dbsession, request.registry)
