"""ICS: one event as a file, a person's secret feed (for Outlook, Thunderbird, Google Calendar),
and importing an .ics file into a calendar."""

from __future__ import annotations

import re
from urllib.parse import quote

import colander
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from models.calendar import Event
from portal.calendar.ics import (
    MAX_IMPORT_BYTES,
    ImportRefused,
    event_ics,
    feed_ics,
    feed_token,
    import_ics,
    user_by_token,
)
from portal.calendar.resources import CalendarSection
from portal.calendar.schemas import ImportSchema, field_errors
from portal.calendar.security import calendar_choices
from portal.core.i18n import _

ICS_TYPE = "text/calendar"


def _filename(title: str) -> str:
    safe = re.sub(r"[^\w\- ]+", "", title, flags=re.UNICODE).strip().replace(" ", "_")[:60]
    return safe or "event"


@view_config(context=Event, name="ics", permission="view")
def export_event(request):
    event: Event = request.context
    body = event_ics(event, request.application_url)
    response = Response(body=body, content_type=ICS_TYPE, charset="utf-8")
    name = quote(_filename(event.title))
    response.content_disposition = f"attachment; filename=event-{event.id}.ics; filename*=UTF-8''{name}.ics"
    return response


def feed_url(request, token: str) -> str:
    return request.resource_url(request.root["calendar"], "feed", f"{token}.ics")


@view_config(
    context=CalendarSection, name="subscribe", renderer="calendar/subscribe.jinja2", permission="view"
)
def subscribe(request):
    """The person's feed address, to paste into a calendar program; it can be replaced."""
    user = request.identity.user
    if request.method == "POST":
        feed_token(request.dbsession, user, regenerate=True)
        request.session.flash(
            request.translate(
                _("A new address was made; the old one no longer works. Update it in your calendar programs.")
            )
        )
        return HTTPSeeOther(request.resource_path(request.context, "subscribe"))
    url = feed_url(request, feed_token(request.dbsession, user))
    return {
        "title": _("Subscribe to my calendar"),
        "url": url,
        "webcal": "webcal://" + url.split("://", 1)[-1],
    }


@view_config(context=CalendarSection, name="feed", permission=NO_PERMISSION_REQUIRED)
def feed(request):
    """/calendar/feed/<token>.ics: no log-in (calendar programs cannot), the token is the key."""
    if len(request.subpath) != 1 or not request.subpath[0].endswith(".ics"):
        raise HTTPNotFound()
    user = user_by_token(request.dbsession, request.subpath[0][:-4])
    if user is None:
        raise HTTPNotFound()
    response = Response(body=feed_ics(request, user), content_type=ICS_TYPE, charset="utf-8")
    # Calendar programs poll the feed: an unchanged one answers 304 with no body.
    response.cache_control = "private, max-age=300"
    response.conditional_response = True
    response.md5_etag()
    return response


@view_config(context=CalendarSection, name="import", renderer="calendar/import.jinja2", permission="add")
def import_page(request):
    values = {
        "calendar": request.POST.get("calendar", "personal"),
        "visibility": request.POST.get("visibility", "public"),
    }
    context = {
        "title": _("Import an .ics file"),
        "calendars": calendar_choices(request),
        "values": values,
        "error": "",
        "result": None,
        "max_mb": MAX_IMPORT_BYTES // (1024 * 1024),
    }
    if request.method != "POST":
        return context
    t = request.translate
    try:
        form = ImportSchema().bind(request=request).deserialize(
            {**values, "file": request.POST.get("file")})
    except colander.Invalid as invalid:
        # One message: the first field that is wrong, in the form's order.
        context["error"] = t(next(iter(field_errors(invalid).values())))
        request.response.status_int = 400
        return context
    upload = form["file"]
    calendar, dept = form["calendar"]
    data = upload.file.read(MAX_IMPORT_BYTES + 1)
    try:
        result = import_ics(request, data, calendar, dept, form["visibility"])
    except ImportRefused as refused:
        context["error"] = t(refused.message)
        request.response.status_int = 400
        return context
    if result.created == 0 and result.updated == 0:
        context["error"] = t(_("Nothing could be imported from this file."))
        context["result"] = result
        request.response.status_int = 400
        return context
    request.session.flash(
        t(
            _(
                "Imported: ${created} new, ${updated} updated.",
                mapping={"created": result.created, "updated": result.updated},
            )
        )
    )
    if result.bounded:
        request.session.flash(
            t(
                _(
                    "${n} repeating events had no end; they now end after two years.",
                    mapping={"n": result.bounded},
                )
            ),
            "warning",
        )
    if result.skipped:
        request.session.flash(
            t(_("Left out: ${list}", mapping={"list": "; ".join(result.skipped[:10])})), "warning"
        )
    return HTTPSeeOther(request.resource_path(request.context))
