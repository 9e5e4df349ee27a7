"""Sales (issue 15): the product catalog, the funnel, orders with shipments and payments, the
fact table of the reports, plans and commission rules, documents from templates.

One package, one module per family of tables; every public name is re-exported here, so
``from models.sales import Deal`` is the way to import them:

- `catalog.py`: product groups (a hierarchy, with a materialized `path`) and products;
- `deals.py`: pipelines and their stages, deals, their stage history, products and extra costs;
- `orders.py`: the order counter, orders and their lines, shipments and their lines, payments,
  and `SalesFact` — one row per shipped line, the table every sales report reads;
- `plans.py`: sales plans per manager × top product group × month, their corrections, and the
  commission rules;
- `documents.py`: document templates with their versions, and the documents made from them.

Business rules (amounts, states, who may do what) live in portal/sales/ and workflows/deal.py,
workflows/order.py. Rows are resources of the tree, but their ACLs are bound by portal/sales'
includeme (models import nothing from portal).
"""
from __future__ import annotations

from models.sales.catalog import UNITS, Product, ProductGroup
from models.sales.deals import (
    CHANNELS,
    COST_KINDS,
    DEAL_STATES,
    STAGE_KINDS,
    Deal,
    DealCost,
    DealProduct,
    DealStageChange,
    Pipeline,
    Stage,
)
from models.sales.documents import (
    DOCUMENT_KINDS,
    DocumentTemplate,
    DocumentTemplateVersion,
    SalesDocument,
)
from models.sales.orders import (
    OPEN_ORDER_STATES,
    ORDER_STATES,
    SHIPMENT_KINDS,
    Order,
    OrderCounter,
    OrderLine,
    Payment,
    SalesFact,
    Shipment,
    ShipmentLine,
    fact_month,
    order_number,
)
from models.sales.plans import CommissionRule, SalesPlan, SalesPlanChange

# Admin-editable lists (models.clients.Classifier.list) of the sales area.
DEAL_LOST_REASON = "deal_lost_reason"
CLIENT_LOST_REASON = "client_lost_reason"

__all__ = [
    "CHANNELS",
    "CLIENT_LOST_REASON",
    "COST_KINDS",
    "DEAL_LOST_REASON",
    "DEAL_STATES",
    "DOCUMENT_KINDS",
    "OPEN_ORDER_STATES",
    "ORDER_STATES",
    "SHIPMENT_KINDS",
    "STAGE_KINDS",
    "UNITS",
    "CommissionRule",
    "Deal",
    "DealCost",
    "DealProduct",
    "DealStageChange",
    "DocumentTemplate",
    "DocumentTemplateVersion",
    "Order",
    "OrderCounter",
    "OrderLine",
    "Payment",
    "Pipeline",
    "Product",
    "ProductGroup",
    "SalesDocument",
    "SalesFact",
    "SalesPlan",
    "SalesPlanChange",
    "Shipment",
    "ShipmentLine",
    "Stage",
    "fact_month",
    "order_number",
]
