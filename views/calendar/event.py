"""One event: its page, the add and edit form, answers, drag-and-drop moves, cancelling."""

from __future__ import annotations

import datetime as dt

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import object_session

from models.calendar import Event
from portal.audit.log import history_for
from portal.calendar.audit import is_answer
from portal.calendar.changes import (
    SCOPES,
    answer_invitation,
    cancel_event,
    create_event,
    move_event,
    update_event,
    warning_text,
)
from portal.calendar.events import occurrence_of
from portal.calendar.recurrence import CalendarProblem, Recurrence, localize, utc_stamp, within_years
from portal.calendar.resources import CalendarSection
from portal.core.i18n import _, timezone_label, zone_named
from portal.tasks.client_links import contacts, event_link
from views.calendar.forms import EventForm, form_context, form_values, read_form
from views.people.auth import safe_came_from

ANSWER_LABELS = {
    "accepted": _("Accepted"),
    "tentative": _("Maybe"),
    "declined": _("Declined"),
    "needs_action": _("No answer yet"),
}
VISIBILITY_LABELS = {
    "public": _("Public"),
    "busy": _("Others see only “busy”"),
    "private": _("Private: only the people invited"),
}
LINK_LABELS = {"client": _("Client"), "contact": _("Contact"), "ticket": _("Ticket"), "job": _("Service job")}


def _occurrence(request, event: Event):
    """The occurrence named by ?at= (or the event itself); 404 when there is no such one."""
    stamp = request.params.get("at", "")[:20] or None
    found = occurrence_of(event, stamp)
    if found is None:
        raise HTTPNotFound()
    return stamp if event.rrule else None, found


def visible_history(request, event: Event, show_answers: bool, limit: int = 30):
    """The event's change history; others' answers only for those who see the answers."""
    entries = history_for(request.dbsession, event, limit=limit)
    if show_answers:
        return entries
    me = request.identity.user.id
    out = []
    for entry in entries:
        mine = entry.author is not None and entry.author.id == me
        entry.changes = [c for c in entry.changes if mine or not is_answer(c)]
        if entry.changes:
            out.append(entry)
    return out


def _form_page(request, form, event=None, stamp=None, scope="all", status=200):
    request.response.status_int = status
    section = request.root["calendar"]
    return {
        "title": _("New event") if event is None else _("Edit event"),
        "event": event,
        "stamp": stamp,
        "scope": scope,
        "scopes": SCOPES,
        "action": request.resource_path(section, "add")
        if event is None
        else request.resource_path(event, "edit", query={"at": stamp} if stamp else None),
        "cancel_url": request.resource_path(section) if event is None else _event_url(request, event, stamp),
        "people_url": request.resource_path(section, "people.json"),
        "assistant_url": request.resource_path(section, "assistant.json"),
        **form_context(request, form),
    }


def _event_url(request, event: Event, stamp: str | None = None) -> str:
    return request.resource_path(
        request.root["calendar"], str(event.id), query={"at": stamp} if stamp else None
    )


def _flash_warnings(request, outcome) -> None:
    text = warning_text(request, outcome.warnings)
    if text:
        request.session.flash(text, "warning")


@view_config(context=CalendarSection, name="add", renderer="calendar/form.jinja2", permission="add")
def add_event(request):
    if request.method != "POST":
        return _form_page(request, EventForm(form_values(request, preset=dict(request.GET))))
    form, data = read_form(request, request.POST)
    if data is None:
        return _form_page(request, form, status=400)
    try:
        outcome = create_event(request, data)
    except CalendarProblem as problem:
        form.errors[problem.field] = request.translate(problem.message)
        return _form_page(request, form, status=400)
    request.session.flash(
        request.translate(
            _("The event “${title}” is in the calendar.", mapping={"title": outcome.event.title})
        )
    )
    _flash_warnings(request, outcome)
    return HTTPSeeOther(_event_url(request, outcome.event))


@view_config(context=Event, name="edit", renderer="calendar/form.jinja2", permission="edit")
def edit_event(request):
    event: Event = request.context
    if event.cancelled:
        request.session.flash(request.translate(_("A cancelled event cannot be changed.")), "error")
        return HTTPSeeOther(_event_url(request, event))
    stamp, occ = _occurrence(request, event)
    scope = request.params.get("scope", "this" if stamp else "all")
    if request.method != "POST":
        return _form_page(request, EventForm(form_values(request, event, occ)), event, stamp, scope)
    form, data = read_form(request, request.POST)
    if data is None:
        return _form_page(request, form, event, stamp, scope, status=400)
    try:
        outcome = update_event(request, event, data, scope, stamp)
    except CalendarProblem as problem:
        form.errors[problem.field] = request.translate(problem.message)
        return _form_page(request, form, event, stamp, scope, status=400)
    request.session.flash(
        request.translate(_("The event has been changed; the people invited are notified."))
    )
    _flash_warnings(request, outcome)
    return HTTPSeeOther(_event_url(request, outcome.event, outcome.stamp))


@view_config(context=Event, renderer="calendar/event.jinja2", permission="view")
def event_page(request):
    event: Event = request.context
    stamp, (start, end) = _occurrence(request, event)
    me = request.identity.user
    mine = event.attendee_for(me.id)
    may_edit = request.has_permission("edit", event)
    tz = request.user_timezone
    etz = zone_named(event.timezone)
    attendees = sorted(event.attendees, key=lambda a: (a.user_id != event.organizer_id, a.display_name))
    series = event.series if event.series_id else None
    show_answers = may_edit or me.id == event.organizer_id
    return {
        "title": event.title,
        "event": event,
        "stamp": stamp,
        "start": start,
        "end": end,
        "local_start": start.astimezone(tz),
        "local_end": end.astimezone(tz),
        "all_day_start": start.astimezone(etz).date(),
        "all_day_end": (end.astimezone(etz) - dt.timedelta(days=1)).date(),
        "other_zone": event.timezone != tz.key and not event.all_day,
        "zone_label": lambda name: timezone_label(request, name),
        "zone_start": start.astimezone(etz),
        "zone_end": end.astimezone(etz),
        "repeat": Recurrence.from_rrule(event.rrule, etz).describe(request.localizer, request.locale_name),
        "series": series,
        "attendees": attendees,
        "mine": mine,
        "may_edit": may_edit,
        "show_answers": show_answers,
        "answer_labels": ANSWER_LABELS,
        "visibility_labels": VISIBILITY_LABELS,
        "link_labels": LINK_LABELS,
        "link": event_link(request, event),
        "contact_urls": _contact_urls(request, event),
        "counts": {k: sum(1 for a in event.attendees if a.answer == k) for k in ANSWER_LABELS},
        "section": request.root["calendar"],
    }


@view_config(context=Event, name="history-part", renderer="admin/audit/history_part.jinja2",
             permission="view")
def event_history_part(request):
    """The event's latest changes, asked for when its page's history opens; others' answers
    only for those who see the answers."""
    event: Event = request.context
    me = request.identity.user
    show_answers = request.has_permission("edit", event) or me.id == event.organizer_id
    history = visible_history(request, event, bool(show_answers), limit=HISTORY_SHOWN + 1)
    return {"history": history[:HISTORY_SHOWN], "more_history": False, "history_url": None}


HISTORY_SHOWN = 30


def _contact_urls(request, event: Event) -> dict[int, str]:
    """{contact id: address of their card} for the guests who are client contacts the viewer
    may see (the others are shown by name only)."""
    ids = sorted({a.contact_id for a in event.attendees if a.contact_id is not None})
    return {cid: url for cid, (_label, url) in contacts(request, ids).items()} if ids else {}


@view_config(context=Event, name="answer", request_method="POST", permission="view")
def answer(request):
    event: Event = request.context
    stamp = request.POST.get("at", "")[:20]
    result = answer_invitation(request.dbsession, request.identity.user, event,
                               request.POST.get("answer", ""), registry=request.registry)
    if result is None:
        request.session.flash(request.translate(_("Only the people invited can answer.")), "error")
    else:
        request.session.flash(
            request.translate(
                _(
                    "Your answer is saved: ${answer}.",
                    mapping={"answer": request.translate(ANSWER_LABELS[result.answer])},
                )
            )
        )
    return HTTPSeeOther(
        safe_came_from(request, request.POST.get("came_from") or _event_url(request, event, stamp or None))
    )


@view_config(context=Event, name="cancel", request_method="POST", permission="edit")
def cancel(request):
    event: Event = request.context
    if event.cancelled:
        return HTTPSeeOther(_event_url(request, event))
    stamp = request.POST.get("at", "")[:20] or None
    if stamp and occurrence_of(event, stamp) is None:
        raise HTTPNotFound()
    scope = request.POST.get("scope", "all")
    cancel_event(request.dbsession, request.identity.user, event, scope if scope in SCOPES else "all", stamp,
                 registry=request.registry)
    request.session.flash(request.translate(_("Cancelled; the people invited are notified.")))
    return HTTPSeeOther(request.resource_path(request.root["calendar"]))


@view_config(context=Event, name="move", request_method="POST", renderer="json", permission="view")
def move(request):
    """Drag and drop or resize in the calendar: {ok, message, warning}. A refused move is undone
    by the page, which shows the reason."""
    event: Event = request.context
    t = request.translate
    if not request.has_permission("edit", event):
        request.response.status_int = 403
        return {"ok": False, "message": t(_("You may not move this event: you did not organize it."))}
    if event.cancelled:
        request.response.status_int = 409
        return {"ok": False, "message": t(_("A cancelled event cannot be changed."))}
    stamp = request.POST.get("at", "")[:20] or None
    if occurrence_of(event, stamp) is None:
        request.response.status_int = 404
        return {"ok": False, "message": t(_("This occurrence no longer exists."))}
    tz = request.user_timezone
    all_day = request.POST.get("allDay") in ("1", "true")
    try:
        start = _sent_time(request.POST.get("start", ""), "start")
        end = _sent_time(request.POST.get("end", ""), "end")
    except CalendarProblem as problem:  # not a time, or not one the calendar can hold
        request.response.status_int = 400
        return {"ok": False, "message": t(problem.message)}
    try:
        start = _wall(start, tz, all_day, zone_named(event.timezone), "start")
        end = _wall(end, tz, all_day, zone_named(event.timezone), "end")
        outcome = move_event(request, event, stamp, start, end, all_day)
    except CalendarProblem as problem:
        request.response.status_int = 409
        return {"ok": False, "message": t(problem.message)}
    object_session(event).flush()
    return {
        "ok": True,
        "warning": warning_text(request, outcome.warnings) or "",
        "id": outcome.event.id,
        "at": utc_stamp(outcome.event.start_at) if outcome.event.rrule else "",
    }


def _sent_time(text, field: str) -> dt.datetime:
    """A wall time as the widget sends it (2031-03-03T10:00), within the calendar's years."""
    try:
        value = dt.datetime.fromisoformat(text.strip()[:19])
    except (AttributeError, TypeError, ValueError):  # not text (a file), or not a time
        raise CalendarProblem(_("The new time is not understood."), field) from None
    within_years(value, field)
    return value


def _wall(value: dt.datetime, tz, all_day: bool, event_tz, field: str) -> dt.datetime:
    """A wall time sent by the widget (the user's zone; all-day: a date in the event's zone)
    in UTC; a time the clocks skip is refused."""
    if all_day:
        value = dt.datetime.combine(value.date(), dt.time())
        return localize(value, event_tz, field).astimezone(dt.UTC)
    return localize(value, tz, field).astimezone(dt.UTC)


@view_config(context=Event, name="answer", request_method="GET", permission="view")
@view_config(context=Event, name="cancel", request_method="GET", permission="view")
@view_config(context=Event, name="move", request_method="GET", permission="view")
def post_only(request):
    raise HTTPBadRequest()
