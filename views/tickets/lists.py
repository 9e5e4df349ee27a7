"""The ticket lists (mine, unassigned in my queues, breaching soon, waiting, all) and a new
ticket, from the lists or from a client's card."""
from __future__ import annotations

from math import ceil
from urllib.parse import urlencode

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models import search
from models.clients import Contact, Organization
from models.meta import utcnow
from models.tickets import CHANNELS, OPEN_STATES, PRIORITIES, Ticket
from portal.core.forms import id_field, lines, read_fields, schema_of, squeezed, text
from portal.core.i18n import _
from portal.resources import locate
from portal.tickets.lists import (
    COUNT_CAP,
    PAGE_SIZE,
    STATES,
    VIEWS,
    Filters,
    count_of,
    ordered,
    queue_choices,
    tab_counts,
    ticket_query,
    with_people,
)
from portal.tickets.resources import Tickets
from portal.tickets.security import visible_tickets
from portal.tickets.service import (
    CHANNEL_TITLES,
    NUMBER_RE,
    PRIORITY_TITLES,
    TicketInput,
    TicketProblem,
    create_ticket,
)
from portal.tickets.sla import clocks
from views.search.header import SearchGroup, SearchItem, search_provider
from views.tickets.display import ticket_helpers
from workflows.ticket import TICKET


@view_config(context=Tickets, renderer="tickets/list.jinja2", permission="view")
def ticket_list(request):
    db = request.dbsession
    f = Filters.from_params(request.GET)
    now = utcnow()
    stmt = ticket_query(request, f, now)
    total = count_of(db, stmt)
    pages = max(1, ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    page = min(f.page, pages)
    tickets = db.scalars(with_people(ordered(stmt, f))
                         .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).unique().all()
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        changes.setdefault("page", 1)
        query = urlencode(f.params(**changes))
        return f"{base}?{query}" if query else base

    return {
        "title": _("Tickets"),
        "f": f,
        "views": list(VIEWS.items()),
        "counts": tab_counts(request, now),
        "states": STATES,
        "queues": queue_choices(db),
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES, reverse=True)],
        "tickets": tickets,
        "clocks": {t.id: clocks(t, now) for t in tickets},
        "total": total,
        "total_capped": total > COUNT_CAP,
        "count_cap": COUNT_CAP,
        "page": page,
        "pages": pages,
        "url": url,
        "page_url": lambda p: url(page=p),
        "may_add": request.has_permission("add", request.context),
        "may_report": request.has_permission("report", request.context["report"]),
        "may_settings": request.has_permission("view", request.context["settings"]),
        **ticket_helpers(request),
    }


def new_ticket_schema() -> colander.SchemaNode:
    return schema_of(
        text(squeezed(300), name="subject"),
        text(lines(50_000), name="description"),
        text(squeezed(20), name="channel"),
        text(squeezed(100), name="category"),
        id_field("priority"),
        id_field("queue"),
        id_field("organization"),
        id_field("contact"),
        text(squeezed(200), name="requester_name"),
        text(squeezed(254), name="requester_email"),
        text(squeezed(50), name="requester_phone"),
        text(squeezed(300), name="tags"),
    )


def client_of(request, organization_id, contact_id):
    """The client named by the form, if the user may see it (else none: never shown)."""
    db = request.dbsession
    org = db.get(Organization, organization_id) if organization_id else None
    contact = db.get(Contact, contact_id) if contact_id else None
    if org is not None and not request.has_permission("view", locate(request, org)):
        org = None
    if contact is not None and not request.has_permission("view", locate(request, contact)):
        contact = None
    if contact is not None and org is not None and contact.organization_id != org.id:
        contact = None
    return org, contact


@view_config(context=Tickets, name="add", renderer="tickets/add.jinja2", permission="add")
def add_ticket(request):
    """A new ticket: a colleague writes down what a client asked for (a call, a visit), or a
    client's card starts one for that client (?organization=…&contact=…)."""
    values, problems = read_fields(new_ticket_schema(), request.POST if request.method == "POST"
                                   else request.GET)
    org, contact = client_of(request, values.get("organization"), values.get("contact"))
    if request.method == "POST" and not problems:
        data = TicketInput(
            subject=values["subject"], description=values["description"],
            channel=values["channel"] or "phone", category=values["category"],
            priority=values["priority"], queue_id=values["queue"],
            organization_id=org.id if org else None, contact_id=contact.id if contact else None,
            requester_name=values["requester_name"], requester_email=values["requester_email"],
            requester_phone=values["requester_phone"],
            tags=[t for t in values["tags"].split(",") if t.strip()])
        try:
            ticket = create_ticket(request.dbsession, request.identity.user, data,
                                   registry=request.registry)
        except TicketProblem as problem:
            problems[problem.field or "subject"] = problem.message
        else:
            request.session.flash(request.translate(_("Ticket ${number} is registered.",
                                                      mapping={"number": ticket.number})))
            return HTTPSeeOther(request.resource_url(request.context, ticket.number))
    if request.method == "GET":
        problems = {}
    return {
        "title": _("New ticket"),
        "v": values,
        "problems": problems,
        "organization": org,
        "contact": contact,
        "queues": queue_choices(request.dbsession),
        "channels": [(c, CHANNEL_TITLES[c]) for c in CHANNELS if c != "web"],
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES)],
    }



@search_provider
def search_tickets(request, q: str, limit: int) -> SearchGroup | None:
    """Tickets the user may see, by number or the words of their subject and requester (open
    ones first): the search index's matches, at most a hundred read."""
    section = request.root["tickets"]
    if not request.has_permission("view", section):
        return None
    db = request.dbsession
    found = search.preview(db, "ticket", q, where=visible_tickets(request), ranked=False)
    ids = set(found.ids) if found is not None else set()
    number = NUMBER_RE.search(q.upper())
    if number:
        ids.update(db.scalars(sa.select(Ticket.id).where(Ticket.number == number.group(0),
                                                         visible_tickets(request))))
    if not ids:
        return None
    rows = db.scalars(
        sa.select(Ticket).where(Ticket.id.in_(sorted(ids)))
        .order_by(Ticket.state.in_(OPEN_STATES).desc(), Ticket.created_at.desc())
        .limit(limit)).all()
    items = [SearchItem(f"{t.number} {t.subject}", request.resource_url(section, t.number),
                        request.translate(TICKET.states[t.state].title), icon="life-preserver")
             for t in rows]
    more = request.resource_url(section, query={"view": "all", "state": "any", "q": q})
    return SearchGroup(_("Tickets"), items, more, len(ids), found is not None and found.more)
