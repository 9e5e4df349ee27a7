"""Orders on the client card's timeline (portal/clients/timeline.py): open ones (draft and
confirmed) among what is still to be done while their planned shipment or payment is ahead
(at that day), else among the past items at the day they were made (an order of last year
whose dates went by is not a planned step); done and cancelled ones in the history (newest
first), for the orders the reader may see; an order that breaks the client's terms says so.
Read as one part of the card's one UNION ALL statement. The card's "New order" button is
views/sales/orders.py's (`card_action`)."""
from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa
from babel.numbers import format_decimal
from pyramid.traversal import quote_path_segment

from models.clients import Contact, Organization
from models.people import User
from models.sales import OPEN_ORDER_STATES, Order
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
from portal.core.i18n import _, babel_locale, local_today
from portal.sales.security import visible_orders
from workflows.order import ORDER_STATE_TITLES

STATE_CLASSES = {"draft": "text-bg-light", "confirmed": "text-bg-info",
                 "done": "text-bg-success", "cancelled": "text-bg-secondary"}
ORDER_TITLE = _("Order ${number}")
BREAKS_TERMS = _("breaks the client's terms")


@timeline_provider("orders")
def orders_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """The client's (or the contact's) orders the reader may see."""
    if isinstance(target, Organization):
        about = Order.organization_id
    elif isinstance(target, Contact):
        about = Order.contact_id
    else:
        return []
    section = request.root["sales"]["orders"]
    if not request.has_permission("view", section):
        return []  # nobody's orders: not even a part of the statement
    visible = visible_orders(request)
    key = ("orders", about.key, planned, past, filter_key(visible))

    def build() -> sa.Select:
        mine = sa.select(Order.id).where(about == sa.bindparam("order_about"), visible)
        open_ = mine.where(Order.state.in_(OPEN_ORDER_STATES)).order_by(Order.created_at,
                                                                        Order.id)
        done = mine.where(Order.state.not_in(OPEN_ORDER_STATES)).order_by(
            Order.updated_at.desc(), Order.id.desc())
        # Named as the other parts name theirs ("amount", "who"): the stacked statement of the
        # card's timeline has fewer columns to read in every row.
        return (sa.select(Order.id, Order.number, Order.state, Order.total.label("amount"),
                          Order.created_at,
                          Order.updated_at, Order.discount_breach, Order.deferral_breach,
                          Order.planned_ship_on, Order.planned_pay_on, Order.shipped_on,
                          Order.paid_on,
                          User.full_name.label("who"))
                .select_from(Order)
                .join(User, User.id == Order.manager_id)
                .where(planned_and_past(Order.id, open_, done, planned, past)))

    return TimelineRows(part_statement(key, build), partial(_order_items, request, section), key,
                        {"order_about": target.id},
                        when=partial(_order_when, local_today(request), request.user_timezone))


def next_step_on(row, today: dt.date) -> dt.date | None:
    """The first day ahead (today or later) of what is still to be done on an open order: its
    planned shipment while not shipped, its planned payment while not paid; None if none."""
    days = [day for day, done in ((row.planned_ship_on, row.shipped_on),
                                  (row.planned_pay_on, row.paid_on))
            if day is not None and done is None and day >= today]
    return min(days, default=None)


def _order_when(today: dt.date, zone, row) -> tuple[bool, dt.datetime]:
    """(planned, at) of an order's item: an open order with a next step (a shipment or a
    payment due) planned on that day; else when it was made, or when it closed."""
    ahead = next_step_on(row, today) if row.state in OPEN_ORDER_STATES else None
    if ahead is not None:
        return True, dt.datetime.combine(ahead, dt.time(0), zone)  # a day, no hour
    return False, row.created_at if row.state in OPEN_ORDER_STATES else row.updated_at


def _order_items(request, section, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    word = words(translate)
    title = message(translate, ORDER_TITLE)
    base = request.resource_url(section)  # what resource_url(section, number) starts with
    locale = babel_locale(request.locale_name)
    totals: dict = {}  # each total written once (Babel's call is the dear part of an item)
    today = local_today(request)
    zone = request.user_timezone
    out = []
    for row in rows:
        is_planned, at = _order_when(today, zone, row)
        url = base + quote_path_segment(row.number)
        detail = totals.get(row.amount)
        if detail is None:
            detail = totals[row.amount] = format_decimal(row.amount, format="#,##0.00",
                                                         locale=locale)
        if row.discount_breach or row.deferral_breach:
            detail += " · " + word(BREAKS_TERMS)
        state = ORDER_STATE_TITLES.get(row.state)
        out.append(TimelineItem(
            at=at,
            title=title(number=row.number),
            url=url, kind="orders", icon="cart3", detail=detail,
            who=row.who or "",
            badge=word(state) if state is not None else translate(row.state),
            badge_class=STATE_CLASSES.get(row.state, "text-bg-light"),
            planned=is_planned,
        ))
    return out
