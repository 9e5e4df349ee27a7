"""Who may do what with a deal or an order: the role matrix as for any row
(portal.security.acl.row_acl, bound by this package's includeme), and the same rules as SQL for
every list, board, search, export, picker, JSON answer and report (`visible_deals`,
`visible_orders`, `visible_facts`).

A deal belongs to its department (`department_id`: the owner's when it was created or
reassigned) and is owned by its `owner_id`; an order likewise with its `manager_id`. The reports
read `SalesFact` rows by the scope of report.sales: own — the facts of my orders
(`manager_id`), department — those of my departments (and mine), all — every fact.

A workflow state may narrow a permission as the row ACL does (workflows/order.py: a cancelled
order is nobody's to edit or pay but an administrator's); the clauses say the same.
"""
from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from models.sales import Deal, Order, SalesFact
from portal.security.filters import Kept, rights_key, sql_filter


class FactRows:
    """SalesFact seen as rows of the type "report" (permission "sales") by `sql_filter`."""

    security_type = "report"

    @staticmethod
    def sql_in_departments(ids):
        return SalesFact.department_id.in_(ids)

    @staticmethod
    def sql_owned_by(user_id: int):
        return SalesFact.manager_id == user_id


def _narrowed_by_state(request, model, permission: str):
    """The matrix's clause, narrowed as the row ACL narrows it by the workflow state: in a state
    whose rule names roles (or () for nobody but administrators), only those roles count, and
    "Owner" lets the row's owner. States without a rule take the matrix as it is. Made once per
    set of rights (`rights_key`)."""
    return _NARROWED.get((model, permission, rights_key(request)),
                         lambda: _narrowed_clause(request, model, permission))


_NARROWED = Kept(4096)


def _narrowed_clause(request, model, permission: str):
    identity = request.identity
    workflow = getattr(model, "workflow", None)
    clause = sql_filter(request, model, permission)
    if workflow is None or identity is None or identity.is_admin:
        return clause
    rules = {name: state.permissions[permission] for name, state in workflow.states.items()
             if permission in state.permissions and state.permissions[permission] is not None}
    if not rules:
        return clause
    parts = [sa.and_(model.state.not_in(list(rules)), clause)]
    for name, rule in rules.items():
        allowed = set(rule)
        narrowed = replace(
            identity, roles=frozenset(identity.roles & allowed),
            local_grants={key: names & allowed for key, names in identity.local_grants.items()
                          if names & allowed})
        in_state = sql_filter(request, model, permission, narrowed) if narrowed.roles or \
            narrowed.local_grants else sa.false()
        if "Owner" in allowed:
            in_state = sa.or_(in_state, model.sql_owned_by(identity.user.id))
        parts.append(sa.and_(model.state == name, in_state))
    return sa.or_(*parts)


def visible_deals(request, permission: str = "view"):
    """WHERE for the deals the user may `permission` (view by default)."""
    return _narrowed_by_state(request, Deal, permission)


def visible_orders(request, permission: str = "view"):
    """WHERE for the orders the user may `permission` (view by default; "edit", "payment")."""
    return _narrowed_by_state(request, Order, permission)


def visible_facts(request):
    """WHERE for the sales facts the user's report.sales scope reaches."""
    return sql_filter(request, FactRows, "sales")
