"""Rooms and equipment: the list with today's bookings (everyone), adding and editing (admins)."""

from __future__ import annotations

import datetime as dt

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.calendar import ROOM_KINDS, EventRoom, Room
from portal.calendar.events import local_window, visible_events
from portal.calendar.resources import Rooms
from portal.core.i18n import _, local_today
from views.forms import CSRFSchema, FormView

KIND_LABELS = {"room": _("Meeting room"), "equipment": _("Equipment")}


@view_config(context=Rooms, renderer="calendar/rooms.jinja2", permission="view")
def rooms_page(request):
    db = request.dbsession
    show_all = request.identity.is_admin and request.GET.get("all") == "1"
    stmt = sa.select(Room).order_by(Room.kind.desc(), Room.name)
    if not show_all:
        stmt = stmt.where(Room.active)
    rooms = list(db.scalars(stmt))
    ws, we = local_window(local_today(request), 1, request.user_timezone)
    today = visible_events(request, ws, we, room_ids=[r.id for r in rooms]) if rooms else []
    by_room: dict[int, list] = {r.id: [] for r in rooms}
    # Which of today's events books which room: one statement for them all.
    booked: dict[int, list[int]] = {}
    if today:
        for event_id, room_id in db.execute(
                sa.select(EventRoom.event_id, EventRoom.room_id).where(
                    EventRoom.event_id.in_({occ.event.id for occ in today}),
                    EventRoom.room_id.in_(list(by_room)))):
            booked.setdefault(event_id, []).append(room_id)
    for occ in today:
        for room_id in booked.get(occ.event.id, ()):
            by_room[room_id].append(occ)
    now = dt.datetime.now(dt.UTC)
    return {
        "title": _("Rooms and equipment"),
        "rooms": rooms,
        "today": by_room,
        "busy_now": {rid for rid, occs in by_room.items() if any(o.start <= now < o.end for o in occs)},
        "kind_labels": KIND_LABELS,
        "may_manage": request.identity.is_admin,
        "show_all": show_all,
        "section": request.root["calendar"],
    }


class RoomSchema(CSRFSchema):
    name = colander.SchemaNode(
        colander.String(),
        title=_("Name"),
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
        missing_msg=_("Give the room or equipment a name."),
        validator=colander.Length(max=200, max_err=_("At most ${max} characters, please.")),
    )
    kind = colander.SchemaNode(
        colander.String(),
        title=_("Kind"),
        validator=colander.OneOf(ROOM_KINDS),
        widget=deform.widget.RadioChoiceWidget(values=[(k, KIND_LABELS[k]) for k in ROOM_KINDS], inline=True),
    )
    location = colander.SchemaNode(
        colander.String(),
        title=_("Where"),
        missing="",
        validator=colander.Length(max=200, max_err=_("At most ${max} characters, please.")),
    )
    capacity = colander.SchemaNode(
        colander.Integer(),
        title=_("Seats"),
        missing=None,
        validator=colander.Range(
            1, 10000, min_err=_("At least one seat."), max_err=_("At most 10,000 seats.")
        ),
    )
    description = colander.SchemaNode(
        colander.String(), title=_("Description"), missing="", widget=deform.widget.TextAreaWidget(rows=3)
    )
    active = colander.SchemaNode(
        colander.Boolean(),
        title=_("Can be booked"),
        missing=False,
        default=True,
        widget=deform.widget.CheckboxWidget(),
    )


class RoomForm(FormView):
    schema_factory = RoomSchema

    def duplicate(self, name: str, room: Room | None):
        other = self.request.dbsession.scalar(sa.select(Room).where(sa.func.lower(Room.name) == name.lower()))
        if other is not None and other is not room:
            raise self.invalid({"name": _("There is already “${name}”.", mapping={"name": other.name})})


@view_config(context=Rooms, name="add", renderer="forms/form.jinja2", permission="manage")
class AddRoom(RoomForm):
    title = _("New room or equipment")

    @property
    def cancel_url(self):
        return self.request.resource_path(self.context)

    def appstruct(self):
        return {"kind": "room", "active": True}

    def save(self, appstruct):
        self.duplicate(appstruct["name"], None)
        room = Room(
            **{k: appstruct[k] for k in ("name", "kind", "location", "capacity", "description", "active")}
        )
        self.request.dbsession.add(room)
        self.request.dbsession.flush()
        self.request.session.flash(
            self.request.translate(_("“${name}” can now be booked.", mapping={"name": room.name}))
        )
        return self.request.resource_path(self.context)


@view_config(context=Room, name="edit", renderer="forms/form.jinja2", permission="manage")
class EditRoom(RoomForm):
    title = _("Edit room or equipment")

    @property
    def cancel_url(self):
        return self.request.resource_path(self.context.__parent__)

    def appstruct(self):
        room = self.context
        return {
            k: getattr(room, k) for k in ("name", "kind", "location", "capacity", "description", "active")
        }

    def save(self, appstruct):
        room = self.context
        self.duplicate(appstruct["name"], room)
        for k in ("name", "kind", "location", "capacity", "description", "active"):
            setattr(room, k, appstruct[k])
        self.request.session.flash(self.request.translate(_("Saved.")))
        return self.request.resource_path(room.__parent__)


@view_config(context=Room, permission="book")
def room_schedule(request):
    """A room's own page is the calendar showing its bookings."""
    return HTTPSeeOther(
        request.resource_path(request.root["calendar"], query={"src": f"room:{request.context.id}"})
    )
