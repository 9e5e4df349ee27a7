"""The order workflow: draft → confirmed → done, and cancelled from a draft or a confirmed
order.

Confirming fixes the client's terms on the order (the service copies the discount and the
payment deferral of the client card and flags the breaches: portal/sales/orders.py); a draft
needs at least one line to be confirmed. An order is done once everything was shipped and
paid; an order with goods out is not cancelled (return them first); a cancelled one takes no
shipment nor payment any more (its edit and payment are nobody's but an administrator's).
Cancelling needs a comment.

The order page takes these steps through the services (portal/sales/orders.py confirm_order
and cancel_order); "complete" and the way back ("reopen") are taken by the shipment and payment
services themselves when an order becomes shipped and paid or stops being so (a return, a
refund), written to the same history. The engine's generic step keeps the same rules through
the guards below and views/sales/orders.py's subscriber that copies the terms on "confirm".

Bound to models.sales.Order by workflows/__init__.py.
"""
from pyramid.i18n import TranslationStringFactory

from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _needs_lines(request, order):
    if not order.lines:
        return _("Add at least one line to the order first.")
    return None


def _needs_shipment_and_payment(request, order):
    if order.shipped_on is None:
        return _("Ship every line of the order first.")
    if order.paid_on is None:
        return _("The order is not paid in full yet.")
    return None


def _nothing_out(request, order):
    # As portal/sales/orders.py's cancel_order: a zero-priced line shipped counts too, and so
    # does money paid.
    if order.shipped_amount or any(line.shipped_quantity for line in order.lines):
        return _("Goods of this order were shipped: take them back before cancelling it.")
    if order.paid_amount:
        return _("Money was paid on this order: refund it before cancelling the order.")
    return None


# The one set of the states' titles (the order page, the list, the client card's timeline, the
# history): their own msgids, so that Russian agrees with «заказ» (masculine) while "Confirmed" or
# "Cancelled" of other areas stay feminine (a deal, a job).
ORDER_STATE_TITLES = {"draft": _("Draft"), "confirmed": _("Order confirmed"),
                      "done": _("Order completed"), "cancelled": _("Order cancelled")}

ORDER = Workflow(
    name="order",
    initial="draft",
    type_permissions=("view", "add", "edit", "payment"),
    states={
        "draft": State(ORDER_STATE_TITLES["draft"]),
        "confirmed": State(ORDER_STATE_TITLES["confirmed"]),
        "done": State(ORDER_STATE_TITLES["done"]),
        "cancelled": State(ORDER_STATE_TITLES["cancelled"], {"edit": (), "payment": ()}),
    },
    transitions=[
        Transition("confirm", ("draft",), "confirmed", "edit", _("Confirm the order"),
                   guard=_needs_lines),
        Transition("complete", ("confirmed",), "done", "edit", _("Close the order"),
                   guard=_needs_shipment_and_payment),
        Transition("cancel", ("draft", "confirmed"), "cancelled", "edit", _("Cancel the order"),
                   guard=_nothing_out, needs_comment=True),
    ],
)
