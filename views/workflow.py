"""The reusable workflow pieces: a view that runs a transition on any object whose type follows a
workflow (workflows/engine.py's IWorkflowAware), and the history panel."""
from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from portal.core.forms import read_fields
from views.people.auth import safe_came_from
from workflows.engine import IWorkflowAware, WorkflowError, history


class TransitionSchema(colander.MappingSchema):
    """The panel's form: which transition, a comment (the engine says when one is needed), and
    the page to go back to."""

    name = colander.SchemaNode(colander.String(), missing="")
    comment = colander.SchemaNode(colander.String(), missing="")
    came_from = colander.SchemaNode(colander.String(), missing="")


@view_config(context=IWorkflowAware, name="transition", request_method="POST", permission="view")
def run_transition(request):
    """POST name=<transition>, comment=…, came_from=…; the engine checks permission and guard."""
    obj = request.context
    form, _problems = read_fields(TransitionSchema(), request.POST)
    came_from = form["came_from"] or request.resource_path(obj)
    name = form["name"]
    known = {t.name: t for t in obj.workflow.transitions}
    if name in known and not request.has_permission(known[name].permission, obj):
        raise HTTPForbidden()
    try:
        obj.workflow.transition(request, obj, name, form["comment"])
    except WorkflowError as error:
        request.session.flash(request.translate(error.message), "error")
        return HTTPSeeOther(safe_came_from(request, came_from))
    request.session.flash(request.translate(obj.workflow.states[getattr(obj, obj.workflow.state_attr)].title))
    return HTTPSeeOther(safe_came_from(request, came_from))


def workflow_panel(request, obj) -> dict:
    """What `workflow/panel.jinja2` needs: the state, the transitions offered, the history."""
    workflow = obj.workflow
    state = getattr(obj, workflow.state_attr)
    return {
        "obj": obj,
        "state": workflow.states[state],
        "state_name": state,
        "transitions": workflow.available(request, obj),
        "history": history(request.dbsession, obj),
        "workflow": workflow,
        "action": request.resource_path(obj, "transition"),
    }
