"""The /sales part of the resource tree.

    /sales                      the Sales section; its page sends each person to the dashboard,
                                the deal board, the orders or the products (views/sales/section.py)
    /sales/deals                the deal list ("") and the kanban ("@@board"): deal.view; a new
                                deal: deal.add
    /sales/deals/17             Deal (deal.view, deal.edit by its row ACL)
    /sales/orders               the order list (order.view); a new order (order.add)
    /sales/orders/SO-2026-000123  Order (its number; its id works too)
    /sales/products             the catalog (product.view; product.manage); groups: @@groups
    /sales/products/5           Product
    /sales/plans                sales plans (plan.view, plan.edit)
    /sales/reports              the reports, each a view name (report.sales, scoped)
    /sales/dashboard            the director's dashboard (report.sales)
    /sales/settings             pipelines and stages, lost reasons, commission rules, document
                                templates (administrators only)
    /sales/documents/9          SalesDocument: readable by whoever may view its order, deal or
                                organization (its ACL is theirs)
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow, Authenticated
from pyramid.traversal import find_root
from sqlalchemy.orm import joinedload, selectinload

from models.clients import Organization
from models.sales import (
    Deal,
    DealProduct,
    Order,
    OrderLine,
    Product,
    SalesDocument,
)
from portal.resources import AdminOnly, Container, load_by_id, locate
from portal.security.acl import ADMIN_ACE, container_acl

# What a deal's page shows besides its own columns, read with it.
DEAL_LOADS = (
    joinedload(Deal.organization), joinedload(Deal.contact), joinedload(Deal.pipeline),
    joinedload(Deal.stage), joinedload(Deal.owner), joinedload(Deal.department),
    joinedload(Deal.lost_reason),
    selectinload(Deal.products).joinedload(DealProduct.product),
    selectinload(Deal.costs),
)
# What an order's page shows besides its own columns, read with it.
ORDER_LOADS = (
    joinedload(Order.organization), joinedload(Order.contact), joinedload(Order.deal),
    joinedload(Order.manager), joinedload(Order.department),
    selectinload(Order.lines).joinedload(OrderLine.product),
)
PRODUCT_LOADS = (joinedload(Product.group), joinedload(Product.manager),
                 joinedload(Product.supplier))
NUMBER = re.compile(r"^SO-\d{4}-\d{6}$")


class Sales(Container):
    """/sales: shown in the navigation to whoever sees deals, orders, products or the reports."""

    def __acl__(self):
        request = self.request
        acl = [ADMIN_ACE]
        for type_name, permissions in (("deal", ("view",)), ("order", ("view",)),
                                       ("product", ("view", "manage")),
                                       ("plan", ("view", "edit")), ("report", ("sales",))):
            for permission in permissions:
                for role, _scope in request.role_matrix.roles_with(type_name, permission):
                    acl.append((Allow, f"role:{role}", "view"))
                    acl.append((Allow, f"local:{role}", "view"))
        acl.append(DENY_ALL)
        return acl


class Deals(Container):
    """/sales/deals/{id}: every deal; listing and adding follow deal.view / deal.add."""

    def __acl__(self):
        return container_acl(self, "deal", ("view", "add"))

    def load(self, key: str):
        return load_by_id(self.request, Deal, key, DEAL_LOADS)


class Orders(Container):
    """/sales/orders/{number}: every order; listing and adding follow order.view / order.add."""

    def __acl__(self):
        return container_acl(self, "order", ("view", "add"))

    def load(self, key: str):
        if NUMBER.match(key):
            return self.request.dbsession.scalar(
                sa.select(Order).where(Order.number == key).options(*ORDER_LOADS))
        return load_by_id(self.request, Order, key, ORDER_LOADS)


class Products(Container):
    """/sales/products/{id}: the catalog (product.view), changed with product.manage."""

    def __acl__(self):
        return container_acl(self, "product", ("view", "manage"))

    def load(self, key: str):
        return load_by_id(self.request, Product, key, PRODUCT_LOADS)


class Plans(Container):
    """/sales/plans: plans per manager, product group and month (plan.view, plan.edit)."""

    def __acl__(self):
        return container_acl(self, "plan", ("view", "edit"))


class SalesReports(Container):
    """/sales/reports/@@<name>: each report a view (report.sales, scoped by visible_facts)."""

    def __acl__(self):
        return container_acl(self, "report", ("sales",))


class Dashboard(Container):
    """/sales/dashboard: the director's KPIs (report.sales, scoped)."""

    def __acl__(self):
        return container_acl(self, "report", ("sales",))


class SalesSettings(AdminOnly):
    """/sales/settings: pipelines and stages, lost reasons, commission rules, document templates
    (administrators only)."""


class SalesDocuments(Container):
    """/sales/documents/{id}: a document made from a template; its own ACL is that of its order,
    deal or organization (`document_acl`), the container lets any colleague go through."""

    def __acl__(self):
        return [ADMIN_ACE, (Allow, Authenticated, "view"), DENY_ALL]

    def load(self, key: str):
        return load_by_id(self.request, SalesDocument, key)


Sales.children = {"deals": Deals, "orders": Orders, "products": Products, "plans": Plans,
                  "reports": SalesReports, "dashboard": Dashboard, "settings": SalesSettings,
                  "documents": SalesDocuments}


def document_record(request, document: SalesDocument):
    """The record a document was made for, placed in the tree: its order, else its deal, else
    its organization (None if that is gone)."""
    db = request.dbsession
    if document.order_id is not None:
        record = db.get(Order, document.order_id)
    elif document.deal_id is not None:
        record = db.get(Deal, document.deal_id)
    else:
        record = db.get(Organization, document.organization_id)
    return locate(request, record) if record is not None else None


def document_acl(document: SalesDocument) -> list:
    """Whoever may view the document's order, deal or organization may read the document."""
    request = getattr(find_root(document), "request", None)
    record = document_record(request, document) if request is not None else None
    if record is None:
        return [ADMIN_ACE, DENY_ALL]
    return record.__acl__()


def place_deal(request, deal: Deal) -> None:
    """A deal read by a query (a list, a search hit, the board) takes its place under /sales."""
    deal.__parent__ = request.root["sales"]["deals"]
    deal.__name__ = str(deal.id)


def place_order(request, order: Order) -> None:
    order.__parent__ = request.root["sales"]["orders"]
    order.__name__ = order.number


def place_product(request, product: Product) -> None:
    product.__parent__ = request.root["sales"]["products"]
    product.__name__ = str(product.id)


def place_document(request, document: SalesDocument) -> None:
    document.__parent__ = request.root["sales"]["documents"]
    document.__name__ = str(document.id)
