"""The client card's pieces of interactions: the timeline (what happened, newest first, and the
planned next steps, oldest first, overdue marked, each with its actions) and the header buttons
of the client card and the contact page: "Log a call", "Plan a meeting" and more."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial
from typing import NamedTuple

import sqlalchemy as sa
from pyramid.encode import urlencode
from sqlalchemy.orm import aliased

from models.clients import Classifier, Contact, Interaction, InteractionAttempt, Organization
from models.meta import joined_strings, utcnow
from models.people import User
from portal.clients.rules import INTERACTION_KIND_ICONS, INTERACTION_KIND_LABELS
from portal.clients.timeline import (
    TimelineAction,
    TimelineItem,
    TimelineRows,
    filter_key,
    message,
    part_statement,
    planned_and_past,
    timeline_provider,
)
from portal.core.i18n import _
from portal.interactions.rules import attempt_summary
from portal.security.filters import sql_filter
from views.clients.organizations import Action, card_action, contact_action
from views.interactions.helpers import url_maker

DETAIL_MAX = 240
ATTEMPTS = _("Attempts: ${list}")
RESPONSIBLE, CONTACT, RESULT = aliased(User), aliased(Contact), aliased(Classifier)


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX - 1] + "…"


@timeline_provider("interactions")
def interactions_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """Interactions with an organization (or a contact) the user may see: the next `planned`
    steps and the last `past` ones, with every call's attempts, read with the rest of the
    timeline."""
    if isinstance(target, Organization):
        about = Interaction.organization_id
    elif isinstance(target, Contact):
        about = Interaction.contact_id
    else:
        return []
    view, edit = sql_filter(request, Interaction, "view"), sql_filter(request, Interaction, "edit")
    key = ("interactions", about.key, planned, past, filter_key(view, edit))

    def build() -> sa.Select:
        mine = sa.select(Interaction.id).where(about == sa.bindparam("interaction_about"), view)
        to_do = mine.where(Interaction.done_at.is_(None)).order_by(Interaction.planned_at,
                                                                   Interaction.id)
        done = mine.where(Interaction.done_at.is_not(None)).order_by(
            Interaction.done_at.desc(), Interaction.id.desc())
        # Every attempt of every day, as "outcome,outcome,...": the page lists them one by one.
        outcomes = (sa.select(joined_strings(InteractionAttempt.outcome, ","))
                    .where(InteractionAttempt.interaction_id == Interaction.id)
                    .correlate(Interaction).scalar_subquery())
        # Whether the viewer may change each one: the SQL filter of `edit`, which agrees with
        # the rows' ACL, read as a column instead of an ACL worked out per row.
        may_edit = sa.case((edit, 1), else_=0)
        # Plain columns, not ORM objects: a card shows fifty of them on every visit.
        responsible, contact, result = RESPONSIBLE, CONTACT, RESULT
        # "title" and "who" as the other parts name theirs: fewer columns in the stacked rows.
        return (sa.select(Interaction.id, Interaction.kind, Interaction.subject.label("title"),
                          Interaction.text,
                          Interaction.planned_at, Interaction.done_at, Interaction.result_text,
                          Interaction.color, Interaction.direction,
                          result.title.label("result_title"),
                          contact.full_name.label("contact_name"),
                          responsible.full_name.label("who"),
                          outcomes.label("tried"), may_edit.label("editable"))
                .outerjoin(responsible, responsible.id == Interaction.responsible_id)
                .outerjoin(contact, contact.id == Interaction.contact_id)
                .outerjoin(result, result.id == Interaction.result_id)
                .where(planned_and_past(Interaction.id, to_do, done, planned, past)))

    return TimelineRows(part_statement(key, build), partial(_items, request, target), key,
                        {"interaction_about": target.id}, when=_when)


def _when(row) -> tuple[bool, dt.datetime]:
    """(planned, at) of an interaction's item: planned until done, at when it was done (or is
    planned)."""
    return row.done_at is None, row.done_at or row.planned_at


def _items(request, target, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    now = utcnow()
    came_from = {"came_from": request.path_qs}
    url = url_maker(request)
    kinds: dict[str, str] = {}
    results: dict[str, str] = {}  # each result's name translated once
    done_word, overdue_word, planned_word = (
        translate(_("Done")), translate(_("Overdue")), translate(_("Planned")))
    attempts_text = message(translate, ATTEMPTS)
    titles = {title: translate(title) for title in ACTION_TITLES}
    out = []
    for row in rows:
        item_id, kind_key, subject, text, planned_at, done_at, result_text, color, direction = (
            row.id, row.kind, row.title, row.text, row.planned_at, row.done_at,
            row.result_text, row.color, row.direction)
        result_title, contact_name, responsible_name, tried, editable = (
            row.result_title, row.contact_name, row.who, row.tried, row.editable)
        kind = kinds.get(kind_key)
        if kind is None:
            kind = kinds[kind_key] = translate(
                INTERACTION_KIND_LABELS.get(kind_key, _("Interaction")))
        title = f"{kind}: {subject}" if subject else kind
        if done_at is not None:
            if result_title is None:
                result_name = ""
            else:
                result_name = results.get(result_title)
                if result_name is None:
                    result_name = results[result_title] = translate(_(result_title))
            detail = _short(result_text or text)
            badge, badge_class = (result_name or done_word), "text-bg-success"
        else:
            detail = _short(text)
            overdue = planned_at < now
            badge = overdue_word if overdue else planned_word
            badge_class = "text-bg-danger" if overdue else "text-bg-primary"
        if isinstance(target, Organization) and contact_name is not None:
            detail = " · ".join(p for p in (contact_name, detail) if p)
        # Worth telling when it took more than one try (one "talked" is every done call):
        # when the outcomes are more than one, there is a comma between them.
        if tried and kind_key == "call" and "," in tried:
            attempts = attempt_summary(request, Counter(tried.split(",")))
            if attempts:
                detail = " · ".join(p for p in (detail, attempts_text(list=attempts)) if p)
        ref = Ref(item_id, done_at is not None)
        out.append(TimelineItem(
            at=_when(row)[1], title=title, url=url(ref),
            kind="interactions", icon=INTERACTION_KIND_ICONS.get(kind_key, "chat"),
            detail=detail, who=responsible_name or "",
            badge=badge, badge_class=badge_class, color=color, planned=done_at is None,
            overdue=done_at is None and planned_at < now,
            actions=_actions(url, ref, came_from, titles) if editable else [],
            extra={"interaction_id": item_id, "direction": direction}))
    return out


class Ref(NamedTuple):
    """What the links of a timeline item need of its interaction."""

    id: int
    done: bool


NEXT_STEP, RESULT_TITLE, RESCHEDULE = ACTION_TITLES = (_("Next step"), _("Result"),
                                                       _("Reschedule"))


def _actions(url, item: Ref, came_from: dict, titles: dict | None = None) -> list[TimelineAction]:
    """What one may do from the timeline (who may edit it): give the result, reschedule, plan
    the next step (`url`: views.interactions.helpers.url_maker's; `titles`: the words of the
    buttons in the reader's language, else the messages)."""
    titles = titles or {}
    result = url(item, "result", query=came_from)
    if item.done:
        return [TimelineAction(titles.get(NEXT_STEP, NEXT_STEP), result, "signpost-2")]
    return [TimelineAction(titles.get(RESULT_TITLE, RESULT_TITLE), result, "check2-circle",
                           "btn-outline-success"),
            TimelineAction(titles.get(RESCHEDULE, RESCHEDULE),
                           url(item, "reschedule", query=came_from), "clock-history",
                           text=False)]


# What the buttons of a client's page offer: (title, kind, mode, icon, id suffix).
QUICK = [(_("Log a call"), "call", "log", "telephone-plus", "log-call"),
         (_("Plan a meeting"), "meeting", "plan", "calendar-plus", "plan-meeting")]
MORE = [(_("Plan a call"), "call", "plan", "telephone-forward", "plan-call"),
        (_("Log an e-mail"), "email", "log", "envelope-plus", "log-email"),
        (_("Plan an e-mail"), "email", "plan", "envelope-at", "plan-email"),
        (_("Log a meeting"), "meeting", "log", "people", "log-meeting"),
        (_("Plan a visit"), "visit", "plan", "geo-alt", "plan-visit"),
        (_("Log a letter"), "letter", "log", "mailbox", "log-letter"),
        (_("Log a fax"), "fax", "log", "printer", "log-fax")]


def client_buttons(request, prefix: str, organization: Organization | None,
                   contact: Contact | None = None) -> list[Action]:
    """One click to log or plan a call, meeting, e-mail... with this client (the organization
    and the contact person filled in), back to the page afterwards."""
    section = request.root["clients"]["interactions"]
    if not request.has_permission("add", section):
        return []
    client = {"organization": organization.id if organization is not None else "",
              "contact": contact.id if contact is not None else "", "came_from": request.path}

    base = request.resource_url(section, "@@add")  # one address, nine queries

    def url(kind: str, mode: str) -> str:
        query = {"kind": kind, **({"mode": "plan"} if mode == "plan" else {}), **client}
        return base + "?" + urlencode({k: v for k, v in query.items() if v != ""})

    (log_title, log_kind, log_mode, log_icon, log_id), (plan_title, plan_kind, plan_mode,
                                                         plan_icon, plan_id) = QUICK
    more = tuple(Action(title, url(kind, mode), icon, "", f"{prefix}-{key}")
                 for title, kind, mode, icon, key in MORE)
    return [
        Action(log_title, url(log_kind, log_mode), log_icon, "btn-primary", f"{prefix}-{log_id}"),
        Action(plan_title, url(plan_kind, plan_mode), plan_icon, "btn-outline-primary",
               f"{prefix}-{plan_id}"),
        Action(_("More"), "", "three-dots", "btn-outline-primary", f"{prefix}-more", menu=more),
    ]


@card_action
def card_buttons(request, org: Organization) -> list[Action]:
    """"Log a call", "Plan a meeting" and more with this organization."""
    return client_buttons(request, "ix-card", org)


@contact_action
def contact_buttons(request, contact: Contact) -> list[Action]:
    """The same with a contact person, their organization (if any) filled in too."""
    return client_buttons(request, "ix-contact", contact.organization, contact)
