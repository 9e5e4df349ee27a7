"""The product catalog: a tree of product groups and the products in it.

A group's `path` is the ids from the top down ("/1/4/" for group 4 under group 1), set when it
is made and rewritten for the whole branch when it moves, so that "everything under group 1" is
one `path LIKE '/1/%'` and a product's top group is the first id of its group's path (the sales
fact table and the reports group by it). A group never moves under itself or its own
descendant: the tree would become a loop.

Services take `(dbsession, actor, ...)`; the pages check product.manage before calling them.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from models.clients import Organization
from models.errors import ConflictError, UserError
from models.people import User
from models.sales import Product, ProductGroup
from portal.core.i18n import _

NAME_MAX = 200
PRODUCT_NAME_MAX = 300
CODE_MAX = 60
UNIT_MAX = 20
# What the unit codes of models.sales.UNITS read as (a unit typed by hand is shown as typed).
UNIT_TITLES = {"pcs": _("pcs"), "kg": _("kg"), "m": _("m"), "l": _("l"), "set": _("set"),
               "pack": _("pack"), "hour": _("h")}
PATH_MAX = 200
MAX_PRICE = Decimal("999999999999.99")
MAX_LEAD_DAYS = 3650
PAGE_SIZE = 50
CENT = Decimal("0.01")


def squeeze(text: str | None) -> str:
    return " ".join((text or "").split())


# --- groups ------------------------------------------------------------------------------------

def _group_name(name: str) -> str:
    name = squeeze(name)
    if not name:
        raise UserError(_("Name the product group."), "name")
    if len(name) > NAME_MAX:
        raise UserError(_("At most ${max} characters, please.", mapping={"max": NAME_MAX}), "name")
    return name


def _check_unique_name(dbsession, parent_id: int | None, name: str, exclude_id=None) -> None:
    parent = (ProductGroup.parent_id.is_(None) if parent_id is None
              else ProductGroup.parent_id == parent_id)
    stmt = sa.select(ProductGroup.id).where(parent, sa.func.lower(ProductGroup.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(ProductGroup.id != exclude_id)
    if dbsession.scalar(stmt.limit(1)) is not None:
        raise UserError(_("There is already a group “${name}” there.", mapping={"name": name}),
                        "name")


def _parent(dbsession, parent_id: int | None) -> ProductGroup | None:
    if parent_id is None:
        return None
    parent = dbsession.get(ProductGroup, parent_id)
    if parent is None:
        raise UserError(_("That product group does not exist."), "parent")
    return parent


def create_group(dbsession, actor: User | None, name: str, parent_id: int | None = None,
                 manager_id: int | None = None) -> ProductGroup:
    """A new group at the top or under `parent_id`; its path is its parent's and its own id."""
    name = _group_name(name)
    parent = _parent(dbsession, parent_id)
    if parent is not None and len(parent.path) + 12 > PATH_MAX:
        raise UserError(_("The tree is too deep there: choose a group nearer the top."), "parent")
    _check_unique_name(dbsession, parent_id, name)
    if manager_id is not None and dbsession.get(User, manager_id) is None:
        raise UserError(_("That person does not exist."), "manager")
    position = dbsession.scalar(
        sa.select(sa.func.coalesce(sa.func.max(ProductGroup.position), 0) + 1)
        .where(ProductGroup.parent_id.is_(None) if parent is None
               else ProductGroup.parent_id == parent.id))
    # The path needs the id: a placeholder unique to this row until the flush gives the id.
    group = ProductGroup(parent_id=parent.id if parent else None, name=name, position=position,
                         manager_id=manager_id, path="/new/")
    dbsession.add(group)
    dbsession.flush()
    group.set_path(parent)
    dbsession.flush()
    return group


def rename_group(dbsession, actor: User | None, group: ProductGroup, name: str) -> ProductGroup:
    name = _group_name(name)
    _check_unique_name(dbsession, group.parent_id, name, exclude_id=group.id)
    group.name = name
    dbsession.flush()
    return group


def move_group(dbsession, actor: User | None, group: ProductGroup,
               parent_id: int | None) -> ProductGroup:
    """Put `group` (and its whole branch) under `parent_id` (None: at the top). Refused under
    itself or one of its descendants; the paths of the branch are rewritten in one UPDATE."""
    parent = _parent(dbsession, parent_id)
    if parent is not None and parent.path.startswith(group.path):
        raise UserError(_("A group cannot go under itself or one of its own subgroups."),
                        "parent")
    if (parent.id if parent else None) == group.parent_id:
        return group
    _check_unique_name(dbsession, parent_id, group.name, exclude_id=group.id)
    old = group.path
    new = f"{parent.path if parent else '/'}{group.id}/"
    table = ProductGroup.__table__
    dbsession.flush()
    deepest = dbsession.scalar(sa.select(sa.func.max(sa.func.length(table.c.path)))
                               .where(table.c.path.startswith(old, autoescape=True)))
    if (deepest or 0) - len(old) + len(new) > PATH_MAX:
        raise UserError(_("The tree is too deep there: choose a group nearer the top."), "parent")
    dbsession.execute(
        sa.update(table).where(table.c.path.startswith(old, autoescape=True))
        .values(path=sa.literal(new) + sa.func.substr(table.c.path, len(old) + 1)),
        execution_options={"synchronize_session": False})
    group.parent_id = parent.id if parent else None
    dbsession.flush()
    # The UPDATE went round the session: the branch's rows it holds are read again.
    for held in list(dbsession.identity_map.values()):
        if isinstance(held, ProductGroup):
            dbsession.expire(held, ["path"])
    return group


def group_tree(dbsession) -> list[tuple[ProductGroup, int]]:
    """Every group in tree order with its depth (0 at the top): the tree page and the pickers."""
    groups = list(dbsession.scalars(sa.select(ProductGroup)))
    children: dict[int | None, list[ProductGroup]] = {}
    for g in groups:
        children.setdefault(g.parent_id, []).append(g)
    for kids in children.values():
        kids.sort(key=lambda g: (g.position or 0, g.name.lower(), g.id))
    out: list[tuple[ProductGroup, int]] = []

    def walk(parent_id, depth):
        for g in children.get(parent_id, []):
            out.append((g, depth))
            walk(g.id, depth + 1)

    walk(None, 0)
    return out


# --- products ----------------------------------------------------------------------------------

@dataclass
class ProductInput:
    """What the product form says; text as typed, numbers as typed or already numbers."""

    code: str
    name: str
    group_id: int | None
    unit: str = "pcs"
    price: object = "0"
    manager_id: int | None = None
    supplier_id: int | None = None
    lead_days: object = 0
    active: bool = True


def parse_money(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """An amount of money as typed ("1 234,50" or "1234.5"), to the cent (ROUND_HALF_UP)."""
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value if value is not None else "").replace("\u00a0", "").replace(" ", "")
        text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            raise UserError(_("Give an amount, e.g. 1250.50."), field) from None
    if not number.is_finite():
        raise UserError(_("Give an amount, e.g. 1250.50."), field)
    if number < 0 and not allow_negative:
        raise UserError(_("The amount cannot be negative."), field)
    if abs(number) > MAX_PRICE:
        raise UserError(_("That amount is too large."), field)
    return number.quantize(CENT, rounding="ROUND_HALF_UP")


def _clean_product(dbsession, data: ProductInput) -> dict:
    code = squeeze(data.code)
    if not code:
        raise UserError(_("Give the product a code."), "code")
    if len(code) > CODE_MAX:
        raise UserError(_("At most ${max} characters, please.", mapping={"max": CODE_MAX}), "code")
    name = squeeze(data.name)
    if not name:
        raise UserError(_("Name the product."), "name")
    if len(name) > PRODUCT_NAME_MAX:
        raise UserError(_("At most ${max} characters, please.", mapping={"max": PRODUCT_NAME_MAX}),
                        "name")
    unit = squeeze(data.unit) or "pcs"
    if len(unit) > UNIT_MAX:
        raise UserError(_("At most ${max} characters, please.", mapping={"max": UNIT_MAX}), "unit")
    if data.group_id is None or dbsession.get(ProductGroup, data.group_id) is None:
        raise UserError(_("Choose the product group."), "group")
    price = parse_money(data.price, "price")
    lead = data.lead_days
    if not isinstance(lead, int):
        text = str(lead or "0").strip()
        lead = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None
    if lead is None or not 0 <= lead <= MAX_LEAD_DAYS:
        raise UserError(_("Give the lead time in whole days, from 0 to ${max}.",
                          mapping={"max": MAX_LEAD_DAYS}), "lead_days")
    if data.manager_id is not None and dbsession.get(User, data.manager_id) is None:
        raise UserError(_("That person does not exist."), "manager")
    if data.supplier_id is not None and dbsession.get(Organization, data.supplier_id) is None:
        raise UserError(_("That organization does not exist."), "supplier")
    return {"code": code, "name": name, "unit": unit, "group_id": data.group_id, "price": price,
            "manager_id": data.manager_id, "supplier_id": data.supplier_id, "lead_days": lead,
            "active": bool(data.active)}


def _check_code(dbsession, code: str, exclude_id=None) -> None:
    stmt = sa.select(Product.id).where(sa.func.lower(Product.code) == code.lower())
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    if dbsession.scalar(stmt.limit(1)) is not None:
        raise ConflictError(_("Another product has the code “${code}”.", mapping={"code": code}),
                            "code")


def save_product(dbsession, actor: User | None, data: ProductInput,
                 product: Product | None = None) -> Product:
    """A new product, or `product` changed; the code is unique (the database says so too: two
    people saving one code at the same instant get one product and a clear refusal)."""
    values = _clean_product(dbsession, data)
    _check_code(dbsession, values["code"], product.id if product is not None else None)
    try:
        with dbsession.begin_nested():
            if product is None:
                product = Product(**values)
                dbsession.add(product)
            else:
                for key, value in values.items():
                    setattr(product, key, value)
            dbsession.flush()
    except sa.exc.IntegrityError:
        raise ConflictError(_("Another product has the code “${code}”.",
                              mapping={"code": values["code"]}), "code") from None
    return product


@dataclass
class ProductFilters:
    q: str = ""
    group_id: int | None = None
    inactive: bool = False


def product_query(dbsession, f: ProductFilters) -> sa.Select:
    """Products matching the search (code or name) in the group and everything under it."""
    stmt = sa.select(Product)
    if not f.inactive:
        stmt = stmt.where(Product.active.is_(True))
    if f.group_id is not None:
        group = dbsession.get(ProductGroup, f.group_id)
        if group is None:
            return stmt.where(sa.false())
        below = sa.select(ProductGroup.id).where(
            ProductGroup.path.startswith(group.path, autoescape=True))
        stmt = stmt.where(Product.group_id.in_(below))
    q = squeeze(f.q)[:100]
    if q:
        # SQLite's lower() folds ASCII only: the text as typed matches too.
        stmt = stmt.where(sa.or_(
            sa.func.lower(Product.code).contains(q.lower(), autoescape=True),
            sa.func.lower(Product.name).contains(q.lower(), autoescape=True),
            Product.name.contains(q, autoescape=True)))
    return stmt.order_by(Product.name, Product.id)


def unit_title(unit: str | None):
    """A product's unit as the reader reads it: a translation string for a known code (the page
    translates it, `|t`), else the unit as stored."""
    return UNIT_TITLES.get(unit or "", unit or "")
