"""What a requester opens without logging in: the web form that registers a ticket (limited per
address, with a field only robots fill in) and the one-click rating page of a resolved ticket."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from portal.core.forms import id_field, lines, read_fields, schema_of, squeezed, text
from portal.core.i18n import _
from portal.tickets.outbox import queue_ack_mail
from portal.tickets.resources import Support
from portal.tickets.service import (
    TicketInput,
    TicketProblem,
    create_ticket,
    intake_allowed,
    rate,
    ticket_for_token,
)

WEB_FORM = schema_of(
    text(squeezed(200), name="name"),
    text(squeezed(254), name="email"),
    text(squeezed(50), name="phone"),
    text(squeezed(300), name="subject"),
    text(lines(20_000), name="description"),
    # Hidden from people by the page's style: whatever fills it in is a robot.
    text(squeezed(200), name="website"),
)


@view_config(context=Support, renderer="tickets/public_form.jinja2", permission="submit")
def web_form(request):
    """The public form: a ticket from the "web" channel, answered with its number."""
    values, problems = read_fields(WEB_FORM, request.POST) if request.method == "POST" else ({}, {})
    if request.method == "POST":
        if values.get("website"):
            # A robot: answered as if registered, nothing stored.
            return {"title": _("Support request"), "done": "—", "v": {}, "problems": {}}
        if not values.get("email") and not values.get("phone"):
            problems.setdefault("email", _("Leave an e-mail or a phone so that we can answer."))
        limited = not problems and not intake_allowed(request.dbsession, request.client_addr or "")
        if limited:
            problems["subject"] = _("Too many requests from your address: try again in a few "
                                    "minutes.")
        if not problems:
            try:
                ticket = create_ticket(request.dbsession, None, TicketInput(
                    subject=values["subject"], description=values["description"], channel="web",
                    requester_name=values["name"], requester_email=values["email"],
                    requester_phone=values["phone"]), registry=request.registry)
            except TicketProblem as problem:
                problems[problem.field if problem.field in values else "subject"] = problem.message
            else:
                queue_ack_mail(request.dbsession, ticket)
                request.session.flash(ticket.number, "ticket")
                return HTTPSeeOther(request.resource_url(request.context, query={"sent": "1"}))
        if problems:
            request.response.status = 429 if limited else 400
    done = None
    if request.GET.get("sent"):
        numbers = request.session.pop_flash("ticket")
        done = numbers[-1] if numbers else None
    return {"title": _("Support request"), "done": done, "v": values, "problems": problems}


RATING = schema_of(id_field("score"), text(lines(2000), name="comment"))


@view_config(context=Support, name="rate", renderer="tickets/rate.jinja2", permission="submit")
def rate_page(request):
    """/support/rate/{token}: the score (1–5) and a comment, recorded once."""
    token = request.subpath[0] if request.subpath else ""
    ticket = ticket_for_token(request.dbsession, token)
    if ticket is None:
        request.response.status = 404
        return {"title": _("Rate our work"), "ticket": None, "state": "unknown", "problems": {}}
    if ticket.rated_at is not None and request.method != "POST":
        return {"title": _("Rate our work"), "ticket": ticket, "state": "rated", "problems": {}}
    problems = {}
    if request.method == "POST" or request.GET.get("score"):
        values, problems = read_fields(RATING, request.POST if request.method == "POST"
                                       else request.GET)
        if request.method == "POST" and not problems:
            try:
                result = rate(request.dbsession, token, values["score"] or 0, values["comment"])
            except TicketProblem as problem:
                problems["score"] = problem.message
            else:
                return {"title": _("Rate our work"), "ticket": result.ticket,
                        "state": "thanks" if result.recorded else "rated", "problems": {}}
        if request.method == "GET":
            return {"title": _("Rate our work"), "ticket": ticket, "state": "ask",
                    "score": values.get("score"), "problems": {}}
    return {"title": _("Rate our work"), "ticket": ticket, "state": "ask",
            "score": None, "problems": problems}
