"""Sales plans (issue 15, point 4): an amount per manager × top product group × month.

- The grid of a year (`plan_grid`): the managers the person may see (plan.view: own → oneself,
  department → the members of one's departments, all → everyone), the top product groups, the
  twelve months; months before the current one are read only.
- A cell is written by `save_plan` — one upsert the database keeps unique
  (UNIQUE(manager_id, group_id, month)): INSERT ... ON CONFLICT DO NOTHING, and when the row is
  already there (or another person inserted it at the same instant), the row is locked
  (SELECT ... FOR UPDATE; SQLite holds the write lock from the INSERT on) and updated through
  the ORM (so the audit log has the change). Two people saving one
  cell at once: one row, the last write wins, and both changes are in its history.
- Every change adds a SalesPlanChange (from how much to how much, who, when): corrections of the
  coming months keep their history, shown on demand (`plan_history`).
- Who may edit whose plans: plan.edit with its scope over the plan's manager (dept heads: the
  members of their departments).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa

from models.errors import UserError
from models.meta import insert_ignoring, utcnow
from models.people import Membership, User
from models.roles import Role, RoleGrant
from models.sales import ProductGroup, SalesPlan, SalesPlanChange
from portal.core.i18n import _
from portal.sales.reports.base import ManagerScope, month_key
from portal.security.filters import best_scope, sql_filter

MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")
MIN_YEAR, MAX_YEAR = 2000, 2100


# --- who -----------------------------------------------------------------------------------------

def plan_scope(column=SalesPlan.manager_id) -> ManagerScope:
    """plan.<permission> as a filter over a column of managers' ids."""
    return ManagerScope(column, "plan")


def may_plan_for(request, manager_id: int, permission: str = "edit") -> bool:
    """Whether the person may `permission` (view, edit) the plans of `manager_id`."""
    stmt = sa.select(User.id).where(User.id == manager_id,
                                    sql_filter(request, plan_scope(User.id), permission))
    return request.dbsession.scalar(stmt) is not None


def sales_people(request) -> sa.Select:
    """The ids of the people who sell: holders (themselves or through a department) of a role
    that grants deal.add, other than the roles every department gets."""
    names = [role for role, _scope in request.role_matrix.roles_with("deal", "add")]
    roles = sa.select(Role.id).where(Role.name.in_(names or ["-"]), Role.auto_grant.is_(False))
    direct = sa.select(RoleGrant.user_id).where(RoleGrant.role_id.in_(roles),
                                                RoleGrant.user_id.is_not(None))
    through = sa.select(Membership.user_id).where(Membership.department_id.in_(
        sa.select(RoleGrant.department_id).where(RoleGrant.role_id.in_(roles),
                                                 RoleGrant.department_id.is_not(None))))
    return sa.union(direct, through)


# --- months and amounts --------------------------------------------------------------------------

def check_month(month: int | None, today: dt.date) -> int:
    """A month (YYYYMM) that may be planned: a real month, not before the current one."""
    if month is None or not (MIN_YEAR * 100 + 1 <= month <= MAX_YEAR * 100 + 12) \
            or not 1 <= month % 100 <= 12:
        raise UserError(_("Choose a month of the grid."), "month")
    if month < month_key(today):
        raise UserError(_("The month is over: the plans of past months cannot be changed."),
                        "month", status=409)
    return month


def parse_amount(text: object) -> Decimal:
    """"1 234,5" or "1234.50" → Decimal("1234.50"); blank → 0; refused: negative, junk, more
    than two decimal places, more than MAX_AMOUNT."""
    raw = text if isinstance(text, str) else "" if text is None else str(text)
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", ".")
    if cleaned == "":
        return Decimal("0.00")
    if not re.fullmatch(r"-?\d{1,13}(\.\d{0,2})?", cleaned):
        raise UserError(_("Enter an amount such as 150000 or 150000.50."), "amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise UserError(_("Enter an amount such as 150000 or 150000.50."), "amount") from None
    if value < 0:
        raise UserError(_("A plan cannot be negative."), "amount")
    if value > MAX_AMOUNT:
        raise UserError(_("The amount is too large."), "amount")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def top_group(dbsession, group_id: int | None) -> ProductGroup:
    group = dbsession.get(ProductGroup, group_id) if group_id is not None else None
    if group is None or group.parent_id is not None:
        raise UserError(_("Plans are set for top product groups: choose one of the grid."),
                        "group")
    return group


# --- writing a cell ------------------------------------------------------------------------------

def save_plan(dbsession, actor: User | None, manager_id: int, group_id: int, month: int,
              amount: Decimal, today: dt.date) -> SalesPlan:
    """Set the plan of `manager_id` for the top group `group_id` in `month` to `amount` (the
    caller checked the actor may). Refused for a past month. The cell's row is one whatever
    happens at the same instant; every change is in its history; saving the same amount again
    changes nothing."""
    check_month(month, today)
    top_group(dbsession, group_id)
    if dbsession.get(User, manager_id) is None:
        raise UserError(_("Choose a manager of the grid."), "manager")
    actor_id = actor.id if actor is not None else None
    # The first statement writes: on SQLite it takes the write lock for the rest of the
    # transaction; on PostgreSQL it waits for whoever inserts the same cell at this instant.
    inserted = dbsession.execute(
        insert_ignoring(dbsession, SalesPlan.__table__, {
            "manager_id": manager_id, "group_id": group_id, "month": month, "amount": amount,
            "updated_by_id": actor_id, "updated_at": utcnow(), "version": 1})
        .returning(SalesPlan.__table__.c.id)).scalar()
    if inserted is not None:
        dbsession.add(SalesPlanChange(plan_id=inserted, old_amount=None, new_amount=amount,
                                      changed_by_id=actor_id))
        dbsession.flush()
        return dbsession.get(SalesPlan, inserted)
    # The row is there: locked (PostgreSQL) and read as it is now, then updated.
    plan = dbsession.execute(
        sa.select(SalesPlan).where(SalesPlan.manager_id == manager_id,
                                   SalesPlan.group_id == group_id, SalesPlan.month == month)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    old = plan.amount
    if old == amount:
        return plan
    plan.amount = amount
    plan.updated_by_id = actor_id
    plan.updated_at = utcnow()
    dbsession.add(SalesPlanChange(plan_id=plan.id, old_amount=old, new_amount=amount,
                                  changed_by_id=actor_id))
    dbsession.flush()
    return plan


def save_plan_cell(request, manager_id: int | None, group_id: int | None, month: int | None,
                   amount_text: object, today: dt.date) -> SalesPlan:
    """A cell edited on the grid: the rights, the month, the amount; then `save_plan`."""
    if manager_id is None or not may_plan_for(request, manager_id, "edit"):
        raise UserError(_("You may not change this manager's plans."), "manager", status=403)
    check_month(month, today)
    amount = parse_amount(amount_text)
    return save_plan(request.dbsession, request.identity.user, manager_id, group_id, month,
                     amount, today)


# --- reading -------------------------------------------------------------------------------------

@dataclass
class PlanGrid:
    year: int
    months: list[int]
    managers: list[tuple[int, str]]
    groups: list[tuple[int, str]]
    amounts: dict[tuple[int, int, int], Decimal]  # (manager, group, month) -> amount
    plan_ids: dict[tuple[int, int, int], int]
    editable_managers: set[int]
    first_open_month: int

    def amount(self, manager_id: int, group_id: int, month: int) -> Decimal | None:
        return self.amounts.get((manager_id, group_id, month))

    def row_total(self, manager_id: int, group_id: int) -> Decimal:
        return sum((self.amounts.get((manager_id, group_id, m), Decimal(0))
                    for m in self.months), Decimal("0.00"))

    def month_total(self, month: int) -> Decimal:
        return sum((a for (_u, _g, m), a in self.amounts.items() if m == month),
                   Decimal("0.00"))

    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0.00"))

    def editable(self, manager_id: int, month: int) -> bool:
        return manager_id in self.editable_managers and month >= self.first_open_month


def plan_grid(request, year: int, today: dt.date, manager_id: int | None = None) -> PlanGrid:
    """The year's grid the person may see (plan.view), with what they may edit (plan.edit)."""
    db = request.dbsession
    months = [year * 100 + m for m in range(1, 13)]
    view = sql_filter(request, plan_scope(User.id), "view")
    planned = sa.select(SalesPlan.manager_id).where(SalesPlan.month.between(months[0],
                                                                            months[-1]))
    stmt = (sa.select(User.id, User.full_name)
            .where(view, sa.or_(User.id.in_(planned),
                                sa.and_(User.state == "active", User.id.in_(sales_people(request)))))
            .order_by(User.full_name, User.id))
    if manager_id is not None:
        stmt = stmt.where(User.id == manager_id)
    managers = [tuple(r) for r in db.execute(stmt)]
    groups = [tuple(r) for r in db.execute(
        sa.select(ProductGroup.id, ProductGroup.name).where(ProductGroup.parent_id.is_(None))
        .order_by(ProductGroup.position, ProductGroup.name))]
    ids = [u for u, _n in managers]
    amounts, plan_ids = {}, {}
    if ids:
        for plan_id, u, g, m, a in db.execute(
                sa.select(SalesPlan.id, SalesPlan.manager_id, SalesPlan.group_id,
                          SalesPlan.month, SalesPlan.amount)
                .where(SalesPlan.month.between(months[0], months[-1]),
                       SalesPlan.manager_id.in_(ids))):
            amounts[u, g, m] = a
            plan_ids[u, g, m] = plan_id
    editable: set[int] = set()
    if ids and best_scope(request, "plan", "edit") is not None:
        editable = set(db.scalars(sa.select(User.id).where(
            User.id.in_(ids), sql_filter(request, plan_scope(User.id), "edit"))))
    return PlanGrid(year, months, managers, groups, amounts, plan_ids, editable,
                    month_key(today))


@dataclass
class PlanChangeLine:
    old_amount: Decimal | None
    new_amount: Decimal
    changed_by: str
    changed_at: dt.datetime


def plan_history(request, manager_id: int, group_id: int, month: int) -> list[PlanChangeLine]:
    """The corrections of one cell, the newest first (empty when the person may not see it)."""
    if not may_plan_for(request, manager_id, "view"):
        return []
    rows = request.dbsession.execute(
        sa.select(SalesPlanChange.old_amount, SalesPlanChange.new_amount, User.full_name,
                  SalesPlanChange.changed_at)
        .join(SalesPlan, SalesPlan.id == SalesPlanChange.plan_id)
        .outerjoin(User, User.id == SalesPlanChange.changed_by_id)
        .where(SalesPlan.manager_id == manager_id, SalesPlan.group_id == group_id,
               SalesPlan.month == month)
        .order_by(SalesPlanChange.changed_at.desc(), SalesPlanChange.id.desc()))
    return [PlanChangeLine(o, n, who or "", at) for o, n, who, at in rows]
