"""/sales/settings/@@commission: managers' commission rules (admins) — a percent of paid revenue
per product group, and one for every other group. The report is
/sales/reports/@@commission (portal/sales/reports/commission.py)."""
from __future__ import annotations

import colander
import sqlalchemy as sa
from babel.numbers import format_decimal
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from models.errors import UserError
from models.sales import ProductGroup
from portal.clients.schemas import parse_decimal
from portal.core.forms import Choice, Reference
from portal.core.i18n import _, babel_locale
from portal.sales.reports import commission as service
from portal.sales.resources import SalesSettings
from views.forms import read_form


class RuleForm(colander.Schema):
    action = colander.SchemaNode(Choice(("save", "delete")), missing="save")
    id = colander.SchemaNode(Reference(), missing=None)
    group = colander.SchemaNode(Reference(), missing=None)
    percent = colander.SchemaNode(colander.String(allow_empty=True), missing="")
    active = colander.SchemaNode(colander.String(allow_empty=True), missing="")


@view_config(context=SalesSettings, name="commission", renderer="sales/commission/rules.jinja2",
             permission="manage", request_method="GET")
def rules_page(context, request):
    db = request.dbsession
    groups = db.execute(sa.select(ProductGroup.id, ProductGroup.name, ProductGroup.path)
                        .order_by(ProductGroup.path)).all()
    return {"rules": service.rules(db), "groups": groups,
            "title": request.translate(_("Commission rules")),
            "percent": lambda v: format_decimal(v, format="0.00", locale=babel_locale(request.locale_name))}


@view_config(context=SalesSettings, name="commission", permission="manage",
             request_method="POST")
def save_rule(context, request):
    back = request.resource_url(context, "@@commission")
    translate = request.translate
    try:
        form = read_form(RuleForm(), request.POST)
        if form.get("action") == "delete":
            if form["id"] is None:
                raise UserError(_("This rule no longer exists."), "id")
            service.delete_rule(request.dbsession, request.identity.user, form["id"])
            request.session.flash(translate(_("The rule is removed.")))
            return HTTPFound(back)
        try:
            percent = parse_decimal(form["percent"])
        except ValueError:
            raise UserError(_("Enter a percent from 0 to 100 with at most two decimals."),
                            "percent") from None
        service.save_rule(request.dbsession, request.identity.user, group_id=form["group"],
                          percent=percent, active=bool(form["active"]))
    except UserError as error:
        request.session.flash(translate(error.message), "error")
        return HTTPFound(back)
    request.session.flash(translate(_("The rule is saved.")))
    return HTTPFound(back)
