"""/sales/deals: the deal list (filters, order, 50 a page), a new deal (from the list or a client
card: "New deal"), a deal's page (stage history, products, extra costs and the margin after
them) and what is done on it: edit, reassign, move to a stage, win, lose (with a reason),
reopen, add and remove extra costs. Every POST carries the CSRF token; a refused change
answers with the reason (the page again with status 400/409, or a flash and a redirect when
nothing was written). The rules are portal/sales/deals.py's."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from math import ceil
from urllib.parse import urlencode

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.clients import Contact, Organization
from models.errors import UserError
from models.people import User
from models.sales import COST_KINDS, Deal, DealCost, DealProduct, DealStageChange, Pipeline, Product, Stage
from portal.core.forms import DateText, id_field, read_fields, schema_of, squeezed, text
from portal.core.i18n import _, babel_locale
from portal.core.parsing import parse_date, parse_int
from portal.sales.deals import (
    COST_TITLES,
    COUNT_CAP,
    PAGE_SIZE,
    SORTS,
    DealFilters,
    DealInput,
    ProductLine,
    add_cost,
    close,
    create_deal,
    deal_rows,
    lost_reasons,
    margin,
    move,
    parse_money,
    parse_number,
    reassign,
    remove_cost,
    update_deal,
    visible_organization,
)
from portal.sales.pipelines import open_stages, pipelines, stages_of
from portal.sales.products import unit_title
from portal.sales.resources import Deals
from portal.sales.security import visible_deals
from portal.security.filters import sql_filter
from portal.tasks.client_links import pick
from views.clients.organizations import Action, card_action, contact_action

PRODUCT_ROWS = 5
STATE_TITLES = {"open": _("Open"), "won": _("Won"), "lost": _("Lost")}
STATE_BADGES = {"open": "text-bg-info", "won": "text-bg-success", "lost": "text-bg-secondary"}
SORT_TITLES = {"-created": _("Newest first"), "created": _("Oldest first"),
               "-amount": _("Largest amount first"), "amount": _("Smallest amount first"),
               "close": _("Closing soonest first"), "-close": _("Closing latest first"),
               "title": _("By title")}
# A field of the service's input → the field of the form that shows its problem.
FORM_FIELDS = {"title": "title", "organization": "organization", "contact": "contact",
               "pipeline": "pipeline", "owner": "owner", "amount": "amount",
               "products": "products", "version": "", "stage": "stage"}


@lru_cache(maxsize=16)
def _separators(locale_name: str) -> dict[int, str]:
    """A translate table from Python's "1,234.50" to the language's separators (Babel's own
    symbols, read once per language: Babel per sum took ~300 µs, 150 cards ~50 ms a board)."""
    locale = babel_locale(locale_name)
    symbols = locale.number_symbols[locale.default_numbering_system]
    return str.maketrans({",": symbols["group"], ".": symbols["decimal"],
                          "-": symbols["minusSign"]})


def money_text(request, value) -> str:
    """A sum as the reader writes it: «1 234 567,50» or "1,234,567.50" (as Babel's
    "#,##0.00" writes it; a sum rounded to zero has no sign)."""
    if value is None:
        return ""
    text = format(Decimal(value), ",.2f")
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]
    return text.translate(_separators(request.locale_name))


def deal_helpers(request) -> dict:
    """What deal templates share."""
    return {
        "money": lambda v: money_text(request, v),
        "state_title": lambda s: STATE_TITLES.get(s, s),
        "state_badge": lambda s: STATE_BADGES.get(s, "text-bg-light"),
        "deals_url": request.resource_url(request.root["sales"]["deals"]),
        "unit_title": unit_title,
    }


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- the list ------------------------------------------------------------------------------------

def read_filters(params) -> DealFilters:
    """The list's filters from the query string; what cannot be read is no filter."""
    def number(name):
        value = params.get(name, "")
        return parse_int(value) if isinstance(value, str) and value else None

    def day(name):
        value = params.get(name, "")
        return parse_date(value) if isinstance(value, str) and value else None

    state = params.get("state", "")
    sort = params.get("sort", "-created")
    q = params.get("q", "")
    page = number("page") or 1
    return DealFilters(pipeline=number("pipeline"), stage=number("stage"), owner=number("owner"),
                       state=state if state in STATE_TITLES else "",
                       q=" ".join(q.split())[:100] if isinstance(q, str) else "",
                       start=day("start"), end=day("end"),
                       sort=sort if sort in SORTS else "-created",
                       page=max(1, min(page, 10**6)))


def owner_choices(request) -> list[tuple[int, str]]:
    """The people who own deals the reader may see (the owner filter)."""
    return [tuple(r) for r in request.dbsession.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(
            # No DISTINCT: IN needs none, and without it SQLite reads the OR of the reader's
            # departments and own deals from two indexes instead of every deal.
            sa.select(Deal.owner_id).where(visible_deals(request))))
        .order_by(User.full_name).limit(300))]


@view_config(context=Deals, renderer="sales/deals/list.jinja2", permission="view")
def deal_list(request):
    f = read_filters(request.GET)
    total, rows = deal_rows(request, f)
    pages = max(1, ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    if f.page > pages:
        f.page = pages
        total, rows = deal_rows(request, f)
    every = pipelines(request.dbsession)
    stages = stages_of(request.dbsession, [p.id for p in every])
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        changes.setdefault("page", 1)
        query = urlencode(f.params(**changes))
        return f"{base}?{query}" if query else base

    return {
        "title": _("Deals"),
        "f": f,
        "rows": rows,
        "total": total,
        "total_capped": total > COUNT_CAP,
        "count_cap": COUNT_CAP,
        "page": f.page,
        "pages": pages,
        "url": url,
        "page_url": lambda p: url(page=p),
        "pipelines": every,
        "stages": [(p, stages[p.id]) for p in every],
        "owners": owner_choices(request),
        "states": list(STATE_TITLES.items()),
        "sorts": list(SORT_TITLES.items()),
        "margin": margin,
        "may_add": request.has_permission("add", request.context),
        "board_url": request.resource_url(request.context, "@@board"),
        **deal_helpers(request),
    }


# --- a new deal and its edit ---------------------------------------------------------------------

def deal_schema() -> colander.SchemaNode:
    return schema_of(
        text(squeezed(300), name="title"),
        id_field("organization"),
        id_field("contact"),
        id_field("pipeline"),
        id_field("owner"),
        id_field("version"),
        text(squeezed(40), name="amount"),
        colander.SchemaNode(DateText(), name="expected_close_on", missing=None),
        colander.SchemaNode(colander.List(), name="product", missing=[]),
        colander.SchemaNode(colander.List(), name="quantity", missing=[]),
        colander.SchemaNode(colander.List(), name="price", missing=[]),
        colander.SchemaNode(colander.List(), name="discount", missing=[]),
    )


def read_deal_form(params) -> tuple[dict, dict]:
    """The form's values, typed: ids, the amount, the date, product lines; problems by field."""
    values, problems = read_fields(deal_schema(), params)
    try:
        values["amount_value"] = parse_money(values.get("amount"), "amount")
    except UserError as error:
        problems["amount"] = error.message
        values["amount_value"] = None
    lines = []
    given = zip(values.get("product") or [], values.get("quantity") or [],
                values.get("price") or [], values.get("discount") or [], strict=False)
    rows = []
    for product, quantity, price, discount in given:
        rows.append({"product": product, "quantity": quantity, "price": price,
                     "discount": discount})
        if not str(product).strip():
            continue
        product_id = parse_int(product) if isinstance(product, str) else None
        try:
            if product_id is None:
                raise UserError(_("That product is not in the catalog."), "products")
            qty = parse_number(quantity, "products")
            if qty is None or qty <= 0:
                raise UserError(_("A quantity is above zero."), "products")
            lines.append(ProductLine(
                product_id=product_id, quantity=qty,
                price=parse_money(price, "products"),
                discount_percent=parse_number(discount, "products", places=Decimal("0.01"),
                                              maximum=Decimal("100")) or Decimal("0")))
        except UserError as error:
            problems["products"] = error.message
    values["lines"] = lines
    values["rows"] = rows
    return values, problems


def product_choices(dbsession) -> list[Product]:
    return list(dbsession.scalars(sa.select(Product).where(Product.active.is_(True))
                                  .order_by(Product.name).limit(1000)))


def people_choices(dbsession) -> list[tuple[int, str]]:
    return [tuple(r) for r in dbsession.execute(
        sa.select(User.id, User.full_name).where(User.active).order_by(User.full_name)
        .limit(1000))]


def contacts_of(request, org: Organization | None) -> list[Contact]:
    """The organization's contacts the person may see (the contact select of the form)."""
    if org is None:
        return []
    return list(request.dbsession.scalars(
        sa.select(Contact).where(Contact.organization_id == org.id,
                                 sql_filter(request, Contact, "view"))
        .order_by(Contact.full_name).limit(200)))


def form_page(request, values: dict, problems: dict, org, *, deal: Deal | None = None,
              title=None) -> dict:
    db = request.dbsession
    rows = list(values.get("rows") or [])
    closing = values.get("expected_close_on")
    wanted = max(PRODUCT_ROWS, len(rows) + 1)
    while len(rows) < wanted:
        rows.append({"product": "", "quantity": "", "price": "", "discount": ""})
    return {
        "title": title or _("New deal"),
        "v": values,
        "problems": problems,
        "organization": org,
        "contacts": contacts_of(request, org),
        "pipelines": pipelines(db, active_only=True),
        "people": people_choices(db),
        "products": product_choices(db),
        "rows": rows,
        "close_value": closing.isoformat() if isinstance(closing, dt.date) else str(closing or ""),
        "deal": deal,
        **deal_helpers(request),
    }


def _service_problem(problems: dict, error: UserError) -> None:
    problems[FORM_FIELDS.get(error.field or "", "") or ""] = error.message


@view_config(context=Deals, name="add", renderer="sales/deals/form.jinja2", permission="add")
def add_deal(request):
    """A new deal: from the list, or from a client's card (?organization=…&contact=…)."""
    posted = request.method == "POST"
    values, problems = read_deal_form(request.POST if posted else request.GET)
    org = visible_organization(request, values.get("organization"))
    if values.get("organization") is not None and org is None:
        problems["organization"] = _("That client does not exist or is not yours to see.")
    me = request.identity.user
    if not posted:
        values.setdefault("owner", None)
        values["owner"] = values.get("owner") or me.id
        return form_page(request, values, {}, org)
    if org is None and "organization" not in problems:
        problems["organization"] = _("Choose the client.")
    if not problems:
        data = DealInput(title=values["title"], organization_id=org.id,
                         pipeline_id=values.get("pipeline"), contact_id=values.get("contact"),
                         amount=values["amount_value"],
                         expected_close_on=values.get("expected_close_on"),
                         owner_id=values.get("owner") or me.id, products=values["lines"])
        try:
            deal = create_deal(request.dbsession, me, data, registry=request.registry)
        except UserError as error:
            _service_problem(problems, error)
        else:
            request.session.flash(request.translate(_("The deal “${title}” is registered.",
                                                      mapping={"title": deal.title})))
            return HTTPSeeOther(request.resource_url(request.context, str(deal.id)))
    request.response.status = 400
    return form_page(request, values, problems, org)


@view_config(context=Deals, name="client-options", renderer="tasks/_link_options.jinja2",
             permission="add")
def client_options(request):
    """<option>s of the organizations (or ?kind=contact: contacts) the person may see."""
    kind = "contact" if request.GET.get("kind") == "contact" else "organization"
    return {"options": pick(request, kind, request.GET.get(kind, ""))}


def _deal_values(deal: Deal, products: list[DealProduct]) -> dict:
    return {
        "title": deal.title, "organization": deal.organization_id, "contact": deal.contact_id,
        "pipeline": deal.pipeline_id, "owner": deal.owner_id, "version": deal.version,
        "amount": "" if products else str(deal.amount),
        "expected_close_on": deal.expected_close_on,
        "rows": [{"product": str(p.product_id), "quantity": format(p.quantity.normalize(), "f"),
                  "price": str(p.price), "discount": format(p.discount_percent.normalize(), "f")}
                 for p in products],
    }


@view_config(context=Deal, name="edit", renderer="sales/deals/form.jinja2", permission="edit")
def edit_deal(request):
    deal: Deal = request.context
    db = request.dbsession
    org = db.get(Organization, deal.organization_id)
    title = _("Edit the deal")
    if request.method != "POST":
        products = list(db.scalars(sa.select(DealProduct).where(DealProduct.deal_id == deal.id)
                                   .order_by(DealProduct.id)))
        return form_page(request, _deal_values(deal, products), {}, org, deal=deal, title=title)
    values, problems = read_deal_form(request.POST)
    if not problems:
        data = DealInput(title=values["title"], organization_id=deal.organization_id,
                         contact_id=values.get("contact"), amount=values["amount_value"],
                         expected_close_on=values.get("expected_close_on"),
                         products=values["lines"])
        try:
            update_deal(db, request.identity.user, deal, data, version=values.get("version"))
        except UserError as error:
            _service_problem(problems, error)
            if error.status == 409:
                request.response.status = 409
                return form_page(request, values, problems, org, deal=deal, title=title)
        else:
            request.session.flash(request.translate(_("The deal is saved.")))
            return HTTPSeeOther(request.resource_url(deal))
    request.response.status = 400
    return form_page(request, values, problems, org, deal=deal, title=title)


# --- a deal's page -------------------------------------------------------------------------------

def deal_details(request, deal: Deal) -> dict:
    """Everything the deal's page shows besides the deal: five statements."""
    db = request.dbsession
    org = db.get(Organization, deal.organization_id)
    contact = db.get(Contact, deal.contact_id) if deal.contact_id else None
    owner = db.get(User, deal.owner_id)
    pipeline = db.get(Pipeline, deal.pipeline_id)
    stages = stages_of(db, [deal.pipeline_id])[deal.pipeline_id]
    by_id = {s.id: s for s in stages}
    history = db.execute(
        sa.select(DealStageChange, User.full_name).outerjoin(
            User, User.id == DealStageChange.changed_by_id)
        .where(DealStageChange.deal_id == deal.id)
        .order_by(DealStageChange.changed_at.desc(), DealStageChange.id.desc())).all()
    products = db.execute(
        sa.select(DealProduct, Product.name, Product.code, Product.unit)
        .join(Product, Product.id == DealProduct.product_id)
        .where(DealProduct.deal_id == deal.id).order_by(DealProduct.id)).all()
    costs = list(db.scalars(sa.select(DealCost).where(DealCost.deal_id == deal.id)
                            .order_by(DealCost.id)))
    costs_total = sum((c.amount for c in costs), Decimal("0"))
    return {"organization": org, "contact": contact, "owner": owner, "pipeline": pipeline,
            "stages": stages, "stage_by_id": by_id, "stage": by_id.get(deal.stage_id),
            "history": history, "products": products, "costs": costs,
            "costs_total": costs_total, "margin": margin(deal.amount, costs_total)}


@view_config(context=Deal, renderer="sales/deals/deal.jinja2", permission="view")
def deal_page(request):
    deal: Deal = request.context
    details = deal_details(request, deal)
    may_edit = request.has_permission("edit", deal)
    steps = {t.name for t in deal.workflow.available(request, deal)}
    # "lose" has a guard (a reason must be chosen) that an open deal never passes before its
    # form is sent: the page offers it on state and permission alone; the step checks the reason.
    lose = deal.workflow.get("lose")
    if deal.state in lose.from_ and request.has_permission(lose.permission, deal):
        steps.add("lose")
    reason_id = deal.lost_reason_id
    return {
        "title": deal.title,
        "deal": deal,
        **details,
        "may_edit": may_edit,
        "steps": steps,
        "move_to": [s for s in open_stages(details["stages"]) if s.id != deal.stage_id]
        if deal.state == "open" and may_edit else [],
        "reopen_to": open_stages(details["stages"]) if "reopen" in steps else [],
        "reasons": lost_reasons(request.dbsession) if "lose" in steps else [],
        "reason_title": request.classifier_lists.title(reason_id) if reason_id else "",
        "people": people_choices(request.dbsession) if may_edit else [],
        "cost_kinds": [(k, COST_TITLES[k]) for k in COST_KINDS],
        "cost_title": lambda k: COST_TITLES.get(k, k),
        **deal_helpers(request),
    }


def _done(request, deal: Deal, message, *, error: bool = False):
    """After a POST of the deal's page: a flash and back to the deal (or JSON for scripts)."""
    text = request.translate(message)
    if _wants_json(request):
        if error:
            request.response.status_int = 409
        return {"ok": not error, "message": text, "version": deal.version,
                "state": deal.state, "stage": deal.stage_id}
    request.session.flash(text, "error" if error else "")
    back = request.POST.get("came_from", "")
    if back == "board":
        return HTTPSeeOther(request.resource_url(request.root["sales"]["deals"], "@@board",
                                                 query={"pipeline": deal.pipeline_id}))
    return HTTPSeeOther(request.resource_url(deal))


def _refused(request, deal: Deal, error: UserError):
    """A refusal: nothing of the change was written (every check comes before the first
    write), so the flash may be kept; the JSON answer says 409."""
    return _done(request, deal, error.message, error=True)


@view_config(context=Deal, name="move", request_method="POST", permission="view",
             renderer="json")
def move_deal(request):
    """Move to a stage (to=<stage id>), win (to=won), lose (to=lost, reason=…, note=…) or
    reopen (to=open); `version`: the deal's version the person saw."""
    deal: Deal = request.context
    values, _problems = read_fields(schema_of(
        id_field("version"), id_field("reason"), text(squeezed(40), name="to"),
        text(squeezed(2000), name="note")), request.POST)
    to = values.get("to") or ""
    version = values.get("version")
    try:
        if to in ("won", "lost", "open"):
            stage_id = parse_int(request.POST.get("stage", "")) if to == "open" else None
            close(request, deal, to, version=version, reason_id=values.get("reason"),
                  note=values.get("note") or "", stage_id=stage_id)
            message = {"won": _("The deal is won."), "lost": _("The deal is lost."),
                       "open": _("The deal is open again.")}[to]
        else:
            stage_id = parse_int(to)
            if not request.has_permission("edit", deal):
                raise UserError(_("You may not move this deal."), "stage")
            move(request.dbsession, request.identity.user, deal, stage_id, version=version)
            stage = request.dbsession.get(Stage, deal.stage_id)
            message = _("The deal is now at “${stage}”.", mapping={"stage": stage.name})
    except UserError as error:
        return _refused(request, deal, error)
    return _done(request, deal, message)


@view_config(context=Deal, name="transition", request_method="POST", permission="view")
def deal_transition(request):
    """The workflow panel's buttons on a deal go through the same rules as the page's (the
    stage and the history follow the state)."""
    names = {"win": "won", "lose": "lost", "reopen": "open"}
    deal: Deal = request.context
    to = names.get(request.POST.get("name", ""))
    if to is None:
        return _refused(request, deal, UserError(_("Unknown action."), "state"))
    try:
        close(request, deal, to, note=request.POST.get("comment", "")[:2000],
              reason_id=parse_int(request.POST.get("reason", "")))
    except UserError as error:
        return _refused(request, deal, error)
    return HTTPSeeOther(request.resource_url(deal))


@view_config(context=Deal, name="reassign", request_method="POST", permission="edit",
             renderer="json")
def reassign_deal(request):
    deal: Deal = request.context
    values, _problems = read_fields(schema_of(id_field("owner"), id_field("version")),
                                    request.POST)
    try:
        changed = reassign(request.dbsession, request.identity.user, deal, values.get("owner"),
                           version=values.get("version"), registry=request.registry)
    except UserError as error:
        return _refused(request, deal, error)
    owner = request.dbsession.get(User, deal.owner_id)
    return _done(request, deal, _("The deal is ${name}'s now.", mapping={"name": owner.full_name})
                 if changed else _("Nothing changed."))


@view_config(context=Deal, name="add-cost", request_method="POST", permission="edit",
             renderer="json")
def add_cost_view(request):
    deal: Deal = request.context
    values, _problems = read_fields(schema_of(
        text(squeezed(20), name="kind"), text(squeezed(300), name="description"),
        text(squeezed(40), name="amount")), request.POST)
    try:
        amount = parse_money(values.get("amount"), "cost_amount", required=True)
        add_cost(request.dbsession, request.identity.user, deal, values.get("kind") or "",
                 amount, values.get("description") or "")
    except UserError as error:
        return _refused(request, deal, error)
    return _done(request, deal, _("The cost is added."))


@view_config(context=Deal, name="remove-cost", request_method="POST", permission="edit",
             renderer="json")
def remove_cost_view(request):
    deal: Deal = request.context
    try:
        remove_cost(request.dbsession, request.identity.user, deal,
                    parse_int(request.POST.get("cost", "")))
    except UserError as error:
        return _refused(request, deal, error)
    return _done(request, deal, _("The cost is removed."))


# --- the client card's "New deal" ----------------------------------------------------------------

def _new_deal(request, query: dict) -> list[Action]:
    section = request.root["sales"]["deals"]
    if not request.has_permission("add", section):
        return []
    return [Action(_("New deal"), request.resource_url(section, "add", query=query),
                   icon="graph-up-arrow", id="new-deal")]


@card_action
def client_card_deal(request, org: Organization) -> list[Action]:
    return _new_deal(request, {"organization": org.id})


@contact_action
def contact_page_deal(request, contact: Contact) -> list[Action]:
    query = {"contact": contact.id}
    if contact.organization_id:
        query["organization"] = contact.organization_id
    return _new_deal(request, query)
