"""/sales/settings/@@pipelines (administrators): the pipelines, one per sales channel, and their
stages with probabilities — add, rename, reorder, deactivate, delete (a stage deals stand or
stood on is never deleted). Each form posts one `action`; the page comes back with what was
done, or with the reason it was refused (nothing is written before every check passed). The
rules are portal/sales/pipelines.py's."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.errors import UserError
from models.sales import CHANNELS, Pipeline
from portal.core.forms import id_field, lines, read_fields, schema_of, squeezed, text
from portal.core.i18n import _
from portal.sales import pipelines as service
from portal.sales.resources import SalesSettings

ACTIONS = ("create", "rename", "add_stage", "update_stage", "up", "down", "deactivate",
           "activate", "delete")


@view_config(context=SalesSettings, name="pipelines", renderer="sales/pipelines/pipelines.jinja2",
             permission="manage", request_method="GET")
def pipelines_page(context, request):
    db = request.dbsession
    every = service.pipelines(db)
    stages = service.stages_of(db, [p.id for p in every])
    return {
        "title": _("Pipelines and stages"),
        "pipelines": [(p, stages[p.id]) for p in every],
        "channels": CHANNELS,
        "is_active": service.is_active_stage,
        "action_url": request.resource_url(context, "@@pipelines"),
    }


def pipeline_schema():
    return schema_of(
        text(squeezed(20), name="action"), id_field("pipeline"), id_field("stage"),
        text(squeezed(40), name="code"), text(squeezed(40), name="channel"),
        text(squeezed(200), name="name"), text(lines(4000), name="stages"),
        text(squeezed(10), name="probability"), text(squeezed(5), name="active"),
    )


@view_config(context=SalesSettings, name="pipelines", permission="manage", request_method="POST")
def pipelines_change(context, request):
    db = request.dbsession
    me = request.identity.user
    back = request.resource_url(context, "@@pipelines")
    values, problems = read_fields(pipeline_schema(), request.POST)
    action = values.get("action")
    try:
        if problems:
            raise UserError(next(iter(problems.values())), next(iter(problems)))
        if action not in ACTIONS:
            raise UserError(_("Unknown action."), "action")
        if action == "create":
            service.create_pipeline(db, me, code=values["code"], name=values["name"],
                                    channel=values["channel"],
                                    stages=service.parse_stage_lines(values["stages"]),
                                    won=request.translate(_("Won")),
                                    lost=request.translate(_("Lost")))
            message = _("The pipeline is added.")
        else:
            pipeline = db.get(Pipeline, values["pipeline"]) if values.get("pipeline") else None
            if pipeline is None:
                raise UserError(_("That pipeline does not exist."), "pipeline")
            probability = values.get("probability") or ""
            number = int(probability) if probability.isdigit() else None
            if action == "rename":
                service.update_pipeline(db, me, pipeline, name=values["name"],
                                        active=values.get("active") == "1")
                message = _("The pipeline is saved.")
            elif action == "add_stage":
                service.add_stage(db, me, pipeline, name=values["name"], probability=number)
                message = _("The stage is added.")
            elif action == "update_stage":
                service.update_stage(db, me, pipeline, values.get("stage"), name=values["name"],
                                     probability=number)
                message = _("The stage is saved.")
            elif action in ("up", "down"):
                service.move_stage(db, me, pipeline, values.get("stage"),
                                   -1 if action == "up" else 1)
                message = _("The stages are in their new order.")
            elif action in ("deactivate", "activate"):
                service.set_stage_active(db, me, pipeline, values.get("stage"),
                                         action == "activate")
                message = (_("The stage is active again.") if action == "activate"
                           else _("The stage is deactivated."))
            else:
                service.delete_stage(db, me, pipeline, values.get("stage"))
                message = _("The stage is deleted.")
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
        return HTTPSeeOther(back)
    request.session.flash(request.translate(message))
    return HTTPSeeOther(back)
