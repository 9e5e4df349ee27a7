"""Interactions: calls, meetings, e-mails, faxes, letters and visits with clients (issue 3).

/clients/interactions                  the list: mine, planned by me for others, all I may see
/clients/interactions/@@segments       POST: save the list's filter as a named segment, delete one
/clients/interactions/@@add            log what happened (and plan next steps) or plan one
/clients/interactions/{id}             one interaction: details, its chain of steps, history
/clients/interactions/{id}/@@edit      change it (a newer save by someone else is not overwritten)
/clients/interactions/@@settings       my reminders of clients' birthdays and dates

Actions on one (attempts, result + next steps, reschedule) are in views/interactions/actions.py,
the My day block in views/interactions/day.py, the client card's timeline provider in
views/interactions/timeline.py, the pickers in views/interactions/pick.py; the list's filters and
SQL in portal/interactions/lists.py, the rules in portal/interactions/rules.py; the reminders job
in portal/clients/reminders.py.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import colander
import deform
import sqlalchemy as sa
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from models.clients import (
    INTERACTION_KINDS,
    Contact,
    Interaction,
    InteractionAttempt,
    Organization,
)
from models.errors import EditConflict
from models.meta import utcnow
from models.people import User
from portal.audit.log import history_for
from portal.clients.rules import INTERACTION_KIND_LABELS, REMINDER_DAYS, reminder_days, set_setting
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.interactions.day import today_start
from portal.interactions.handoff import (
    client_manager,
    close_planned,
    hand_over,
    task_message,
    tasks_of_call,
)
from portal.interactions.lists import (
    COUNT_CAP,
    KIND_GROUPS,
    PAGE_SIZE,
    STATES,
    TABS,
    capped_count,
    list_conditions,
    list_filters,
    organization_contacts,
    page_ids,
)
from portal.interactions.resources import Interactions
from portal.interactions.rules import ATTEMPTS, create_interaction, update_interaction
from portal.resources import locate
from portal.security.filters import sql_filter
from views.clients.export import export_url
from views.clients.organizations import my_segments, segment_post
from views.forms import CSRFSchema, FormView
from views.interactions.forms import (
    FormValues,
    Person,
    blank_step,
    edit_values,
    new_values,
    offer_planned,
    people_choices,
    read_form,
    result_choices,
)
from views.interactions.helpers import (
    back_to,
    came_from,
    conflict_at_once,
    helpers,
    section_url,
    step_dates,
)

MAX_STEPS_SHOWN = 10
SEGMENT_AREA = "interactions"


# --- the list ----------------------------------------------------------------------------------------

def visible_client(request, model, raw_id):
    """The organization or contact with this id, if the user may see it (else None)."""
    key = parse_int(raw_id)
    obj = request.dbsession.get(model, key) if key is not None else None
    if obj is None or not request.has_permission("view", locate(request, obj)):
        return None
    return obj


@view_config(context=Interactions, renderer="interactions/list.jinja2", permission="view")
def interaction_list(request):
    now = utcnow()
    f = list_filters(request.GET, default_state="planned")
    where = list_conditions(request, f, now)
    offset = (f["page"] - 1) * PAGE_SIZE
    ids = page_ids(request.dbsession, where, f["state"], offset, now)
    # Whether the reader may open each row's client: the clients' SQL filter (the rule of their
    # ACL) as a column of the same statement, not an ACL worked out per row.
    may_open = sa.exists().where(Organization.id == Interaction.organization_id,
                                 sql_filter(request, Organization, "view")).label("may_open")
    loaded = {row[0].id: row for row in request.dbsession.execute(
        sa.select(Interaction, may_open).where(Interaction.id.in_(ids)).options(
            joinedload(Interaction.organization), joinedload(Interaction.contact),
            joinedload(Interaction.responsible), joinedload(Interaction.author),
            joinedload(Interaction.result))).unique()} if ids else {}
    opens = {i: bool(loaded[i].may_open) for i in ids}
    rows = [loaded[i][0] for i in ids]
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
        params = {**query, "state": f["state"]}
        exports = [(_("Excel"), export_url(request, "interactions", "xlsx", params),
                    "file-earmark-excel"),
                   (_("CSV"), export_url(request, "interactions", "csv", params), "filetype-csv")]
    # The "Who does it" filter draws "Anyone" and the chosen person; everyone else comes when
    # the field is about to be used (`@@responsible-options`): a company has thousands.
    chosen = request.dbsession.get(User, f["responsible"]) \
        if f["tab"] == "all" and f["responsible"] else None
    current_query = urlencode(query)
    return {
        "title": _("Interactions"), "rows": rows, "f": f, "total": total,
        "count_cap": COUNT_CAP, "has_next": has_next, "first": offset + 1 if rows else 0,
        "last": offset + len(rows), "page_url": page_url, "filter_url": filter_url,
        "tabs": TABS, "states": STATES, "organization": organization, "contact": contact,
        "chosen": chosen, "opens": opens,
        "responsible_options_url": request.resource_url(
            request.context, "@@responsible-options",
            query={"chosen": f["responsible"]} if f["responsible"] else None),
        "kind_groups": KIND_GROUPS,
        "may_add": request.has_permission("add", request.context), "exports": exports,
        "segments": my_segments(request, SEGMENT_AREA), "current_query": current_query,
        "segment_url": lambda s: section_url(request) + ("?" + s.query if s.query else ""),
        **helpers(request, now),
    }


@view_config(context=Interactions, name="responsible-options",
             renderer="interactions/_responsible_options.jinja2", permission="view")
def responsible_options(request):
    """Every choice of the list's "Who does it" filter, by department, asked for by the field."""
    chosen = parse_int(request.GET.get("chosen", "")[:20])
    return {"people": people_choices(request, keep_id=chosen), "chosen": chosen}


@view_config(context=Interactions, name="segments", request_method="POST", permission="view")
def save_segment(request):
    """Save the list's current filter as a named segment of the user's (or delete one)."""
    return segment_post(request, SEGMENT_AREA, section_url(request))


# --- one interaction ---------------------------------------------------------------------------------

@view_config(context=Interaction, renderer="interactions/view.jinja2", permission="view")
def interaction_view(request):
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
        "handed": tasks_of_call(request, item),
        "tasks_url": request.resource_url(request.root["tasks"]),
        "history": history_for(db, item, limit=20),
        "may_edit": request.has_permission("edit", item),
        "may_add": request.has_permission("add", request.root["clients"]["interactions"]),
        **helpers(request),
    }


# --- add and edit --------------------------------------------------------------------------------------

def form_context(request, values, problems, item: Interaction | None = None,
                 conflict: EditConflict | None = None) -> dict:
    responsible_id = item.responsible_id if item is not None else None
    return {
        "title": _("Edit the interaction") if item is not None else (
            _("Log a call or a meeting") if values.mode == "log" else _("Plan a call or a meeting")),
        "item": item, "v": values, "problems": problems, "conflict": conflict,
        "people": people_choices(request, keep_id=responsible_id).for_client(
            request, values.organization, values.contact),
        "results": result_choices(request, keep_id=item.result_id if item else None),
        "contacts": organization_contacts(request, values.organization) if values.organization
        else _lone_contact(request, values.contact),
        "step_dates": step_dates(request), "came_from": came_from(request),
        "kinds": INTERACTION_KINDS,
        **helpers(request),
    }


def _lone_contact(request, contact_id) -> list:
    """A private person chosen without an organization: the only choice offered."""
    key = parse_int(contact_id)
    contact = request.dbsession.get(Contact, key) if key is not None else None
    return [contact] if contact is not None else []


def _form_response(request, values, problems, item=None, conflict=None, status=400):
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
        offer_planned(request, values)
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
    # The call, the planned step it fulfils and its tasks: all checked above, written in this
    # request's one transaction.
    me = request.identity.user
    item = create_interaction(request.dbsession, me, data, registry=request.registry)
    closed = close_planned(request, values.close_planned, item) if (
        data.done_at is not None and values.close_planned) else None
    tasks = hand_over(request, me, item, data.tasks) if data.tasks else []
    for task, step in zip(tasks, data.tasks, strict=True):
        request.session.flash(request.localizer.translate(task_message(request, task, step)))
    if closed is not None:
        request.session.flash(request.localizer.translate(_(
            "What was planned for ${when} (“${subject}”) is marked done.",
            mapping={"when": helpers(request)["when"](_Planned(closed), "d MMMM"),
                     "subject": closed.subject or "—"})))
    if data.done_at is not None:
        message = _("Saved.") if not data.follow_ups else _(
            "Saved, and the next steps are planned.")
    elif item.responsible_id != request.identity.user.id:
        message = _("Planned for ${name}; they are notified.",
                    mapping={"name": item.responsible.full_name})
    else:
        message = _("Planned.")
    return back_to(request, item, message)


def manager_of(request, values: FormValues) -> Person | None:
    """The client's responsible manager, as the pickers offer them."""
    manager = client_manager(request.dbsession, parse_int(values.organization),
                             parse_int(values.contact))
    return Person(manager.id, manager.full_name, manager.position or "") if manager else None


class _Planned:
    """An interaction as planned (its planned time, even once done), for `helpers()["when"]`."""

    def __init__(self, item: Interaction):
        self.done_at, self.planned_at = None, item.planned_at


@view_config(context=Interactions, name="client-hints",
             renderer="interactions/_client_hints.jinja2", permission="add")
def client_hints(request):
    """The call form's hints about the client just chosen (its manager, the planned step a call
    being logged fulfils), for the form's script to put under the client."""
    get = request.GET
    org = visible_client(request, Organization, get.get("organization"))
    contact = visible_client(request, Contact, get.get("contact"))
    if contact is not None and org is not None and contact.organization_id != org.id:
        contact = None
    values = FormValues(mode="plan" if get.get("mode") == "plan" else "log",
                        kind=get.get("kind") or "call",
                        organization=str(org.id) if org is not None else "",
                        contact=str(contact.id) if contact is not None else "")
    offer_planned(request, values)
    return {"manager": manager_of(request, values), "planned": values.planned,
            "close_planned": values.close_planned, **helpers(request)}


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
        changed = update_interaction(request.dbsession, request.identity.user, item,
                                     registry=request.registry, version=values.version, **changes)
    except EditConflict as conflict:
        values.version = str(item.version)
        return _form_response(request, values, {}, item, conflict, status=409)
    except StaleDataError:
        return conflict_at_once(request, item)
    return back_to(request, item, _("Saved.") if changed else _("Nothing was changed."))


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
