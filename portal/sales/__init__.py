"""Sales (issue 15): deals in pipelines with stages, the product catalog, orders with
shipments and payments, sales plans, the reports companies ask for, the director's dashboard,
documents from templates, deal costs, managers' commission, lost clients and the purchase plan.

- `audit.py`: Deals, orders, products, groups, pipelines and plans in the audit log, in words.
- `churn.py`: Marking a client lost (with a reason) or won back.
- `dashboard.py`: The director's KPIs with their traffic lights.
- `deal_links.py`: Deals on the client card's timeline, and the card's "New deal" action.
- `deals.py`: Deals: creating, editing, moving between stages (with the history), won and lost,
  products and extra costs, reassigning.
- `documents.py`: Documents from `.docx` templates (docxtpl; PDF through LibreOffice), template
  versions.
- `orders.py`: Orders: numbers, lines, amounts, the client's terms and their breaches, states.
- `pipelines.py`: Pipelines and their stages (one won and one lost stage each).
- `products.py`: Product groups (a hierarchy) and products.
- `plans.py`: Sales plans per manager × product group × month and their corrections.
- `reports/`: Each report a module registered by name (`reports/base.py`: filters, tables,
  charts, export).
- `resources.py`: The /sales part of the resource tree.
- `security.py`: Who may do what with deals and orders: the ACL's rules as SQL, and the facts
  each person's reports may count.
- `shipments.py`: Shipments, returns and payments, written once, with the sales facts.
"""

from models.clients.codes import CLASSIFIER_LISTS
from models.meta import ROW_ACL
from models.sales import CLIENT_LOST_REASON, DEAL_LOST_REASON, Deal, Order, Product, SalesDocument
from portal.clients.rules import CLASSIFIER_LIST_HELP, CLASSIFIER_LIST_LABELS
from portal.core.i18n import _
from portal.resources import LOCATORS, add_section
from portal.sales.resources import (
    Sales,
    document_acl,
    place_deal,
    place_document,
    place_order,
    place_product,
)
from portal.security.acl import row_acl

# The sales area's admin-editable lists (Administration → Classifiers): their names and help.
LIST_LABELS = {DEAL_LOST_REASON: _("Deal lost reason"),
               CLIENT_LOST_REASON: _("Client lost reason")}
LIST_HELP = {
    DEAL_LOST_REASON: _("Why a deal was lost: the funnel report counts them."),
    CLIENT_LOST_REASON: _("Why a client left: the churn report counts them."),
}


def includeme(config) -> None:
    add_section(config, "sales", Sales, _("Sales"), "graph-up-arrow", 25)
    config.register(ROW_ACL, Deal, row_acl)
    config.register(ROW_ACL, Order, row_acl)
    config.register(ROW_ACL, SalesDocument, document_acl)
    config.register(LOCATORS, Deal, place_deal)
    config.register(LOCATORS, Order, place_order)
    config.register(LOCATORS, Product, place_product)
    config.register(LOCATORS, SalesDocument, place_document)
    # The classifiers admin names every list of CLASSIFIER_LISTS (models/clients/codes.py);
    # the sales lists' names are the sales area's words.
    for name in (DEAL_LOST_REASON, CLIENT_LOST_REASON):
        if name not in CLASSIFIER_LISTS:
            raise RuntimeError(f"the list {name!r} is missing from CLASSIFIER_LISTS")
        CLASSIFIER_LIST_LABELS.setdefault(name, LIST_LABELS[name])
        CLASSIFIER_LIST_HELP.setdefault(name, LIST_HELP[name])
    config.include(".audit")
    config.scan("portal.sales", categories=("portal",))
