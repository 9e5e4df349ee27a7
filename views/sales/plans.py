"""Sales plans (issue 15, point 4): the grid manager × top product group × month of a year.

    /sales/plans?year=2027[&manager=7]   the grid (plan.view); cells of the coming months are
                                         inputs for those who may edit their manager's plans
    POST /sales/plans/@@cell             one cell (static/js/sales-plans.js, JSON answer)
    POST /sales/plans/@@save             the whole grid without JavaScript: the changed cells
    /sales/plans/@@history?manager=&group=&month=   a cell's corrections (a fragment for the
                                         script, a page without it)
Business rules: portal/sales/plans.py.
"""
from __future__ import annotations

import re
from decimal import Decimal

from babel import numbers as babel_numbers
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.errors import UserError
from portal.core.forms import id_field, schema_of, text_field
from portal.core.i18n import _, babel_locale, local_today
from portal.core.parsing import parse_int
from portal.sales.plans import (
    MAX_YEAR,
    MIN_YEAR,
    check_month,
    may_plan_for,
    parse_amount,
    plan_grid,
    plan_history,
    save_plan,
    save_plan_cell,
    top_group,
)
from portal.sales.reports.base import manager_choices, month_label
from portal.sales.resources import Plans
from views.forms import FormProblems, read_form

CELL = schema_of(id_field("manager"), id_field("group"), id_field("month"),
                 text_field("amount", 40))
HISTORY = schema_of(id_field("manager"), id_field("group"), id_field("month"))
CELL_NAME = re.compile(r"^c-(\d{1,10})-(\d{1,10})-(\d{6})$")


def money_text(request, value) -> str:
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, "#,##0.00",
                                        locale=babel_locale(request.locale_name))


def input_text(value) -> str:
    """An amount as the input shows it: plain digits and a dot, no zeros after it."""
    if value is None:
        return ""
    return f"{value:.2f}".removesuffix(".00")


def chosen_year(request) -> int:
    year = parse_int(request.params.get("year"), MAX_YEAR)
    return year if year is not None and year >= MIN_YEAR else local_today(request).year


def grid_page(request, year: int, errors: dict | None = None, posted: dict | None = None) -> dict:
    context = request.context
    manager = parse_int(request.params.get("manager"))
    grid = plan_grid(request, year, local_today(request), manager)
    base = request.resource_url(context)
    shown = {f"c-{u}-{g}-{m}" for u, _n in grid.managers for g, _t in grid.groups
             for m in grid.months}
    return {
        "stray_errors": {k: v for k, v in (errors or {}).items() if k not in shown},
        "title": _("Sales plans"),
        "grid": grid,
        "year": year,
        "manager": manager,
        "managers": manager_choices(request, "view", "plan"),
        "month_label": lambda m: month_label(request, m, "LLL"),
        "money": lambda v: money_text(request, v),
        "input_text": input_text,
        "errors": errors or {},
        "posted": posted or {},
        "year_url": lambda y: f"{base}?year={y}" + (f"&manager={manager}" if manager else ""),
        "save_url": request.resource_url(context, "@@save"),
        "cell_url": request.resource_url(context, "@@cell"),
        "history_url": request.resource_url(context, "@@history"),
        "may_edit": bool(grid.editable_managers),
    }


@view_config(context=Plans, renderer="sales/plans/grid.jinja2", permission="view",
             request_method="GET")
def plans_grid(context, request):
    return grid_page(request, chosen_year(request))


def _message(request, error: UserError) -> str:
    return request.translate(error.message) if hasattr(error.message, "domain") \
        else str(error.message)


@view_config(context=Plans, name="cell", request_method="POST", permission="edit",
             renderer="json")
def plan_cell(context, request):
    """One cell: {"ok", "amount", "text", "row_total", "month_total", "total"} or
    {"ok": false, "message", "field"} with 400 (bad input), 403 (not theirs), 409 (past)."""
    try:
        values = read_form(CELL, request.POST)
        plan = save_plan_cell(request, values["manager"], values["group"], values["month"],
                              values["amount"], local_today(request))
    except UserError as error:
        request.response.status_int = error.status
        return {"ok": False, "message": _message(request, error), "field": error.field}
    grid = plan_grid(request, plan.month // 100, local_today(request), plan.manager_id)
    return {"ok": True, "amount": input_text(plan.amount), "text": money_text(request, plan.amount),
            "row_total": money_text(request, grid.row_total(plan.manager_id, plan.group_id)),
            "message": request.translate(_("Saved.")),
            "history": True}


@view_config(context=Plans, name="save", request_method="POST", permission="edit",
             renderer="sales/plans/grid.jinja2")
def plans_save(context, request):
    """The grid posted without the script: every changed cell, all or none."""
    year = chosen_year(request)
    today = local_today(request)
    grid = plan_grid(request, year, today)
    errors: dict[str, object] = {}
    posted: dict[str, str] = {}
    todo = []
    # Every changed cell is checked before any is written: all or none.
    for name, text in request.POST.items():
        match = CELL_NAME.match(name)
        if not match or not isinstance(text, str):
            continue
        posted[name] = text
        manager_id, group_id, month = (int(part) for part in match.groups())
        try:
            amount = parse_amount(text)
            current = grid.amount(manager_id, group_id, month)
            if current == amount or (current is None and amount == Decimal(0)):
                continue
            if not may_plan_for(request, manager_id, "edit"):
                raise UserError(_("You may not change this manager's plans."), "manager")
            check_month(month, today)
            top_group(request.dbsession, group_id)
            todo.append((manager_id, group_id, month, amount))
        except UserError as error:
            errors[name] = error.message
    if errors:
        request.response.status_int = 400
        return grid_page(request, year, errors, posted)
    for manager_id, group_id, month, amount in todo:
        save_plan(request.dbsession, request.identity.user, manager_id, group_id, month, amount,
                  today)
    changed = len(todo)
    request.session.flash(request.translate(
        _("Plans saved: ${n}.", mapping={"n": changed}) if changed
        else _("Nothing was changed.")))
    return HTTPSeeOther(request.resource_url(context, query={"year": year}))


@view_config(context=Plans, name="history", permission="view")
def plans_history(context, request):
    try:
        values = read_form(HISTORY, request.GET)
    except FormProblems:
        values = {"manager": None, "group": None, "month": None}
    lines = []
    if None not in values.values():
        lines = plan_history(request, values["manager"], values["group"], values["month"])
    fragment = request.headers.get("HX-Request") == "true" or request.GET.get("part") == "1"
    template = "sales/plans/history_part.jinja2" if fragment else "sales/plans/history.jinja2"
    return render_to_response(template, {
            "title": _("Plan corrections"), "lines": lines,
            "month": values["month"], "month_label": lambda m: month_label(request, m),
            "money": lambda v: money_text(request, v),
            "back_url": request.resource_url(context, query={
                "year": values["month"] // 100} if values["month"] else {})}, request=request)
