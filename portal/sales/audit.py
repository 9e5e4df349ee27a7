"""Sales in the audit log, in words (portal/audit/log.py's extension points).

Registers product groups, products, pipelines and their stages, deals, orders, plans and
document templates, so that the admin audit log tells "Changed deal “Boilers for the school”:
stage Proposal → Negotiation, amount 120000.00 → 150000.00" and "Changed the plan of Petrov for
“Boilers”, 2026-12: 500000.00 → 550000.00". Ids become names (people, departments, clients,
groups, stages, lost reasons); codes become words (states, kinds).

Bookkeeping (running sums, the version, moments kept for the lists) is recorded but never told:
the record's own page shows it.
"""
from __future__ import annotations

from models.sales import (
    Deal,
    DocumentTemplate,
    Order,
    Pipeline,
    Product,
    ProductGroup,
    SalesPlan,
    Stage,
)
from portal.audit.log import (
    DELETE,
    INSERT,
    UPDATE,
    AuditedTable,
    name_of,
    register_name_kind,
    register_table,
)
from portal.core.i18n import _

# Bookkeeping of the services; never told.
HIDDEN = ("stage_entered_at", "shipped_amount", "paid_amount", "path", "version", "updated_at",
          "updated_by_id", "created_by_id")

DEAL_STATES = {"open": _("Open"), "won": _("Won"), "lost": _("Lost")}
ORDER_STATES = {"draft": _("Draft"), "confirmed": _("Order confirmed"),
                "done": _("Order completed"), "cancelled": _("Order cancelled")}
STAGE_KINDS = {"open": _("in progress"), "won": _("won"), "lost": _("lost")}
DOCUMENT_KINDS = {"proposal": _("Commercial proposal"), "invoice": _("Invoice"),
                  "contract": _("Contract"), "shipment": _("Shipment instructions")}

FIELDS = {
    "sales_product_groups": {
        "name": _("title"), "parent_id": _("parent group"), "position": _("order in the list"),
        "manager_id": _("responsible manager"),
    },
    "sales_products": {
        "code": _("code"), "name": _("item name"), "group_id": _("product group"),
        "unit": _("unit"),
        "price": _("price"), "manager_id": _("responsible manager"), "supplier_id": _("supplier"),
        "lead_days": _("lead time, days"), "active": _("active"),
    },
    "sales_pipelines": {
        "code": _("code"), "name": _("title"), "channel": _("sales channel"),
        "position": _("order in the list"), "active": _("active"),
    },
    "sales_stages": {
        "name": _("title"), "pipeline_id": _("pipeline"), "position": _("order in the list"),
        "probability": _("probability, %"), "kind": _("kind"),
    },
    "sales_deals": {
        "title": _("title"), "organization_id": _("organization"), "contact_id": _("contact"),
        "pipeline_id": _("pipeline"), "stage_id": _("pipeline stage"), "amount": _("amount"),
        "expected_close_on": _("expected close date"), "owner_id": _("owner"),
        "department_id": _("department"), "state": _("status"),
        "lost_reason_id": _("lost reason"), "lost_note": _("why lost"),
        "closed_on": _("closed on"),
    },
    "sales_orders": {
        "number": _("number"), "organization_id": _("organization"), "contact_id": _("contact"),
        "deal_id": _("deal"), "manager_id": _("manager"), "department_id": _("department"),
        "state": _("status"), "ordered_on": _("order date"),
        "planned_ship_on": _("planned shipment date"), "planned_pay_on": _("planned payment date"),
        "shipped_on": _("shipped on"), "paid_on": _("paid on"), "total": _("total"),
        "terms_discount_percent": _("client's discount, %"),
        "terms_deferral_days": _("client's payment deferral, days"),
        "discount_breach": _("discount above the terms"),
        "deferral_breach": _("deferral beyond the terms"), "note": _("note"),
    },
    "sales_plans": {
        "manager_id": _("manager"), "group_id": _("product group"), "month": _("month"),
        "amount": _("amount"),
    },
    "sales_document_templates": {
        "kind": _("kind"), "name": _("title"), "active": _("active"),
    },
}

USER_COLUMNS = ("manager_id", "owner_id")
REFS = {"organization_id": "organization", "supplier_id": "organization",
        "contact_id": "contact", "lost_reason_id": "classifier", "pipeline_id": "sales_pipeline",
        "stage_id": "sales_stage", "deal_id": "deal", "group_id": "product_group"}


def _month(value) -> str:
    """202612 → "2026-12"."""
    return f"{value // 100}-{value % 100:02d}" if value else ""


def _want(names, row) -> None:
    for column in USER_COLUMNS:
        if getattr(row, column, None) is not None:
            names.want("user", getattr(row, column))
    if getattr(row, "department_id", None) is not None:
        names.want("department", row.department_id)
    for column, kind in REFS.items():
        if getattr(row, column, None) is not None:
            names.want(kind, getattr(row, column))
    if getattr(row, "parent_id", None) is not None:
        names.want("product_group", row.parent_id)


def _field_value(table: str):
    def field_value(column, value, names):
        if column in USER_COLUMNS:
            return (names.user(value) if value else None), "ref"
        if column == "department_id":
            return names.department(value), "ref"
        if column == "parent_id":
            return name_of(names, "product_group", value), "ref"
        if column in REFS:
            return name_of(names, REFS[column], value), "ref"
        if column == "state":
            labels = DEAL_STATES if table == "sales_deals" else ORDER_STATES
            return labels.get(value, value), "ref"
        if column == "kind":
            labels = STAGE_KINDS if table == "sales_stages" else DOCUMENT_KINDS
            return labels.get(value, value), "ref"
        if column == "month":
            return _month(value), "ref"
        if column in ("price", "amount", "total", "terms_discount_percent", "probability",
                      "lead_days", "terms_deferral_days", "position"):
            return (None if value is None else str(value)), "ref"
        return None
    return field_value


def _sentence(op, created, deleted, changed, mapping):
    return _({INSERT: created, DELETE: deleted}.get(op, changed), mapping=mapping)


def _describe(created, deleted, changed, mapping):
    def describe(version, op, fields, names):
        return (_sentence(op, created, deleted, changed, mapping(version, names)), None,
                fields if op == UPDATE else [])
    return describe


def _plan_mapping(version, names):
    return {"who": names.user(version.manager_id) or "—",
            "group": name_of(names, "product_group", version.group_id) or "—",
            "month": _month(version.month)}


def _deal_label(row) -> str:
    return f"“{row.title}”"


def includeme(config) -> None:
    """Tell the audit log how to describe this area's tables."""
    register_name_kind(config, "product_group", ProductGroup, lambda row: row.name)
    register_name_kind(config, "sales_pipeline", Pipeline, lambda row: row.name)
    register_name_kind(config, "sales_stage", Stage, lambda row: row.name)
    register_name_kind(config, "deal", Deal, lambda row: row.title)
    tables = [
        ("sales_product_groups", ProductGroup, _("Product groups"),
         _describe(_("Created product group “${name}”"), _("Deleted product group “${name}”"),
                   _("Changed product group “${name}”"), lambda v, n: {"name": v.name}),
         lambda names, row: _("product group “${name}”", mapping={"name": row.name})),
        ("sales_products", Product, _("Products"),
         _describe(_("Created product ${code} “${name}”"),
                   _("Deleted product ${code} “${name}”"),
                   _("Changed product ${code} “${name}”"),
                   lambda v, n: {"code": v.code, "name": v.name}),
         lambda names, row: _("product ${code} “${name}”",
                              mapping={"code": row.code, "name": row.name})),
        ("sales_pipelines", Pipeline, _("Sales pipelines"),
         _describe(_("Created pipeline “${name}”"), _("Deleted pipeline “${name}”"),
                   _("Changed pipeline “${name}”"), lambda v, n: {"name": v.name}),
         lambda names, row: _("pipeline “${name}”", mapping={"name": row.name})),
        ("sales_stages", Stage, _("Pipeline stages"),
         _describe(_("Created stage “${name}” of the pipeline “${pipeline}”"),
                   _("Deleted stage “${name}” of the pipeline “${pipeline}”"),
                   _("Changed stage “${name}” of the pipeline “${pipeline}”"),
                   lambda v, n: {"name": v.name,
                                 "pipeline": name_of(n, "sales_pipeline", v.pipeline_id) or "—"}),
         lambda names, row: _("stage “${name}”", mapping={"name": row.name})),
        ("sales_deals", Deal, _("Deals"),
         _describe(_("Created deal ${deal}"), _("Deleted deal ${deal}"),
                   _("Changed deal ${deal}"), lambda v, n: {"deal": _deal_label(v)}),
         lambda names, row: _("deal ${deal}", mapping={"deal": _deal_label(row)})),
        ("sales_orders", Order, _("Orders"),
         _describe(_("Created order ${number}"), _("Deleted order ${number}"),
                   _("Changed order ${number}"), lambda v, n: {"number": v.number}),
         lambda names, row: _("order ${number}", mapping={"number": row.number})),
        ("sales_plans", SalesPlan, _("Sales plans"),
         _describe(_("Set the plan of ${who} for “${group}”, ${month}"),
                   _("Deleted the plan of ${who} for “${group}”, ${month}"),
                   _("Changed the plan of ${who} for “${group}”, ${month}"), _plan_mapping),
         lambda names, row: _("plan of ${who} for “${group}”, ${month}",
                              mapping=_plan_mapping(row, names))),
        ("sales_document_templates", DocumentTemplate, _("Document templates"),
         _describe(_("Created document template “${name}”"),
                   _("Deleted document template “${name}”"),
                   _("Changed document template “${name}”"), lambda v, n: {"name": v.name}),
         lambda names, row: _("document template “${name}”", mapping={"name": row.name})),
    ]
    for table, model, label, describe, row_label in tables:
        register_table(config, table, AuditedTable(
            model=model, label=label, fields=FIELDS[table], describe=describe,
            row_label=row_label, field_value=_field_value(table), want_names=_want),
            hidden=HIDDEN)
