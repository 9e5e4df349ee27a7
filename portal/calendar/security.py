"""Who may see, change and book what in the calendar: the ACLs of events and rooms, the same
rules as SQL for listings, and the calendars a person may put events in.

The role matrix applies to events as to any row (portal.security.acl.row_acl): the organizer
owns an event, its department is its calendar's. An event's visibility narrows `view`:

* busy-only: the people taking part and those who may edit it read it; others see the time as
  taken ("busy", portal.calendar.events) and nothing more;
* private: the organizer and the people invited alone; whoever else may edit events (a
  secretary) neither reads nor changes it. Admin, first in every ACL, still does.

`event_acl` and `details_clause`/`edit_clause` say the same thing twice, once per row and once as
SQL; tests/functional/calendar/test_events.py checks that they agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.authorization import Allow

from models.calendar import Event, EventAttendee
from models.people import Department
from portal.core.i18n import _
from portal.security.acl import row_acl
from portal.security.filters import Kept, filter_key, sql_filter


def event_acl(event: Event) -> list:
    """The role matrix for the event, narrowed by its visibility (see the module's docstring)."""
    acl = row_acl(event)
    if event.visibility == "public":
        return acl
    narrowed = [ace for ace in acl if ace[2] != "view"]
    if event.visibility == "private":
        mine = f"@user:{event.organizer_id}"
        narrowed = [narrowed[0]] + [
            ace for ace in narrowed[1:] if ace[2] != "edit" or ace[0] != Allow or ace[1].endswith(mine)
        ]
    editors = [(Allow, ace[1], "view") for ace in narrowed if ace[0] == Allow and ace[2] == "edit"]
    people = [(Allow, f"user:{uid}", "view") for uid in sorted(event.participant_ids())]
    return [narrowed[0], *people, *editors, *narrowed[1:]]


def edit_clause(request):
    """Rows the viewer may edit (`event_acl` as SQL): the role matrix, except that a private
    event is only its organizer's (and admin's) to change."""
    identity = request.identity
    if identity is None:
        return sa.false()
    if identity.is_admin:
        return sa.true()
    return sa.and_(
        sql_filter(request, Event, "edit"),
        sa.or_(Event.visibility != "private", Event.organizer_id == identity.user.id),
    )


# details_clause's clauses by (the viewer, per row or not, the key of their edit filter): SQL
# expressions are immutable, so a viewer's clause is made once, not on every page (and the
# statements built on it are then kept by the clause's key).
_DETAILS = Kept(4096)


def details_clause(request, *, per_row: bool = False):
    """Rows whose details the viewer may see: public ones, their own and those they are invited
    to, and busy-only ones they may edit; a private event only its people (and admin) read.

    `per_row`: the viewer's invitation is looked up for each row (a few rows) rather than all
    their invitations listed once (many rows); the same rule."""
    identity = request.identity
    if identity is None:
        return sa.false()
    if identity.is_admin:
        return sa.true()
    me = identity.user.id
    return _DETAILS.get((me, per_row, filter_key(request, Event, "edit")), lambda: sa.or_(
        Event.visibility == "public",
        Event.organizer_id == me,
        sa.exists().where(EventAttendee.event_id == Event.id, EventAttendee.user_id == me)
        if per_row else
        Event.id.in_(sa.select(EventAttendee.event_id).where(EventAttendee.user_id == me)),
        sa.and_(Event.visibility == "busy", sql_filter(request, Event, "edit")),
    ))


def may_edit_all(request) -> bool:
    """Whether the person may edit every event (the secretary's event.edit scope "all")."""
    identity = request.identity
    if identity.is_admin:
        return True
    return any(
        role in identity.roles and scope == "all"
        for role, scope in request.role_matrix.roles_with("event", "edit")
    )


def calendar_choices(request) -> list[tuple[str, str]]:
    """(value, label) of the calendars this person may put an event in: their own, their
    departments' ("dept:<id>"), and, for whoever edits every event, every department's and the
    company's."""
    t = request.translate
    out = [("personal", t(_("My calendar")))]
    user = request.identity.user
    everyone = may_edit_all(request)
    if everyone:
        depts = request.dbsession.scalars(
            sa.select(Department).order_by(Department.sort_order, Department.name)
        )
    else:
        depts = sorted(user.departments, key=lambda d: d.name)
    out.extend((f"dept:{d.id}", t(_("Department: ${name}", mapping={"name": d.name}))) for d in depts)
    if everyone:
        out.append(("company", t(_("Company calendar"))))
    return out
