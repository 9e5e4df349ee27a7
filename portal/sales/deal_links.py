"""Deals on the client card's timeline (portal/clients/timeline.py): the open ones among what is
still to be done (by the day they are expected to close), won and lost ones in the history
(newest first), for the deals the reader may see. Read as one part of the card's one UNION ALL
statement. The card's "New deal" button is views/sales/deals.py's (`card_action`)."""
from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa
from babel.numbers import format_decimal
from pyramid.traversal import quote_path_segment

from models.clients import Contact, Organization
from models.people import User
from models.sales import Deal, Stage
from portal.clients.timeline import (
    TimelineItem,
    TimelineRows,
    filter_key,
    message,
    part_statement,
    planned_and_past,
    timeline_provider,
    words,
)
from portal.core.i18n import _, babel_locale
from portal.sales.security import visible_deals

STATE_CLASSES = {"open": "text-bg-info", "won": "text-bg-success", "lost": "text-bg-secondary"}
STATE_TITLES = {"open": _("Open"), "won": _("Won"), "lost": _("Lost")}
DEAL_TITLE, DEAL_DETAIL = _("Deal: ${title}"), _("${stage} · ${amount}")


@timeline_provider("deals")
def deals_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """The client's (or the contact's) deals the reader may see."""
    if isinstance(target, Organization):
        about = Deal.organization_id
    elif isinstance(target, Contact):
        about = Deal.contact_id
    else:
        return []
    section = request.root["sales"]["deals"]
    if not request.has_permission("view", section):
        return []  # nobody's deals: not even a part of the statement
    visible = visible_deals(request)
    key = ("deals", about.key, planned, past, filter_key(visible))

    def build() -> sa.Select:
        mine = sa.select(Deal.id).where(about == sa.bindparam("deal_about"), visible)
        open_ = mine.where(Deal.state == "open").order_by(
            Deal.expected_close_on.is_(None), Deal.expected_close_on, Deal.id)
        done = mine.where(Deal.state != "open").order_by(Deal.updated_at.desc(),
                                                         Deal.id.desc())
        return (sa.select(Deal.id, Deal.title, Deal.state, Deal.amount, Deal.created_at,
                          Deal.updated_at, Deal.stage_entered_at,
                          Stage.name.label("stage_name"),
                          User.full_name.label("who"))
                .select_from(Deal)
                .join(Stage, Stage.id == Deal.stage_id)
                .join(User, User.id == Deal.owner_id)
                .where(planned_and_past(Deal.id, open_, done, planned, past)))

    return TimelineRows(part_statement(key, build), partial(_deal_items, request, section), key,
                        {"deal_about": target.id}, when=_deal_when)


def _deal_when(row) -> tuple[bool, dt.datetime]:
    """(planned, at) of a deal's item: an open deal from when it entered its stage; a closed
    one when it closed."""
    is_open = row.state == "open"
    return is_open, (row.stage_entered_at or row.created_at) if is_open else row.updated_at


def _deal_items(request, section, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    word = words(translate)
    title, detail = message(translate, DEAL_TITLE), message(translate, DEAL_DETAIL)
    base = request.resource_url(section)  # what resource_url(section, id) starts with
    locale = babel_locale(request.locale_name)
    amounts: dict = {}  # each amount written once (Babel's call is the dear part of an item)
    out = []
    for row in rows:
        is_open, at = _deal_when(row)
        url = base + quote_path_segment(str(row.id))
        amount = amounts.get(row.amount)
        if amount is None:
            amount = amounts[row.amount] = format_decimal(row.amount, format="#,##0.00",
                                                          locale=locale)
        state = STATE_TITLES.get(row.state)
        out.append(TimelineItem(
            at=at,
            title=title(title=row.title),
            url=url, kind="deals", icon="graph-up-arrow",
            detail=detail(stage=row.stage_name, amount=amount),
            who=row.who or "",
            badge=word(state) if state is not None else translate(row.state),
            badge_class=STATE_CLASSES.get(row.state, "text-bg-light"),
            planned=is_open,
        ))
    return out
