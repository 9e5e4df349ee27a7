"""My day's main block: my calls, meetings, e-mails and other interactions planned for today or
earlier and not done, grouped by kind, the most overdue first. From each row, without leaving
the page (htmx; plain forms and pages without JavaScript): log a call attempt, record the result
and plan the next steps in one form, reschedule.

A handful of queries whatever the data size (portal.interactions.day.my_day): counts by kind and
each group's first rows by the index (responsible_id, done_at, planned_at, kind), then the rows
with their organization, contact and phones in one go, and today's call attempts of those rows.
"""
from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.clients import Interaction
from models.meta import utcnow
from portal.clients.rules import (
    DIRECTION_LABELS,
    INTERACTION_KIND_ICONS,
    INTERACTION_KIND_LABELS,
    my_reminder_days,
)
from portal.core.i18n import _, format_date, local_today
from portal.interactions.day import (
    DAY_GROUPS,
    DayFacts,
    DayItem,
    day_bounds,
    my_day,
    phone_of,
    today_start,
)
from portal.interactions.resources import Interactions
from portal.interactions.rules import ATTEMPT_ICONS, ATTEMPT_LABELS, ATTEMPTS, attempt_counts
from portal.resources import locate
from views import _csrf_input as csrf_input
from views.home import DayBlock, day_block
from views.interactions.forms import people_choices, result_choices
from views.interactions.helpers import (
    client_url_maker,
    dial,
    helpers,
    section_url,
    step_dates,
)

PER_GROUP = 10
FOLD_OVER = 5  # a group with more overdue rows of one's own than this folds them
FOLD_AFTER = dt.timedelta(days=7)  # and so does one with a row overdue longer than this


class DayRow(NamedTuple):
    """One row of the block, ready to print (My day is everyone's home page: formatting and
    permission checks happen once per row here, not many times over in the template, which
    unpacks a row in this order: interactions/_day_row.jinja2 keeps in step with it)."""

    item: Interaction | DayItem  # a record, or the block's columns of it
    id: int
    version: int
    incoming: bool  # an incoming call or letter: marked so
    url: str  # the interaction's own path (/…/interactions/<id>/); actions append their name
    css: str  # the row's extra classes: " is-overdue", " mark-<colour>"
    time: str  # 14:30, in the user's zone
    day: str  # "20 Nov" when planned for an earlier day, else ""
    date_iso: str
    overdue: bool
    org_url: str | None
    contact_url: str | None
    org_name: str | None  # None: no organization
    contact_name: str | None  # None: no contact person
    phone: str
    dial: str
    from_name: str  # who planned it, when not the user
    subject: str
    parent_text: str
    attempts: dict  # today's call attempts by outcome
    icon: str  # the kind's icon
    tries: tuple  # a call's buttons: ((outcome, today's count), ...) in ATTEMPTS order; else ()


@dataclass
class GroupRows:
    """A group's rows as the block shows them: those planned by colleagues first, then one's
    own overdue ones (folded behind their count when many or long overdue: `fold`), then the
    rest in time order."""

    colleagues: list[DayRow]
    late: list[DayRow]
    rest: list[DayRow]
    fold: bool

    def __len__(self) -> int:
        return len(self.colleagues) + len(self.late) + len(self.rest)


def arrange(rows: list[DayRow], now: dt.datetime) -> GroupRows:
    colleagues = [r for r in rows if r.from_name]
    late = [r for r in rows if not r.from_name and r.overdue]
    rest = [r for r in rows if not r.from_name and not r.overdue]
    fold = len(late) > FOLD_OVER or any(r.item.planned_at < now - FOLD_AFTER for r in late)
    return GroupRows(colleagues, late, rest, fold)


# The block's words by localizer (one per language, kept by the registry): translated once
# for each language, not on every home page.
LABELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def labels(request) -> dict:
    """The block's fixed words, translated once per language."""
    found = LABELS.get(request.localizer)
    if found is None:
        found = LABELS[request.localizer] = translated_labels(request)
    return found


def translated_labels(request) -> dict:
    tr = request.localizer.translate
    words = {
        "no_answer": ATTEMPT_LABELS["no_answer"], "could_not_talk": ATTEMPT_LABELS["could_not_talk"],
        "talked": ATTEMPT_LABELS["talked"], "attempts": _("Call attempts"), "result": _("Result"),
        "reschedule": _("Reschedule"), "move_to": _("Move to"), "in_an_hour": _("In an hour"),
        "tomorrow": _("Tomorrow"), "monday": _("Monday"), "date": _("Date"), "time": _("Time"),
        "move": _("Move"), "incoming": DIRECTION_LABELS["in"], "overdue": _("Overdue"),
    }
    out = {key: tr(value) for key, value in words.items()}
    out["kinds"] = {key: tr(value) for key, value in INTERACTION_KIND_LABELS.items()}
    return out


def day_rows(request, items, now: dt.datetime, words: dict, facts=None,
             items_base: str | None = None) -> list[DayRow]:
    """The rows of `items`; `facts` ({id: DayFacts}) when the block's statement read them;
    `items_base`: the interactions section's URL, when known."""
    zone = request.user_timezone
    today = local_today(request)
    me = request.identity.user.id
    seen: dict[tuple, str | None] = {}
    days: dict[dt.date, str] = {}
    url_of = client_url_maker(request)
    # Each row's URL by string from the section's path (what url_maker gives, without its
    # work; the scheme and host, the same for every link, left out: seven links a row).
    items_base = urlsplit(items_base or section_url(request)).path
    # The links of client_url_maker, from the ids the block's statement read (no ORM objects).
    clients_base = request.resource_url(request.root["clients"])

    def client_url(obj, may_open: bool | None = None):
        if obj is None:
            return None
        key = (type(obj).__name__, obj.id)
        if key not in seen:
            if may_open is None:
                may_open = bool(request.has_permission("view", locate(request, obj)))
            seen[key] = url_of(obj) if may_open else None
        return seen[key]

    if facts is None:
        calls = [item.id for item in items if item.kind == "call"]
        counts = attempt_counts(request.dbsession, calls, since=today_start(request)) \
            if calls else {}
        facts = {item.id: DayFacts(phone_of(item), counts.get(item.id, {})) for item in items}
    out = []
    for item in items:
        local = item.planned_at.astimezone(zone)
        day = local.date()
        if day < today and day not in days:
            days[day] = format_date(request, day, "d MMM")
        fact = facts[item.id]
        phone = fact.phone
        opens = fact.may_open or (None, None)
        names = fact.names
        if names is None:  # a row alone: what its interaction's relationships hold
            org, contact, author = item.organization, item.contact, item.author
            org_url, contact_url = client_url(org, opens[0]), client_url(contact, opens[1])
            org_name = org.name if org is not None else None
            contact_name = contact.full_name if contact is not None else None
            author_name = author.full_name if author is not None else None
            parent_text = (item.parent.result_text or "") if item.parent else ""
        else:
            org_name = names.organization
            org_url = (f"{clients_base}{item.organization_id}/"
                       if org_name is not None and opens[0] else None)
            contact_url, contact_name = None, None
            if names.contact is not None:
                contact_org, contact_name = names.contact
                if opens[1]:
                    contact_url = (f"{clients_base}{contact_org}/contacts/{item.contact_id}/"
                                   if contact_org is not None
                                   else f"{clients_base}contacts/{item.contact_id}/")
            author_name, parent_text = names.author, names.parent_text
        overdue = item.planned_at < now
        css = " is-overdue" if overdue else ""
        if item.color:
            css += f" mark-{item.color}"
        out.append(DayRow(
            item=item, id=item.id, version=item.version, incoming=item.direction == "in",
            url=f"{items_base}{item.id}/", css=css, time=local.strftime("%H:%M"),
            day=days.get(day, ""), date_iso=day.isoformat(), overdue=overdue,
            org_url=org_url, contact_url=contact_url, org_name=org_name,
            contact_name=contact_name, phone=phone, dial=dial(phone),
            from_name=author_name if author_name is not None and item.author_id != me else "",
            subject=item.subject or words["kinds"].get(item.kind, ""),
            parent_text=parent_text, attempts=fact.attempts,
            icon=INTERACTION_KIND_ICONS.get(item.kind, "chat"),
            tries=tuple((o, fact.attempts.get(o, 0)) for o in ATTEMPTS)
            if item.kind == "call" else ()))
    return out


def day_context(request, *, message=None, error=None, open_id: int | None = None,
                open_what: str = "", form=None, problems=None) -> dict:
    """What interactions/_day.jinja2 shows; `open_id`/`open_what` unfold a row's form."""
    now = utcnow()
    user = request.identity.user
    _start, end = day_bounds(request, local_today(request))
    groups = my_day(request, user.id, end=end, now=now, per_group=PER_GROUP)
    words = labels(request)
    base = section_url(request)
    # The rows of every group in one go (what is worked out per request, once), then split.
    facts = {key: fact for g in groups for key, fact in g.facts.items()}
    made = day_rows(request, [item for g in groups for item in g.items], now, words, facts,
                    base)
    if open_id is not None and open_what == "result":
        # The row whose result form unfolds gets its record (the form shows more than the
        # block's columns); row_form_choices below has it in the session already.
        record = request.dbsession.get(Interaction, open_id)
        made = [row._replace(item=record) if row.id == open_id and record is not None
                else row for row in made]
    made = iter(made)
    ctx = {
        "groups": [(g, arrange([next(made) for _item in g.items], now)) for g in groups],
        "total": sum(g.total for g in groups),
        "overdue_total": sum(g.overdue for g in groups),
        "message": message, "error": error, "open_id": open_id, "open_what": open_what,
        "form": form, "problems": problems or {}, "L": words, "csrf": csrf_input(request),
        "reminder_days": my_reminder_days(request),
        "section_url": base, "attempt_icons": ATTEMPT_ICONS,
        "kind_icons": INTERACTION_KIND_ICONS,
        "more_url": {g.key: more_url(request, g.key, base) for g in groups if g.total > len(g.items)},
    }
    if open_id is not None and open_what == "result":
        ctx.update(row_form_choices(request, open_id))
    return ctx


def more_url(request, group_key: str, base: str | None = None) -> str:
    """The list of what a group holds beyond the block: my interactions of its kinds still to
    do and planned up to today (the overdue ones included), as the block counts them. `base`:
    the section's URL, when known."""
    kinds = next(spec.kinds for spec in DAY_GROUPS if spec.key == group_key)
    return (base or section_url(request)) + "?" + urlencode({
        "state": "planned", "kind": ",".join(kinds),
        "end": local_today(request).isoformat()})


def row_form_choices(request, item_id: int) -> dict:
    item = request.dbsession.get(Interaction, item_id)
    people = people_choices(request)
    if item is not None:
        people.for_client(request, item.organization_id, item.contact_id)
    return {"people": people,
            "results": result_choices(request, keep_id=item.result_id if item else None),
            "step_dates": step_dates(request), "kind_labels": helpers(request)["kind_labels"]}


@day_block
def interactions_day(request) -> DayBlock | None:
    if request.identity is None:
        return None
    return DayBlock("interactions/my_day.jinja2", day_context(request), order=10, column="main")


def render_day(request, status: int = 200, **kw):
    """The block alone (#ix-day), for htmx to swap in place."""
    response = render_to_response("interactions/_day.jinja2", {"ctx": day_context(request, **kw)},
                                  request=request)
    response.status_int = status
    response.headers["HX-Retarget"] = "#ix-day"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def render_row(request, item: Interaction, status: int = 200, *, open_what: str = "",
               form=None, problems=None):
    """One row of the block (with its result or reschedule form unfolded)."""
    words = labels(request)
    ctx = {"open_id": item.id if open_what else None, "open_what": open_what, "form": form,
           "problems": problems or {}, "L": words, "csrf": csrf_input(request),
           "section_url": section_url(request), "attempt_icons": ATTEMPT_ICONS,
           "kind_icons": INTERACTION_KIND_ICONS}
    if open_what == "result":
        ctx.update(row_form_choices(request, item.id))
    (row,) = day_rows(request, [item], utcnow(), words)
    response = render_to_response("interactions/_day_row.jinja2", {"ctx": ctx, "row": row},
                                  request=request)
    response.status_int = status
    return response


@view_config(context=Interactions, name="day", permission="view")
def day_fragment(request):
    return render_day(request)


@view_config(context=Interaction, name="row", permission="view")
def row_fragment(request):
    return render_row(request, request.context)
