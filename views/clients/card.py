"""The client card, the contact page, moving a contact, merging duplicates (issue 3).

/clients/{id}                         the client card                        (organization.view)
/clients/{id}/merge                   merge another organization into it     (organization.merge)
/clients/{id}/contacts/{cid}          a contact person                       (contact.view)
/clients/contacts/{cid}               a private person (others redirect to their place)
/clients/.../{cid}/move               move to another organization           (contact.edit)
/clients/.../{cid}/merge              merge another contact into this one    (organization.merge)

The card's timeline and planned next steps come from portal/clients/timeline.py's providers;
files are attached, downloaded and deleted in views/clients/files.py.
"""
from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from pyramid.encode import urlencode
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.traversal import quote_path_segment
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    ClientMerge,
    Contact,
    ContactEmployment,
    Interaction,
    Organization,
    load_contact_points,
)
from portal.audit.log import history_for
from portal.clients.audit import FIELDS as AUDIT_FIELDS
from portal.clients.files import files_shown
from portal.clients.lists import (
    ContactFilter,
    OrganizationFilter,
    contact_query,
    count_of,
    organization_query,
)
from portal.clients.merge import (
    CONTACT_CHOICES,
    ORGANIZATION_CHOICES,
    MergeProblem,
    default_choice,
    differing,
    merge_contacts,
    merge_organizations,
    move_contact,
)
from portal.clients.merge import (
    TERMS as MERGE_TERMS,
)
from portal.clients.resources import ContactsSection, organization_url
from portal.clients.rules import (
    ADDRESS_KIND_LABELS,
    DECISION_LABELS,
    EMAIL_KIND_LABELS,
    KIND_LABELS,
    PHONE_KIND_LABELS,
    STAGE_LABELS,
)
from portal.clients.schemas import TERMS, merge_choices, move_schema
from portal.clients.timeline import short_datetimes, timelines
from portal.core.forms import read
from portal.core.i18n import _, format_date, local_today
from portal.core.parsing import parse_int
from portal.files.storage import ALLOWED_LIST, max_bytes, size_text
from portal.resources import locate
from portal.security.filters import clause_of, filter_key, sql_filter
from views.clients.organizations import CARD_ACTIONS, CONTACT_ACTIONS, actions_for

STAGE_LIST = [(s, STAGE_LABELS[s]) for s in STAGE_LABELS]
LABELS = {"kind": KIND_LABELS, "stage": STAGE_LABELS, "decision": DECISION_LABELS,
          "phone": PHONE_KIND_LABELS, "email": EMAIL_KIND_LABELS, "address": ADDRESS_KIND_LABELS}


def next_occurrence(date: dt.date, yearly: bool, today: dt.date) -> dt.date | None:
    """When a date comes next (this year or the next for yearly ones; None once passed)."""
    if not yearly:
        return date if date >= today else None
    for year in (today.year, today.year + 1):
        try:
            candidate = date.replace(year=year)
        except ValueError:  # 29 February
            candidate = dt.date(year, 3, 1)
        if candidate >= today:
            return candidate
    return None


def upcoming_dates(record, today: dt.date) -> list[tuple[dt.date | None, object]]:
    """(next time, date row) of a record's important dates, the nearest first."""
    rows = [(next_occurrence(d.date, d.yearly, today), d) for d in record.important_dates]
    return sorted(rows, key=lambda t: (t[0] is None, t[0] or dt.date.max))


def visible_history(request, obj, may_terms: bool, limit: int = 30):
    """The record's change history; changes of the terms only for those who may see them."""
    entries = history_for(request.dbsession, obj, limit=limit)
    if may_terms:
        return entries
    out = []
    for entry in entries:
        for change in entry.changes:
            change.fields = [f for f in change.fields if f.name not in TERMS]
        entry.changes = [c for c in entry.changes
                         if c.fields or c.operation != 1 or c.table != "organizations"]
        if entry.changes:
            out.append(entry)
    return out


def _merge_probe(request, contact: Contact) -> Organization:
    """An organization as the contact's (same department and manager), to ask about `merge`."""
    probe = Organization(name="", department_id=contact.department_id,
                         manager_id=contact.manager_id)
    probe.__parent__, probe.__name__ = request.root["clients"], "probe"
    return probe


def may_merge_contact(request, contact: Contact) -> bool:
    return bool(request.has_permission("merge", _merge_probe(request, contact)))


# --- the client card ---------------------------------------------------------------------------

CARD_PLANNED, CARD_TIMELINE, CARD_HISTORY = 10, 15, 30
# "Show earlier" brings CARD_TIMELINE more at a time (`@@timeline-more`); without script, the
# card itself shows `?timeline=N` of them, up to TIMELINE_MOST.
TIMELINE_MOST = 300


def _bounded(value, least: int) -> int:
    number = parse_int(value)
    return least if number is None else min(max(number, least), TIMELINE_MOST)
# The full change history page: the newest this many changes (transactions).
HISTORY_PAGE = 1000


def client_interactions_url(request, org, state: str = "all") -> str | None:
    """The interaction list filtered to this client or contact (everything one may see), if
    one may open the list."""
    urls = client_interactions_urls(request, org, (state,))
    return urls[state] if urls else None


def client_interactions_urls(request, record, states: tuple[str, ...]) -> dict[str, str] | None:
    """`client_interactions_url` for several states (state → URL): the right to open the list
    asked and its address worked out once."""
    try:
        section = request.root["clients"]["interactions"]
    except KeyError:  # the interactions area is not included
        return None
    if not request.has_permission("view", section):
        return None
    key = "contact" if isinstance(record, Contact) else "organization"
    # What request.resource_url(section, query=...) writes, its traversal done once.
    base = request.resource_url(section) + "?"
    return {state: base + urlencode({"tab": "all", "state": state, key: record.id}, doseq=True)
            for state in states}


@functools.lru_cache(maxsize=256)
def card_contacts_statement(key: tuple) -> sa.Select:
    """The card's contact persons one may see (`key`: portal.security.filters.filter_key's),
    built once per set of rights; the organization comes as the parameter `organization_id`."""
    return (sa.select(Contact)
            .where(Contact.organization_id == sa.bindparam("organization_id"),
                   clause_of(Contact, key))
            .order_by(Contact.full_name))


@view_config(context=Organization, renderer="clients/card.jinja2", permission="view")
def client_card(context, request):
    """The client card. Its change history comes on demand (`@@history-part`).

    Its cost does not grow with the contacts and the timeline's items beyond their rows: the
    page asks for rights and addresses a fixed number of times (tests/functional/clients/
    test_card_cost.py)."""
    org = context
    db = request.dbsession
    contacts = list(db.scalars(card_contacts_statement(filter_key(request, Contact, "view")),
                               {"organization_id": org.id}))
    # The card shows the contact persons' phones and e-mails; addresses and dates its own.
    load_contact_points(db, [org, *contacts], ("phones", "emails"))
    load_contact_points(db, [org], ("addresses", "important_dates"))
    # The contacts' place (portal.clients.resources.place_contact), one section for all: the
    # template writes their addresses from the section's.
    section = org["contacts"]
    for contact in contacts:
        contact.__parent__, contact.__name__ = section, str(contact.id)
    today = local_today(request)
    # One more than shown of each: whether a "show all" link is needed; and how many of the
    # client's interactions the reader may not see, counted in the same statement.
    shown = _bounded(request.GET.get("timeline"), CARD_TIMELINE)
    timeline = timelines(request, org, planned=CARD_PLANNED + 1, past=shown + 1,
                         count_hidden=True)
    urls = client_interactions_urls(request, org, ("all", "planned")) or {}
    may_edit = request.has_permission("edit", org)
    return {
        "title": org.name,
        "org": org,
        # Its department's and its lists' names from what the portal keeps in memory (the
        # department tree, the admin-editable lists), not read with the card.
        "department_name": request.department_tree.names.get(org.department_id)
        if org.department_id is not None else None,
        "classifier": classifier_titles(request),
        "org_url": request.resource_url(org),
        "contacts": contacts,
        "contacts_url": request.resource_url(section),
        "labels": LABELS,
        "stages": STAGE_LIST,
        "may_edit": may_edit,
        "may_terms": request.has_permission("view_terms", org),
        "may_merge": request.has_permission("merge", org),
        "may_add_contact": request.has_permission("add", section),
        "planned": timeline.planned[:CARD_PLANNED],
        "timeline": timeline.past[:shown],
        "when": short_datetimes(request),
        "more_planned": len(timeline.planned) > CARD_PLANNED,
        "more_timeline": len(timeline.past) > shown and shown < TIMELINE_MOST,
        "hidden": timeline.hidden,
        "interactions_url": urls.get("all"),
        "planned_url": urls.get("planned"),
        "dates": upcoming_dates(org, today),
        "today": today,
        "actions": actions_for(CARD_ACTIONS, request, org),
        **files_context(request, org, files_shown(request, org), may_attach=bool(may_edit)),
    }


def classifier_titles(request):
    """A list entry's title (of the admin-editable lists kept in memory) in the reader's
    language, or "—" for none."""
    title, translate = request.classifier_lists.title, request.localizer.translate

    def named(entry_id: int | None) -> str:
        text = title(entry_id)
        return translate(_(text)) if text else "—"

    return named


@view_config(context=Organization, name="timeline-more", renderer="clients/timeline_more.jinja2",
             permission="view")
@view_config(context=Contact, name="timeline-more", renderer="clients/timeline_more.jinja2",
             permission="view")
def client_timeline_more(context, request):
    """The card's (or a contact's page's) next CARD_TIMELINE past items after the `skip`
    newest ("Show earlier"), added to its list, and the button for the ones after them."""
    skip = _bounded(request.GET.get("skip"), 0)
    timeline = timelines(request, context, planned=0, past=CARD_TIMELINE + 1, skip=skip)
    shown = skip + min(len(timeline.past), CARD_TIMELINE)
    return {"items": timeline.past[:CARD_TIMELINE], "when": short_datetimes(request),
            "org_url": request.resource_url(context),
            "more_timeline": len(timeline.past) > CARD_TIMELINE and shown < TIMELINE_MOST,
            "shown": shown}


@view_config(context=Organization, name="history-part", renderer="admin/audit/history_part.jinja2",
             permission="view")
def organization_history_part(context, request):
    """The latest changes of the client and its merges, opened from the card."""
    org = context
    may_terms = bool(request.has_permission("view_terms", org))
    history = visible_history(request, org, may_terms, limit=CARD_HISTORY + 1)
    merged = list(request.dbsession.scalars(sa.select(ClientMerge).where(
        ClientMerge.kind == "organization", ClientMerge.kept_id == org.id)
        .order_by(ClientMerge.at.desc())))
    return {"history": history[:CARD_HISTORY], "merged": merged,
            "more_history": len(history) > CARD_HISTORY,
            "history_url": request.resource_url(org, "@@history")}


@view_config(context=Contact, name="history-part", renderer="admin/audit/history_part.jinja2",
             permission="view")
def contact_history_part(context, request):
    """The latest changes of the contact person, opened from their page."""
    contact = context
    org = locate(request, contact.organization) if contact.organization else None
    may_terms = bool(org is not None and request.has_permission("view_terms", org))
    history = visible_history(request, contact, may_terms, limit=CARD_HISTORY + 1)
    return {"history": history[:CARD_HISTORY], "merged": [],
            "more_history": len(history) > CARD_HISTORY, "history_url": None}


@view_config(context=Organization, name="history", renderer="clients/history.jinja2",
             permission="view")
def organization_history(context, request):
    """The client's whole change history (the card shows the latest ones)."""
    org = context
    may_terms = bool(request.has_permission("view_terms", org))
    history = visible_history(request, org, may_terms, limit=HISTORY_PAGE)
    return {
        "title": _("Change history of ${name}", mapping={"name": org.name}),
        "org": org,
        "history": history,
        "capped": len(history) >= HISTORY_PAGE,
        "limit": HISTORY_PAGE,
    }


def files_context(request, org: Organization | None, files: list,
                  may_attach: bool | None = None) -> dict:
    """What the files card of the client card and the contact page needs (`may_attach`: the
    right to edit `org`, when the page knows it already)."""
    if may_attach is None:
        may_attach = org is not None and bool(request.has_permission("edit", locate(request, org)))
    # portal.clients.files.file_url's, each organization's address worked out once.
    bases: dict[int, str] = {}

    def url_of(item) -> str:
        # The files shown are `org`'s (files_of reads one organization's).
        base = bases.get(item.organization_id)
        if base is None:
            base = bases[item.organization_id] = organization_url(request, org, "@@file") + "/"
        return f"{base}{quote_path_segment(str(item.id))}/{quote_path_segment(item.filename)}"

    return {
        "files": files,
        "file_url": url_of,
        "human_size": lambda n: request.localizer.translate(size_text(n)),
        "may_attach": may_attach,
        "max_mb": max_bytes(request.registry.settings) // (1024 * 1024),
        "allowed_files": ALLOWED_LIST,
    }


# --- the contact page --------------------------------------------------------------------------

@view_config(context=Contact, renderer="clients/contact.jinja2", permission="view")
def contact_page(context, request):
    contact = context
    if contact.organization_id is not None and isinstance(context.__parent__, ContactsSection):
        # Found under /clients/contacts: its place is under its organization.
        contact.__parent__ = None
        return HTTPSeeOther(request.resource_url(locate(request, contact)))
    db = request.dbsession
    jobs = list(db.scalars(sa.select(ContactEmployment)
                           .where(ContactEmployment.contact_id == contact.id)
                           .order_by(ContactEmployment.started_on.desc().nulls_last(),
                                     ContactEmployment.id.desc())))
    org = locate(request, contact.organization) if contact.organization else None
    load_contact_points(db, [contact])
    # As the card: the latest CARD_TIMELINE of what happened, "Show earlier" for the rest.
    shown = _bounded(request.GET.get("timeline"), CARD_TIMELINE)
    timeline = timelines(request, contact, planned=CARD_PLANNED, past=shown + 1,
                         count_hidden=True)
    return {
        "title": contact.full_name,
        "contact": contact,
        "org": org,
        "jobs": jobs,
        "org_url": lambda o: organization_url(request, o),
        "labels": LABELS,
        "may_edit": request.has_permission("edit", contact),
        "may_merge": may_merge_contact(request, contact),
        "planned": timeline.planned,
        "timeline": timeline.past[:shown],
        "contact_url": request.resource_url(contact),
        "more_timeline": len(timeline.past) > shown and shown < TIMELINE_MOST,
        "hidden": timeline.hidden,
        "when": short_datetimes(request),
        "interactions_url": client_interactions_url(request, contact),
        "dates": upcoming_dates(contact, local_today(request)),
        "today": local_today(request),
        "actions": actions_for(CONTACT_ACTIONS, request, contact),
        **files_context(request, org, files_shown(request, org, contact) if org else []),
    }


# --- moving a contact --------------------------------------------------------------------------

MOVE_CANDIDATES = 15


@view_config(context=Contact, name="move", renderer="clients/contact_move.jinja2",
             permission="edit")
def contact_move(context, request):
    contact = context
    db = request.dbsession
    q = (request.params.get("q") or "").strip()[:200]
    error = None
    if request.method == "POST":
        clean, errors = read(move_schema(), request.POST)
        target = None
        if isinstance(clean.get("target"), int):
            target = db.get(Organization, clean["target"])
            # Moving a person in adds a contact there: the same right as "Add contact".
            if target is None or not request.has_permission(
                    "add", locate(request, target)["contacts"]):
                target, errors["target"] = None, _("Choose an organization from the list.")
        # One message at the top of the page: the date's, else where to.
        error = errors.get("on") or errors.get("target")
        if error is None:
            try:
                move_contact(db, contact, target, position=clean["position"] or None,
                             on=clean["on"] or local_today(request))
            except MergeProblem as problem:
                error = problem.message
        if error is None:
            request.session.flash(
                _("${name} now works at ${org}.", mapping={"name": contact.full_name,
                                                          "org": target.name})
                if target else _("${name} is now a private person.",
                                 mapping={"name": contact.full_name}))
            contact.__parent__ = None
            return HTTPSeeOther(request.resource_url(locate(request, contact)))
        request.response.status_int = 400
    candidates = []
    if q:
        stmt = organization_query(request, OrganizationFilter(q=q))
        if contact.organization_id:
            stmt = stmt.where(Organization.id != contact.organization_id)
        candidates = [o for o in (locate(request, o) for o in db.scalars(
            stmt.limit(MOVE_CANDIDATES))) if request.has_permission("add", o["contacts"])]
    return {
        "title": _("Move ${name}", mapping={"name": contact.full_name}),
        "contact": contact,
        "q": q,
        "candidates": candidates,
        "error": error,
        "today": local_today(request),
        "labels": LABELS,
    }


# --- merging ------------------------------------------------------------------------------------

MERGE_CANDIDATES = 15


def _interaction_count(db, column, record_id: int) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Interaction).where(column == record_id))


def _shown(request, record, field: str) -> str:
    """A field's value in words, for the merge page's comparison."""
    value = getattr(record, field)
    if value is None or value == "":
        return ""
    if field in ("manager_id", "department_id", "organization_id") or \
            field in ORGANIZATION_CLASSIFIERS.values():
        ref = getattr(record, field[:-3])
        text = getattr(ref, "full_name", None) or getattr(ref, "name", None) or \
            request.localizer.translate(_(ref.title))
        return text
    labels = {"kind": KIND_LABELS, "stage": STAGE_LABELS, "decision_level": DECISION_LABELS}
    if field in labels:
        return request.localizer.translate(labels[field].get(value, _(value)))
    if isinstance(value, dt.date):
        return format_date(request, value, "medium")
    return str(value)


def _merge_fields(request, keep, other, fields, table: str) -> list[dict]:
    """The rows of the merge page's per-field choice: the fields where the two records differ."""
    names = AUDIT_FIELDS[table]
    return [{"name": f, "label": request.localizer.translate(names[f]),
             "keep": _shown(request, keep, f), "other": _shown(request, other, f),
             "choice": default_choice(keep, other, f)}
            for f in differing(keep, other, fields)]


@view_config(context=Organization, name="merge", renderer="clients/merge.jinja2",
             permission="merge")
def organization_merge(context, request):
    """Merge another organization into this one: pick it, compare, confirm."""
    org, db = context, request.dbsession
    q = (request.params.get("q") or "").strip()[:200]
    other_key = parse_int(request.params.get("other", ""))
    other = db.get(Organization, other_key) if other_key is not None else None
    if other is not None:
        locate(request, other)
        if other.id == org.id or not request.has_permission("merge", other):
            raise HTTPForbidden()
    fields = ORGANIZATION_CHOICES if request.has_permission("view_terms", org) and (
        other is None or request.has_permission("view_terms", other)) else tuple(
        f for f in ORGANIZATION_CHOICES if f not in MERGE_TERMS)
    if request.method == "POST" and other is not None:
        name = other.name
        merge_organizations(db, org, other, user_id=request.identity.user.id,
                            choices=merge_choices(request.POST, fields), fields=fields)
        request.session.flash(_("“${other}” was merged into “${name}”: its contacts, interactions "
                                "and history are here now.",
                                mapping={"other": name, "name": org.name}))
        return HTTPSeeOther(organization_url(request, org))
    candidates, total = [], 0
    if q and other is None:
        stmt = organization_query(request, OrganizationFilter(q=q)).where(
            Organization.id != org.id, sql_filter(request, Organization, "merge"))
        total = count_of(db, stmt)
        candidates = [locate(request, o) for o in db.scalars(stmt.limit(MERGE_CANDIDATES))]
    summary = None
    if other is not None:
        summary = {
            r.id: {"contacts": len(r.contacts), "phones": len(r.phones), "emails": len(r.emails),
                   "interactions": _interaction_count(db, Interaction.organization_id, r.id)}
            for r in (org, other)}
    return {
        "title": _("Merge into ${name}", mapping={"name": org.name}),
        "fields": _merge_fields(request, org, other, fields, "organizations") if other else [],
        "swap_url": organization_url(request, other, "merge", query={"other": org.id})
        if other is not None and request.has_permission("merge", other) else None,
        "kind": "organization",
        "record": org,
        "other": other,
        "q": q,
        "candidates": candidates,
        "total": total,
        "summary": summary,
        "labels": LABELS,
        "may_terms": request.has_permission("view_terms", org),
    }


@view_config(context=Contact, name="merge", renderer="clients/merge.jinja2", permission="edit")
def contact_merge(context, request):
    """Merge another contact into this one (needs organization.merge, as for organizations)."""
    contact, db = context, request.dbsession
    if not may_merge_contact(request, contact):
        raise HTTPForbidden()
    q = (request.params.get("q") or "").strip()[:200]
    other_key = parse_int(request.params.get("other", ""))
    other = db.get(Contact, other_key) if other_key is not None else None
    if other is not None:
        locate(request, other)
        if other.id == contact.id or not may_merge_contact(request, other) or \
                not request.has_permission("edit", other):
            raise HTTPForbidden()
    if request.method == "POST" and other is not None:
        name = other.full_name
        merge_contacts(db, contact, other, user_id=request.identity.user.id,
                       choices=merge_choices(request.POST, CONTACT_CHOICES))
        request.session.flash(_("“${other}” was merged into “${name}”.",
                                mapping={"other": name, "name": contact.full_name}))
        return HTTPSeeOther(request.resource_url(contact))
    candidates, total = [], 0
    if q and other is None:
        stmt = contact_query(request, ContactFilter(q=q)).where(
            Contact.id != contact.id, sql_filter(request, Contact, "edit"))
        total = count_of(db, stmt)
        candidates = [locate(request, c) for c in db.scalars(
            stmt.options(selectinload(Contact.organization)).limit(MERGE_CANDIDATES))]
    summary = None
    if other is not None:
        summary = {r.id: {"phones": len(r.phones), "emails": len(r.emails),
                          "jobs": len(r.employments),
                          "interactions": _interaction_count(db, Interaction.contact_id, r.id)}
                   for r in (contact, other)}
    return {
        "title": _("Merge into ${name}", mapping={"name": contact.full_name}),
        "fields": _merge_fields(request, contact, other, CONTACT_CHOICES, "contacts")
        if other else [],
        "swap_url": request.resource_url(other, "merge", query={"other": contact.id})
        if other is not None else None,
        "kind": "contact",
        "record": contact,
        "other": other,
        "q": q,
        "candidates": candidates,
        "total": total,
        "summary": summary,
        "labels": LABELS,
        "may_terms": False,
    }
