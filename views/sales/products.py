"""/sales/products: the catalog (search by code or name, a group filter that takes in the
subgroups, 50 a page), a product's page, a new product and its edit (product.manage); the tree
of product groups at /sales/products/@@groups (add, rename, move under another group). The
rules are portal/sales/products.py's; these views read forms and show pages."""
from __future__ import annotations

from math import ceil
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload

from models.clients import Organization
from models.errors import UserError
from models.people import User
from models.sales import UNITS, Product, ProductGroup
from portal.core.forms import flag_field, id_field, read_fields, schema_of, squeezed, text
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.sales.products import (
    CODE_MAX,
    PAGE_SIZE,
    PRODUCT_NAME_MAX,
    ProductFilters,
    ProductInput,
    create_group,
    group_tree,
    move_group,
    product_query,
    rename_group,
    save_product,
    unit_title,
)
from portal.sales.resources import Products
from portal.tasks.client_links import pick
from views.sales.orders import money_text

COUNT_CAP = 10_000


def read_filters(params) -> ProductFilters:
    q = params.get("q", "")
    group = params.get("group", "")
    return ProductFilters(q=" ".join(q.split())[:100] if isinstance(q, str) else "",
                          group_id=parse_int(group) if isinstance(group, str) and group else None,
                          inactive=params.get("inactive") == "1")


@view_config(context=Products, renderer="sales/products/list.jinja2", permission="view")
def product_list(request):
    db = request.dbsession
    f = read_filters(request.GET)
    page_param = request.GET.get("page", "1")
    wanted = parse_int(page_param) if isinstance(page_param, str) else None
    stmt = product_query(db, f)
    total = db.scalar(sa.select(sa.func.count()).select_from(
        stmt.with_only_columns(Product.id).order_by(None).limit(COUNT_CAP + 1).subquery()))
    pages = max(1, ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    page = max(1, min(wanted or 1, pages))
    products = db.scalars(stmt.options(joinedload(Product.group), joinedload(Product.manager),
                                       joinedload(Product.supplier))
                          .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        values = {"q": f.q, "group": f.group_id, "inactive": "1" if f.inactive else None,
                  "page": None}
        values.update(changes)
        query = urlencode({k: v for k, v in values.items() if v not in (None, "", 1)})
        return f"{base}?{query}" if query else base

    return {
        "title": _("Products"),
        "unit_title": unit_title,
        "f": f,
        "products": products,
        "tree": group_tree(db),
        "total": total,
        "page": page,
        "pages": pages,
        "page_url": lambda p: url(page=p),
        "may_manage": request.has_permission("manage", request.context),
        "money": lambda v: money_text(request, v),
    }


def product_schema():
    return schema_of(
        text(squeezed(CODE_MAX), name="code"),
        text(squeezed(PRODUCT_NAME_MAX), name="name"),
        id_field("group"),
        text(squeezed(20), name="unit"),
        text(squeezed(30), name="price"),
        id_field("manager"),
        id_field("supplier"),
        text(squeezed(10), name="lead_days"),
        flag_field("active"),
    )


FIELDS = {"code": "code", "name": "name", "group": "group", "unit": "unit", "price": "price",
          "manager": "manager", "supplier": "supplier", "lead_days": "lead_days"}


def form_page(request, values: dict, problems: dict, product: Product | None = None) -> dict:
    db = request.dbsession
    supplier = (db.get(Organization, values.get("supplier"))
                if values.get("supplier") is not None else None)
    return {
        "title": _("Product ${code}", mapping={"code": product.code}) if product else _("New product"),
        "v": values,
        "problems": problems,
        "product": product,
        "tree": group_tree(db),
        "units": UNITS,
        "supplier": supplier,
        "people": [tuple(r) for r in db.execute(
            sa.select(User.id, User.full_name).where(User.active).order_by(User.full_name)
            .limit(1000))],
        "products_url": request.resource_url(request.root["sales"]["products"]),
    }


def _save(request, product: Product | None):
    values, problems = read_fields(product_schema(), request.POST)
    if not problems:
        data = ProductInput(code=values["code"], name=values["name"], group_id=values.get("group"),
                            unit=values["unit"] or "pcs", price=values["price"] or "0",
                            manager_id=values.get("manager"), supplier_id=values.get("supplier"),
                            lead_days=values["lead_days"] or "0",
                            active=bool(values.get("active")) if product is not None else True)
        try:
            saved = save_product(request.dbsession, request.identity.user, data, product)
        except UserError as error:
            problems[FIELDS.get(error.field or "", "")] = error.message
        else:
            request.session.flash(request.translate(_("The product is saved.")))
            return HTTPSeeOther(request.resource_url(request.root["sales"]["products"],
                                                     str(saved.id)))
    request.response.status = 400
    return form_page(request, values, problems, product)


@view_config(context=Products, name="add", renderer="sales/products/form.jinja2",
             permission="manage")
def add_product(request):
    if request.method != "POST":
        group = parse_int(request.GET.get("group", ""))
        return form_page(request, {"unit": "pcs", "price": "0.00", "lead_days": "0",
                                   "group": group, "active": True}, {})
    return _save(request, None)


@view_config(context=Product, name="edit", renderer="sales/products/form.jinja2",
             permission="manage")
def edit_product(request):
    product = request.context
    if request.method != "POST":
        return form_page(request, {
            "code": product.code, "name": product.name, "group": product.group_id,
            "unit": product.unit, "price": str(product.price), "manager": product.manager_id,
            "supplier": product.supplier_id, "lead_days": str(product.lead_days),
            "active": product.active}, {}, product)
    return _save(request, product)


@view_config(context=Product, renderer="sales/products/product.jinja2", permission="view")
def product_page(request):
    product = request.context
    path = [g for g, _depth in group_tree(request.dbsession)
            if g.id in set(product.group.path_ids)]
    return {
        "title": f"{product.code} {product.name}",
        "unit_title": unit_title,
        "product": product,
        "path": path,
        "may_manage": request.has_permission("manage", product),
        "money": lambda v: money_text(request, v),
        "products_url": request.resource_url(product.__parent__),
    }


# --- the group tree ---------------------------------------------------------------------------------

def group_schema():
    return schema_of(text(squeezed(10), name="action"), id_field("group"), id_field("parent"),
                     text(squeezed(200), name="name"))


@view_config(context=Products, name="groups", renderer="sales/products/groups.jinja2",
             permission="view")
def groups_page(request):
    """The tree; POST action=add|rename|move (product.manage) changes it."""
    problems: dict = {}
    db = request.dbsession
    if request.method == "POST":
        if not request.has_permission("manage", request.context):
            request.response.status = 403
            problems[""] = _("You may not change the product groups.")
        else:
            values, problems = read_fields(group_schema(), request.POST)
            action = values.get("action")
            group = db.get(ProductGroup, values["group"]) if values.get("group") else None
            try:
                if action == "add":
                    create_group(db, request.identity.user, values.get("name", ""),
                                 values.get("parent"))
                    message = _("The group is added.")
                elif action in ("rename", "move") and group is None:
                    raise UserError(_("That product group does not exist."), "group")
                elif action == "rename":
                    rename_group(db, request.identity.user, group, values.get("name", ""))
                    message = _("The group is renamed.")
                elif action == "move":
                    move_group(db, request.identity.user, group, values.get("parent"))
                    message = _("The group is moved.")
                else:
                    raise UserError(_("Unknown action."), "action")
            except UserError as error:
                problems[error.field or ""] = error.message
            else:
                request.session.flash(request.translate(message))
                return HTTPSeeOther(request.resource_url(request.context, "@@groups"))
        if problems and request.response.status_int == 200:
            request.response.status = 400
    counts = dict(db.execute(sa.select(Product.group_id, sa.func.count())
                             .group_by(Product.group_id)).all())
    return {
        "title": _("Product groups"),
        "tree": group_tree(db),
        "counts": counts,
        "problems": problems,
        "may_manage": request.has_permission("manage", request.context),
        "products_url": request.resource_url(request.context),
    }


@view_config(context=Products, name="supplier-options", renderer="tasks/_link_options.jinja2",
             permission="manage")
def supplier_options(request):
    """<option>s of the organizations the person may see, for the product form's supplier."""
    return {"options": pick(request, "organization", request.GET.get("supplier", ""))}
