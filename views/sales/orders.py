"""/sales/orders: the order list (filters: state, manager, client, period, "breaks the terms",
"overdue shipment", "overdue payment"; in SQL through visible_orders), a new order (from the
list or a client card) and an order from a won deal; an order's page (lines, shipments,
payments, the terms flags, the history) and what is done on it: edit a draft, confirm, cancel,
ship or take back goods, record a payment or a refund. The forms that move goods or money
carry a one-time key: a double submit ships (pays) once. The rules are portal/sales/orders.py's
and shipments.py's; these views read forms and show pages."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from math import ceil
from urllib.parse import urlencode

import colander
import sqlalchemy as sa
from babel.numbers import format_decimal
from pyramid.events import subscriber
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload

from models.clients import Contact, Organization
from models.errors import UserError
from models.people import User
from models.sales import ORDER_STATES, Deal, Order, Payment, Product, Shipment
from models.workflow import WorkflowHistory
from portal.core.forms import DateText, flag_field, id_field, lines, read_fields, schema_of, squeezed, text
from portal.core.i18n import _, babel_locale, local_today
from portal.core.parsing import parse_date, parse_int
from portal.resources import locate
from portal.sales.orders import (
    COUNT_CAP,
    FLAGS,
    NOTE_MAX,
    PAGE_SIZE,
    LineInput,
    OrderFilters,
    OrderInput,
    apply_terms,
    cancel_order,
    confirm_order,
    count_of,
    create_order,
    order_from_deal,
    order_query,
    overdue_payment,
    overdue_shipment,
    update_order,
)
from portal.sales.products import unit_title
from portal.sales.resources import ORDER_LOADS, Orders
from portal.sales.security import visible_orders
from portal.sales.shipments import pay, ship
from portal.security.filters import sql_filter
from portal.tasks.client_links import pick
from views.clients.organizations import Action, card_action, contact_action
from views.sales.deals import money_text  # one way to write a sum (no Babel per sum)
from workflows.engine import Transitioned
from workflows.order import ORDER, ORDER_STATE_TITLES

LINE_ROWS = 5
STATE_BADGES = {"draft": "text-bg-light border", "confirmed": "text-bg-info",
                "done": "text-bg-success", "cancelled": "text-bg-secondary"}
FLAG_TITLES = {"breach": _("Breaks the client's terms"), "late_ship": _("Overdue shipment"),
               "late_pay": _("Overdue payment")}
HISTORY_TITLES = {"confirm": ORDER_STATE_TITLES["confirmed"],
                  "complete": _("Done: shipped and paid"),
                  "reopen": _("Open again (a return or a refund)"),
                  "cancel": ORDER_STATE_TITLES["cancelled"]}
# A field the services name → the form's field that shows the problem.
FORM_FIELDS = {"organization": "organization", "contact": "contact", "manager": "manager",
               "ordered_on": "ordered_on", "planned_ship_on": "planned_ship_on",
               "planned_pay_on": "planned_pay_on", "note": "note", "lines": "lines"}


def qty_text(request, value) -> str:
    if value is None:
        return ""
    return format_decimal(Decimal(value), format="#,##0.###", locale=babel_locale(request.locale_name))


def plain_number(value) -> str:
    """What an input holds: 1000.000 → "1000", 12.50 → "12.5" (never "1E+3", no separators)."""
    return format(Decimal(value).normalize(), "f") if value is not None else ""


def order_helpers(request) -> dict:
    """What order templates share: money and quantities as the reader writes them, states."""
    return {
        "money": lambda v: money_text(request, v),
        "qty": lambda v: qty_text(request, v),
        # What an input holds: no thousands separators ("1,000" would read as one).
        "plain": plain_number,
        "state_title": lambda s: ORDER.states[s].title if s in ORDER.states else s,
        "state_class": lambda s: STATE_BADGES.get(s, "text-bg-light border"),
        "flag_titles": FLAG_TITLES,
    }


# --- the list ------------------------------------------------------------------------------------

def read_filters(params) -> OrderFilters:
    """The list's filters from the query string; what cannot be read is no filter."""
    def number(name):
        value = params.get(name, "")
        return parse_int(value) if isinstance(value, str) and value else None

    def day(name):
        value = params.get(name, "")
        return parse_date(value) if isinstance(value, str) and value else None

    state = params.get("state", "")
    q = params.get("q", "")
    flags = params.getall("flag") if hasattr(params, "getall") else params.get("flag", [])
    return OrderFilters(
        state=state if state in ORDER_STATES else "", manager_id=number("manager"),
        organization_id=number("organization"), start=day("start"), end=day("end"),
        flags=tuple(f for f in FLAGS if f in flags),
        q=" ".join(q.split())[:40] if isinstance(q, str) else "",
        page=max(1, min(number("page") or 1, 10**6)))


def manager_choices(request) -> list[tuple[int, str]]:
    """The managers of the orders the reader may see (the manager filter)."""
    return [tuple(r) for r in request.dbsession.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(
            # No DISTINCT: IN needs none, and without it SQLite reads the OR of the reader's
            # departments and own orders from two indexes instead of every order (0.2 s).
            sa.select(Order.manager_id).where(visible_orders(request))))
        .order_by(User.full_name).limit(300))]


@view_config(context=Orders, renderer="sales/orders/list.jinja2", permission="view")
def order_list(request):
    db = request.dbsession
    f = read_filters(request.GET)
    today = local_today(request)
    stmt = order_query(f, visible_orders(request), today)
    total = count_of(db, stmt)
    pages = max(1, ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    page = min(f.page, pages)
    orders = db.scalars(stmt.options(joinedload(Order.organization), joinedload(Order.manager))
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    client = db.get(Organization, f.organization_id) if f.organization_id else None
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        changes.setdefault("page", 1)
        query = urlencode(f.params(**changes), doseq=True)
        return f"{base}?{query}" if query else base

    return {
        "title": _("Orders"),
        "f": f,
        "orders": orders,
        "today": today,
        "late_ship": lambda o: overdue_shipment(o, today),
        "late_pay": lambda o: overdue_payment(o, today),
        "states": [(s, ORDER.states[s].title) for s in ORDER_STATES],
        "managers": manager_choices(request),
        "client": client,
        "flags": [(k, FLAG_TITLES[k]) for k in FLAGS],
        "total": total,
        "total_capped": total > COUNT_CAP,
        "count_cap": COUNT_CAP,
        "page": page,
        "pages": pages,
        "url": url,
        "page_url": lambda p: url(page=p),
        "may_add": request.has_permission("add", request.context),
        **order_helpers(request),
    }


# --- the order form (new and draft) ----------------------------------------------------------------

def order_schema() -> colander.SchemaNode:
    return schema_of(
        id_field("organization"),
        id_field("contact"),
        id_field("manager"),
        colander.SchemaNode(DateText(), name="ordered_on", missing=None),
        colander.SchemaNode(DateText(), name="planned_ship_on", missing=None),
        colander.SchemaNode(DateText(), name="planned_pay_on", missing=None),
        text(lines(NOTE_MAX), name="note"),
        colander.SchemaNode(colander.List(), name="product", missing=[]),
        colander.SchemaNode(colander.List(), name="quantity", missing=[]),
        colander.SchemaNode(colander.List(), name="price", missing=[]),
        colander.SchemaNode(colander.List(), name="discount", missing=[]),
        id_field("version"),
    )


def read_order_form(params) -> tuple[dict, dict]:
    """The form's values (dates, ids, the rows as typed) and problems by field."""
    values, problems = read_fields(order_schema(), params)
    columns = [[str(v) if isinstance(v, str) else "" for v in values.get(name) or []]
               for name in ("product", "quantity", "price", "discount")]
    count = min(max((len(c) for c in columns), default=0), 500)
    rows = []
    for i in range(count):
        product, quantity, price, discount = (c[i] if i < len(c) else "" for c in columns)
        rows.append({"product": product.strip(), "quantity": quantity.strip()[:30],
                     "price": price.strip()[:30], "discount": discount.strip()[:30]})
    values["rows"] = rows
    return values, problems


def line_inputs(rows: list[dict]) -> list[LineInput]:
    """The rows with something in them, as the service reads them (a junk product id names no
    product: the service says so on its line)."""
    out = []
    for r in rows:
        if not (r["product"] or r["quantity"]):
            continue
        product_id = parse_int(r["product"]) if r["product"] else None
        out.append(LineInput(product_id if product_id is not None else -1, r["quantity"],
                             r["price"] or None, r["discount"] or "0"))
    return out


def visible_organization(request, organization_id: int | None) -> Organization | None:
    """The organization if the person may see it (an order is made for a client one sees)."""
    if organization_id is None:
        return None
    return request.dbsession.scalar(sa.select(Organization).where(
        Organization.id == organization_id, sql_filter(request, Organization, "view")))


def contacts_of(request, org: Organization | None) -> list[Contact]:
    if org is None:
        return []
    return list(request.dbsession.scalars(
        sa.select(Contact).where(Contact.organization_id == org.id,
                                 sql_filter(request, Contact, "view"))
        .order_by(Contact.full_name).limit(200)))


def form_page(request, values: dict, problems: dict, org, order: Order | None = None) -> dict:
    db = request.dbsession
    rows = list(values.get("rows") or [])
    rows += [{"product": "", "quantity": "", "price": "", "discount": ""}] * max(
        1, LINE_ROWS - len(rows))

    def iso(name):
        day = values.get(name)
        return day.isoformat() if isinstance(day, dt.date) else str(day or "")

    return {
        "title": _("Order ${number}", mapping={"number": order.number}) if order else _("New order"),
        "v": values,
        "problems": problems,
        "organization": org,
        "contacts": contacts_of(request, org),
        "products": list(db.scalars(sa.select(Product).where(Product.active.is_(True))
                                    .order_by(Product.name).limit(1000))),
        "people": [tuple(r) for r in db.execute(
            sa.select(User.id, User.full_name).where(User.active).order_by(User.full_name)
            .limit(1000))],
        "rows": rows,
        "dates": {n: iso(n) for n in ("ordered_on", "planned_ship_on", "planned_pay_on")},
        "order": order,
        "orders_url": request.resource_url(request.root["sales"]["orders"]),
        **order_helpers(request),
    }


def order_input(values: dict, org: Organization, me: User) -> OrderInput:
    return OrderInput(organization_id=org.id, ordered_on=values.get("ordered_on"),
                      contact_id=values.get("contact"), manager_id=values.get("manager") or me.id,
                      planned_ship_on=values.get("planned_ship_on"),
                      planned_pay_on=values.get("planned_pay_on"), note=values.get("note", ""),
                      lines=line_inputs(values["rows"]))


def _problem(problems: dict, error: UserError) -> None:
    field = error.field or ""
    problems[FORM_FIELDS.get(field, "lines" if field.startswith("lines") else "")] = error.message


@view_config(context=Orders, name="add", renderer="sales/orders/form.jinja2", permission="add")
def add_order(request):
    """A new order: from the list, or from a client's card (?organization=…&contact=…)."""
    posted = request.method == "POST"
    values, problems = read_order_form(request.POST if posted else request.GET)
    org = visible_organization(request, values.get("organization"))
    if values.get("organization") is not None and org is None:
        problems["organization"] = _("That client does not exist or is not yours to see.")
    me = request.identity.user
    if not posted:
        values["ordered_on"] = values.get("ordered_on") or local_today(request)
        values["manager"] = values.get("manager") or me.id
        return form_page(request, values, {}, org)
    if org is None and "organization" not in problems:
        problems["organization"] = _("Choose the client.")
    if values.get("ordered_on") is None and "ordered_on" not in problems:
        problems["ordered_on"] = _("Give the order's date.")
    if not problems:
        try:
            order = create_order(request.dbsession, me, order_input(values, org, me))
        except UserError as error:
            _problem(problems, error)
        else:
            request.session.flash(request.translate(_("Order ${number} is registered.",
                                                      mapping={"number": order.number})))
            return HTTPSeeOther(request.resource_url(request.context, order.number))
    request.response.status = 400
    return form_page(request, values, problems, org)


@view_config(context=Order, name="edit", renderer="sales/orders/form.jinja2", permission="edit")
def edit_order(request):
    """A draft order's client, dates, note and lines."""
    order = request.context
    if order.state != "draft":
        request.session.flash(request.translate(_("Only a draft order is changed.")), "error")
        return HTTPSeeOther(request.resource_url(order))
    if request.method != "POST":
        values = {"organization": order.organization_id, "contact": order.contact_id,
                  "manager": order.manager_id, "ordered_on": order.ordered_on,
                  "planned_ship_on": order.planned_ship_on, "planned_pay_on": order.planned_pay_on,
                  "note": order.note, "version": order.version,
                  "rows": [{"product": str(line.product_id),
                            "quantity": plain_number(line.quantity),
                            "price": str(line.price),
                            "discount": plain_number(line.discount_percent)}
                           for line in order.lines]}
        return form_page(request, values, {}, order.organization, order)
    values, problems = read_order_form(request.POST)
    org = visible_organization(request, values.get("organization"))
    if org is None:
        problems["organization"] = _("That client does not exist or is not yours to see.")
    if values.get("ordered_on") is None and "ordered_on" not in problems:
        problems["ordered_on"] = _("Give the order's date.")
    if not problems:
        me = request.identity.user
        try:
            update_order(request.dbsession, me, order, order_input(values, org, me),
                         version=values.get("version"))
        except UserError as error:
            _problem(problems, error)
        else:
            request.session.flash(request.translate(_("The order is saved.")))
            return HTTPSeeOther(request.resource_url(order))
    request.response.status = 400
    return form_page(request, values, problems, org, order)


@view_config(context=Orders, name="client-options", renderer="tasks/_link_options.jinja2",
             permission="add")
def client_options(request):
    """<option>s of the organizations the person may see, for the order form's client picker."""
    return {"options": pick(request, "organization", request.GET.get("organization", ""))}


@view_config(context=Orders, name="from-deal", request_method="POST", require_csrf=True,
             permission="add")
def add_from_deal(request):
    """POST deal=…: the won deal's order, made once (a second click lands on the first)."""
    deal_id = parse_int(request.POST.get("deal", ""))
    deal = request.dbsession.get(Deal, deal_id) if deal_id is not None else None
    if deal is None:
        raise HTTPNotFound()
    deal = locate(request, deal)
    if not request.has_permission("edit", deal):
        raise HTTPForbidden()
    try:
        order, made = order_from_deal(request.dbsession, request.identity.user, deal,
                                      local_today(request))
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
        return HTTPSeeOther(request.resource_url(deal))
    if made:
        request.session.flash(request.translate(_("Order ${number} is registered.",
                                                  mapping={"number": order.number})))
    return HTTPSeeOther(request.resource_url(request.context, order.number))


# --- the order's page and what is done on it -------------------------------------------------------

def history_of(request, order: Order) -> list[dict]:
    db = request.dbsession
    steps = list(db.execute(
        sa.select(WorkflowHistory, User.full_name)
        .outerjoin(User, User.id == WorkflowHistory.actor_id)
        .where(WorkflowHistory.object_type == "order", WorkflowHistory.object_id == order.id)
        .order_by(WorkflowHistory.id.desc()).limit(200)))
    return [{"at": s.at, "who": name or "", "what": HISTORY_TITLES.get(s.transition, s.transition),
             "comment": s.comment} for s, name in steps]


def page_values(request, order: Order, **more) -> dict:
    db = request.dbsession
    today = local_today(request)
    may_edit = request.has_permission("edit", order)
    may_pay = request.has_permission("payment", order)
    shipments = list(db.scalars(
        sa.select(Shipment).where(Shipment.order_id == order.id)
        .options(selectinload(Shipment.lines), joinedload(Shipment.created_by))
        .order_by(Shipment.shipped_on, Shipment.id)))
    payments = list(db.scalars(
        sa.select(Payment).where(Payment.order_id == order.id)
        .options(joinedload(Payment.created_by)).order_by(Payment.paid_on, Payment.id)))
    line_numbers = {line.id: i + 1 for i, line in enumerate(order.lines)}
    lines_by_id = {line.id: line for line in order.lines}
    cap = order.terms_discount_percent or Decimal("0")
    breached = {line.id for line in order.lines
                if order.discount_breach and line.discount_percent > cap}
    return {
        "title": _("Order ${number}", mapping={"number": order.number}),
        "order": order,
        "lines": order.lines,
        "line_numbers": line_numbers,
        "lines_by_id": lines_by_id,
        "unit_title": unit_title,
        "breached_lines": breached,
        "shipments": shipments,
        "payments": payments,
        "history": history_of(request, order),
        "late_ship": overdue_shipment(order, today),
        "late_pay": overdue_payment(order, today),
        "organization_visible": request.has_permission("view", locate(request, order.organization)),
        "deal_visible": order.deal is not None and request.has_permission(
            "view", locate(request, order.deal)),
        "may_edit": may_edit and order.state == "draft",
        "may_confirm": may_edit and order.state == "draft",
        "may_cancel": may_edit and order.state in ("draft", "confirmed"),
        # Only while something is left to ship (a shipped order showed an empty form).
        "may_ship": may_edit and order.state == "confirmed" and any(
            line.quantity > line.shipped_quantity for line in order.lines),
        "may_return": may_edit and order.state in ("confirmed", "done") and any(
            line.shipped_quantity for line in order.lines),
        "may_pay": may_pay and order.state == "confirmed",
        "may_refund": may_pay and order.state in ("confirmed", "done") and order.paid_amount > 0,
        "form_key": secrets.token_urlsafe(24),
        "today": today,
        "list_url": request.resource_url(order.__parent__),
        "problems": {},
        **order_helpers(request),
        **more,
    }


@view_config(context=Order, renderer="sales/orders/order.jinja2", permission="view")
def order_page(request):
    return page_values(request, request.context)


def _back(request, order: Order, message=None, error=False):
    if message is not None:
        request.session.flash(request.translate(message), "error" if error else "")
    return HTTPSeeOther(request.resource_url(order))


@view_config(context=Order, name="confirm", request_method="POST", require_csrf=True,
             permission="edit")
def confirm(request):
    order = request.context
    try:
        confirm_order(request.dbsession, request.identity.user, order)
    except UserError as error:
        return _back(request, order, error.message, error=True)
    if order.discount_breach or order.deferral_breach:
        return _back(request, order, _("The order is confirmed, but it breaks the client's "
                                       "terms: see the flags."))
    return _back(request, order, _("The order is confirmed."))


@view_config(context=Order, name="cancel", request_method="POST", require_csrf=True,
             permission="edit")
def cancel(request):
    order = request.context
    values, _problems = read_fields(schema_of(text(squeezed(2000), name="comment")), request.POST)
    try:
        cancel_order(request.dbsession, request.identity.user, order, values.get("comment", ""))
    except UserError as error:
        return _back(request, order, error.message, error=True)
    return _back(request, order, _("The order is cancelled."))


def _failed(request, order: Order, error: UserError, form: str):
    """The page again with the problem next to the form that caused it (400; nothing stored):
    the order read again as it is in the database."""
    request.response.status = 400
    fresh = request.dbsession.scalar(
        sa.select(Order).where(Order.id == order.id).options(*ORDER_LOADS)
        .execution_options(populate_existing=True))
    return page_values(request, locate(request, fresh), problems={form: error.message})


@view_config(context=Order, name="ship", request_method="POST", require_csrf=True,
             permission="edit", renderer="sales/orders/order.jinja2")
def ship_goods(request):
    """POST kind=shipment|return, shipped_on, qty-<line id>…, key: the lines move once."""
    order = request.context
    values, problems = read_fields(schema_of(
        text(squeezed(10), name="kind"), colander.SchemaNode(DateText(), name="shipped_on",
                                                             missing=None),
        text(squeezed(64), name="key")), request.POST)
    kind = "return" if values.get("kind") == "return" else "shipment"
    if problems:
        return _failed(request, order, UserError(next(iter(problems.values()))), kind)
    quantities = {}
    for name, raw in request.POST.items():
        if name.startswith("qty-") and isinstance(raw, str):
            line_id = parse_int(name[4:])
            quantities[line_id if line_id is not None else -1] = raw[:30]
    try:
        _shipment, made = ship(request.dbsession, request.identity.user, order, quantities,
                               values.get("shipped_on") or local_today(request), kind=kind,
                               request_key=values.get("key") or None)
    except UserError as error:
        return _failed(request, order, error, kind)
    if not made:
        return _back(request, order)
    return _back(request, order, _("The return is recorded.") if kind == "return"
                 else _("The shipment is recorded."))


@view_config(context=Order, name="pay", request_method="POST", require_csrf=True,
             permission="payment", renderer="sales/orders/order.jinja2")
def record_payment(request):
    """POST amount, paid_on, refund, note, key: the money counts once."""
    order = request.context
    values, problems = read_fields(schema_of(
        text(squeezed(30), name="amount"),
        colander.SchemaNode(DateText(), name="paid_on", missing=None),
        flag_field("refund"), text(squeezed(300), name="note"),
        text(squeezed(64), name="key")), request.POST)
    form = "refund" if values.get("refund") else "payment"
    if problems:
        return _failed(request, order, UserError(next(iter(problems.values()))), form)
    try:
        _payment, made = pay(request.dbsession, request.identity.user, order,
                             values.get("amount", ""), values.get("paid_on") or local_today(request),
                             refund=bool(values.get("refund")), request_key=values.get("key") or None,
                             note=values.get("note", ""))
    except UserError as error:
        return _failed(request, order, error, form)
    if not made:
        return _back(request, order)
    return _back(request, order, _("The refund is recorded.") if values.get("refund")
                 else _("The payment is recorded."))


@subscriber(Transitioned)
def terms_on_confirm(event) -> None:
    """An order confirmed through the generic workflow step gets its terms too."""
    if isinstance(event.obj, Order) and event.transition.name == "confirm":
        apply_terms(event.request.dbsession, event.obj)


# --- on the client card -----------------------------------------------------------------------------

def _new_order(request, query: dict) -> list[Action]:
    section = request.root["sales"]["orders"]
    if not request.has_permission("add", section):
        return []
    return [Action(_("New order"), request.resource_url(section, "add", query=query),
                   icon="cart3", id="new-order")]


@card_action
def client_card_order(request, org: Organization) -> list[Action]:
    return _new_order(request, {"organization": org.id})


@contact_action
def contact_page_order(request, contact: Contact) -> list[Action]:
    query = {"contact": contact.id}
    if contact.organization_id:
        query["organization"] = contact.organization_id
    return _new_order(request, query)

