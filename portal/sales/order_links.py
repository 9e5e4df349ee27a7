"""Orders on the client card's timeline (portal/clients/timeline.py): open ones (draft and
confirmed) among what is still to be done, done and cancelled ones in the history (newest
first), for the orders the reader may see; an order that breaks the client's terms says so.
Read as one part of the card's one UNION ALL statement. The card's "New order" button is
views/sales/orders.py's (`card_action`)."""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa

from models.clients import Contact, Organization
from models.people import User
from models.sales import OPEN_ORDER_STATES, Order
from portal.clients.timeline import (
    TimelineAction,
    TimelineItem,
    TimelineRows,
    filter_key,
    part_statement,
    planned_and_past,
    timeline_provider,
)
from portal.core.i18n import _
from portal.sales.security import visible_orders

STATE_TITLES = {"draft": _("Draft"), "confirmed": _("Confirmed"), "done": _("Done"),
                "cancelled": _("Cancelled")}
STATE_CLASSES = {"draft": "text-bg-light", "confirmed": "text-bg-info",
                 "done": "text-bg-success", "cancelled": "text-bg-secondary"}


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
        return (sa.select(Order.id, Order.number, Order.state, Order.total, Order.created_at,
                          Order.updated_at, Order.discount_breach, Order.deferral_breach,
                          User.full_name.label("manager_name"))
                .select_from(Order)
                .join(User, User.id == Order.manager_id)
                .where(planned_and_past(Order.id, open_, done, planned, past)))

    return TimelineRows(part_statement(key, build), partial(_order_items, request, section), key,
                        {"order_about": target.id})


def _order_items(request, section, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    opened = translate(_("Open"))
    out = []
    for row in rows:
        is_open = row.state in OPEN_ORDER_STATES
        url = request.resource_url(section, row.number)
        detail = f"{row.total:,.2f}".replace(",", "\u00a0")
        if row.discount_breach or row.deferral_breach:
            detail += " · " + translate(_("breaks the client's terms"))
        out.append(TimelineItem(
            at=row.created_at if is_open else row.updated_at,
            title=translate(_("Order ${number}", mapping={"number": row.number})),
            url=url, kind="orders", icon="cart3", detail=detail,
            who=row.manager_name or "",
            badge=translate(STATE_TITLES.get(row.state, row.state)),
            badge_class=STATE_CLASSES.get(row.state, "text-bg-light"),
            planned=is_open,
            actions=[TimelineAction(opened, url, "box-arrow-up-right", text=False)],
        ))
    return out
