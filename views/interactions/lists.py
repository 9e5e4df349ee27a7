"""Interactions: calls, meetings, e-mails, faxes, letters and visits with clients (issue 3).

/clients/interactions                  the list: mine, planned by me for others, all I may see
/clients/interactions/@@segments       POST: save the list's filter as a named segment, delete one
/clients/interactions/@@add            log what happened (and plan next steps) or plan one
/clients/interactions/{id}             one interaction: details, its chain of steps, history
/clients/interactions/{id}/@@edit      change it (a newer save by someone else is not overwritten)
/clients/interactions/@@settings       my reminders of clients' birthdays and dates

Actions on one (attempts, result + next steps, reschedule) are in views/interactions/actions.py,
the My day block in views/interactions/day.py, the client card's timeline provider in
views/interactions/timeline.py, the pickers in views/interactions/pick.py; the rules in
portal/interactions/rules.py; the reminders job in portal/clients/reminders.py.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from models.clients import (
    INTERACTION_KINDS,
    Contact,
    Interaction,
    InteractionAttempt,
    Organization,
)
from models.meta import utcnow
from portal.clients.rules import (
    COLOR_LABELS,
    DIRECTION_LABELS,
    INTERACTION_KIND_ICONS,
    INTERACTION_KIND_LABELS,
    REMINDER_DAYS,
    reminder_days,
    set_setting,
)
from portal.clients.resources import locate as locate_client
from portal.core.i18n import _, local_today
from portal.interactions.rules import (
    ATTEMPT_ICONS,
    ATTEMPT_LABELS,
    ATTEMPTS,
    DAY_GROUPS,
    Conflict,
    Interactions,
    create_interaction,
    day_bounds,
    interaction_url,
    today_start,
    update_interaction,
)
from portal.security.policy import sql_filter
from views.people.auth import safe_came_from
from views.clients.organizations import my_segments, segment_post
from views.forms import CSRFSchema, FormView
from views.interactions.forms import (
    blank_step,
    edit_values,
    new_values,
    people_choices,
    read_form,
    result_choices,
)

PAGE_SIZE = 50
# "1–50 of more than 1 000": counting every row of a department's two years is not worth it.
COUNT_CAP = 1000
TABS = {"mine": _("Mine"), "others": _("Planned by me for others"), "all": _("All I may see")}
# The default (to do) and "done" run on the index (responsible_id, done_at, planned_at).
STATES = {"planned": _("To do"), "overdue": _("Overdue"), "done": _("Done"), "all": _("Any state")}
MAX_STEPS_SHOWN = 10
SEGMENT_AREA = "interactions"


def includeme(config) -> None:
    from portal.clients import reminders as clients_reminders  # noqa: F401  (the `portal tick` job)
    from portal.clients.resources import Clients
    from views.interactions import day as interactions_day  # noqa: F401  (My day, card)
    from views.interactions import timeline as interactions_timeline

    Clients.children["interactions"] = Interactions


# --- what templates use ---------------------------------------------------------------------------

def helpers(request, now: dt.datetime | None = None) -> dict:
    """Labels, icons, URLs and time formatting shared by the interaction templates."""
    now = now or utcnow()
    today = local_today(request)
    zone = request.user_timezone

    def when(item: Interaction, fmt: str = "auto") -> str:
        from portal.core.i18n import format_date, format_datetime

        at = item.done_at or item.planned_at
        local = at.astimezone(zone)
        if fmt == "auto":
            if local.date() == today:
                return local.strftime("%H:%M")
            if abs((local.date() - today).days) < 180:
                return format_datetime(request, at, "d MMM, HH:mm")
            return format_date(request, local.date(), "medium")
        return format_datetime(request, at, fmt)

    def client_url(obj) -> str | None:
        if obj is None:
            return None
        locate_client(request, obj)
        return request.resource_url(obj) if request.has_permission("view", obj) else None

    def overdue(item: Interaction) -> bool:
        return not item.done and item.planned_at < now

    def late_day(item: Interaction) -> bool:
        return not item.done and item.planned_at.astimezone(zone).date() < today

    return {
        "now": now, "today": today, "dial": dial,
        "kind_labels": INTERACTION_KIND_LABELS, "kind_icons": INTERACTION_KIND_ICONS,
        "direction_labels": DIRECTION_LABELS, "color_labels": COLOR_LABELS,
        "attempt_labels": ATTEMPT_LABELS, "attempt_icons": ATTEMPT_ICONS,
        "url": lambda item, *el, **kw: interaction_url(request, item, *el, **kw),
        "section_url": section_url(request),
        "when": when, "client_url": client_url, "overdue": overdue, "late_day": late_day,
        "may": lambda perm, obj: request.has_permission(perm, locate(request, obj)),
    }


def section_url(request) -> str:
    return request.resource_url(request.root["clients"]["interactions"])


def dial(number: str) -> str:
    """A tel: link's number: "+7 (495) 123-45-67 доб. 12" → "+74951234567"."""
    from models.clients import PHONE_EXTENSION_RE

    main = PHONE_EXTENSION_RE.sub("", number or "")
    return ("+" if main.strip().startswith("+") else "") + "".join(
        c for c in main if c.isdigit())


def locate(request, obj):
    from portal.interactions.rules import locate as locate_item

    return locate_item(request, obj) if isinstance(obj, Interaction) else obj


def came_from(request, default: str = "") -> str:
    value = request.params.get("came_from", "")
    return value if value.startswith("/") and not value.startswith("//") else default


def back_to(request, item: Interaction | None, message=None, error: bool = False):
    """A redirect to where the user came from (else the interaction), with a flash message."""
    if message is not None:
        request.session.flash(request.localizer.translate(message), "error" if error else "")
    target = came_from(request)
    if target:
        return HTTPSeeOther(safe_came_from(request, target))
    return HTTPSeeOther(interaction_url(request, item) if item is not None else
                        request.resource_url(request.root["clients"]["interactions"]))


def step_dates(request) -> list[tuple[str, object]]:
    """Quick dates for next steps: tomorrow, in 3 days, next Monday, in 2 weeks."""
    today = local_today(request)
    monday = today + dt.timedelta(days=7 - today.weekday())
    return [((today + dt.timedelta(days=1)).isoformat(), _("Tomorrow")),
            ((today + dt.timedelta(days=3)).isoformat(), _("In 3 days")),
            (monday.isoformat(), _("Monday")),
            ((today + dt.timedelta(days=14)).isoformat(), _("In 2 weeks"))]


# --- the list ----------------------------------------------------------------------------------------

def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


# My day's groups of more than one kind ("E-mail and fax"), offered as one choice of "What".
KIND_GROUPS = {",".join(g.kinds): g.title for g in DAY_GROUPS if len(g.kinds) > 1}


def _kinds(value) -> str:
    """One kind ("call") or several, comma-separated ("email,fax"); "" for any or nonsense."""
    kinds = [k for k in str(value or "").split(",") if k]
    if not kinds or len(kinds) > len(INTERACTION_KINDS) or \
            any(k not in INTERACTION_KINDS for k in kinds):
        return ""
    return ",".join(dict.fromkeys(kinds))


def list_filters(request, default_state: str = "all") -> dict:
    """The list's filters from the query string (also read by the export of the list). The page
    itself opens on what is still to do (`default_state="planned"`)."""
    get = request.GET
    tab = get.get("tab") if get.get("tab") in TABS else "mine"
    return {
        "tab": tab,
        "state": get.get("state") if get.get("state") in STATES else default_state,
        "kind": _kinds(get.get("kind")),
        "responsible": _int(get.get("responsible")) if tab == "all" else None,
        "organization": _int(get.get("organization")),
        "contact": _int(get.get("contact")),
        "start": _day(get.get("start")),
        "end": _day(get.get("end")),
        "page": max(1, min(_int(get.get("page")) or 1, 10000)),
    }


def list_conditions(request, f: dict, now: dt.datetime) -> list:
    """The list's WHERE: what the user may see first, then the tab's and the filters'."""
    me = request.identity.user.id
    where = [sql_filter(request, Interaction, "view")]
    if f["tab"] == "mine":
        where.append(Interaction.responsible_id == me)
    elif f["tab"] == "others":
        where += [Interaction.author_id == me, Interaction.responsible_id != me]
    elif f["responsible"]:
        where.append(Interaction.responsible_id == f["responsible"])
    if f["state"] in ("planned", "overdue"):
        where.append(Interaction.done_at.is_(None))
        if f["state"] == "overdue":
            where.append(Interaction.planned_at < now)
    elif f["state"] == "done":
        where.append(Interaction.done_at.is_not(None))
    if f["kind"]:
        kinds = f["kind"].split(",")
        where.append(Interaction.kind == kinds[0] if len(kinds) == 1
                     else Interaction.kind.in_(kinds))
    if f["organization"]:
        where.append(Interaction.organization_id == f["organization"])
    if f["contact"]:
        where.append(Interaction.contact_id == f["contact"])
    if f["start"]:
        where.append(Interaction.planned_at >= day_bounds(request, f["start"])[0])
    if f["end"]:
        where.append(Interaction.planned_at < day_bounds(request, f["end"])[1])
    return where


def visible_client(request, model, raw_id):
    """The organization or contact with this id, if the user may see it (else None)."""
    key = _int(raw_id)
    obj = request.dbsession.get(model, key) if key is not None else None
    if obj is None or not request.has_permission("view", locate_client(request, obj)):
        return None
    return obj


def list_query(request, f: dict, now: dt.datetime):
    return sa.select(Interaction).where(*list_conditions(request, f, now))


def scope_parts(where: list) -> tuple[list, list]:
    """The OR'ed parts of what the user may see (their department's rows, their own...) and
    the other conditions. Each part is read on its own index and the ids united, rather than
    trusting one plan for the whole OR: SQLite's statistics then tend to walk every open
    interaction of everyone."""
    scope, rest = where[0], where[1:]
    if isinstance(scope, BooleanClauseList) and scope.operator is operators.or_:
        return list(scope.clauses), rest
    return [scope], rest


def capped_count(db, where: list, cap: int) -> int:
    """How many rows match, up to cap + 1."""
    parts, rest = scope_parts(where)
    selects = [sa.select(Interaction.id).where(part, *rest).limit(cap + 1) for part in parts]
    ids = selects[0] if len(selects) == 1 else sa.union(
        *[sa.select(q.subquery().c.id) for q in selects])
    return db.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))


RECENT = dt.timedelta(days=31)
# The list's orders: (column, newest first).
ORDERS = {"planned": (Interaction.planned_at, False), "overdue": (Interaction.planned_at, False),
          "done": (Interaction.done_at, True), "all": (Interaction.planned_at, True)}


def page_ids(db, where: list, state: str, offset: int, now: dt.datetime) -> list[int]:
    """The ids of one page of the list (and one more, to know there is a next page).

    Only ids and times are sorted, not every matching row joined to its organization, contact
    and people; each part of what the user may see gives its first rows, the page is taken
    from them together. The newest-first orders (done, any state) look at the last month
    first: when it fills the page, the page is the same as over two years of a department's
    interactions, which then need not be sorted at all.
    """
    column, newest = ORDERS[state]
    wanted = offset + PAGE_SIZE + 1

    def ordered(*columns):
        return [c.desc() for c in columns] if newest else list(columns)

    def read(extra: list) -> list[int]:
        parts, rest = scope_parts(where)
        if len(parts) == 1:
            return list(db.scalars(
                sa.select(Interaction.id).where(*parts, *rest, *extra)
                .order_by(*ordered(column, Interaction.id)).offset(offset).limit(PAGE_SIZE + 1)))
        firsts = [sa.select(Interaction.id, column.label("at")).where(part, *rest, *extra)
                  .order_by(*ordered(column, Interaction.id)).limit(wanted).subquery()
                  for part in parts]
        united = sa.union(*[sa.select(q.c.id, q.c.at) for q in firsts]).subquery()
        return list(db.scalars(sa.select(united.c.id).order_by(*ordered(united.c.at, united.c.id))
                               .offset(offset).limit(PAGE_SIZE + 1)))

    if newest:
        recent = read([column >= now - RECENT])
        if len(recent) > PAGE_SIZE:
            return recent
    return read([])


@view_config(context=Interactions, renderer="interactions/list.jinja2", permission="view")
def interaction_list(request):
    now = utcnow()
    f = list_filters(request, default_state="planned")
    where = list_conditions(request, f, now)
    offset = (f["page"] - 1) * PAGE_SIZE
    ids = page_ids(request.dbsession, where, f["state"], offset, now)
    loaded = {i.id: i for i in request.dbsession.scalars(
        sa.select(Interaction).where(Interaction.id.in_(ids)).options(
            joinedload(Interaction.organization), joinedload(Interaction.contact),
            joinedload(Interaction.responsible), joinedload(Interaction.author),
            joinedload(Interaction.result)))} if ids else {}
    rows = [loaded[i] for i in ids]
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if f["page"] == 1 and len(rows) < PAGE_SIZE:
        total = len(rows)  # all of it is on the page
    else:
        total = capped_count(request.dbsession, where, COUNT_CAP)
    # The filter chip names the organization only for those who may see it.
    organization = visible_client(request, Organization, f["organization"])
    contact = visible_client(request, Contact, f["contact"])
    query = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in f.items()
             if v and k != "page" and not (k == "tab" and v == "mine")
             and not (k == "state" and v == "planned")}

    def page_url(page: int) -> str:
        return request.path_url + "?" + urlencode({**query, "page": page})

    def filter_url(**changes) -> str:
        q = {**query, **changes}
        return request.path_url + "?" + urlencode({k: v for k, v in q.items() if v})

    exports = []
    clients = request.root["clients"]
    if request.has_permission("export", clients):
        from views.clients.export import export_url

        params = {**query, "state": f["state"]}
        exports = [(_("Excel"), export_url(request, "interactions", "xlsx", params),
                    "file-earmark-excel"),
                   (_("CSV"), export_url(request, "interactions", "csv", params), "filetype-csv")]
    people = []
    if f["tab"] == "all":
        people = people_choices(request, keep_id=f["responsible"])
    current_query = urlencode(query)
    return {
        "title": _("Interactions"), "rows": rows, "f": f, "total": total,
        "count_cap": COUNT_CAP, "has_next": has_next, "first": offset + 1 if rows else 0,
        "last": offset + len(rows), "page_url": page_url, "filter_url": filter_url,
        "tabs": TABS, "states": STATES, "organization": organization, "contact": contact,
        "people": people,
        "kind_groups": KIND_GROUPS,
        "may_add": request.has_permission("add", request.context), "exports": exports,
        "segments": my_segments(request, SEGMENT_AREA), "current_query": current_query,
        "segment_url": lambda s: section_url(request) + ("?" + s.query if s.query else ""),
        **helpers(request, now),
    }


@view_config(context=Interactions, name="segments", request_method="POST", permission="view")
def save_segment(request):
    """Save the list's current filter as a named segment of the user's (or delete one)."""
    return segment_post(request, SEGMENT_AREA, section_url(request))


# --- one interaction ---------------------------------------------------------------------------------

@view_config(context=Interaction, renderer="interactions/view.jinja2", permission="view")
def interaction_view(request):
    from portal.audit.log import history_for

    item = request.context
    db = request.dbsession
    chain = list(db.scalars(
        sa.select(Interaction).where(Interaction.parent_id == item.id,
                                     sql_filter(request, Interaction, "view"))
        .options(joinedload(Interaction.responsible), joinedload(Interaction.result))
        .order_by(Interaction.planned_at, Interaction.id)))
    parent = None
    if item.parent_id:
        parent = db.scalar(sa.select(Interaction).where(
            Interaction.id == item.parent_id, sql_filter(request, Interaction, "view")))
    attempts = list(db.scalars(
        sa.select(InteractionAttempt).where(InteractionAttempt.interaction_id == item.id)
        .options(joinedload(InteractionAttempt.user))
        .order_by(InteractionAttempt.at.desc(), InteractionAttempt.id.desc())))
    since = today_start(request)
    today = {o: sum(1 for a in attempts if a.outcome == o and a.at >= since) for o in ATTEMPTS}
    return {
        "title": item.subject or INTERACTION_KIND_LABELS[item.kind], "item": item,
        "follow_ups": chain, "parent": parent, "attempts": attempts, "attempts_today": today,
        "history": history_for(db, item, limit=20),
        "may_edit": request.has_permission("edit", item),
        "may_add": request.has_permission("add", request.root["clients"]["interactions"]),
        **helpers(request),
    }


# --- add and edit --------------------------------------------------------------------------------------

def form_context(request, values, problems, item: Interaction | None = None,
                 conflict: Conflict | None = None) -> dict:
    from views.interactions.pick import organization_contacts

    responsible_id = item.responsible_id if item is not None else None
    return {
        "title": _("Edit the interaction") if item is not None else (
            _("Log a call or a meeting") if values.mode == "log" else _("Plan a call or a meeting")),
        "item": item, "v": values, "problems": problems, "conflict": conflict,
        "people": people_choices(request, keep_id=responsible_id),
        "results": result_choices(request, keep_id=item.result_id if item else None),
        "contacts": organization_contacts(request, values.organization) if values.organization
        else _lone_contact(request, values.contact),
        "step_dates": step_dates(request), "came_from": came_from(request),
        "kinds": INTERACTION_KINDS,
        **helpers(request),
    }


def _lone_contact(request, contact_id) -> list:
    """A private person chosen without an organization: the only choice offered."""
    contact = request.dbsession.get(Contact, int(contact_id)) if contact_id else None
    return [contact] if contact is not None else []


def _form_response(request, values, problems, item=None, conflict=None, status=400):
    from pyramid.renderers import render_to_response

    response = render_to_response("interactions/form.jinja2",
                                  form_context(request, values, problems, item, conflict),
                                  request=request)
    response.status_int = status
    return response


@view_config(context=Interactions, name="add", renderer="interactions/form.jinja2",
             permission="add")
def interaction_add(request):
    if request.method != "POST":
        values = new_values(request, request.GET)
        # Only a client the user may see is filled in: the form shows its name.
        if values.contact:
            contact = visible_client(request, Contact, values.contact)
            if contact is None:
                values.contact = ""
            elif not values.organization and contact.organization_id:
                values.organization = str(contact.organization_id)
        if values.organization:
            org = visible_client(request, Organization, values.organization)
            values.organization = str(org.id) if org is not None else ""
            values.organization_name = org.name if org is not None else ""
        context = form_context(request, values, {})
        if not values.contact and len(context["contacts"]) == 1:
            values.contact = str(context["contacts"][0].id)  # the only person there
        return context
    values, problems, data = read_form(request, request.POST)
    if "add_step" in request.POST or "remove_step" in request.POST:
        index = request.POST.get("remove_step", "")
        if index.isdigit() and int(index) < len(values.steps) and len(values.steps) > 1:
            values.steps.pop(int(index))
        elif "add_step" in request.POST and len(values.steps) < MAX_STEPS_SHOWN:
            values.steps.append(blank_step(request))
        return _form_response(request, values, {}, status=200)
    if data is None:
        return _form_response(request, values, problems)
    item = create_interaction(request, data)
    if data.done_at is not None:
        message = _("Saved.") if not data.follow_ups else _(
            "Saved, and the next steps are planned.")
    elif item.responsible_id != request.identity.user.id:
        message = _("Planned for ${name}; they are notified.",
                    mapping={"name": item.responsible.full_name})
    else:
        message = _("Planned.")
    return back_to(request, item, message)


@view_config(context=Interaction, name="edit", renderer="interactions/form.jinja2",
             permission="edit")
def interaction_edit(request):
    item = request.context
    if request.method != "POST":
        return form_context(request, edit_values(request, item), {}, item)
    values, problems, data = read_form(request, request.POST, item)
    if data is None:
        return _form_response(request, values, problems, item)
    changes = dict(kind=data.kind, direction=data.direction, organization=data.organization,
                   contact=data.contact, subject=data.subject, text=data.text,
                   responsible=data.responsible, color=data.color)
    if item.done:
        changes.update(done_at=data.done_at, result=data.result, result_text=data.result_text)
        if item.planned_at > data.done_at:
            changes["planned_at"] = data.done_at
    else:
        changes["planned_at"] = data.planned_at
    try:
        changed = update_interaction(request, item, version=values.version, **changes)
    except Conflict as conflict:
        values.version = str(item.version)
        return _form_response(request, values, {}, item, conflict, status=409)
    except StaleDataError:
        return conflict_at_once(request, item)
    return back_to(request, item, _("Saved.") if changed else _("Nothing was changed."))


def conflict_at_once(request, item):
    """Two saves at the same moment: the other one won; nothing of this one is kept."""
    request.response.status_int = 409
    from pyramid.renderers import render_to_response

    response = render_to_response("interactions/conflict.jinja2", {
        "title": _("Saved by someone else at the same moment"),
        "item_url": request.resource_url(item)}, request=request)
    response.status_int = 409
    return response


# --- reminder settings ---------------------------------------------------------------------------------

class ReminderSettingsSchema(CSRFSchema):
    days = colander.SchemaNode(
        colander.Integer(), title=_("Remind me this many days ahead"),
        description=_("From 0 (on the day itself) to 60 days."),
        validator=colander.Range(0, 60, min_err=_("At least 0 days."),
                                 max_err=_("At most 60 days.")),
        widget=deform.widget.TextInputWidget(input_type="number", css_class="ix-days-input"))


@view_config(context=Interactions, name="settings", renderer="interactions/settings.jinja2",
             permission="view")
class ReminderSettings(FormView):
    schema_factory = ReminderSettingsSchema
    title = _("Reminders of clients' dates")

    @property
    def cancel_url(self) -> str:
        return self.request.application_url + "/"

    def appstruct(self) -> dict:
        user = self.request.identity.user
        return {"days": reminder_days(self.request.dbsession, user.id)}

    def save(self, appstruct: dict) -> str:
        user = self.request.identity.user
        set_setting(self.request.dbsession, user.id, REMINDER_DAYS, str(appstruct["days"]))
        self.request.session.flash(self.request.localizer.translate(_("Saved.")))
        return self.request.application_url + "/"
